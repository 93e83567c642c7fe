import datetime as dt

import pytest

from workflows.calendar import add_working_days, holiday_dates

NATIONAL_DAY = holiday_dates([(dt.date(2026, 10, 1), dt.date(2026, 10, 7))])


def test_holiday_ranges_include_both_ends():
    assert len(NATIONAL_DAY) == 7 and dt.date(2026, 10, 7) in NATIONAL_DAY


@pytest.mark.parametrize("start,days,due", [
    (dt.date(2026, 9, 7), 0, dt.date(2026, 9, 7)),       # Monday, nothing to add
    (dt.date(2026, 9, 7), 4, dt.date(2026, 9, 11)),      # within the week
    (dt.date(2026, 9, 11), 1, dt.date(2026, 9, 14)),     # Friday + 1 skips the weekend
    (dt.date(2026, 9, 28), 5, dt.date(2026, 10, 12)),    # across 国庆节
    (dt.date(2026, 10, 3), 1, dt.date(2026, 10, 8)),     # from inside the holiday
])
def test_working_days_skip_weekends_and_holidays(start, days, due):
    assert add_working_days(start, days, NATIONAL_DAY) == due


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 9, 7), -1, NATIONAL_DAY)
