"""软件技术's cycle from launch to closed on the demo college: nine stages, three tiers, one
return for revision, and the timers, through the API and `flask scheduler tick`."""
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Cycle, Deliverable, DeliverableVersion, OrgUnit
from tests.builders import valid_fields
from workflows import latest_definition

MAJOR = latest_definition("major")
TZ = dt.timezone(dt.timedelta(hours=8))
LAUNCH = dt.datetime(2026, 9, 7, 9, 0, tzinfo=TZ)
OWNER, HEAD, QO = "2005560", "2005424", "2005341"  # 专业负责人, 信息工程学院院长, 质量办主任


def test_software_major_walks_all_nine_stages(any_app, demo):
    summary = demo
    assert summary["by_level"] == {"school": 1, "major": 18, "course": 40, "teacher": 78,
                                   "student": 36}
    client = any_app.test_client()
    runner = any_app.test_cli_runner()
    tokens = {u: runner.invoke(args=["users", "token", u]).output.strip() for u in (OWNER, HEAD, QO)}

    def call(method, url, user, body=None):
        response = client.open(f"/api/v1{url}", method=method, json=body,
                               headers={"Authorization": f"Bearer {tokens[user]}"})
        assert response.status_code < 300, (url, response.status_code, response.json)
        return response.json

    major = db.session.scalars(select(OrgUnit).where(OrgUnit.name == "软件技术")).one()
    cycle_id = db.session.scalars(select(Cycle.id).where(Cycle.unit_id == major.id,
                                                         Cycle.level == "major",
                                                         Cycle.stage != "closed")).one()

    def my_task(user):
        items = [t for t in call("GET", "/me/tasks?per_page=200", user)["items"]
                 if t["cycle_id"] == cycle_id]
        assert len(items) == 1, (user, items)
        return items[0]

    def stage():
        return call("GET", f"/cycles/{cycle_id}", OWNER)["stage"]

    returned = False
    for definition_stage in MAJOR.stages:
        name = definition_stage.name
        assert stage() == name
        task = my_task(OWNER)
        assert (task["stage"], task["kind"]) == (name, "fill")
        call("POST", f"/tasks/{task['id']}/submit", OWNER, {"fields": valid_fields(definition_stage)})
        if not returned:  # the department head sends the first report back once
            review = my_task(HEAD)
            call("POST", f"/tasks/{review['id']}/return", HEAD, {"comment": "目标值需与学院目标对齐"})
            returned = True
            task = my_task(OWNER)
            assert task["round"] == 2
            call("POST", f"/tasks/{task['id']}/submit", OWNER, {"fields": valid_fields(definition_stage)})
        tiers = [HEAD, QO][:len(definition_stage.reviews)]
        for reviewer in tiers:
            review = my_task(reviewer)
            assert review["kind"] == "review"
            call("POST", f"/tasks/{review['id']}/approve", reviewer, {"comment": "同意"})
        if definition_stage.timer:
            assert stage() == name, "a time-boxed stage waits for its date"
            cycle = db.session.get(Cycle, cycle_id)
            when = getattr(cycle, definition_stage.timer.plan_field).astimezone(TZ)
            result = runner.invoke(args=["scheduler", "tick", "--at", when.isoformat()])
            assert result.exit_code == 0 and "moved" in result.output
    cycle = call("GET", f"/cycles/{cycle_id}", OWNER)
    assert cycle["stage"] == "closed"

    history = db.session.scalars(select(AuditEvent).where(AuditEvent.cycle_id == cycle_id,
                                                          AuditEvent.action != "remind")
                                 .order_by(AuditEvent.id)).all()
    moves = [(e.from_stage, e.to_stage) for e in history if e.action in ("advance", "timer")]
    assert moves == list(zip(MAJOR.stage_names, MAJOR.stage_names[1:]))
    assert [e.action for e in history if e.action == "timer"] == ["timer", "timer"]
    assert sum(e.action == "return" for e in history) == 1
    approvals = sum(e.action == "approve" for e in history)
    assert approvals == sum(len(s.reviews) for s in MAJOR.stages)
    versions = db.session.scalars(select(DeliverableVersion.number)
                                  .join(Deliverable, Deliverable.id == DeliverableVersion.deliverable_id)
                                  .where(Deliverable.cycle_id == cycle_id)
                                  .order_by(DeliverableVersion.id)).all()
    assert len(versions) == len(MAJOR.stages) + 1  # every stage once, the target twice
