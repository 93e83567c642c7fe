"""The warning's small machine, how targets add up, and the diagnosis table's rule: pure."""
from decimal import Decimal

import pytest

from workflows import Refused
from workflows import warnings as machine
from workflows.guards import unmet_without_measure
from workflows.indicators import combine, meets

ALLOWED = {
    ("open", "acknowledge"): "acknowledged", ("open", "rectify"): "rectifying",
    ("acknowledged", "rectify"): "rectifying", ("rectifying", "verify"): "verified",
    ("verified", "relapse"): "rectifying", ("verified", "close"): "closed",
    ("closed", "reopen"): "open",
}
TRIGGERS = ("acknowledge", "rectify", "verify", "relapse", "close", "reopen")


@pytest.mark.parametrize("state", machine.STATES)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_state_allows_exactly_its_own_steps(state, trigger):
    if (state, trigger) in ALLOWED:
        assert machine.fire(state, trigger) == ALLOWED[state, trigger]
        assert machine.may(state, trigger)
    else:
        with pytest.raises(Refused) as caught:
            machine.fire(state, trigger)
        assert caught.value.message  # a sentence, never a bare MachineError
        assert not machine.may(state, trigger)


def test_closing_early_says_why():
    with pytest.raises(Refused, match="back inside its line"):
        machine.fire("rectifying", "close")


def test_only_waiting_states_below_the_top_tier_escalate():
    assert machine.escalates("open", 0) and machine.escalates("rectifying", 1)
    assert not machine.escalates("open", machine.TOP_TIER)
    assert not machine.escalates("verified", 0) and not machine.escalates("closed", 0)


def test_severity_only_gets_worse():
    assert machine.worse("yellow", "red") == machine.worse("red", "yellow") == "red"
    assert machine.worse("yellow", "yellow") == "yellow"


@pytest.mark.parametrize("measure", ["", "   ", None, "x" * 4001])
def test_a_measure_must_be_said_and_short_enough(measure):
    with pytest.raises(Refused):
        machine.check_measure(measure)


def test_rates_average_and_counts_add_up():
    assert combine([90, 92, Decimal("95")], "%") == (Decimal("92.33333333333333333333333333"),
                                                      "mean")
    assert combine([3, 4], "项") == (7, "sum")
    assert combine([], "%") == (None, "mean")


@pytest.mark.parametrize("operator,value,target,expected", [
    (">=", 90, 90, True), (">=", "89.99", 90, False), (">", 90, 90, False), (">", 91, 90, True),
    ("<=", 10, 10, True), ("<=", "10.01", 10, False), ("<", 10, 10, False), ("<", 9, 10, True),
    ("==", 1, 1, True), ("==", 0, 1, False),
])
def test_a_value_meets_its_target_by_the_indicators_rule(operator, value, target, expected):
    assert meets(value, operator, target) is expected


def test_a_row_marked_not_met_needs_a_measure():
    rows = [{"met": "yes"}, {"met": "no", "measure": " "}, {"met": "no", "measure": "加强实训"}]
    assert list(unmet_without_measure(rows)) == ["achievements[2].measure"]
