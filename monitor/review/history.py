"""`monitor history`: a country's scores edition by edition, each with a trend, and its
categories and list memberships (Status: Partly Free → Not Free) beside them.

One column per edition: the snapshot standing for it is the one `monitor show` would
pick (complete first, then the richest: the page, with scores and narrative, before the
workbook), and the column says which source it is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from monitor.diff.scores import measure_name, score_direction
from monitor.errors import MonitorError
from monitor.indices import higher_is_worse, level_name
from monitor.review.keys import sort_key
from monitor.review.snapshots import standing_snapshots
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
    index: str = "ocindex"  # the index the snapshot is of


@dataclass(frozen=True)
class Row:
    """One score across the columns (None where a snapshot does not hold it)."""

    key: str
    name: str
    values: tuple[float | None, ...]
    index: str = "ocindex"  # the index whose measure `key` is

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
        return "" if self.delta is None else score_direction(self.key, self.delta, self.index)


@dataclass(frozen=True)
class StatusRow:
    """A category or membership across the columns: the level each snapshot holds."""

    key: str
    name: str
    kind: str  # category / membership
    values: tuple[str | None, ...]
    direction: str  # from the first level held to the last; "" when the same
    index: str = "ocindex"

    @property
    def names(self) -> tuple[str | None, ...]:
        """Each level as the definition names it (`NF` -> `Not Free`)."""
        return tuple(
            None if v is None else level_name(self.index, self.key, v) for v in self.values
        )

    @property
    def changed(self) -> str:
        """`Partly Free → Not Free`, or "" when the first and last levels held agree."""
        known = [v for v in self.names if v is not None]
        return f"{known[0]} → {known[-1]}" if known and known[0] != known[-1] else ""


@dataclass(frozen=True)
class History:
    country: str
    country_name: str | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    statuses: tuple[StatusRow, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        rows = [
            {"key": r.key, "name": r.name, "values": r.values}
            | {"trend": r.trend, "delta": r.delta, "direction": r.direction}
            for r in self.rows
        ]
        data = {
            "country": self.country,
            "country_name": self.country_name,
            "columns": [asdict(c) for c in self.columns],
            "rows": rows,
        }
        # An index with no categories answers as before categories existed.
        if self.statuses:
            data["statuses"] = [
                asdict(s) | {"names": s.names, "changed": s.changed} for s in self.statuses
            ]
        return data


def score_history(
    store: Store,
    country: str,
    *,
    keys: Iterable[str] = (),
    source: str | None = None,
    index: str | None = None,
) -> History:
    """For each edition of `country`, the snapshot standing for it (of one source kind
    and one index if given), index by index and oldest edition first, and each score
    (only `keys` if given) across them."""
    standing = set(standing_snapshots(store, country, kind=source, index=index).values())
    records = [
        r
        for r in store.db.query(
            "SELECT * FROM snapshot_scores WHERE country = ? AND (? IS NULL OR source = ?)"
            " AND (? IS NULL OR index_id = ?) ORDER BY index_id, edition, captured_at,"
            " snapshot_id",
            [country, source, source, index, index],
        )
        if r["snapshot_id"] in standing
    ]
    if not records:
        origin = "".join(
            (f" of the {index} index" if index else "", f" from {source}" if source else "")
        )
        raise MonitorError(f"no snapshot of {country}{origin} holds scores")
    columns: dict[int, Column] = {}
    values: dict[str, dict[int, float]] = {}
    index_of: dict[str, str] = {}
    wanted = set(keys)
    for r in records:
        columns.setdefault(
            r["snapshot_id"],
            Column(
                r["snapshot_id"],
                r["edition"],
                r["source"],
                r["status"],
                r["captured_at"],
                r["index_id"],
            ),
        )
        if not wanted or r["indicator"] in wanted:
            values.setdefault(r["indicator"], {})[r["snapshot_id"]] = r["score"]
            index_of[r["indicator"]] = r["index_id"]
    rows = tuple(
        Row(
            key,
            measure_name(key, index_of[key]),
            tuple(by_snapshot.get(c) for c in columns),
            index_of[key],
        )
        for key, by_snapshot in sorted(values.items(), key=lambda item: sort_key(item[0]))
    )
    statuses = _statuses(store, country, tuple(columns), set(keys))
    return History(country, records[-1]["country_name"], tuple(columns.values()), rows, statuses)


def _statuses(
    store: Store, country: str, columns: tuple[int, ...], wanted: set[str]
) -> tuple[StatusRow, ...]:
    """The categories and memberships the columns' snapshots hold, in their order."""
    found: dict[str, dict[int, dict[str, Any]]] = {}
    for r in store.db.query(
        "SELECT * FROM snapshot_categories WHERE country = ? ORDER BY measure", [country]
    ):
        if r["snapshot_id"] in columns and (not wanted or r["measure"] in wanted):
            found.setdefault(r["measure"], {})[r["snapshot_id"]] = r
    rows = []
    for key, by_snapshot in found.items():
        held = [by_snapshot[c] for c in columns if c in by_snapshot]
        first, last = held[0], held[-1]
        direction = ""
        if None not in (first["level"], last["level"]) and first["level"] != last["level"]:
            worse = (last["level"] > first["level"]) == higher_is_worse(last["index_id"], key)
            direction = "deterioration" if worse else "improvement"
        name = store.db.execute(
            "SELECT name FROM categories WHERE snapshot_id = ? AND key = ?",
            [last["snapshot_id"], key],
        ).fetchone()[0]
        values = tuple(by_snapshot[c]["value"] if c in by_snapshot else None for c in columns)
        rows.append(StatusRow(key, name, last["kind"], values, direction, last["index_id"]))
    return tuple(rows)
