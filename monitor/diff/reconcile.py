"""Reconciliation: the change a page prints against the change our own history gives.

A 2025 page prints each score's change since 2023. If our stored 2023 snapshot says
otherwise (beyond the 0.01 of rounding), either the publisher revised the 2023 score
or our history is wrong; both deserve a finding that names the two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.indices.catalogue import EDITIONS
from monitor.models import Profile

TOLERANCE = 0.01 + 1e-9


@dataclass(frozen=True)
class Revision:
    key: str
    published_change: float
    computed_change: float
    stored_previous: float  # what our snapshot of the prior edition holds
    implied_previous: float  # what the printed change says the prior edition was

    @property
    def message(self) -> str:
        return (
            f"{self.key}: the page prints a change of {self.published_change:+.2f}, but our "
            f"history gives {self.computed_change:+.2f} (stored {self.stored_previous:.2f}, "
            f"the page implies {self.implied_previous:.2f}): a revised earlier score?"
        )


def prior_edition(edition: int) -> int | None:
    earlier = [e for e in EDITIONS if e < edition]
    return max(earlier) if earlier else (edition - 2 if edition > EDITIONS[-1] else None)


def revisions(previous: Profile, current: Profile) -> list[Revision]:
    """Printed changes on `current` that disagree with `previous`, its prior edition.

    Nothing is compared unless `previous` is the edition the printed changes refer to.
    """
    if current.edition is None or previous.edition != prior_edition(current.edition):
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
    return found
