"""Time the list queries behind 我的待办, the cycle list, the dashboard and the overdue list
on a large synthetic college.

    .venv/bin/python bench/bench_lists.py [--majors 2000] [--tasks-per-cycle 100] [--db URL]

Builds the data with bulk inserts into a fresh SQLite file (or the given empty database),
then runs each query several times and prints the median in milliseconds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Cycle, OrgUnit, Period, RoleAssignment, Task, User,
)
from app import queries  # noqa: E402
from config import TestConfig  # noqa: E402

UTC = dt.timezone.utc


def build(session, majors: int, tasks_per_cycle: int) -> dict:
    now = dt.datetime(2026, 12, 1, tzinfo=UTC)
    session.execute(insert(OrgUnit), [{"id": 1, "code": "C", "name": "学院", "kind": "college",
                                       "parent_id": None, "path": "/C/"}])
    departments = max(1, majors // 20)
    session.execute(insert(OrgUnit), [
        {"id": 1 + d, "code": f"D{d:04d}", "name": f"系部{d}", "kind": "department",
         "parent_id": 1, "path": f"/C/D{d:04d}/"} for d in range(1, departments + 1)])
    base = departments + 2
    session.execute(insert(OrgUnit), [
        {"id": base + m, "code": f"M{m:05d}", "name": f"专业{m}", "kind": "major",
         "parent_id": 2 + m % departments,
         "path": f"/C/D{1 + m % departments:04d}/M{m:05d}/"} for m in range(majors)])
    users = [{"id": 1, "username": "qo", "name": "质量办", "unit_id": 1, "password_hash": "x",
              "active": True, "title": "", "created_at": now},
             {"id": 2, "username": "head", "name": "系主任", "unit_id": 2, "password_hash": "x",
              "active": True, "title": "", "created_at": now}]
    users += [{"id": 3 + m, "username": f"lead{m}", "name": f"负责人{m}", "unit_id": base + m,
               "password_hash": "x", "active": True, "title": "", "created_at": now}
              for m in range(majors)]
    session.execute(insert(User), users)
    session.execute(insert(RoleAssignment), [
        {"user_id": 1, "role": "quality_office", "unit_id": 1},
        {"user_id": 2, "role": "unit_leader", "unit_id": 2}] + [
        {"user_id": 3 + m, "role": "major_lead", "unit_id": base + m} for m in range(majors)])
    session.execute(insert(Period), [{"id": 1, "kind": "year", "name": "2026-2027学年",
                                      "start": dt.date(2026, 9, 1), "end": dt.date(2027, 8, 31)}])
    stages = ["target", "standard", "design", "organize", "implement", "monitor", "diagnose",
              "learn", "improve", "closed"]
    session.execute(insert(Cycle), [
        {"id": 1 + m, "level": "major", "unit_id": base + m, "period_id": 1,
         "subject_kind": "unit", "subject_id": base + m, "subject_name": f"专业{m}",
         "definition_name": "major", "definition_version": 1, "stage": stages[m % 10],
         "round": 1, "owner_id": 3 + m, "monitor_at": now, "diagnose_at": now,
         "launched_at": now, "stage_entered_at": now, "version": 1} for m in range(majors)])
    rows = []
    task_id = 0
    for m in range(majors):
        for k in range(tasks_per_cycle):
            task_id += 1
            is_open = k == tasks_per_cycle - 1
            review = k % 2 == 1
            rows.append({"id": task_id, "cycle_id": 1 + m, "stage": stages[k % 9],
                         "kind": "review" if review else "fill", "step": 0, "round": 1,
                         "assignee_id": None if review else 3 + m,
                         "candidate_role": "unit_leader" if review else None,
                         "candidate_unit_id": 2 + m % departments if review else None,
                         "status": "open" if is_open else "done",
                         "due_at": now + dt.timedelta(days=(m % 30) - 15),
                         "created_at": now, "escalation_tier": 0, "version": 1})
            if len(rows) == 20000:
                session.execute(insert(Task), rows)
                rows = []
    if rows:
        session.execute(insert(Task), rows)
    session.commit()
    return {"units": majors + departments + 1, "cycles": majors, "tasks": task_id}


def timed(fn, repeat=7) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        db.session.expunge_all()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--majors", type=int, default=2000)
    parser.add_argument("--tasks-per-cycle", type=int, default=100)
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        sizes = build(db.session, args.majors, args.tasks_per_cycle)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))  # as autovacuum would after a bulk load
            db.session.commit()
        print(f"built {sizes} in {time.perf_counter() - start:.1f}s on {db.engine.dialect.name}")
        qo = db.session.get(User, 1)
        head = db.session.get(User, 2)
        lead = db.session.get(User, 3)
        now = dt.datetime(2026, 12, 1, tzinfo=UTC)
        cases = {
            "my tasks (major lead)": lambda: queries.my_open_tasks(db.session, lead),
            "my tasks (department head, group tasks)": lambda: queries.my_open_tasks(db.session, head),
            "cycles page 1 (quality office)": lambda: queries.visible_cycles(db.session, qo),
            "cycles, one department, stage filter": lambda: queries.visible_cycles(
                db.session, qo, unit_code="D0001", stage="target"),
            "cycles with overdue tasks": lambda: queries.visible_cycles(db.session, qo, overdue_at=now),
            "dashboard matrix (quality office)": lambda: queries.stage_matrix(db.session, qo),
            "overdue page 1 (quality office)": lambda: queries.overdue_tasks(db.session, qo, now),
        }
        for name, fn in cases.items():
            for user in (qo, head, lead):
                user._grants_cache = None
            print(f"{name:45s} {timed(fn):8.1f} ms")


if __name__ == "__main__":
    main()
