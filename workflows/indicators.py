"""Judging an indicator value against its lines (质控点): met, short of target, yellow, red.

For "higher is better" operators (>=, >) a value crosses a line by falling below it; for
"lower is better" (<=, <) by rising above it; for == by equalling the warning or severe value.
"""
from __future__ import annotations

from decimal import Decimal

OPERATORS = (">=", ">", "<=", "<", "==")
#: The worst status first; a cycle's summary shows the worst of its indicators.
STATUSES = ("red", "yellow", "short", "met")


def judge(value: Decimal | float | int, operator: str, target, warn, severe) -> str:
    """The status of `value`: "met", "short" (not met, no warning), "yellow" or "red"."""
    v, target, warn, severe = (Decimal(str(x)) for x in (value, target, warn, severe))
    if operator == ">=":
        met, crosses = v >= target, (lambda line: v < line)
    elif operator == ">":
        met, crosses = v > target, (lambda line: v <= line)
    elif operator == "<=":
        met, crosses = v <= target, (lambda line: v > line)
    elif operator == "<":
        met, crosses = v < target, (lambda line: v >= line)
    elif operator == "==":
        met, crosses = v == target, (lambda line: v == line)
    else:
        raise ValueError(f"unknown operator {operator!r}")
    if met:
        return "met"
    if crosses(severe):
        return "red"
    if crosses(warn):
        return "yellow"
    return "short"
