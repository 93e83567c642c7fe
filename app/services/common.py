"""What the services share: Beijing time and working-day deadlines, write locks, and who
holds a role at each unit."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from app.models import Holiday, RoleAssignment, User
from workflows.calendar import add_working_days, holiday_dates

TZ = ZoneInfo("Asia/Shanghai")


def _holidays(session) -> frozenset[dt.date]:
    """The calendar's holidays; cached on the session, which lives for one action."""
    cached = session.info.get("holidays")
    if cached is None:
        cached = holiday_dates(session.execute(select(Holiday.start, Holiday.end)).all())
        session.info["holidays"] = cached
    return cached


def local_deadline(session, start: dt.datetime, days: int) -> dt.datetime:
    """18:00 Beijing time on the `days`-th working day after `start` (weekends and holidays skipped)."""
    day = add_working_days(start.astimezone(TZ).date(), days, _holidays(session))
    return dt.datetime.combine(day, dt.time(18), tzinfo=TZ).astimezone(dt.timezone.utc)


def fmt(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def begin_write(session) -> None:
    """Take SQLite's write lock before reading what a decision depends on.

    PostgreSQL locks the task row instead (FOR UPDATE). Without this, SQLite would let a
    second reviewer read the task before the first one's decision commits.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def exclusive(session, name: str) -> None:
    """Let one transaction at a time do `name` (an import, say), across processes: SQLite's
    write lock, or a PostgreSQL advisory lock held until the transaction ends."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    else:
        begin_write(session)


def role_holders(session, role: str) -> dict[int, int]:
    """unit id → the active user who owns that unit's cycles and warnings in `role`.

    Where several hold the role (the quality office has a director and staff), the one who
    also leads a unit is the owner, then the lowest staff number.
    """
    leaders = set(session.scalars(select(RoleAssignment.user_id)
                                  .where(RoleAssignment.role == "unit_leader")))
    rows = session.execute(
        select(RoleAssignment.unit_id, User.id, User.username)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == role, User.active.is_(True))).all()
    owners: dict[int, tuple] = {}
    for unit_id, user_id, username in rows:
        rank = (user_id not in leaders, username)
        if unit_id not in owners or rank < owners[unit_id][0]:
            owners[unit_id] = (rank, user_id)
    return {unit_id: user_id for unit_id, (_rank, user_id) in owners.items()}
