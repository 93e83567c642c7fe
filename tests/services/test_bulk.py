"""Bulk approve and urge: each item done or refused with its reason; nothing else disturbed."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Cycle, Notification
from app.services import bulk
from app.services import cycles as service
from app.services.errors import Invalid
from tests import builders
from tests.builders import TARGETS, open_task
from tests.web.conftest import sign_in


def _world():
    world = builders.launched_college(db.session)
    for code in ("510203", "510201", "460301"):
        cycle = world.cycles[code]
        service.submit(db.session, open_task(db.session, cycle).id, cycle.owner, TARGETS)
    world.reviews = {code: open_task(db.session, c).id for code, c in world.cycles.items()}
    return world


def test_approve_many_does_what_it_may_and_says_why_not_for_the_rest(app):
    world = _world()
    fill_of_other = open_task(db.session, world.cycles["510203"]).id
    ids = [world.reviews["510203"], world.reviews["510201"], world.reviews["460301"], 999999]
    results = bulk.approve_many(db.session, ids, world.head1, "同意")
    assert [(r.task_id, r.ok) for r in results] == [
        (ids[0], True), (ids[1], True), (ids[2], False), (999999, False)]
    assert results[2].message == "No such task."  # another department's review
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "approve")) == 2
    assert db.session.get(Cycle, world.cycles["460301"].id).stage == "target"
    assert fill_of_other  # the cycles moved on to the quality office's step
    again = bulk.approve_many(db.session, ids[:1], world.head1)
    assert not again[0].ok and "already been handled" in again[0].message


@pytest.mark.parametrize("ids", [[], ["x"], list(range(1, 300)), [2**40]])
def test_approve_many_refuses_a_bad_selection(app, ids):
    world = _world()
    with pytest.raises(Invalid):
        bulk.approve_many(db.session, ids, world.head1)


def test_urging_notifies_and_is_counted_in_the_audit(app):
    world = _world()
    ids = [world.reviews["510203"], world.reviews["460301"]]
    results = bulk.urge_many(db.session, ids, world.head1, "请本周内完成审核")
    assert [r.ok for r in results] == [True, False]  # head1 does not supervise 460301
    results = bulk.urge_many(db.session, ids, world.qo, "质量办催办")
    assert [r.ok for r in results] == [True, True]
    urges = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "urge")).all()
    assert len(urges) == 3 and {u.comment for u in urges} == {"请本周内完成审核", "质量办催办"}
    note = db.session.scalars(select(Notification).where(Notification.kind == "urged",
                                                         Notification.user_id == world.head2.id)).one()
    assert note.params["note"] == "质量办催办" and note.params["who"] == world.qo.name


def test_a_lead_cannot_urge(app):
    world = _world()
    results = bulk.urge_many(db.session, [world.reviews["510203"]], world.lead1, "快")
    assert not results[0].ok and "unit leader or the quality office" in results[0].message


def test_bulk_results_page_lists_each_item(client, app):
    world = _world()
    sign_in(client, world.head1)
    response = client.post("/review/approve-many", data={
        "task_ids": [world.reviews["510203"], world.reviews["460301"]], "comment": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 项完成，1 项未完成" in html
    assert "该任务不存在" in html
