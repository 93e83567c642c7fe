"""Every definition the product knows, by name and version."""
from __future__ import annotations

from workflows.machine import CycleMachine
from workflows.major import MAJOR_V1
from workflows.model import Definition

_DEFINITIONS: dict[tuple[str, int], Definition] = {
    (d.name, d.version): d for d in (MAJOR_V1,)
}
_MACHINES: dict[tuple[str, int], CycleMachine] = {}


def definitions() -> list[Definition]:
    return list(_DEFINITIONS.values())


def get_definition(name: str, version: int) -> Definition:
    try:
        return _DEFINITIONS[(name, version)]
    except KeyError:
        raise KeyError(f"no workflow definition {name} v{version}") from None


def latest_definition(name: str) -> Definition:
    versions = [d for (n, _), d in _DEFINITIONS.items() if n == name]
    if not versions:
        raise KeyError(f"no workflow definition {name}")
    return max(versions, key=lambda d: d.version)


def machine_for(definition: Definition) -> CycleMachine:
    key = (definition.name, definition.version)
    if key not in _MACHINES:
        _MACHINES[key] = CycleMachine(definition)
    return _MACHINES[key]
