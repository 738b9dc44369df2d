"""Cross-source reconciliation: one country's edition as each kind of source prints it.

The country page, its PDF summary and the dataset workbook publish the same scores for
a country's edition. When complete snapshots of two kinds disagree on a value, one of
them is wrong or was revised without the other: a `disagreement` finding names both
sources and both values. A disagreement already reported is not reported again when
either side is captured again with the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.indices.catalogue import display_name
from monitor.models import Finding

# Every source prints two decimals: any visible difference disagrees; less is float noise.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Reading:
    """The scores of a complete snapshot of a country's edition, and who printed them."""

    source_key: str
    kind: str
    snapshot_id: int
    scores: Mapping[str, float]


def disagreements(
    this: Reading, others: Iterable[Reading], *, edition: int, reported: Iterable[Finding] = ()
) -> list[Finding]:
    """Values `this` prints differently from a reading of another kind of source.

    `reported`: disagreement findings stored before; the same pair of values is not
    reported twice.
    """
    seen = {_identity(f.detail) for f in reported}
    found = []
    for other in others:
        if other.kind == this.kind:
            continue
        for key, value in this.scores.items():
            theirs = other.scores.get(key)
            if theirs is None or abs(value - theirs) <= TOLERANCE:
                continue
            detail = {
                "score": key,
                "edition": edition,
                "values": {this.kind: value, other.kind: theirs},
                "sources": {this.kind: this.source_key, other.kind: other.source_key},
                "snapshots": {this.kind: this.snapshot_id, other.kind: other.snapshot_id},
            }
            if _identity(detail) in seen:
                continue
            found.append(
                Finding(
                    "disagreement",
                    f"{key}:{other.kind}",
                    "medium",
                    f"{display_name(key)} ({edition}) disagrees between sources: "
                    f"{this.source_key} has {value:.2f}, {other.source_key} has {theirs:.2f}",
                    old=theirs,
                    new=value,
                    detail=detail,
                )
            )
    return found


def _identity(detail: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two disagreement findings the same, whichever side reported it."""
    values = frozenset((kind, round(v, 2)) for kind, v in detail.get("values", {}).items())
    return detail.get("score"), detail.get("edition"), values
