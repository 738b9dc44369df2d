"""`monitor history`: a country's scores in every snapshot we hold, each with a trend."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from monitor.diff.scores import score_direction
from monitor.errors import MonitorError
from monitor.indices.catalogue import display_name
from monitor.review.keys import sort_key
from monitor.store import Store

BARS = "▁▂▃▄▅▆▇█"
# A sparkline spans at least one point of the 1-10 scale, so that a 0.05 wobble does
# not look like a collapse; a row that moves more is scaled to its own range.
MIN_SPAN = 1.0


def sparkline(values: Sequence[float | None]) -> str:
    """One bar per value (a space where there is none), low to high."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low = min(known)
    span = max(max(known) - low, MIN_SPAN)
    top = len(BARS) - 1
    return "".join(" " if v is None else BARS[round((v - low) / span * top)] for v in values)


@dataclass(frozen=True)
class Column:
    """One snapshot: a column of the history table."""

    snapshot_id: int
    edition: int | None
    source: str  # source kind
    status: str
    captured_at: str


@dataclass(frozen=True)
class Row:
    """One score across the columns (None where a snapshot does not hold it)."""

    key: str
    name: str
    values: tuple[float | None, ...]

    @property
    def trend(self) -> str:
        return sparkline(self.values)

    @property
    def delta(self) -> float | None:
        """The last value held minus the first, or None with fewer than two."""
        known = [v for v in self.values if v is not None]
        return round(known[-1] - known[0], 2) if len(known) > 1 else None

    @property
    def direction(self) -> str:
        return "" if self.delta is None else score_direction(self.key, self.delta)


@dataclass(frozen=True)
class History:
    country: str
    country_name: str | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def to_dict(self) -> dict[str, Any]:
        rows = [
            asdict(r) | {"trend": r.trend, "delta": r.delta, "direction": r.direction}
            for r in self.rows
        ]
        return asdict(self) | {"rows": rows}


def score_history(
    store: Store, country: str, *, keys: Iterable[str] = (), source: str | None = None
) -> History:
    """Every snapshot of `country` holding scores (of one source kind if given), oldest
    edition first, and each score (only `keys` if given) across them."""
    records = list(
        store.db.query(
            "SELECT * FROM snapshot_scores WHERE country = ? AND (? IS NULL OR source = ?)"
            " ORDER BY edition, captured_at, snapshot_id",
            [country, source, source],
        )
    )
    if not records:
        origin = f" from {source}" if source else ""
        raise MonitorError(f"no snapshot of {country}{origin} holds scores")
    columns: dict[int, Column] = {}
    values: dict[str, dict[int, float]] = {}
    wanted = set(keys)
    for r in records:
        columns.setdefault(
            r["snapshot_id"],
            Column(r["snapshot_id"], r["edition"], r["source"], r["status"], r["captured_at"]),
        )
        if not wanted or r["indicator"] in wanted:
            values.setdefault(r["indicator"], {})[r["snapshot_id"]] = r["score"]
    rows = tuple(
        Row(key, display_name(key), tuple(by_snapshot.get(c) for c in columns))
        for key, by_snapshot in sorted(values.items(), key=lambda item: sort_key(item[0]))
    )
    return History(country, records[-1]["country_name"], tuple(columns.values()), rows)
