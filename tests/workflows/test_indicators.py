"""Threshold judgement for every operator, at and around each line."""
import pytest

from workflows.indicators import judge

# operator, target, warn, severe, [(value, status)...]
CASES = [
    (">=", 90, 80, 60, [(95, "met"), (90, "met"), (89.9, "short"), (80, "short"), (79.9, "yellow"),
                        (60, "yellow"), (59.9, "red"), (0, "red")]),
    (">", 90, 80, 60, [(90.1, "met"), (90, "short"), (80.1, "short"), (80, "yellow"),
                       (60.1, "yellow"), (60, "red")]),
    ("<=", 10, 15, 25, [(5, "met"), (10, "met"), (10.1, "short"), (15, "short"), (15.1, "yellow"),
                        (25, "yellow"), (25.1, "red")]),
    ("<", 10, 15, 25, [(9.9, "met"), (10, "short"), (14.9, "short"), (15, "yellow"),
                       (24.9, "yellow"), (25, "red")]),
    ("==", 1, 0, 0, [(1, "met"), (0, "red")]),          # a yes/no indicator (K03)
    ("==", 3, 2, 1, [(3, "met"), (2, "yellow"), (1, "red"), (4, "short")]),
    ("<=", 0, 8, 15, [(0, "met"), (1, "short"), (8, "short"), (9, "yellow"), (15, "yellow"),
                      (16, "red")]),                     # 累计不及格学分 (X02)
]


@pytest.mark.parametrize("operator,target,warn,severe,value,status", [
    (op, t, w, s, v, status) for op, t, w, s, pairs in CASES for v, status in pairs])
def test_each_value_is_judged_against_its_lines(operator, target, warn, severe, value, status):
    assert judge(value, operator, target, warn, severe) == status


def test_floats_are_judged_exactly_at_the_line():
    assert judge(0.1 + 0.2, "<=", 0.3, 0.5, 1) == "short"  # the float is just above 0.3
    assert judge("0.3", "<=", "0.3", "0.5", "1") == "met"


def test_an_unknown_operator_is_an_error():
    with pytest.raises(ValueError):
        judge(1, "~", 1, 1, 1)
