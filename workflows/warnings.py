"""The small loop's machine (监测 → 预警 → 改进): one warning's life from crossing a line to closed.

    open ──acknowledge──▶ acknowledged ──rectify──▶ rectifying ──verify──▶ verified ──close──▶ closed
      └────────────────rectify (acknowledge and give the measure at once)──┘    │
                                               ▲────────relapse (crosses again)─┘
    closed ──reopen (the period's value crosses again)──▶ open

`verify` is the data's to fire: a later value back inside the warning line. Each waiting
state has a deadline; when it passes, the warning is escalated one tier up (the owner, then
the leader of the unit above, then the quality office) and given a new deadline. Like the
cycle machine, it is stateless: the row holds the state and this module says what may follow.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from transitions import Machine, MachineError

from workflows.guards import Refused
from workflows.model import N_

STATES = ("open", "acknowledged", "rectifying", "verified", "closed")
#: States in which someone still has to act; their deadlines escalate.
WAITING = ("open", "acknowledged", "rectifying")
#: Who a warning is with at each tier.
TIERS = (N_("Owner"), N_("Leader of the unit above"), N_("Quality office"))
TOP_TIER = len(TIERS) - 1
SEVERITIES = ("yellow", "red")

_TRANSITIONS = [
    {"trigger": "acknowledge", "source": "open", "dest": "acknowledged"},
    {"trigger": "rectify", "source": ["open", "acknowledged"], "dest": "rectifying"},
    {"trigger": "verify", "source": "rectifying", "dest": "verified"},
    {"trigger": "relapse", "source": "verified", "dest": "rectifying"},
    {"trigger": "close", "source": "verified", "dest": "closed"},
    {"trigger": "reopen", "source": "closed", "dest": "open"},
]

REFUSALS = {
    "acknowledge": N_("This warning has already been acknowledged."),
    "rectify": N_("A rectification measure can only be recorded before rectification starts."),
    "verify": N_("Only a warning under rectification can be verified."),
    "close": N_("A warning is closed once a later value is back inside its line; it is not "
                "yet."),
}


@dataclass(frozen=True)
class WarningPolicy:
    """How long each step may take: working days to acknowledge and to give a measure; a
    measure's own deadline bounds rectification, at most `max_rectify_days` calendar days."""

    acknowledge_days: int = 2
    measure_days: int = 5
    default_rectify_days: int = 30
    max_rectify_days: int = 366
    escalated_days: int = 3  # working days the tier above has before it escalates further


POLICY = WarningPolicy()


class _Cursor:
    def __init__(self, state: str):
        self.state = state


_machine = Machine(model=None, states=list(STATES), transitions=_TRANSITIONS,
                   initial="open", auto_transitions=False, ignore_invalid_triggers=False)
_lock = threading.Lock()


def fire(state: str, trigger: str) -> str:
    """The state reached from `state` by `trigger`, or `Refused` saying why not."""
    if state not in STATES:
        raise Refused(N_("Unknown warning state %(state)s."), state=state)
    cursor = _Cursor(state)
    with _lock:
        _machine.add_model(cursor, initial=state)
        try:
            cursor.trigger(trigger)
        except (MachineError, AttributeError):
            if state == "closed":
                raise Refused(N_("This warning is closed.")) from None
            raise Refused(REFUSALS.get(trigger, N_("This cannot be done now."))) from None
        finally:
            _machine.remove_model(cursor)
    return cursor.state


def may(state: str, trigger: str) -> bool:
    """Would `trigger` be allowed from `state`? (For showing a button; `fire` decides.)"""
    return trigger in _machine.get_triggers(state)


def worse(a: str, b: str) -> str:
    """The more severe of two severities."""
    return "red" if "red" in (a, b) else "yellow"


def check_measure(measure: str | None) -> str:
    text = (measure or "").strip()
    if not text:
        raise Refused(N_("Describe the rectification measure (整改措施)."))
    if len(text) > 4000:
        raise Refused(N_("The measure is too long (at most 4000 characters)."))
    return text


def check_evidence(evidence: str | None) -> str:
    text = (evidence or "").strip()
    if not text:
        raise Refused(N_("Say what shows the problem is fixed before closing the warning."))
    if len(text) > 4000:
        raise Refused(N_("The evidence is too long (at most 4000 characters)."))
    return text


def escalates(state: str, tier: int) -> bool:
    """Does a passed deadline in this state move the warning one tier up?"""
    return state in WAITING and tier < TOP_TIER
