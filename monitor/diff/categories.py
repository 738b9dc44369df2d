"""Category and membership deltas: a level changed (Partly Free → Not Free), a country
added to or removed from a list. Ordered by the levels the index's definition declares,
so each change has a direction like a score's."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.indices import find, level_name
from monitor.models import Profile


@dataclass(frozen=True)
class CategoryDelta:
    key: str
    name: str
    kind: str  # "category" or "membership"
    old: str  # the level as published (a membership: models.MEMBERSHIP_LEVELS)
    new: str
    old_level: int  # its position in the definition's levels, 0 first
    new_level: int
    higher_is_worse: bool
    index: str = "ocindex"

    @property
    def steps(self) -> int:
        """Levels moved: positive towards the last level (onto the list)."""
        return self.new_level - self.old_level

    @property
    def direction(self) -> str:
        if self.steps == 0:
            return "unchanged"
        return "deterioration" if (self.steps > 0) == self.higher_is_worse else "improvement"

    @property
    def change(self) -> str:
        """In words: `Partly Free → Not Free`, `added to the list`."""
        if self.kind == "membership":
            return "added to the list" if self.steps > 0 else "removed from the list"
        return f"{self.old_name} → {self.new_name}"

    @property
    def old_name(self) -> str:
        """The old level as its definition names it (`NF` -> `Not Free`)."""
        return level_name(self.index, self.key, self.old)

    @property
    def new_name(self) -> str:
        return level_name(self.index, self.key, self.new)


def category_deltas(old: Profile, new: Profile) -> list[CategoryDelta]:
    """The categories and memberships both profiles hold whose level differs; a value the
    definition does not list is no move (validation makes such a capture incomplete)."""
    definition = find(new.index)
    if definition is None or old.index != new.index:
        return []
    before, after = old.levels(), new.levels()
    deltas = []
    for key, value in after.items():
        measure = definition.measure(key)
        if measure is None or key not in before or before[key] == value:
            continue
        order = measure.ordered_levels
        if value not in order or before[key] not in order:
            continue
        deltas.append(
            CategoryDelta(
                key,
                measure.name,
                measure.kind,
                before[key],
                value,
                order.index(before[key]),
                order.index(value),
                measure.higher_is_worse,
                new.index,
            )
        )
    return deltas
