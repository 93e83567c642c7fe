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


#: Units of measure whose values add up across units (counts); everything else is a rate,
#: a score or a per-head figure, and is averaged.
ADDITIVE_UNITS = frozenset({"人", "人次", "项", "个", "门", "篇", "次", "万元", "部", "本", "家"})


def combine(values, unit_label: str) -> tuple[Decimal | None, str]:
    """How children's targets add up to their parent's: (the figure, "sum" or "mean")."""
    numbers = [Decimal(str(v)) for v in values if v is not None]
    how = "sum" if unit_label in ADDITIVE_UNITS else "mean"
    if not numbers:
        return None, how
    total = sum(numbers, Decimal(0))
    return (total if how == "sum" else total / len(numbers)), how


def meets(value, operator: str, target) -> bool:
    """Does `value` satisfy a target under the indicator's rule (>=, >, <=, <, ==)?"""
    v, t = Decimal(str(value)), Decimal(str(target))
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "==": v == t}[operator]


def next_target(operator: str, target, actual, met: bool) -> Decimal:
    """The next turn's target: a met one raised to what was achieved, a missed one kept."""
    target = Decimal(str(target))
    if not met or actual is None:
        return target
    actual = Decimal(str(actual))
    if operator in (">=", ">"):
        return max(target, actual)
    if operator in ("<=", "<"):
        return min(target, actual)
    return target
