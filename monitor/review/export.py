"""`monitor export`: every score of every snapshot, in tidy long format (CSV or JSON).

One row per score of a snapshot, read from the `snapshot_scores` view: values exactly
as stored (a float's shortest repr in CSV, so reading it back gives the same number),
an empty cell or null where the source printed no change. A category or membership
(from `snapshot_categories`) is a row too, its level as published in `score` ("Not
Free", "on the list"), with no pillar and no change, and `level_name` the level as its
definition names it (`NF` -> "Not Free"; empty for a score). Each row also names the
country (the publisher's spelling, ISO 3166 alpha-3, its region as the index groups it)
and the measure as its index names it, so a spreadsheet needs no lookup tables.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, TextIO

from monitor.identity import lookup
from monitor.indices import Measure, get
from monitor.store import Store

COLUMNS = (
    "country",
    "country_name",
    "iso3",
    "region",
    "edition",
    "source",
    "index_id",
    "indicator",
    "indicator_name",
    "pillar",
    "score",
    "change",
    "status",
    "snapshot_id",
    "captured_at",
    "level_name",
)


_STORED = ("country", "edition", "source", "index_id", "indicator", "pillar", "score")
_STORED += ("change", "status", "snapshot_id", "captured_at")

# Scores, and categories and memberships as rows of the same shape (no pillar, no change).
_ROWS = (
    f"SELECT {', '.join(_STORED)} FROM snapshot_scores UNION ALL"
    " SELECT country, edition, source, index_id, measure AS indicator, NULL AS pillar,"
    " value AS score, NULL AS change, status, snapshot_id, captured_at FROM snapshot_categories"
)

# The country's region: the regional rank group of its latest snapshot that names one.
_REGION = """(
    SELECT r.group_name FROM ranks r JOIN snapshots x ON x.id = r.snapshot_id
    WHERE x.country_slug = v.country AND r.scope = 'regional' AND r.group_name IS NOT NULL
    ORDER BY x.edition DESC, x.id DESC LIMIT 1
) AS region"""


@dataclass(frozen=True)
class ExportFilter:
    """Which rows to export: all by default."""

    country: str | None = None  # a country key
    index_id: str | None = None
    edition: int | None = None
    since: str | None = None  # captured at or after this ISO date or time


def export_rows(store: Store, only: ExportFilter | None = None) -> Iterator[dict[str, Any]]:
    only = only or ExportFilter()
    tests = {
        "v.country = ?": only.country,
        "v.index_id = ?": only.index_id,
        "v.edition = ?": only.edition,
        "v.captured_at >= ?": only.since,
    }
    chosen = {sql: value for sql, value in tests.items() if value is not None}
    where = f" WHERE {' AND '.join(chosen)}" if chosen else ""
    rows = store.db.query(
        f"SELECT {', '.join('v.' + c for c in _STORED)}, {_REGION} FROM ({_ROWS}) v"
        f"{where} ORDER BY v.country, v.edition, v.source, v.snapshot_id, v.indicator",
        list(chosen.values()),
    )
    for row in rows:
        country = lookup(row["country"])
        yield {
            **row,
            "country_name": country.name if country else None,
            "iso3": country.alpha3 if country else None,
            "indicator_name": _measure_name(row["index_id"], row["indicator"]),
            "level_name": _level_name(row["index_id"], row["indicator"], row["score"]),
        }


@cache
def _measure(index_id: str, key: str) -> Measure | None:
    try:
        return get(index_id).measure(key)
    except KeyError:  # an index whose definition is not installed here
        return None


def _measure_name(index_id: str, key: str) -> str:
    measure = _measure(index_id, key)
    return measure.name if measure is not None else key


def _level_name(index_id: str, key: str, value: Any) -> str | None:
    """A category's or membership's level as named (`Not Free`); None for a score."""
    if not isinstance(value, str):
        return None
    measure = _measure(index_id, key)
    return measure.level_name(value) if measure is not None else value


def _csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def _json(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array with one row per line: valid JSON that still greps and diffs well."""
    count = 0
    for row in rows:
        ordered = {c: row[c] for c in COLUMNS}
        out.write(("[\n" if count == 0 else ",\n") + json.dumps(ordered, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


FORMATS: dict[str, Callable[[Iterable[dict[str, Any]], TextIO], int]] = {
    "csv": _csv,
    "json": _json,
}


def write_export(store: Store, out: TextIO, fmt: str, only: ExportFilter | None = None) -> int:
    """Write the rows `only` chooses to `out` in format `fmt`; returns how many."""
    return FORMATS[fmt](export_rows(store, only), out)
