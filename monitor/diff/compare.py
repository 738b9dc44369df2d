"""Everything that differs between two extractions of one profile, in one record."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from monitor.diff.categories import CategoryDelta, category_deltas
from monitor.diff.ranks import RankDelta, rank_breaks, rank_deltas
from monitor.diff.reconcile import Revision, revisions
from monitor.diff.scores import ScoreDelta, score_deltas
from monitor.diff.text import EditedSentence, SectionDelta, WordRun, section_deltas
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
    # Ranking groups redefined between the two editions: ranks in them are not compared.
    regrouped: tuple[str, ...] = ()
    # The index both profiles are of, and its categories and memberships that changed.
    index: str = "ocindex"
    categories: tuple[CategoryDelta, ...] = ()

    @property
    def against_incomplete(self) -> bool:
        """Made with a capture that is not complete: absent values are not removals."""
        return self.old_status != Status.COMPLETE or self.new_status != Status.COMPLETE


_EMPTY = Profile(None, None, None)


def compare(old: Extraction, new: Extraction, *, prior: Profile | None = None) -> Comparison:
    """Compare two extractions; `prior` is the stored profile of the edition before
    `new`'s, against which the changes `new` prints are reconciled (default: `old`)."""
    a, b = old.profile or _EMPTY, new.profile or _EMPTY
    return replace(
        measured(old, new),
        sections=tuple(section_deltas(a.sections, b.sections)),
        revisions=tuple(revisions(prior or a, b)),
    )


def measured(old: Extraction, new: Extraction) -> Comparison:
    """What `compare` says of the two extractions' measures (scores, ranks, categories),
    with no narrative deltas and no revisions: cheap, and the same for the same pair."""
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
        sections=(),
        revisions=(),
        regrouped=tuple(rank_breaks(a, b)),
        index=(new.profile or old.profile or _EMPTY).index,
        categories=tuple(category_deltas(a, b)),
    )


def with_stored_narrative(measures: Comparison, data: dict[str, Any]) -> Comparison:
    """A `Comparison` from its `measured` part and the narrative deltas and revisions
    the comparisons table stores (`dataclasses.asdict`'s form): the rest is recomputed
    from the two snapshots, and a full narrative diff is what costs."""

    def section(s: dict[str, Any]) -> SectionDelta:
        edited = tuple(
            EditedSentence(
                e["old"],
                e["new"],
                tuple(WordRun(w["op"], tuple(w["words"])) for w in e["words"]),
            )
            for e in s["edited"]
        )
        lists = {k: tuple(s[k]) for k in ("added", "removed", "moved")}
        return SectionDelta(
            s["key"],
            s["old_title"],
            s["new_title"],
            s["status"],
            **lists,
            edited=edited,
            magnitude=s["magnitude"],
        )

    return replace(
        measures,
        sections=tuple(section(s) for s in data["sections"]),
        revisions=tuple(Revision(**r) for r in data["revisions"]),
    )
