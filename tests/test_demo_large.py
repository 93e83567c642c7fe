"""The large college (`flask demo load --scale large`) is the history the services would have
written: checked here at a twentieth of its size."""
import datetime as dt

from sqlalchemy import func, select

from app.demo_large import load_large
from app.extensions import db
from app.models import AuditEvent, Cycle, Deliverable, Period, Task, User
from workflows import CLOSED, get_definition

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_the_large_college_has_closed_years_and_a_current_one_at_work(app):
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


def test_the_large_college_is_written_into_an_empty_database_only(app):
    import pytest
    load_large(db.session, "Demo@2026", factor=0.05, now=NOW)
    with pytest.raises(ValueError, match="empty database"):
        load_large(db.session, "Demo@2026", factor=0.05, now=NOW)
