"""Reminders and timers through `flask scheduler tick --at`, the way operators run them."""
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Cycle, Notification, ReminderLog, SchedulerTick, Task
from app.scheduler import run_due_jobs
from tests import builders
from tests.builders import launch, open_task

TZ = dt.timezone(dt.timedelta(hours=8))


def tick(app, at: str):
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", at])
    assert result.exit_code == 0, result.output
    return result.output


def notes(user, kind=None):
    query = select(func.count()).select_from(Notification).where(Notification.user_id == user.id,
                                                                  Notification.kind != "task_assigned")
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalar(query)


@pytest.fixture
def world(app):
    world = builders.build_college(db.session)
    launch(db.session, world)
    task = open_task(db.session, world.cycles["510203"])
    # Pin the due date so the calendar below reads plainly: due 2026-10-15 18:00 Beijing.
    task.due_at = dt.datetime(2026, 10, 15, 18, 0, tzinfo=TZ)
    for other in db.session.scalars(select(Task).where(Task.id != task.id)):
        other.due_at = dt.datetime(2027, 1, 1, tzinfo=TZ)
    db.session.commit()
    world.task = task
    return world


def test_reminder_tiers_fire_on_the_right_days(app, world):
    assert "sent 0 reminder" in tick(app, "2026-10-12T08:59+08:00")
    assert "sent 1 reminder" in tick(app, "2026-10-12T09:00+08:00")   # 3 days before
    assert notes(world.lead1, "reminder") == 1
    assert "sent 1 reminder" in tick(app, "2026-10-14T09:00+08:00")   # 1 day before
    assert "sent 1 reminder" in tick(app, "2026-10-16T09:00+08:00")   # overdue day 1
    assert notes(world.lead1, "overdue") == 1
    assert notes(world.head1) == 0
    assert "sent 1 reminder" in tick(app, "2026-10-18T09:00+08:00")   # day 3: the unit leader
    assert notes(world.head1, "escalated") == 1 and notes(world.head2) == 0
    assert db.session.get(Task, world.task.id).escalation_tier == 1
    assert "sent 1 reminder" in tick(app, "2026-10-22T09:00+08:00")   # day 7: the quality office
    assert notes(world.qo, "escalated") == 1
    assert db.session.get(Task, world.task.id).escalation_tier == 2
    assert "sent 0 reminder" in tick(app, "2026-10-30T09:00+08:00")


def test_a_task_waits_for_its_next_rule_and_leaves_the_queue_after_the_last(app, world):
    def remind_at():
        db.session.expire_all()
        value = db.session.get(Task, world.task.id).remind_at
        return value and value.astimezone(TZ)

    assert remind_at() == dt.datetime(2026, 10, 7, 18, 0, tzinfo=TZ)  # due date less 8 days
    tick(app, "2026-10-12T09:00+08:00")
    assert remind_at() == dt.datetime(2026, 10, 14, 9, 0, tzinfo=TZ)  # the day before
    tick(app, "2026-10-19T10:00+08:00")
    assert remind_at() == dt.datetime(2026, 10, 22, 9, 0, tzinfo=TZ)  # the office's day
    tick(app, "2026-10-22T09:00+08:00")
    assert remind_at() is None


def test_a_tick_reads_only_what_is_due_in_statements_that_do_not_grow_per_task(app, world):
    from sqlalchemy import event, insert
    due = dt.datetime(2026, 10, 15, 18, 0, tzinfo=TZ)

    def overdue(n):
        db.session.execute(insert(Task), [
            {"cycle_id": world.cycles["460301"].id, "stage": "target", "kind": kind, "step": 0,
             "round": 1, "assignee_id": world.lead3.id if kind == "fill" else None,
             "candidate_role": None if kind == "fill" else "unit_leader",
             "candidate_unit_id": None if kind == "fill" else world.d2.id,
             "status": "open", "due_at": due, "remind_at": due - Task.REMINDER_LEAD,
             "created_at": due - dt.timedelta(days=14), "escalation_tier": 0, "version": 1}
            for kind in ("fill", "review") for _ in range(n)])
        db.session.commit()

    def statements_of_a_tick(at):
        issued = []

        def count(_c, _cur, statement, *_args):
            issued.append(statement.split("\n")[0][:90])
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            output = tick(app, at)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return issued, output

    overdue(3)
    assert "sent 14 reminder" in tick(app, "2026-10-19T10:00+08:00")  # the pinned one too
    overdue(3)
    few, output = statements_of_a_tick("2026-10-19T10:00+08:00")
    assert "sent 12 reminder" in output  # six tasks, two tiers each
    overdue(30)
    many, output = statements_of_a_tick("2026-10-19T10:00+08:00")
    assert "sent 120 reminder" in output
    assert len(many) == len(few)
    idle, output = statements_of_a_tick("2026-10-19T10:01+08:00")
    assert "sent 0 reminder" in output and len(idle) < len(few)


def test_running_the_same_tick_twice_sends_once(app, world):
    tick(app, "2026-10-16T09:00+08:00")
    tick(app, "2026-10-16T09:00+08:00")
    assert notes(world.lead1) == 1
    assert db.session.scalar(select(func.count()).select_from(SchedulerTick)) == 2


def test_a_tick_after_downtime_catches_up_once(app, world):
    assert "sent 2 reminder" in tick(app, "2026-10-19T10:00+08:00")  # down from the 11th
    assert notes(world.lead1) == 1 and notes(world.lead1, "overdue") == 1  # not three
    assert notes(world.head1, "escalated") == 1
    logged = dict(db.session.execute(select(ReminderLog.rule_key, ReminderLog.outcome)).all())
    assert logged == {"before-3": "skipped", "before-1": "skipped", "overdue-1": "sent",
                      "overdue-3": "sent"}
    tick(app, "2026-10-19T11:00+08:00")
    assert notes(world.lead1) == 1 and notes(world.head1) == 1


def test_tick_moves_time_boxed_stages_on_their_planned_dates(app, world):
    cycle = world.cycles["510203"]
    db.session.execute(Cycle.__table__.update().where(Cycle.id == cycle.id).values(stage="implement"))
    db.session.commit()
    monitor_at = cycle.monitor_at.astimezone(TZ)
    assert "moved 0" in tick(app, (monitor_at - dt.timedelta(minutes=1)).isoformat())
    assert "moved 1" in tick(app, monitor_at.isoformat())
    assert db.session.get(Cycle, cycle.id).stage == "monitor"
    assert "moved 1" in tick(app, cycle.diagnose_at.astimezone(TZ).isoformat())
    assert db.session.get(Cycle, cycle.id).stage == "diagnose"


@pytest.mark.parametrize("bad", ["yesterday", "2026-10-15T09:00"])
def test_tick_refuses_an_unclear_instant(app, bad):
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", bad])
    assert result.exit_code != 0 and "Invalid value" in result.output


@pytest.mark.postgres
def test_two_ticks_at_once_send_each_reminder_once(pg_app):
    world = builders.build_college(db.session)
    launch(db.session, world)
    due = dt.datetime(2026, 10, 15, 18, 0, tzinfo=TZ)
    db.session.execute(Task.__table__.update().values(due_at=due,
                                                      remind_at=due - Task.REMINDER_LEAD))
    db.session.commit()
    owners = sorted([world.lead1.id, world.lead2.id, world.lead3.id])
    db.session.remove()
    at = dt.datetime(2026, 10, 16, 9, 0, tzinfo=TZ)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        with pg_app.app_context():
            try:
                barrier.wait(timeout=10)
                run_due_jobs(at)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    sent = db.session.scalars(select(Notification.user_id).where(Notification.kind == "overdue")).all()
    assert sorted(sent) == owners
