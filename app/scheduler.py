"""The scheduler's jobs and its process. Jobs are thin: they take `now` and call services."""
from __future__ import annotations

import datetime as dt
import logging

from app.extensions import db
from app.models import SchedulerTick, utcnow
from app.services.cycles import advance_timers
from app.services.plans import run_launch_plans
from app.services.reminders import send_reminders
from app.services.warnings import escalate_overdue

log = logging.getLogger(__name__)


def run_due_jobs(now: dt.datetime) -> dict:
    """Run every job once as of `now`; each is idempotent, so running twice does nothing new."""
    session = db.session
    summary = {"launches": run_launch_plans(session, now),
               "timers": len(advance_timers(session, now)),
               "reminders": send_reminders(session, now),
               "warnings": escalate_overdue(session, now)}
    session.add(SchedulerTick(as_of=now, ran_at=utcnow(), summary=summary))
    session.commit()
    return summary


def run_forever(app, interval_seconds: int) -> None:
    """Run the jobs every `interval_seconds` in this process (never inside a web worker)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    def job():
        with app.app_context():
            try:
                summary = run_due_jobs(utcnow())
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
