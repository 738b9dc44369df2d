"""Rank deltas: our own movement, with direction, beside the magnitude the page prints."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.indices.catalogue import higher_is_worse
from monitor.models import Profile


@dataclass(frozen=True)
class RankDelta:
    composite: str  # "criminality" or "resilience"
    scope: str  # "global", "continental" or "regional"
    group: str | None
    old: int
    new: int
    out_of: int
    published_movement: int | None  # the page's magnitude, no direction

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
        worse = towards_first == higher_is_worse(self.composite)
        return "deterioration" if worse else "improvement"


def rank_deltas(old: Profile, new: Profile) -> list[RankDelta]:
    before = {(r.composite, r.scope): r for r in old.ranks}
    deltas = []
    for rank in new.ranks:
        prior = before.get((rank.composite, rank.scope))
        if prior is None or prior.rank == rank.rank:
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
            )
        )
    return deltas
