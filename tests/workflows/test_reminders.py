import datetime as dt

from workflows import latest_definition
from workflows.reminders import escalation_tier, fire_time, fire_times, rules_to_send

MAJOR = latest_definition("major")
TZ = dt.timezone(dt.timedelta(hours=8))
DUE = dt.datetime(2026, 10, 15, 18, 0, tzinfo=TZ)


def at(day, hour=9):
    return dt.datetime(2026, 10, day, hour, 0, tzinfo=TZ)


def test_rules_fire_at_nine_on_their_day():
    times = {r.key: fire_time(r, DUE, TZ) for r in MAJOR.reminders}
    assert times == {"before-3": at(12), "before-1": at(14), "overdue-1": at(16),
                     "overdue-3": at(18), "overdue-7": at(22)}


def test_all_rules_times_at_once_agree_with_each_rules_own():
    # due just after midnight Beijing time: the day is the local one, not the UTC one
    due = dt.datetime(2026, 10, 15, 16, 30, tzinfo=dt.timezone.utc)
    assert fire_times(MAJOR, due, TZ) == {r.key: fire_time(r, due, TZ) for r in MAJOR.reminders}
    assert fire_times(MAJOR, due, TZ)["overdue-1"] == at(17)


def keys(rules):
    return [r.key for r in rules]


def test_nothing_before_the_first_rule():
    assert rules_to_send(MAJOR, DUE, at(12, 8), set(), TZ) == ([], [])


def test_one_rule_at_a_time_and_never_twice():
    send, skipped = rules_to_send(MAJOR, DUE, at(12), set(), TZ)
    assert keys(send) == ["before-3"] and skipped == []
    assert rules_to_send(MAJOR, DUE, at(13), {"before-3"}, TZ) == ([], [])


def test_catch_up_after_downtime_sends_each_tier_its_latest_only():
    send, skipped = rules_to_send(MAJOR, DUE, at(19), set(), TZ)
    assert keys(send) == ["overdue-1", "overdue-3"]
    assert keys(skipped) == ["before-3", "before-1"]
    send, skipped = rules_to_send(MAJOR, DUE, at(23), set(), TZ)
    assert keys(send) == ["overdue-1", "overdue-3", "overdue-7"]


def test_escalation_tier_follows_overdue_rules_sent():
    assert escalation_tier(MAJOR, {"before-3", "overdue-1"}) == 0
    assert escalation_tier(MAJOR, {"overdue-3"}) == 1
    assert escalation_tier(MAJOR, {"overdue-3", "overdue-7"}) == 2
