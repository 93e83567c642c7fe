"""Every definition the product knows, by name and version, loaded (and checked) at import."""
from __future__ import annotations

from workflows.loader import load_all
from workflows.machine import CycleMachine
from workflows.model import Definition

_DEFINITIONS: dict[tuple[str, int], Definition] = {
    (d.name, d.version): d for d in load_all()
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


def register(definition: Definition) -> None:
    """Add a definition (e.g. a new version from a file); the same name and version must match."""
    key = (definition.name, definition.version)
    if key in _DEFINITIONS and _DEFINITIONS[key] != definition:
        raise ValueError(f"definition {definition.name} v{definition.version} is already "
                         "registered with different content; give the new one a new version")
    _DEFINITIONS[key] = definition


def unregister(name: str, version: int) -> None:
    _DEFINITIONS.pop((name, version), None)
    _MACHINES.pop((name, version), None)


def machine_for(definition: Definition) -> CycleMachine:
    key = (definition.name, definition.version)
    if key not in _MACHINES:
        _MACHINES[key] = CycleMachine(definition)
    return _MACHINES[key]
