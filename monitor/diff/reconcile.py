"""Reconciliation: the change a page prints against the change our own history gives.

A 2025 page prints each score's change since 2023, and each rank's movement with its
direction. If our stored 2023 snapshot says otherwise (beyond the 0.01 of rounding for
scores, by any place for ranks), either the publisher revised the 2023 figure or our
history is wrong; both deserve a finding that names the two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.formatting import ordinal
from monitor.indices import find
from monitor.models import Profile

TOLERANCE = 0.01 + 1e-9


@dataclass(frozen=True)
class Revision:
    key: str
    published_change: float
    computed_change: float
    stored_previous: float  # what our snapshot of the prior edition holds
    implied_previous: float  # what the printed change says the prior edition was
    # "score", or "rank": changes are then of the rank number (81st -> 85th is +4)
    measure: str = "score"

    @property
    def message(self) -> str:
        if self.measure == "rank":
            return (
                f"{self.key.replace('_', ' ')}: the page prints a move of "
                f"{_places(self.published_change)}, but our history gives "
                f"{_places(self.computed_change)} (stored "
                f"{ordinal(int(self.stored_previous))}, the page implies "
                f"{ordinal(int(self.implied_previous))}): a revised earlier rank?"
            )
        return (
            f"{self.key}: the page prints a change of {self.published_change:+.2f}, but our "
            f"history gives {self.computed_change:+.2f} (stored {self.stored_previous:.2f}, "
            f"the page implies {self.implied_previous:.2f}): a revised earlier score?"
        )


def _places(change: float) -> str:
    n = int(abs(change))
    if n == 0:
        return "0 places"
    return f"{n} place{'s' if n > 1 else ''} {'up' if change < 0 else 'down'}"


def prior_edition(edition: int, index: str = "ocindex") -> int | None:
    """The edition before `edition` in its index's definition; past the last edition
    declared, the one a cadence earlier (the OC Index: two years)."""
    definition = find(index)
    if definition is None:
        return None
    editions = definition.editions
    earlier = [e for e in editions if e < edition]
    if earlier:
        return max(earlier)
    step = max(1, definition.cadence_months // 12)
    return edition - step if edition > editions[-1] else None


def revisions(previous: Profile, current: Profile) -> list[Revision]:
    """Printed changes on `current` that disagree with `previous`, its prior edition.

    Nothing is compared unless `previous` is the edition the printed changes refer to.
    """
    if current.edition is None or previous.edition != prior_edition(current.edition, current.index):
        return []
    found = []
    stored = previous.scores()
    printed = {k: s for k, s in current.composites.items()} | {
        i.key: i.score for i in current.indicators
    }
    for key, score in printed.items():
        if score.change is None or key not in stored:
            continue
        computed = score.value - stored[key]
        if abs(computed - score.change) > TOLERANCE:
            found.append(
                Revision(
                    key,
                    score.change,
                    round(computed, 2),
                    stored[key],
                    round(score.value - score.change, 2),
                )
            )
    return found + _rank_revisions(previous, current)


def _rank_revisions(previous: Profile, current: Profile) -> list[Revision]:
    """Printed rank movements (with their direction) that disagree with our ranks of the
    prior edition. A group renamed or resized between editions (2025 redefined some
    regions) is a methodology change, not a revision: only like groups are compared."""
    before = {(r.composite, r.scope): r for r in previous.ranks}
    found = []
    for rank in current.ranks:
        prior = before.get((rank.composite, rank.scope))
        printed = rank.published_change
        if prior is None or printed is None or prior.group != rank.group:
            continue
        if prior.out_of != rank.out_of:
            continue
        computed = rank.rank - prior.rank
        if computed != printed:
            found.append(
                Revision(
                    f"{rank.composite}_{rank.scope}_rank",
                    printed,
                    computed,
                    prior.rank,
                    rank.rank - printed,
                    measure="rank",
                )
            )
    return found
