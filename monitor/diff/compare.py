"""Everything that differs between two extractions of one profile, in one record."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.diff.ranks import RankDelta, rank_deltas
from monitor.diff.reconcile import Revision, revisions
from monitor.diff.scores import ScoreDelta, score_deltas
from monitor.diff.text import SectionDelta, section_deltas
from monitor.models import Extraction, Profile, Status


@dataclass(frozen=True)
class Comparison:
    country: str | None
    old_edition: int | None
    new_edition: int | None
    old_status: Status
    new_status: Status
    old_scores: dict[str, float]
    new_scores: dict[str, float]
    scores: tuple[ScoreDelta, ...]
    ranks: tuple[RankDelta, ...]
    sections: tuple[SectionDelta, ...]
    revisions: tuple[Revision, ...]

    @property
    def against_incomplete(self) -> bool:
        """Made with a capture that is not complete: absent values are not removals."""
        return self.old_status != Status.COMPLETE or self.new_status != Status.COMPLETE


_EMPTY = Profile(None, None, None)


def compare(old: Extraction, new: Extraction, *, prior: Profile | None = None) -> Comparison:
    """Compare two extractions; `prior` is the stored profile of the edition before
    `new`'s, against which the changes `new` prints are reconciled (default: `old`)."""
    a, b = old.profile or _EMPTY, new.profile or _EMPTY
    country = (b.country or a.country).slug if (b.country or a.country) else None
    return Comparison(
        country=country,
        old_edition=a.edition,
        new_edition=b.edition,
        old_status=old.status,
        new_status=new.status,
        old_scores=a.scores(),
        new_scores=b.scores(),
        scores=tuple(score_deltas(a, b)),
        ranks=tuple(rank_deltas(a, b)),
        sections=tuple(section_deltas(a.sections, b.sections)),
        revisions=tuple(revisions(prior or a, b)),
    )
