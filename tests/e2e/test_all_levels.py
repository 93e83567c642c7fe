"""Each level's cycle walks from launch to closed on the demo college with its own chain of
owners and reviewers, through the API and `flask scheduler tick`."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Cycle
from tests.builders import valid_fields
from workflows import get_definition

TZ = dt.timezone(dt.timedelta(hours=8))
LAUNCH = dt.datetime(2026, 9, 7, 9, 0, tzinfo=TZ)

# level: (subject, owner, {reviewer role: who decides})
WALKS = {
    "school": ("示例职业技术学院", "2005341", {"committee": "2005074", "committee_chair": "2005045"}),
    "course": ("Java程序设计", "2005573", {"major_lead": "2005560", "unit_leader": "2005424"}),
    "teacher": ("向婷梅", "2005636", {"unit_leader": "2005424"}),
    "student": ("2025级软件技术1班", "2005457", {"unit_leader": "2005424"}),
}
PERSONNEL_HEAD = "2005235"  # 人事处处长: approves teachers' targets after the department


@pytest.mark.parametrize("level", WALKS)
def test_each_level_walks_its_own_chain(any_app, demo, level):
    subject, owner, deciders = WALKS[level]
    cycle = db.session.scalars(select(Cycle).where(Cycle.level == level,
                                                   Cycle.subject_name == subject)).one()
    cycle_id, definition = cycle.id, get_definition(cycle.definition_name, cycle.definition_version)
    client, runner = any_app.test_client(), any_app.test_cli_runner()
    people = {owner, PERSONNEL_HEAD, *deciders.values()}
    tokens = {u: runner.invoke(args=["users", "token", u]).output.strip() for u in people}

    def call(method, url, user, body=None):
        response = client.open(f"/api/v1{url}", method=method, json=body,
                               headers={"Authorization": f"Bearer {tokens[user]}"})
        assert response.status_code < 300, (level, url, user, response.json)
        return response.json

    def task_of(user):
        items = [t for t in call("GET", "/me/tasks?per_page=200", user)["items"]
                 if t["cycle_id"] == cycle_id]
        assert len(items) == 1, (level, user, items)
        return items[0]

    for stage in definition.stages:
        assert call("GET", f"/cycles/{cycle_id}", owner)["stage"] == stage.name
        task = task_of(owner)
        call("POST", f"/tasks/{task['id']}/submit", owner, {"fields": valid_fields(stage, level)})
        for step in stage.reviews:
            decider = PERSONNEL_HEAD if step.tier.startswith("unit:") else deciders[step.role]
            review = task_of(decider)
            assert review["kind"] == "review"
            if level == "course" and step.role == "major_lead":  # not yet the department's
                assert review["id"] not in [t["id"] for t in call(
                    "GET", "/me/tasks?per_page=200", deciders["unit_leader"])["items"]]
            call("POST", f"/tasks/{review['id']}/approve", decider, {"comment": "同意"})
        if stage.timer:
            when = getattr(db.session.get(Cycle, cycle_id), stage.timer.plan_field).astimezone(TZ)
            assert runner.invoke(args=["scheduler", "tick", "--at", when.isoformat()]).exit_code == 0
        db.session.expire_all()
    assert call("GET", f"/cycles/{cycle_id}", owner)["stage"] == "closed"
    approvals = db.session.scalars(select(AuditEvent.actor_id).where(
        AuditEvent.cycle_id == cycle_id, AuditEvent.action == "approve")).all()
    assert len(approvals) == sum(len(s.reviews) for s in definition.stages)


def test_launching_every_level_again_creates_nothing(app, demo):
    from app.models import Period
    from app.services.cycles import LEVELS, definition_for_level, launch_cycles
    summary = demo
    year = db.session.scalars(select(Period).where(Period.kind == "year")
                              .order_by(Period.start.desc())).first()
    term = db.session.scalars(select(Period).where(Period.kind == "term")
                              .order_by(Period.start)).first()
    for level in LEVELS:
        period = term if definition_for_level(level).period == "term" else year
        again = launch_cycles(db.session, None, level, period.id)
        assert again.created == [] and len(again.existing) == summary["by_level"][level]


def test_a_reviewer_from_outside_the_unit_lands_on_their_queue(app, demo):
    """人事处 approves a teacher's targets; the teacher's cycle is not theirs to browse."""
    from app.models import User
    from app.services import cycles as service
    from tests.builders import open_task, valid_fields
    from tests.conftest import RequestScopedClient
    from tests.web.conftest import sign_in
    cycle = db.session.scalars(select(Cycle).where(Cycle.level == "teacher",
                                                   Cycle.subject_name == "向婷梅")).one()
    users = {u.username: u for u in db.session.scalars(select(User))}
    service.submit(db.session, open_task(db.session, cycle).id, users["2005636"],
                   valid_fields(cycle.definition.stage("target"), "teacher"))
    service.approve(db.session, open_task(db.session, cycle).id, users["2005424"])
    review = open_task(db.session, cycle)
    app.test_client_class = RequestScopedClient
    client = app.test_client()
    sign_in(client, users["2005235"])
    response = client.post(f"/review/tasks/{review.id}/approve", data={"comment": "同意"})
    assert response.status_code == 303 and response.location == "/review/"
    assert client.get(f"/cycles/{cycle.id}").status_code == 404
