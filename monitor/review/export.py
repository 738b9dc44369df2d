"""`monitor export`: every score of every snapshot, in tidy long format (CSV or JSON).

One row per score of a snapshot, read from the `snapshot_scores` view: values exactly
as stored (a float's shortest repr in CSV, so reading it back gives the same number),
an empty cell or null where the source printed no change. A category or membership
(from `snapshot_categories`) is a row too, its level as published in `score` ("Not
Free", "on the list"), with no pillar and no change.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from monitor.store import Store

COLUMNS = (
    "country",
    "edition",
    "source",
    "indicator",
    "pillar",
    "score",
    "change",
    "status",
    "snapshot_id",
    "captured_at",
)


def export_rows(store: Store) -> Iterator[dict[str, Any]]:
    levels = (
        "SELECT country, edition, source, measure AS indicator, NULL AS pillar,"
        " value AS score, NULL AS change, status, snapshot_id, captured_at"
        " FROM snapshot_categories"
    )
    yield from store.db.query(
        f"SELECT {', '.join(COLUMNS)} FROM snapshot_scores UNION ALL {levels}"
        " ORDER BY country, edition, source, snapshot_id, indicator"
    )


def _csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
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
        out.write(("[\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


FORMATS: dict[str, Callable[[Iterable[dict[str, Any]], TextIO], int]] = {
    "csv": _csv,
    "json": _json,
}


def write_export(store: Store, out: TextIO, fmt: str) -> int:
    """Write every row to `out` in format `fmt`; returns how many rows were written."""
    return FORMATS[fmt](export_rows(store), out)
