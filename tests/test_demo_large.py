"""The large college (`flask demo load --scale large`) is the history the services would have
written: checked here at a twentieth of its size."""
import datetime as dt

from sqlalchemy import func, select, text

from app.demo_large import load_large
from app.extensions import db
from app.models import AuditEvent, Cycle, Deliverable, Period, Task, User
from app.scheduler import run_due_jobs
from workflows import CLOSED, get_definition

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=TZ)


def test_the_large_college_has_closed_years_and_a_current_one_at_work(any_app):
    summary = load_large(db.session, "Demo@2026", factor=0.05, now=NOW)
    assert summary["units"] == 1 + 10 + 1 + 5  # college, offices, a department, its majors
    years = db.session.scalars(select(Period).where(Period.kind == "year")
                               .order_by(Period.start)).all()
    assert [y.name for y in years] == ["2023-2024学年", "2024-2025学年", "2025-2026学年",
                                       "2026-2027学年"]
    cycles = db.session.scalars(select(Cycle)).all()
    assert summary["cycles"] == len(cycles)
    closed = [c for c in cycles if c.stage == CLOSED]
    running = [c for c in cycles if c.stage != CLOSED]
    assert {c.period.name[:9] for c in running} == {"2026-2027"}
    assert all(c.closed_at is not None for c in closed)
    # every closed major cycle delivered each stage, the last version approved
    major = get_definition("major", 1)
    for cycle in [c for c in closed if c.level == "major"][:3]:
        delivered = db.session.scalars(select(Deliverable).where(
            Deliverable.cycle_id == cycle.id)).all()
        assert sorted(d.stage for d in delivered) == sorted(s.name for s in major.stages)
        assert {d.status for d in delivered} == {"approved"}
    # a running cycle has exactly one open task, of its current stage
    open_tasks = dict(db.session.execute(
        select(Task.cycle_id, func.count()).where(Task.status == "open")
        .group_by(Task.cycle_id)).all())
    assert all(open_tasks.get(c.id) == 1 for c in running)
    assert db.session.scalar(select(func.count()).select_from(Task)
                             .where(Task.status == "open", Task.cycle_id.in_(
                                 [c.id for c in closed]))) == 0
    # the next turn points at the last
    assert all(c.previous_id for c in running if c.level in ("major", "teacher"))
    actions = dict(db.session.execute(select(AuditEvent.action, func.count())
                                      .group_by(AuditEvent.action)).all())
    assert actions["submit"] >= actions["advance"] > 0 and actions["return"] > 0
    assert summary["tasks"] == db.session.scalar(select(func.count()).select_from(Task))
    assert db.session.scalar(select(func.count()).select_from(User)) == summary["users"]
    # times are what was meant (launched a week into the period, 09:00 in Beijing)
    first = min(cycles, key=lambda c: c.id)
    assert first.launched_at.astimezone(TZ) == dt.datetime(2023, 9, 8, 9, tzinfo=TZ)
    if db.engine.dialect.name == "postgresql":  # settled as autovacuum would have it
        assert db.session.execute(text(
            "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relname = 'tasks'")).scalar()
    # the scheduler, had it run until now, has done all there was: nothing is left to do
    assert run_due_jobs(NOW) == {"launches": 0, "timers": 0, "reminders": 0, "warnings": 0}
    # and the next morning's tick sends that day's reminders, each task's next rule
    assert run_due_jobs(NOW + dt.timedelta(days=1))["reminders"] > 0


def test_the_large_college_is_written_into_an_empty_database_only(app):
    import pytest
    load_large(db.session, "Demo@2026", factor=0.05, now=NOW)
    with pytest.raises(ValueError, match="empty database"):
        load_large(db.session, "Demo@2026", factor=0.05, now=NOW)


def test_the_command_loads_the_large_college_with_a_progress_bar_and_refuses_a_bad_factor(app):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo", "load", "--scale", "large", "--factor", "50"])
    assert refused.exit_code != 0 and "between 0.05 and 10" in refused.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    result = runner.invoke(args=["demo", "load", "--scale", "large", "--factor", "0.05"])
    assert result.exit_code == 0, result.output
    assert "cycles" in result.output and "large college: 17 units" in result.output
    cycles = db.session.scalar(select(func.count()).select_from(Cycle))
    assert f"{cycles} cycles" in result.output
    again = runner.invoke(args=["demo", "load", "--scale", "large", "--factor", "0.05"])
    assert again.exit_code != 0 and "empty database" in again.output
