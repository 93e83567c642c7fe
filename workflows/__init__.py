"""Pure process definitions for Spiral's diagnosis-and-improvement (诊改) cycles.

This package imports `transitions` and the standard library only: no Flask, no SQLAlchemy.
"""
from workflows.model import (
    Definition, Field, ReminderRule, ReviewStep, Stage, Timer, CLOSED,
)
from workflows.guards import Refused
from workflows.machine import CycleMachine
from workflows.registry import get_definition, latest_definition, definitions

__all__ = [
    "Definition", "Field", "ReminderRule", "ReviewStep", "Stage", "Timer", "CLOSED",
    "Refused", "CycleMachine", "get_definition", "latest_definition", "definitions",
]
