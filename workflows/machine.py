"""One stateless `transitions` machine per definition, applied to a cycle's stage on demand.

The database row is the only truth for a cycle's stage: the machine is handed the current
stage, fires one trigger and returns the new stage. Nothing is attached to model objects.
"""
from __future__ import annotations

import threading

from transitions import Machine, MachineError

from workflows.guards import Refused
from workflows.model import CLOSED, N_, Definition


class _Cursor:
    """The minimal model `transitions` needs: a state and nothing else."""

    def __init__(self, state: str):
        self.state = state


class CycleMachine:
    """Apply a definition's transitions to a stage name.

    Triggers: `complete` (the stage's review chain is done; untimed stages only) and
    `timer` (a time-boxed stage reached its planned end).
    """

    def __init__(self, definition: Definition):
        self.definition = definition
        transitions = []
        for stage in definition.stages:
            trigger = "timer" if stage.is_timed else "complete"
            transitions.append({"trigger": trigger, "source": stage.name,
                                "dest": definition.next_stage_name(stage.name)})
        self._machine = Machine(model=None, states=definition.stage_names,
                                transitions=transitions, initial=definition.first_stage.name,
                                auto_transitions=False, ignore_invalid_triggers=False)
        # add_model/remove_model mutate the machine's model list; web workers are threaded.
        self._lock = threading.Lock()

    def fire(self, stage: str, trigger: str) -> str:
        """Return the stage reached from `stage` by `trigger`, or raise `Refused`."""
        if stage not in self.definition.stage_names:
            raise Refused(N_("Unknown stage %(stage)s."), stage=stage)
        cursor = _Cursor(stage)
        with self._lock:
            self._machine.add_model(cursor, initial=stage)
            try:
                cursor.trigger(trigger)
            except (MachineError, AttributeError):
                label = (self.definition.stage(stage).label if stage != CLOSED
                         else N_("Closed"))
                raise Refused(N_("Stage %(stage)s cannot be left this way (%(trigger)s)."),
                              stage=label, trigger=trigger) from None
            finally:
                self._machine.remove_model(cursor)
        return cursor.state

    def triggers_from(self, stage: str) -> list[str]:
        return [t for t in self._machine.get_triggers(stage) if not t.startswith("to_")]
