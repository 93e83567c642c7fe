"""Two scheduler processes: one leads, the other stands by; when the leader is killed in the
middle of a tick the other takes over, and every reminder is sent once, none twice, none lost.

These run the real `flask scheduler run` in subprocesses against the test's database.
"""
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Notification, ReminderLog, SchedulerTick, Task
from tests import builders

ROOT = Path(__file__).resolve().parents[2]
TASKS = 1500  # enough that a tick takes a moment, so the leader can be killed inside one


class Scheduler:
    """`flask scheduler run --interval 1` in its own process, its log read as it goes."""

    def __init__(self, url: str, instance: Path):
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test",
               "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "scheduler", "run", "--interval", "1"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.log = ""

    def _read(self) -> str:
        try:
            return os.read(self.process.stdout.fileno(), 1 << 16).decode(errors="replace")
        except BlockingIOError:
            return ""

    def wait_for(self, words: str, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while words not in self.log:
            if time.monotonic() > end or self.process.poll() is not None:
                raise AssertionError(f"no {words!r} in the scheduler's log:\n{self.log}")
            self.log += self._read()
            time.sleep(0.01)

    def wait_for_tick_after(self, moment: dt.datetime, timeout: float = 30) -> None:
        """Until the process has started a tick as of a later instant than `moment`."""
        end = time.monotonic() + timeout
        while not any(dt.datetime.fromisoformat(stamp) > moment for stamp in
                      re.findall(r"tick as of (\S+)", self.log)):
            if time.monotonic() > end or self.process.poll() is not None:
                raise AssertionError(f"no tick after {moment} in the log:\n{self.log}")
            self.log += self._read()
            time.sleep(0.005)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


KINDS = ("overdue", "escalated")


def _overdue_tasks(world, n: int) -> None:
    """`n` fill-in tasks ten days overdue: each owes three reminders (the assignee, the unit
    leader, the quality office); the two before its due date are passed over."""
    due = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
    db.session.execute(insert(Task), [
        {"cycle_id": world.cycle.id, "stage": "target", "kind": "fill", "step": 0, "round": 1,
         "assignee_id": world.lead1.id, "status": "open", "due_at": due,
         "remind_at": due - Task.REMINDER_LEAD,
         "created_at": due - dt.timedelta(days=14), "escalation_tier": 0, "version": 1}
        for _ in range(n)])
    db.session.commit()


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.postgres
def test_the_standby_takes_over_a_leader_killed_mid_tick_and_sends_each_reminder_once(
        pg_app, postgres_url, tmp_path):
    world = builders.launched_college(db.session)
    first = Scheduler(postgres_url, tmp_path)
    second = None
    try:
        first.wait_for("leading")
        first.wait_for("tick: ")  # the three cycles' own overdue tasks are reminded
        second = Scheduler(postgres_url, tmp_path)
        second.wait_for("standing by")
        _overdue_tasks(world, TASKS)
        inserted = dt.datetime.now(dt.timezone.utc)
        first.wait_for_tick_after(inserted)
        first.kill()  # in the middle of the tick that has them all to remind: it commits none
        second.wait_for("leading", timeout=20)
        second.wait_for("tick: ", timeout=60)
    finally:
        for scheduler in (first, second):
            if scheduler is not None:
                scheduler.stop()
    tasks = _count(Task, Task.status == "open")
    assert tasks == TASKS + 3
    rules = dict(db.session.execute(select(ReminderLog.outcome, func.count())
                                    .group_by(ReminderLog.outcome)).all())
    assert rules == {"sent": 3 * tasks, "skipped": 2 * tasks}  # none lost
    per_person = db.session.execute(
        select(Notification.task_id, Notification.user_id, func.count())
        .where(Notification.kind.in_(KINDS))
        .group_by(Notification.task_id, Notification.user_id)).all()
    assert len(per_person) == 3 * tasks and {n for _t, _u, n in per_person} == {1}  # none twice
    ticks = db.session.scalars(select(SchedulerTick).order_by(SchedulerTick.id)).all()
    leader = ticks[0].summary["node"]
    assert sum(t.summary["reminders"] for t in ticks if t.summary["node"] == leader) == 9
    assert sum(t.summary["reminders"] for t in ticks if t.summary["node"] != leader) == \
        3 * TASKS  # the standby sent what the killed tick had not


def test_on_sqlite_a_second_scheduler_stands_by_until_the_first_is_gone(app, tmp_path):
    path = tmp_path / "spiral.db"
    shutil.copy(app.spiral_db_path, path)
    url = f"sqlite:///{path}"
    first = Scheduler(url, tmp_path)
    second = None
    try:
        first.wait_for("leading")
        second = Scheduler(url, tmp_path)
        second.wait_for("standing by")
        first.kill()
        second.wait_for("leading", timeout=20)
        second.wait_for("tick: ")
    finally:
        for scheduler in (first, second):
            if scheduler is not None:
                scheduler.stop()
