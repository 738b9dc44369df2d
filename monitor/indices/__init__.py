"""Index definitions as data: the shipped ones (`*.toml` beside this module) and a
user's own (a directory named by config's `indices_dir`).

`get("ocindex")` is the definition a stage reads; `registry(directory)` every known one.
A user's file may not reuse a shipped id: a definition means one thing everywhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from monitor.errors import ConfigError
from monitor.indices.definition import (
    Change,
    IndexDefinition,
    Measure,
    Scale,
    Section,
    slugify,
)
from monitor.indices.reader import load_definition

__all__ = [
    "Change",
    "IndexDefinition",
    "Measure",
    "Scale",
    "Section",
    "find",
    "get",
    "higher_is_worse",
    "index_ids",
    "level_name",
    "load_definition",
    "registry",
    "shipped",
    "slugify",
]

SHIPPED_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def shipped() -> dict[str, IndexDefinition]:
    """The definitions that come with the package, by id."""
    return _read_dir(SHIPPED_DIR, {})


def registry(user_dir: Path | None = None) -> dict[str, IndexDefinition]:
    """The shipped definitions and, if given, those of a user's directory."""
    known = dict(shipped())
    if user_dir is not None:
        if not user_dir.is_dir():
            raise ConfigError(str(user_dir), None, "indices_dir is not a directory")
        known |= _read_dir(user_dir, known)
    return known


_USER: dict[str, IndexDefinition] = {}


def register(definitions: dict[str, IndexDefinition]) -> None:
    """Make a user's definitions known to every stage (`get`) for this process."""
    _USER.update({k: v for k, v in definitions.items() if k not in shipped()})


def get(index_id: str) -> IndexDefinition:
    """The definition of `index_id`; KeyError names the ids known."""
    found = find(index_id)
    if found is None:
        known = ", ".join(index_ids())
        raise KeyError(f"no index definition {index_id!r} (known: {known})")
    return found


def index_ids() -> list[str]:
    """Every index this process knows (shipped, and the config's), sorted."""
    return sorted({*shipped(), *_USER})


def find(index_id: str) -> IndexDefinition | None:
    """The definition of `index_id`, or None when this process does not know it (a
    user's index read by a command that did not load the config naming its directory)."""
    return shipped().get(index_id) or _USER.get(index_id)


def higher_is_worse(index_id: str, key: str) -> bool:
    """A measure's direction as its index declares it; up is worse when unknown."""
    definition = find(index_id)
    measure = definition.measure(key) if definition else None
    return measure is None or measure.higher_is_worse


def level_name(index_id: str, key: str, level: str) -> str:
    """A category's level as a reader says it (`fiw`, `status`, `NF` -> `Not Free`): the
    name its definition gives, else the level as published."""
    definition = find(index_id)
    measure = definition.measure(key) if definition else None
    return measure.level_name(level) if measure is not None else level


def _read_dir(directory: Path, taken: dict[str, IndexDefinition]) -> dict[str, IndexDefinition]:
    found: dict[str, IndexDefinition] = {}
    for path in sorted(directory.glob("*.toml")):
        definition = load_definition(path)
        other = taken.get(definition.id) or found.get(definition.id)
        if other is not None:
            raise ConfigError(str(path), "id", f"{definition.id!r} is defined by {other.path} too")
        found[definition.id] = definition
    return found
