"""Working days: due dates skip weekends and the college calendar's holidays."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def holiday_dates(ranges: Iterable[tuple[dt.date, dt.date]]) -> frozenset[dt.date]:
    """Every date inside the given (first, last) ranges, both ends included."""
    days = set()
    for first, last in ranges:
        day = first
        while day <= last:
            days.add(day)
            day += dt.timedelta(days=1)
    return frozenset(days)


def is_working_day(day: dt.date, holidays: frozenset[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, days: int, holidays: frozenset[dt.date]) -> dt.date:
    """The date `days` working days after `start` (which itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day
