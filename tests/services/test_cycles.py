import datetime as dt

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Cycle, Deliverable, DeliverableVersion, Notification, Task
from app.services import cycles as service
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.builders import LAUNCH_AT, TARGETS, launch, open_task, valid_fields
from workflows import Refused, latest_definition

MAJOR = latest_definition("major")
LATER = LAUNCH_AT + dt.timedelta(days=1)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_launch_opens_one_cycle_per_major_with_a_fill_task_for_its_owner(session, college):
    result = launch(session, college)
    assert sorted(c.unit.code for c in result.created) == ["460301", "510201", "510203"]
    cycle = college.cycles["510203"]
    assert (cycle.stage, cycle.round, cycle.owner_id) == ("target", 1, college.lead1.id)
    task = open_task(session, cycle)
    assert (task.kind, task.assignee_id) == ("fill", college.lead1.id)
    assert task.due_at > LAUNCH_AT
    assert count(session, AuditEvent, AuditEvent.action == "launch") == 3
    assert count(session, Notification, Notification.user_id == college.lead1.id) == 1


def test_launching_twice_creates_nothing_twice(session, college):
    launch(session, college)
    again = service.launch_cycles(session, college.qo, "major", college.year.id, now=LATER)
    assert again.created == [] and len(again.existing) == 3
    assert count(session, Cycle) == 3 and count(session, Task) == 3


@pytest.mark.parametrize("who", ["head1", "lead1", "chair", "teacher"])
def test_only_the_quality_office_launches(session, college, who):
    with pytest.raises(Forbidden):
        service.launch_cycles(session, getattr(college, who), "major", college.year.id)
    assert count(session, Cycle) == 0


def test_launch_refuses_unknown_level_and_period(session, college):
    with pytest.raises(Invalid):
        service.launch_cycles(session, college.qo, "galaxy", college.year.id)
    with pytest.raises(NotFound):
        service.launch_cycles(session, college.qo, "major", 9999)


def test_invalid_submission_changes_nothing(session, college):
    launch(session, college)
    task = open_task(session, college.cycles["510203"])
    with pytest.raises(Invalid) as exc:
        service.submit(session, task.id, college.lead1, {"summary": "", "targets": [
            {"indicator": "x", "baseline": "abc", "target": "1", "deadline": "2027-01-01"}]},
            now=LATER)
    assert set(exc.value.errors) == {"summary", "targets[1].baseline"}
    session.rollback()
    assert session.get(Task, task.id).status == "open"
    assert count(session, DeliverableVersion) == 0


def test_only_the_assignee_submits(session, college):
    launch(session, college)
    task = open_task(session, college.cycles["510203"])
    with pytest.raises(Refused, match="Only the person responsible"):
        service.submit(session, task.id, college.head1, TARGETS, now=LATER)
    with pytest.raises(NotFound):  # lead2 may not even see another major's cycle
        service.submit(session, task.id, college.lead2, TARGETS, now=LATER)


def test_submit_opens_the_department_review(session, college):
    launch(session, college)
    cycle = college.cycles["510203"]
    service.submit(session, open_task(session, cycle).id, college.lead1, TARGETS, now=LATER)
    review = open_task(session, cycle)
    assert (review.kind, review.step, review.candidate_role, review.candidate_unit_id) == (
        "review", 0, "unit_leader", college.d1.id)
    assert count(session, Notification, Notification.user_id == college.head1.id,
                 Notification.kind == "review_requested") == 1
    assert count(session, Notification, Notification.user_id == college.head2.id) == 0


def _submitted(session, college, code="510203"):
    launch(session, college)
    cycle = college.cycles[code]
    owner = cycle.owner
    service.submit(session, open_task(session, cycle).id, owner, TARGETS, now=LATER)
    return cycle, open_task(session, cycle)


def test_department_head_cannot_approve_outside_own_department(session, college):
    cycle, review = _submitted(session, college)
    with pytest.raises(NotFound):  # another department's cycle is not even visible
        service.approve(session, review.id, college.head2, now=LATER)
    with pytest.raises(Forbidden, match="department head"):
        service.approve(session, review.id, college.qo, now=LATER)  # not the QO's step yet
    with pytest.raises(Forbidden):
        service.return_for_revision(session, review.id, college.lead1, "x", now=LATER)
    assert session.get(Task, review.id).status == "open"


def test_full_chain_moves_the_cycle_to_the_next_stage(session, college):
    cycle, review = _submitted(session, college)
    service.approve(session, review.id, college.head1, "同意", now=LATER)
    qo_task = open_task(session, cycle)
    assert (qo_task.step, qo_task.candidate_role, qo_task.candidate_unit_id) == (
        1, "quality_office", college.college.id)
    assert session.get(Cycle, cycle.id).stage == "target"
    service.approve(session, qo_task.id, college.qo, now=LATER)
    cycle = session.get(Cycle, cycle.id)
    assert (cycle.stage, cycle.round) == ("standard", 1)
    fill = open_task(session, cycle)
    assert (fill.stage, fill.kind, fill.assignee_id) == ("standard", "fill", college.lead1.id)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.cycle_id == cycle.id)
                              .order_by(AuditEvent.id)).all()
    assert actions == ["launch", "submit", "approve", "approve", "advance"]


def test_department_only_stage_advances_after_the_head(session, college):
    launch(session, college)
    cycle = college.cycles["510203"]
    session.execute(Cycle.__table__.update().where(Cycle.id == cycle.id).values(stage="design"))
    session.execute(Task.__table__.update().where(Task.cycle_id == cycle.id)
                    .values(stage="design"))
    session.commit()
    session.refresh(cycle)
    service.submit(session, open_task(session, cycle).id, college.lead1,
                   valid_fields(MAJOR.stage("design")), now=LATER)
    service.approve(session, open_task(session, cycle).id, college.head1, now=LATER)
    assert session.get(Cycle, cycle.id).stage == "organize"


def test_return_needs_a_reason_and_changes_nothing_without_one(session, college):
    cycle, review = _submitted(session, college)
    with pytest.raises(Invalid, match="reason is required"):
        service.return_for_revision(session, review.id, college.head1, "  ", now=LATER)
    assert session.get(Task, review.id).status == "open"


def test_return_starts_a_new_round_and_keeps_every_version(session, college):
    cycle, review = _submitted(session, college)
    service.return_for_revision(session, review.id, college.head1, "目标值偏低", now=LATER)
    cycle = session.get(Cycle, cycle.id)
    assert (cycle.stage, cycle.round) == ("target", 2)
    fill = open_task(session, cycle)
    assert (fill.kind, fill.round, fill.assignee_id) == ("fill", 2, college.lead1.id)
    note = session.scalars(select(Notification).where(Notification.kind == "returned")).one()
    assert note.params["reason"] == "目标值偏低"
    with pytest.raises(Refused, match="already been handled"):  # the old review is closed
        service.approve(session, review.id, college.head1, now=LATER)
    service.submit(session, fill.id, college.lead1, {**TARGETS, "summary": "修订后"}, now=LATER)
    deliverable = session.scalars(select(Deliverable)).one()
    assert [(v.number, v.round, v.data["summary"]) for v in deliverable.versions] == [
        (1, 1, TARGETS["summary"]), (2, 2, "修订后")]


def test_author_cannot_review_own_report(session, college):
    # the QO heads an office, so make them own a cycle-like situation: the head submits nothing;
    # instead check the guard through a department head who is also the submitter.
    cycle, review = _submitted(session, college)
    version = session.scalars(select(DeliverableVersion)).one()
    session.execute(DeliverableVersion.__table__.update().values(author_id=college.head1.id))
    session.commit()
    with pytest.raises(Refused, match="submitted yourself"):
        service.approve(session, review.id, college.head1, now=LATER)
    assert version.id


def test_a_stale_decision_loses(session, college):
    cycle, review = _submitted(session, college)
    stale = session.get(Task, review.id)
    version_seen = stale.version
    service.approve(session, review.id, college.head1, now=LATER)
    # A second request that read the task before the first decision committed:
    with pytest.raises(Conflict):
        service._decide(session, type("T", (), {"id": review.id, "version": version_seen})(),
                        college.head1, "approved", None, LATER)


def test_timer_moves_implement_to_monitor_to_diagnose_once(session, college):
    launch(session, college)
    cycle = college.cycles["510203"]
    session.execute(Cycle.__table__.update().where(Cycle.id == cycle.id).values(stage="implement"))
    session.commit()
    assert service.advance_timers(session, cycle.monitor_at - dt.timedelta(minutes=1)) == []
    assert service.advance_timers(session, cycle.monitor_at) == [cycle.id]
    assert session.get(Cycle, cycle.id).stage == "monitor"
    assert service.advance_timers(session, cycle.monitor_at) == []
    # after downtime past both dates it moves through both, once each
    session.execute(Cycle.__table__.update().where(Cycle.id == cycle.id).values(stage="implement"))
    session.commit()
    assert service.advance_timers(session, cycle.diagnose_at + dt.timedelta(days=3)) == [
        cycle.id, cycle.id]
    assert session.get(Cycle, cycle.id).stage == "diagnose"
    timers = session.scalars(select(AuditEvent).where(AuditEvent.action == "timer")).all()
    assert [(e.from_stage, e.to_stage, e.actor_id) for e in timers] == [
        ("implement", "monitor", None), ("implement", "monitor", None), ("monitor", "diagnose", None)]


def test_due_dates_count_working_days_and_skip_the_holidays(session, college):
    from app.models import Holiday
    session.add(Holiday(name="国庆节", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 7)))
    session.commit()
    monday = dt.datetime(2026, 9, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    launch(session, college, now=monday)
    task = open_task(session, college.cycles["510203"])
    # 14 working days from Monday 28 September: the 29th and 30th, then 8, 9, 12-16 and
    # 19-23 October; without the holiday it would be 16 October.
    assert task.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat() == \
        "2026-10-23T18:00:00+08:00"
