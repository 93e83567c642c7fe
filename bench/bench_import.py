"""Time a status-data import: a 10,000-row file checked, accepted (opening its warnings), and
imported again unchanged, on a college with enough majors to hold it.

    .venv/bin/python bench/bench_import.py [--rows 10000] [--db URL]

Prints each step's time beside its budget; the exit status is 0 whatever the times (the
figures go into the notes, not into a pass or fail).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import OrgUnit, RoleAssignment, User, Warning  # noqa: E402
from app.services import measurements  # noqa: E402
from config import TestConfig  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "app" / "data"
CODES = ("M01", "M02", "M03", "M04", "M05")
#: Seconds each step may take on this machine (2 cores) for 10,000 rows.
BUDGET = {"read": 1.0, "check": 3.0, "accept": 6.0, "again": 3.0}


def build(session, majors: int) -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    session.execute(insert(OrgUnit), [{"id": 1, "code": "C", "name": "学院", "kind": "college",
                                       "parent_id": None, "path": "/C/"},
                                      {"id": 2, "code": "D01", "name": "系部", "kind": "department",
                                       "parent_id": 1, "path": "/C/D01/"}])
    session.execute(insert(OrgUnit), [
        {"id": 3 + m, "code": f"5{m:05d}", "name": f"专业{m}", "kind": "major", "parent_id": 2,
         "path": f"/C/D01/5{m:05d}/"} for m in range(majors)])
    session.execute(insert(User), [
        {"id": 1 + m, "username": f"lead{m}", "name": f"负责人{m}", "unit_id": 3 + m,
         "password_hash": "x", "active": True, "title": "", "created_at": now}
        for m in range(majors)])
    session.execute(insert(RoleAssignment), [
        {"user_id": 1 + m, "role": "major_lead", "unit_id": 3 + m} for m in range(majors)])
    session.commit()
    measurements.seed_indicators(session, DATA / "indicators.yaml")


def csv_file(rows: int) -> bytes:
    rng = random.Random(2026)
    lines = ["period,unit_code,indicator_code,value,source"]
    for i in range(rows):
        major, code = divmod(i, len(CODES))
        lines.append(f"2026,5{major:05d},{CODES[code]},{rng.uniform(50, 99):.1f},状态数据平台")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    scale = args.rows / 10_000
    with app.app_context():
        upgrade()
        build(db.session, -(-args.rows // len(CODES)))
        data = csv_file(args.rows)
        figures = {}
        start = time.perf_counter()
        table = measurements.read_table("status.csv", data)
        figures["read"] = time.perf_counter() - start
        start = time.perf_counter()
        checked = measurements.preview(db.session, table)
        figures["check"] = time.perf_counter() - start
        db.session.rollback()
        start = time.perf_counter()
        counts = measurements.accept(db.session, checked, None, "status.csv")
        figures["accept"] = time.perf_counter() - start
        again = measurements.preview(db.session, measurements.read_table("status.csv", data))
        db.session.rollback()
        start = time.perf_counter()
        repeat = measurements.accept(db.session, again, None, "status.csv")
        figures["again"] = time.perf_counter() - start
        warnings = db.session.scalar(select(func.count()).select_from(Warning))
        print(f"{args.rows} rows on {db.engine.dialect.name}: {counts['new']} new, "
              f"{counts['opened']} warnings opened; again: {repeat['unchanged']} unchanged, "
              f"{repeat['opened']} opened; {warnings} warnings in all")
        for step, seconds in figures.items():
            goal = BUDGET[step] * scale
            print(f"{step:8s} {seconds * 1000:9.1f} ms   goal < {goal * 1000:7.0f} ms   "
                  f"{'met' if seconds < goal else 'MISSED'}")


if __name__ == "__main__":
    main()
