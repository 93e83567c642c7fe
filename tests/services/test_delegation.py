"""Drafts (保存草稿) and delegation (委托): a colleague prepares, the owner confirms."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, DeliverableVersion, Notification, Task
from app.services import cycles as service
from app.services.errors import Conflict, Forbidden, Invalid
from tests import builders
from tests.builders import TARGETS, open_task
from tests.web.conftest import sign_in


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    world.colleague = builders.person(db.session, "t2", "软件教师二", world.m1, "teacher")
    db.session.commit()
    return world


def versions():
    return db.session.scalar(select(func.count()).select_from(DeliverableVersion))


def test_a_draft_keeps_unfinished_work_without_submitting(world):
    service.save_draft(db.session, world.fill.id, world.lead1,
                       {"summary": "写了一半", "targets": [{"indicator": "落实率", "baseline": "八十"}]})
    task = db.session.get(Task, world.fill.id)
    assert task.status == "open" and task.draft["summary"] == "写了一半"
    assert task.draft["targets"][0]["baseline"] == "八十"  # kept as typed, checked on submit
    assert versions() == 0
    with pytest.raises(Invalid):
        service.save_draft(db.session, world.fill.id, world.lead1, {"summary": "bad\x00"})
    with pytest.raises(service.NotFound):  # a teacher cannot even see the major's cycle
        service.save_draft(db.session, world.fill.id, world.colleague, {"summary": "x"})


def test_delegate_prepare_hand_back_confirm(world):
    service.delegate(db.session, world.fill.id, world.lead1, world.colleague.id, "请起草目标")
    task = db.session.get(Task, world.fill.id)
    assert (task.assignee_id, task.delegated_by_id) == (world.colleague.id, world.lead1.id)
    with pytest.raises(Conflict, match="hand it back"):
        service.submit(db.session, task.id, world.colleague, TARGETS)
    with pytest.raises(Invalid):  # handed back complete, or not at all
        service.resolve(db.session, task.id, world.colleague, {"summary": ""})
    service.resolve(db.session, task.id, world.colleague, TARGETS)
    task = db.session.get(Task, world.fill.id)
    assert (task.assignee_id, task.delegated_by_id) == (world.lead1.id, None)
    assert task.draft["targets"][0]["target"] == 92
    assert db.session.scalars(select(Notification.kind).where(
        Notification.user_id == world.lead1.id, Notification.kind == "resolved")).all()
    service.submit(db.session, task.id, world.lead1, task.draft)  # the owner confirms
    assert versions() == 1
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.task_id == task.id).order_by(AuditEvent.id)).all()
    assert actions == ["delegate", "resolve", "submit"]


def test_delegation_stays_in_the_unit_and_happens_once_at_a_time(world):
    with pytest.raises(Invalid):
        service.delegate(db.session, world.fill.id, world.lead1, world.head2.id, None)
    service.delegate(db.session, world.fill.id, world.lead1, world.colleague.id, None)
    with pytest.raises(Forbidden):
        service.delegate(db.session, world.fill.id, world.colleague, world.teacher.id, None)


def test_the_web_form_saves_a_draft_and_prefills_it(client, world):
    sign_in(client, world.lead1)
    response = client.post(f"/tasks/{world.fill.id}", data={
        "action": "draft", "summary": "草稿内容", "targets-0-indicator": "落实率"})
    assert response.status_code == 302
    html = client.get(f"/tasks/{world.fill.id}").get_data(as_text=True)
    assert "草稿内容" in html and 'value="落实率"' in html
    assert open_task(db.session, world.cycle).kind == "fill"
    assert client.post(f"/tasks/{world.fill.id}", data={"action": "publish"}).status_code == 400


def test_saving_a_draft_again_and_again_does_not_grow_the_table(client, world):
    sign_in(client, world.lead1)
    for _ in range(3):
        client.post(f"/tasks/{world.fill.id}", data={
            "action": "draft", "summary": "草稿", "targets-0-indicator": "落实率",
            "targets-1-indicator": "", "targets-2-indicator": ""})
    assert len(db.session.get(Task, world.fill.id).draft["targets"]) == 1
    html = client.get(f"/tasks/{world.fill.id}").get_data(as_text=True)
    assert html.count('name="targets-') // 4 == 1 + 5  # the one row and five blank ones
