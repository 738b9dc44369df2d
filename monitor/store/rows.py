"""A snapshot's rows inserted: the snapshot, its scores, ranks, narrative passages
(indexed for search) and categories, each table in as few statements as it takes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from monitor.models import Extraction, Section
from monitor.redact import redact, redact_text
from monitor.store.connection import StoreConnection
from monitor.store.records import (
    MEASURE_FIELDS,
    ScoreFacts,
    SourceRecord,
    StoredSnapshot,
    category_rows,
    rank_rows,
    score_rows,
    section_rows,
    snapshot_row,
    stored_snapshot,
)

# A snapshot to insert: its source, its document's sha256, the reading, when captured.
NewSnapshot = tuple[SourceRecord, str, Extraction, str]
# A distinct section to store: its hash -> title, sentence keys (JSON), text to index.
Passages = dict[int, tuple[str, str, str]]

# Bound parameters a statement may hold in every SQLite build (999 before 3.32).
MAX_VARIABLES = 999


class Rows(StoreConnection):
    """Snapshots inserted with their rows in every table."""

    def _insert_snapshot(
        self, source: SourceRecord, sha256: str, extraction: Extraction, captured_at: str
    ) -> StoredSnapshot:
        return self._insert_snapshots([(source, sha256, extraction, captured_at)])[0]

    def _insert_snapshots(self, new: Sequence[NewSnapshot]) -> list[StoredSnapshot]:
        """Insert snapshots (source, document sha256, extraction, capture time) and their
        scores, ranks, narrative and categories, each table in one statement; the
        snapshots as stored, for assessing them without reading them back."""
        if not new:
            return []
        # Ids given here, as SQLite would (the largest plus one): executemany returns none.
        (first,) = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM snapshots").fetchone()
        stored: list[StoredSnapshot] = []
        rows: dict[str, list[dict[str, Any]]] = {
            table: []
            for table in ("snapshots", "scores", "ranks", "narrative_sections", "categories")
        }
        sentences: dict[int, str] = {}
        passages: Passages = {}
        descriptions: dict[int, str] = {}
        facts: dict[tuple[str, str], ScoreFacts] = {}
        for snapshot_id, (source, sha256, extraction, captured_at) in enumerate(new, first):
            extraction = _redacted(extraction)
            row = {"id": snapshot_id} | snapshot_row(
                source, sha256, extraction, captured_at, descriptions
            )
            rows["snapshots"].append(row)
            stored.append(stored_snapshot(row, extraction))
            # Only a profile has scores, ranks and sections; never invent empty ones.
            if (profile := extraction.profile) is not None:
                rows["scores"] += score_rows(snapshot_id, profile, facts)
                rows["ranks"] += rank_rows(snapshot_id, profile)
                rows["narrative_sections"] += _section_rows(
                    snapshot_id, profile.sections, sentences, passages
                )
                rows["categories"] += category_rows(snapshot_id, profile)
        # Plain statements, not sqlite-utils' insert(), which introspects the table.
        self._insert_rows("snapshots", rows.pop("snapshots"))
        # Content-addressed: a sentence, description or passage already stored (an
        # earlier edition's) is kept.
        self.conn.executemany(
            "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO descriptions (id, text) VALUES (?, ?)", descriptions.items()
        )
        self._insert_rows("score_values", self._score_values(rows.pop("scores")))
        ids = self._store_passages(passages)
        for section in rows["narrative_sections"]:
            section["passage"] = ids[section["passage"]]
        for table, table_rows in rows.items():
            self._insert_rows(table, table_rows)
        return stored

    def _score_values(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """`scores` rows as `score_values` rows, each naming its measure by id and placed
        in its snapshot's order; measures not yet stored are added (one read of the small
        `measures` table a batch)."""
        if not rows:
            return []
        columns = ", ".join(MEASURE_FIELDS)
        measures = {
            tuple(fields): measure_id
            for measure_id, *fields in self.conn.execute(f"SELECT id, {columns} FROM measures")
        }
        known = len(measures)
        next_id = max(measures.values(), default=0) + 1
        values = []
        positions: dict[int, int] = {}
        keys: set[tuple[int, str]] = set()
        for row in rows:
            # One score a key a snapshot, as the table's primary key refused before
            # migration 18 (values are keyed by their place now): a key twice is a bad reading.
            if (row["snapshot_id"], row["key"]) in keys:
                raise sqlite3.IntegrityError(
                    "UNIQUE constraint failed: scores.snapshot_id, scores.key"
                )
            keys.add((row["snapshot_id"], row["key"]))
            fields = tuple(row[f] for f in MEASURE_FIELDS)
            if fields not in measures:
                measures[fields] = next_id
                next_id += 1
            position = positions[row["snapshot_id"]] = positions.get(row["snapshot_id"], -1) + 1
            values.append(
                {
                    "snapshot_id": row["snapshot_id"],
                    "position": position,
                    "measure": measures[fields],
                    "value": row["value"],
                    "change": row["change"],
                    "new_this_edition": row["new_this_edition"],
                }
            )
        added = [(measure_id, *fields) for fields, measure_id in list(measures.items())[known:]]
        self.conn.executemany(
            f"INSERT INTO measures (id, {columns}) VALUES (?, ?, ?, ?, ?, ?)", added
        )
        return values

    def _store_passages(self, passages: Passages) -> dict[int, int]:
        """Each passage's id by its hash, the new ones stored; those are indexed for
        search when their transaction commits (a batch's all at once: FTS5 writes index
        segments per statement, so one statement a batch keeps the index compact)."""
        if not passages:
            return {}
        ids: dict[int, int] = dict(
            self.conn.execute(
                "SELECT hash, id FROM passages WHERE hash IN (SELECT value FROM json_each(?))",
                [json.dumps(list(passages))],
            )
        )
        new = [h for h in passages if h not in ids]
        if not new:
            return ids
        # Ids as SQLite would give them: small and increasing, as FTS5 rowids pack best.
        (first,) = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM passages").fetchone()
        added = dict(zip(new, range(first, first + len(new)), strict=True))
        self.conn.executemany(
            "INSERT INTO passages (id, hash, title, sentences) VALUES (?, ?, ?, ?)",
            [(i, h, *passages[h][:2]) for h, i in added.items()],
        )
        unindexed = {i: (h, passages[h][0], passages[h][2]) for h, i in added.items()}
        if self._batch is not None and self._batch.depth:
            self._batch.unindexed |= unindexed  # a later savepoint's id replaces a lost one's
        else:
            self._index(unindexed)
        return ids | added

    def _insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of one shape and plain values, in as few statements as SQLite's smallest
        variable limit allows: sqlite_utils' insert_all examines every value of every row
        first (a fifth of storing a snapshot), and a statement a row would make the
        full-text index flush a segment for each section (FTS5 flushes per statement)."""
        if not rows:
            return
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        row_marks = f"({', '.join('?' * len(columns))})"
        per_statement = max(1, MAX_VARIABLES // len(columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            marks = ", ".join([row_marks] * len(chunk))
            self.conn.execute(
                f"INSERT INTO {table} ({names}) VALUES {marks}",
                [row[c] for row in chunk for c in columns],
            )


def _section_rows(
    snapshot_id: int, sections: Sequence[Section], sentences: dict[int, str], passages: Passages
) -> list[dict[str, Any]]:
    """`narrative_sections` rows, `passage` the hash of the section's title and text
    (the caller swaps it for the passage's id); the passages are added to `passages`."""
    rows = []
    for row, section in zip(section_rows(snapshot_id, sections, sentences), sections, strict=True):
        text = "\n".join(section.paragraphs)  # as the `narrative` view shows it
        passages[row["passage"]] = (row["title"], row["sentences"], text)
        rows.append({name: row[name] for name in ("snapshot_id", "position", "key", "passage")})
    return rows


def _redacted(extraction: Extraction) -> Extraction:
    """What is stored of an extraction: the URL it was read from, and any URL in its
    reasons, without credentials."""
    reasons = tuple(
        r if (said := redact_text(r.message)) == r.message else replace(r, message=said)
        for r in extraction.reasons
    )
    profile = extraction.profile
    if profile is not None and profile.source_url:
        url = redact(profile.source_url)
        profile = profile if url == profile.source_url else replace(profile, source_url=url)
    if profile is extraction.profile and reasons == extraction.reasons:
        return extraction  # nothing to hide: no copies (a release has thousands of rows)
    return replace(extraction, profile=profile, reasons=reasons)
