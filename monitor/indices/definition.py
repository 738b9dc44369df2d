"""An index definition: what a publication measures (the typed records; the TOML file
they are read from is checked by `monitor.indices.reader`).

A definition names the index (id, publisher, home page, attribution), its editions and
the cadence we expect, its measures (scores with a scale and a direction, ranks within
groups, ordered categories, list memberships), the hierarchy its scores form with the
arithmetic a capture can check itself with, and the methodology changes per edition.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from monitor.models import MEMBERSHIP_LEVELS

# Significance a measure gets when neither it nor `[significance]` names one.


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """`Non-renewable resource crimes` -> `non_renewable_resource_crimes`; accents folded."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")


@dataclass(frozen=True)
class Scale:
    min: float
    max: float


@dataclass(frozen=True)
class Measure:
    """One thing an index publishes per country and edition.

    `kind`: score (a number on `scale`), rank (of the score `of`, within each of
    `groups`), category (one of `levels`, in order from best to worst when
    `direction` is higher_is_worse), membership (on the list or not; being on it is
    the "higher" state). Scores form the hierarchy through `parent`; a score with
    children is their `arithmetic` (mean, sum, none) within `tolerance`.
    """

    key: str
    name: str
    kind: str
    direction: str
    significance: float
    level: str | None = None
    parent: str | None = None
    arithmetic: str = "none"
    tolerance: float = 0.0
    scale: Scale | None = None
    step: float | None = None
    decimals: int = 2
    of: str | None = None
    groups: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    level_names: dict[str, str] = field(default_factory=dict)  # level as published -> name
    since: int | None = None
    until: int | None = None
    aliases: tuple[str, ...] = ()
    edition_aliases: dict[int, tuple[str, ...]] = field(default_factory=dict)
    headline: bool = False

    @property
    def higher_is_worse(self) -> bool:
        return self.direction == "higher_is_worse"

    @property
    def uncertainty(self) -> bool:
        """A measure of how sure the publisher is (a standard error), not of the
        country: its moves are neither better nor worse, and never findings."""
        return self.direction == "uncertainty"

    def in_edition(self, edition: int | None) -> bool:
        """Part of `edition`'s methodology (None: of any edition)."""
        if edition is None:
            return True
        return (self.since is None or self.since <= edition) and (
            self.until is None or edition <= self.until
        )

    @property
    def ordered_levels(self) -> tuple[str, ...]:
        """A category's levels; a membership's two (off the list, on it)."""
        return MEMBERSHIP_LEVELS if self.kind == "membership" else self.levels

    def level_name(self, level: str) -> str:
        """A level as a reader says it (`NF` -> `Not Free`); unnamed: as published."""
        return self.level_names.get(level, level)

    def spellings(self) -> tuple[str, ...]:
        extra = tuple(a for names in self.edition_aliases.values() for a in names)
        return (self.key, self.name, *self.aliases, *extra)


@dataclass(frozen=True)
class Change:
    """A methodology change an edition brings, beyond measures added or removed (which
    `since` and `until` declare): ranking groups redefined, a scale changed."""

    edition: int
    groups_redefined: tuple[str, ...] = ()
    scale_changed: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class SheetColumns:
    """The measures one sheet holds, in a release with a sheet per dimension (the World
    Bank's governance indicators): `sheet` is a pattern of its name."""

    sheet: str | None
    columns: dict[str, tuple[str, ...]]  # measure key -> header patterns


@dataclass(frozen=True)
class Mapping:
    """Where a publication holds each measure, for a generic source kind (`dataset`).

    Headers are patterns, matched ignoring case and runs of spaces: `{edition}` stands
    for a year (a wide layout's `CPI score {edition}`), `*` for anything; a measure may
    list several, for columns renamed between releases. `layout` is `long` (one row per
    country and edition: the `edition` column, or one fixed `edition` year) or `wide`
    (one column per measure and year; the year may be in the row above the measure's
    name). `sheet` is a pattern of the sheet's name in a workbook, or `sheets` one
    pattern and its columns per sheet; `missing` the cell texts meaning "no value";
    `on_list` the cell values meaning "on the list" for a membership (any other: not on
    it)."""

    country: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]  # measure key -> header patterns
    edition_column: str | None = None
    edition: int | None = None
    on_list: tuple[str, ...] = ("yes", "true", "1", "x", "listed")
    layout: str = "long"
    sheet: str | None = None
    missing: tuple[str, ...] = ("", "-", "n/a", "#n/a", "..", "na")
    sheets: tuple[SheetColumns, ...] = ()

    def parts(self) -> tuple[SheetColumns, ...]:
        """Each sheet to read and the measures it holds (one part unless `sheets`)."""
        return self.sheets or (SheetColumns(self.sheet, self.columns),)


@dataclass(frozen=True)
class Section:
    """A narrative section a profile holds, by a key stable across editions."""

    key: str
    title: str
    aliases: tuple[str, ...] = ()


# eq=False: a loaded definition is one object, hashed by identity (its lookups are cached).
@dataclass(frozen=True, eq=False)
class IndexDefinition:
    id: str
    name: str
    publisher: str
    home: str
    attribution: str
    editions: tuple[int, ...]
    cadence_months: int
    measures: tuple[Measure, ...]
    short_name: str = ""  # what a digest's one-line summary calls it ("CPI"); default: name
    changes: tuple[Change, ...] = ()
    sections: tuple[Section, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)  # how a generic kind reads it
    mapping: Mapping | None = None  # where each measure is in its publication
    path: str = ""

    def measure(self, key: str) -> Measure | None:
        return _by_key(self).get(key)

    def by_spelling(self, text: str) -> Measure | None:
        """The measure any known spelling (key, name, alias; any case) names."""
        return _by_spelling(self).get(slugify(text))

    def of_kind(self, kind: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.kind == kind)

    def children(self, key: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.parent == key)

    def pillars(self) -> frozenset[str]:
        """The scores that group indicators: the declared pillars and, in an index that
        has pillars, a composite holding indicators directly (the OC Index's resilience,
        a headline score of its own, stands as the pillar of its 12 indicators)."""
        return _pillars(self)

    def pillar_of(self, key: str) -> str | None:
        """The pillar a score belongs to: itself for a pillar, its nearest pillar
        ancestor for an indicator, None for a composite above the pillars."""
        measure = self.measure(key)
        while measure is not None:
            if measure.key in self.pillars():
                return measure.key
            measure = self.measure(measure.parent) if measure.parent else None
        return None

    def added_in(self, edition: int) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.since == edition)

    def removed_in(self, edition: int) -> tuple[Measure, ...]:
        """Measures whose last edition is the one before `edition`."""
        before = [e for e in self.editions if e < edition]
        return tuple(m for m in self.measures if before and m.until == before[-1])

    def change(self, edition: int | None) -> Change | None:
        return next((c for c in self.changes if c.edition == edition), None)

    def headline(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.headline)

    def prior_edition(self, edition: int) -> int | None:
        earlier = [e for e in self.editions if e < edition]
        return earlier[-1] if earlier else None


@lru_cache(maxsize=64)
def _by_key(definition: IndexDefinition) -> dict[str, Measure]:
    return {m.key: m for m in definition.measures}


@lru_cache(maxsize=64)
def _by_spelling(definition: IndexDefinition) -> dict[str, Measure]:
    return {slugify(s): m for m in definition.measures for s in m.spellings()}


@lru_cache(maxsize=64)
def _pillars(definition: IndexDefinition) -> frozenset[str]:
    declared = {m.key for m in definition.measures if m.level == "pillar"}
    if not declared:  # indicators straight under a total (FSI) are no pillar's
        return frozenset()
    direct = {
        m.key
        for m in definition.measures
        if m.level == "composite"
        and any(c.level == "indicator" for c in definition.children(m.key))
    }
    return frozenset(declared | direct)
