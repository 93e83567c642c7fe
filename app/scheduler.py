"""The scheduler's jobs and its process. Jobs are thin: they take `now` and call services.

Two scheduler processes may run for availability: each tick, a process acts only while it holds
the leadership lock (a PostgreSQL advisory lock, held by a connection of its own; on SQLite a
file lock beside the database). When the leader dies its connection closes, the lock is free,
and the other takes over at its next tick. A tick cut off half-way loses nothing: each job
commits what it did, is safe to run again, and the next tick finishes the rest.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import socket
from pathlib import Path

from sqlalchemy import text

from app.extensions import db
from app.models import SchedulerTick, utcnow
from app.services.cycles import advance_timers
from app.services.plans import run_launch_plans
from app.services.reminders import send_reminders
from app.services.warnings import escalate_overdue

log = logging.getLogger(__name__)

#: The advisory lock's key: any number the deployment's other advisory locks do not use.
LEADER_LOCK = 0x5350_4952  # "SPIR"


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due_jobs(now: dt.datetime, node: str | None = None) -> dict:
    """Run every job once as of `now`; each is idempotent, so running twice does nothing new."""
    session = db.session
    summary = {"launches": run_launch_plans(session, now),
               "timers": len(advance_timers(session, now)),
               "reminders": send_reminders(session, now),
               "warnings": escalate_overdue(session, now)}
    session.add(SchedulerTick(as_of=now, ran_at=utcnow(),
                              summary={**summary, "node": node or node_name()}))
    session.commit()
    return summary


class Leadership:
    """Whether this process is the scheduler that acts: it holds the lock until it exits."""

    def __init__(self, engine, instance_path: str):
        self.engine = engine
        self.connection = None
        self.file = None
        # One leader per database: on SQLite the lock file sits beside the database file.
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.lock_path = (Path(f"{database}.scheduler-lock") if database and database != ":memory:"
                          else Path(instance_path) / "scheduler.lock")

    def held(self) -> bool:
        """Hold the lock, taking it if it is free; False while another process holds it."""
        if self.engine.dialect.name == "postgresql":
            return self._advisory()
        return self._file()

    def _advisory(self) -> bool:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT 1"))
                self.connection.commit()  # never sit idle inside a transaction
                return True  # still connected, so still holding it
            except Exception:  # the database dropped us: the lock went with the connection
                log.warning("lost the connection that held the scheduler lock")
                self.connection = None
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": LEADER_LOCK}).scalar()
        connection.commit()  # the lock is the session's, not the transaction's
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def _file(self) -> bool:
        if self.file is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.file = handle
        return True


def run_forever(app, interval_seconds: int) -> None:
    """Run the jobs every `interval_seconds` in this process (never inside a web worker), while
    this process leads; otherwise stand by and try again at the next tick."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    node = node_name()
    with app.app_context():
        leadership = Leadership(db.engine, app.instance_path)
    state = {"leading": None}

    def job():
        with app.app_context():
            try:
                leading = leadership.held()
                if leading != state["leading"]:
                    log.info("%s: %s", node, "leading" if leading
                             else "standing by; another scheduler leads")
                    state["leading"] = leading
                if leading:
                    now = utcnow()
                    log.info("tick as of %s", now.isoformat())
                    summary = run_due_jobs(now, node)
                    log.info("tick: %s", summary)
            except Exception:
                db.session.rollback()
                log.exception("scheduler tick failed")
            finally:
                db.session.remove()

    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    scheduler.add_job(job, "interval", seconds=interval_seconds, id="tick", coalesce=True,
                      max_instances=1, next_run_time=dt.datetime.now(dt.timezone.utc))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
