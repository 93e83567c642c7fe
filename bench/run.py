"""`make bench`: Spiral at a large college's scale, measured in one run, each figure beside its
goal, on SQLite and on PostgreSQL.

    .venv/bin/python bench/run.py [--quick] [--factor 1] [--postgres URL | --no-postgres]

--quick runs everything small (it checks the benchmark works, not the speed). PostgreSQL is the
test server's (a database of its own is made and dropped) unless told otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from app.cli import LARGE_FACTOR  # noqa: E402
from bench import engine as walk  # noqa: E402
from bench import load  # noqa: E402

PASSWORD = "Bench@2026"
POSTGRES = os.environ.get("TEST_POSTGRES_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROWS: list[tuple[str, str, str, str, str]] = []  # section, what, sqlite, postgres, goal


def row(section: str, what: str, sqlite: str, postgres: str, goal: str) -> None:
    ROWS.append((section, what, sqlite, postgres, goal))
    print(f"  {what}: sqlite {sqlite} · postgresql {postgres} · goal {goal}", flush=True)


def columns(text: str) -> int:
    """How many columns `text` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - columns(text))


def fmt(value, unit="", digits=0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def met(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


# ---------------------------------------------------------------- the large college

def build_large(url: str, factor: float, history: int = 3) -> dict:
    from app import create_app
    from app.demo_large import load_large
    from app.extensions import db
    from config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        walk.migrate()
        start = time.perf_counter()
        summary = load_large(db.session, PASSWORD, factor=factor, history=history,
                             now=dt.datetime(2026, 12, 1, 9, tzinfo=walk.TZ))
        summary["seconds"] = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return summary


def people(url: str) -> dict:
    """Who each page is measured for, and a cycle for the cycle page."""
    engine = create_engine(url)
    with engine.connect() as c:
        def holder(role):
            return c.execute(text(
                "SELECT u.username FROM users u JOIN role_assignments r ON r.user_id = u.id "
                "WHERE r.role = :role ORDER BY u.id LIMIT 1"), {"role": role}).scalar()
        cycle = c.execute(text("SELECT id FROM cycles WHERE level = 'major' AND stage <> 'closed' "
                               "ORDER BY id LIMIT 1")).scalar()
        out = {"lead": holder("course_lead"), "head": holder("unit_leader"),
               "office": holder("quality_office"), "cycle": cycle}
        heads = c.execute(text(
            "SELECT u.username FROM users u JOIN role_assignments r ON r.user_id = u.id "
            "JOIN org_units o ON o.id = r.unit_id WHERE r.role = 'unit_leader' "
            "AND o.kind = 'department' ORDER BY u.id LIMIT 1")).scalar()
        out["head"] = heads or out["head"]
    engine.dispose()
    return out


PAGES = (("my tasks (我的待办)", "lead", lambda p: "/", 50),
         ("review queue (待我审核)", "head", lambda p: "/review/", None),
         ("cycle page", "office", lambda p: f"/cycles/{p['cycle']}", 80),
         ("dashboard (质量看板)", "office", lambda p: "/dashboard/", 150))


def pages(url: str, quick: bool) -> dict:
    who = people(url)
    server = load.Server(url)
    out = {}
    try:
        for name, person, path, _goal in PAGES:
            out[name] = load.load(server.port, who[person], PASSWORD, path(who),
                                  clients=4 if quick else 16, seconds=1 if quick else 8)
            # one client alone: what a page costs when nobody queues before it
            out[name]["alone"] = load.load(server.port, who[person], PASSWORD, path(who),
                                           clients=1, seconds=1 if quick else 3)["p50"]
        # memory: a worker's size after 1,000 requests, then after 10,000
        n1, n2 = (100, 400) if quick else (1_000, 10_000)
        path = PAGES[0][2](who)
        load.load(server.port, who["lead"], PASSWORD, path, clients=16, seconds=600,
                  requests=n1 // 16)
        first = max(server.rss_mb())
        load.load(server.port, who["lead"], PASSWORD, path, clients=16, seconds=1200,
                  requests=(n2 - n1) // 16)
        out["memory"] = (first, max(server.rss_mb()))
    finally:
        server.stop()
    return out


#: The tick measured: the morning after the large college's "now". Every reminder rule fires at
#: 09:00, so this is a day's reminders at once, the busiest tick of a day.
TICK_AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=walk.TZ)


def tick(url: str) -> tuple[float, dict]:
    """Seconds of the scheduler's tick at TICK_AT on a database, and what it did."""
    from app import create_app
    from app.extensions import db
    from app.scheduler import run_due_jobs
    from config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        start = time.perf_counter()
        summary = run_due_jobs(TICK_AT, "bench")
        seconds = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return seconds, summary


def peak_tick(url: str) -> tuple[float, dict]:
    """The busiest tick of a term: the morning the course and class cycles' implementation
    closes and all of them move to monitoring together. The days before it are ticked first,
    as the scheduler would have."""
    from app import create_app
    from app.extensions import db
    from app.models import Cycle
    from app.scheduler import run_due_jobs
    from config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        day = db.session.scalar(select(func.min(Cycle.monitor_at)).where(
            Cycle.stage == "implement", Cycle.monitor_at > TICK_AT))
        peak = day.astimezone(walk.TZ).replace(hour=9, minute=0)
        moment = TICK_AT + dt.timedelta(days=1)
        while moment < peak:
            run_due_jobs(moment, "bench")
            moment += dt.timedelta(days=1)
        start = time.perf_counter()
        summary = run_due_jobs(peak, "bench")
        seconds = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return seconds, summary


def bulk_launch(url: str) -> tuple[int, float]:
    """Cycles per second of launching every course of the college for a new term."""
    from app import create_app
    from app.extensions import db
    from app.models import Period
    from app.services.cycles import launch_cycles
    from config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        year = db.session.scalars(select(Period).where(Period.kind == "year")
                                  .order_by(Period.start.desc())).first()
        term = Period(kind="term", name="2027-2028学年第一学期", start=dt.date(2027, 9, 1),
                      end=dt.date(2028, 1, 16), parent_id=None)
        next_year = Period(kind="year", name="2027-2028学年", start=dt.date(2027, 9, 1),
                           end=dt.date(2028, 8, 31), data_label="2027")
        db.session.add_all([next_year, term])
        db.session.flush()
        term.parent_id = next_year.id
        db.session.commit()
        assert year is not None
        start = time.perf_counter()
        result = launch_cycles(db.session, None, "course", term.id,
                               now=dt.datetime(2027, 9, 6, 9, tzinfo=walk.TZ))
        seconds = time.perf_counter() - start
        created = len(result.created)
        db.session.remove()
        db.engine.dispose()
    return created, created / seconds


def explain(url: str) -> list[str]:
    """EXPLAIN ANALYZE of the hot list queries on PostgreSQL, as issued for a course lead and
    for the quality office: the statement each page runs, with its parameters."""
    from sqlalchemy import event

    from app import create_app, queries
    from app.extensions import db
    from app.models import RoleAssignment, User
    from config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    lines = []
    with app.app_context():
        def holder(role):
            return db.session.scalars(select(User).join(RoleAssignment).where(
                RoleAssignment.role == role).order_by(User.id)).first()
        office, lead = holder("quality_office"), holder("course_lead")
        now = dt.datetime(2026, 12, 1, 9, tzinfo=walk.TZ)
        issued: list = []

        def record(_conn, _cursor, statement, parameters, _context, _many):
            issued.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        for name, call in (
                ("my tasks (a course lead)", lambda: queries.my_open_tasks(db.session, lead)),
                ("cycles page 1 (the office)", lambda: queries.visible_cycles(db.session,
                                                                              office)),
                ("dashboard matrix (the office)", lambda: queries.stage_matrix(db.session,
                                                                               office)),
                ("overdue list (the office)", lambda: queries.overdue_tasks(db.session, office,
                                                                           now))):
            issued.clear()
            call()
            # the list itself (after its count); the matrix's counting, before its labels
            statement, parameters = next(
                (s, p) for s, p in reversed(issued)
                if "matrix" not in name or "GROUP BY" in s)
            event.remove(db.engine, "before_cursor_execute", record)
            plan = db.session.connection().exec_driver_sql(
                "EXPLAIN ANALYZE " + statement, parameters).scalars().all()
            event.listen(db.engine, "before_cursor_execute", record)
            lines.append(f"  -- {name}")
            lines += [f"     {line}" for line in plan[:24]]
            if len(plan) > 24:
                lines.append(f"     … ({len(plan) - 24} more lines)")
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.remove()
        db.engine.dispose()
    return lines


def settle(urls: list[str], patience: float = 300) -> None:
    """Let the machine finish what building the databases set off before anything is timed:
    SQLite's log back into its file, PostgreSQL's dirty pages checkpointed (where the bench's
    role may), autovacuum's workers on the bench's databases done (up to `patience` seconds)
    and the kernel's writes flushed. Without it the figures of the first database measured
    pay for the build of the next one."""
    from sqlalchemy.exc import DBAPIError
    deadline = time.monotonic() + patience
    for url in urls:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            if engine.dialect.name == "sqlite":
                c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                try:
                    c.exec_driver_sql("CHECKPOINT")
                except DBAPIError:  # needs a superuser or pg_checkpoint; the rest still helps
                    pass
                while time.monotonic() < deadline and c.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                        "'autovacuum worker' AND datname = current_database()").scalar():
                    time.sleep(2)
        engine.dispose()
    os.sync()


def counts(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as c:
        out = {t: c.execute(select(func.count()).select_from(text(t))).scalar()
               for t in ("cycles", "tasks", "audit_events")}
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--factor", type=float, default=None)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    factor = args.factor or (0.05 if quick else LARGE_FACTOR)
    majors = 5 if quick else 50
    folder = tempfile.mkdtemp(prefix="spiral-bench-")
    kinds = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    drops = []

    def database(kind):
        url, drop = walk.fresh_url("sqlite" if kind == "sqlite" else "postgres", folder,
                                   args.postgres)
        drops.append(drop)
        return url

    print(f"Spiral benchmark ({'quick' if quick else 'full'}; large college factor {factor})",
          flush=True)
    try:
        # 1. the engine walk
        print("engine walk", flush=True)
        results = {}
        for kind in kinds:
            ours, floor = walk.spiral(database(kind), majors, database(kind))
            spiff = walk.spiff(database(kind), majors)
            results[kind] = (ours, floor, spiff)
        pick = {k: results.get(k, (None, None, None)) for k in ("sqlite", "postgresql")}
        row("engine walk", f"Spiral services, {majors} major cycles × 9 stages (actions/s)",
            fmt(pick["sqlite"][0]), fmt(pick["postgresql"][0]), "≥ 10× SpiffWorkflow")
        row("engine walk", "SpiffWorkflow 3.2, state in the database (actions/s)",
            fmt(pick["sqlite"][2]), fmt(pick["postgresql"][2]), "")
        row("engine walk", "the same statements, raw (actions/s: the floor)",
            fmt(pick["sqlite"][1]), fmt(pick["postgresql"][1]), "")
        for label, index, goal in (("× SpiffWorkflow", 2, 10.0), ("share of the floor", 1, 0.30)):
            values = {k: (v[0] / v[index]) if v[0] and v[index] else None
                      for k, v in pick.items()}
            row("engine walk", f"Spiral {label}",
                *(fmt(values[k], "", 2) + met(values[k] >= goal if values[k] else None)
                  for k in ("sqlite", "postgresql")), f"≥ {goal:g}")

        # 2-5. the large college: pages, tick, launch, memory
        large = {}
        for kind in kinds:
            url = database(kind)
            print(f"large college on {kind}", flush=True)
            summary = build_large(url, factor)
            large[kind] = {"url": url, "summary": summary, "counts": counts(url)}
        for kind, data in large.items():
            row("large college", f"built on {kind}",
                *((f"{data['counts']['cycles']:,} cycles / {data['counts']['tasks']:,} tasks / "
                   f"{data['counts']['audit_events']:,} audit, {data['summary']['seconds']:.0f} s"
                   if k == kind else "") for k in ("sqlite", "postgresql")), "minutes")
        for kind, data in large.items():
            settle([d["url"] for d in large.values()])
            print(f"pages under load on {kind}", flush=True)
            data["pages"] = pages(data["url"], quick)
            data["tick"] = tick(data["url"])
            data["peak"] = peak_tick(data["url"])
            data["launch"] = bulk_launch(data["url"])
        for name, _person, _path, goal in PAGES:
            cells = []
            for kind in ("sqlite", "postgresql"):
                result = large.get(kind, {}).get("pages", {}).get(name)
                cells.append("—" if result is None else
                             f"p50 {result['p50']:.0f} / p95 {result['p95']:.0f} ms, "
                             f"{result['rps']:.0f}/s (alone {result['alone']:.0f} ms)"
                             + met(result["p95"] < goal if goal else None)
                             + (f" ({result['errors']} errors)" if result["errors"] else ""))
            row("pages, 16 clients, 2 workers", name, *cells, f"p95 < {goal} ms" if goal else "")
        row("scheduler", "a day's 09:00 tick on the large college",
            *(f"{large[k]['tick'][0]:.2f} s ({large[k]['tick'][1]['reminders']:,} reminders, "
              f"{large[k]['tick'][1]['timers']:,} timers)" + met(large[k]["tick"][0] < 1)
              if k in large else "—" for k in ("sqlite", "postgresql")), "< 1 s")
        row("scheduler", "the term's busiest tick: implementation closes (timers/s)",
            *(f"{large[k]['peak'][0]:.2f} s, {large[k]['peak'][1]['timers']:,} cycles moved "
              f"({large[k]['peak'][1]['timers'] / large[k]['peak'][0]:,.0f}/s)"
              if k in large else "—" for k in ("sqlite", "postgresql")), "grows with due items")
        row("launch", "a term's course cycles launched at once (cycles/s)",
            *(f"{large[k]['launch'][1]:,.0f} ({large[k]['launch'][0]:,} cycles)"
              + met(large[k]["launch"][1] >= 1000) if k in large else "—"
              for k in ("sqlite", "postgresql")), "≥ 1,000")
        row("memory", "a worker's RSS after 1k, then 10k requests (MB)",
            *(f"{large[k]['pages']['memory'][0]:.0f} → {large[k]['pages']['memory'][1]:.0f}"
              + met(large[k]["pages"]["memory"][1] <= 1.1 * large[k]["pages"]["memory"][0])
              if k in large else "—" for k in ("sqlite", "postgresql")), "within 10 %")

        # the tick grows with what is due, not with all there is
        print("scheduler tick at 1× and 4× the history", flush=True)
        small = 0.05 if quick else 0.5
        one = database("sqlite")
        build_large(one, small, history=1)
        four = database("sqlite")
        build_large(four, small, history=7)
        settle([one, four])
        (t1, s1), (t4, s4) = tick(one), tick(four)
        sizes = counts(one), counts(four)
        section = "scheduler, 1× and 4× the years of history (SQLite)"
        row(section, f"the tick with 2 years vs 8 (factor {small})",
            f"{t1:.2f} s vs {t4:.2f} s", "—", "grows with due items only")
        row(section, "  … their tasks, and the reminders each tick sent",
            f"{sizes[0]['tasks']:,} vs {sizes[1]['tasks']:,}; {s1['reminders']:,} vs "
            f"{s4['reminders']:,}", "—", "")

        if "postgresql" in large:
            print("\nEXPLAIN on PostgreSQL (the large college)")
            for line in explain(large["postgresql"]["url"]):
                print(line)
    finally:
        for drop in drops:
            try:
                drop()
            except Exception:  # noqa: BLE001 - a database left behind is named in the output
                pass
        shutil.rmtree(folder, ignore_errors=True)  # the SQLite files: over a GB at full size

    widths = [max(columns(r[i]) for r in ROWS) for i in (1, 2, 3)]
    print("\n" + "=" * (sum(widths) + 20))
    print("  ".join(pad(h, w) for h, w in zip(("", "SQLite", "PostgreSQL"), widths)) + "  goal")
    section = None
    for sec, what, sqlite, postgres, goal in ROWS:
        if sec != section:
            print(f"[{sec}]")
            section = sec
        print("  ".join(pad(c, w) for c, w in zip((what, sqlite, postgres), widths))
              + f"  {goal}")
    if quick:
        print("\n(--quick: a small college and short runs, to check the benchmark works; its ✓ and"
              " ✗ say nothing about speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
