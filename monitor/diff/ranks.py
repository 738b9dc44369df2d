"""Rank deltas: our own movement, with direction, beside the magnitude the page prints.

A rank is only comparable within the same group: when a ranking group is redefined
between editions (renamed, split, merged, or a country moved in or out, which changes
its size), the ranks across it are a methodology break, never a move. The break is
detected from the data (the group's name or size changed) and from what the index's
definition declares for the edition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.indices import find, higher_is_worse
from monitor.models import Profile, Rank


@dataclass(frozen=True)
class RankDelta:
    composite: str  # "criminality" or "resilience"
    scope: str  # "global", "continental" or "regional"
    group: str | None
    old: int
    new: int
    out_of: int
    published_movement: int | None  # the page's magnitude, no direction
    index: str = "ocindex"  # the index whose score `composite` is ranked

    @property
    def places(self) -> int:
        """Places moved towards 1st (positive) or away from it (negative)."""
        return self.old - self.new

    @property
    def direction(self) -> str:
        """Rank 1 is the highest score: the most criminal, the most resilient country."""
        if self.places == 0:
            return "unchanged"
        towards_first = self.places > 0
        worse = towards_first == higher_is_worse(self.index, self.composite)
        return "deterioration" if worse else "improvement"


def declared_regroupings(
    old_edition: int | None, new_edition: int | None, index: str = "ocindex"
) -> set[str]:
    """The ranking groups the index's definition says were redefined after
    `old_edition`, up to and including `new_edition`."""
    definition = find(index)
    if old_edition is None or new_edition is None or definition is None:
        return set()
    return {
        group
        for change in definition.changes
        if old_edition < change.edition <= new_edition
        for group in change.groups_redefined
    }


def regrouped(prior: Rank, rank: Rank, declared: Iterable[str] = ()) -> bool:
    """Whether `prior` and `rank` are ranks in different groups (not comparable)."""
    names = {prior.group, rank.group} - {None}
    return prior.group != rank.group or prior.out_of != rank.out_of or bool(names & set(declared))


def rank_deltas(old: Profile, new: Profile) -> list[RankDelta]:
    """Rank moves within unchanged groups (see `rank_breaks` for the others)."""
    before = {(r.composite, r.scope): r for r in old.ranks}
    declared = declared_regroupings(old.edition, new.edition, new.index)
    deltas = []
    for rank in new.ranks:
        prior = before.get((rank.composite, rank.scope))
        if prior is None or prior.rank == rank.rank or regrouped(prior, rank, declared):
            continue
        deltas.append(
            RankDelta(
                rank.composite,
                rank.scope,
                rank.group,
                prior.rank,
                rank.rank,
                rank.out_of,
                rank.movement,
                new.index,
            )
        )
    return deltas


def rank_breaks(old: Profile, new: Profile) -> list[str]:
    """The groups (old and new names) of ranks that cannot be compared across editions."""
    if old.edition == new.edition:
        return []
    before = {(r.composite, r.scope): r for r in old.ranks}
    declared = declared_regroupings(old.edition, new.edition, new.index)
    groups: set[str] = set()
    for rank in new.ranks:
        prior = before.get((rank.composite, rank.scope))
        if prior is not None and regrouped(prior, rank, declared):
            groups |= {prior.group or "global", rank.group or "global"}
    return sorted(groups)
