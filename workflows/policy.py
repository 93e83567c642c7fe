"""One question answered purely: may a person with these roles take this action at this stage?"""
from __future__ import annotations

from workflows import guards
from workflows.guards import Refused
from workflows.model import CLOSED, N_, Definition

ACTIONS = ("submit", "approve", "return", "timer")


def check_action(definition: Definition, stage_name: str, action: str, *, step: int = 0,
                 actor_roles: frozenset[str] = frozenset(), is_owner: bool = False,
                 submitted: bool = True, reason: str | None = None) -> None:
    """Raise `Refused` (with a readable message) unless the action is allowed."""
    guards.check_cycle_open(stage_name)
    stage = definition.stage(stage_name)
    if action == "submit":
        guards.check_submit("fill", is_owner)
    elif action in ("approve", "return"):
        if step >= len(stage.reviews):
            raise Refused(N_("Stage %(stage)s has no such review step."), stage=stage.label)
        review = stage.reviews[step]
        guards.check_review("review", review.role in actor_roles, review.label,
                            is_author=is_owner, deliverable_submitted=submitted)
        if action == "return":
            guards.check_return_reason(reason)
    elif action == "timer":
        if not stage.is_timed:
            raise Refused(N_("Stage %(stage)s is not time-boxed; it ends when its review is complete."),
                          stage=stage.label)
    else:
        raise Refused(N_("Unknown action %(action)s."), action=action)


def allowed(definition: Definition, stage_name: str, action: str, **kwargs) -> bool:
    try:
        check_action(definition, stage_name, action, **kwargs)
    except Refused:
        return False
    return True


__all__ = ["ACTIONS", "CLOSED", "check_action", "allowed"]
