"""Migrations 16-: what every edition repeats stored once. Never edited once shipped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from monitor.store.migrations.indices import _INDEXED_VIEWS_DDL
from monitor.store.migrations.narrative import SEARCH_TABLE_DDL, SECTION_TEXT
from monitor.store.records import (
    compact_profile,
    indicator_from_row,
    pack_deltas,
    pack_json,
    passage_id,
    unpack_deltas,
)

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database


def m016_profile_once(db: Database) -> None:
    """The profile JSON keeps what no table holds: indicators' descriptions stored once,
    content-addressed (`descriptions`), keyed by `description_id`; an indicator's name,
    pillar and score only where its `scores` row differs. They were most of a profile's
    bytes, the descriptions the same text every edition."""
    db.execute(
        # `id` is 64 bits of the text's SHA-256, as a sentence's is.
        "CREATE TABLE descriptions (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"
    )
    rows = db.execute("SELECT id, profile FROM snapshots WHERE profile IS NOT NULL")
    for snapshot_id, text in rows.fetchall():
        scores = db.execute(
            "SELECT key, name, pillar, value, change, new_this_edition FROM scores"
            " WHERE snapshot_id = ? AND kind = 'indicator'",
            [snapshot_id],
        )
        from_rows = {key: indicator_from_row(*fields) for key, *fields in scores.fetchall()}
        descriptions: dict[int, str] = {}
        profile = compact_profile(json.loads(text), descriptions, from_rows)
        db.conn.executemany(
            "INSERT OR IGNORE INTO descriptions (id, text) VALUES (?, ?)", descriptions.items()
        )
        db.execute(
            "UPDATE snapshots SET profile = ? WHERE id = ?",
            [json.dumps(profile, ensure_ascii=False), snapshot_id],
        )


# Full-text search over each distinct section text once: a section whose title and text
# (its `passage` key) an earlier section has adds nothing to the index; the first such
# section's row is the index's rowid (small increasing rowids keep the index compact,
# hashes tripled it). Datasette searches `narrative` by `text_id`.
_PASSAGE_SEARCH_DDL = (
    "DROP VIEW narrative",
    "DROP TRIGGER narrative_fts_insert",
    "DROP TABLE narrative_fts",
    # 64 bits of the SHA-256 of the section's title and paragraphs, one per line (no
    # `--` description here: SQLite appends the column's text to the table's DDL).
    "ALTER TABLE narrative_sections ADD COLUMN passage INTEGER",
    "CREATE INDEX narrative_sections_passage ON narrative_sections (passage)",
    f"""
    CREATE VIEW narrative AS
    SELECT
        n.rowid AS section_id,               -- the section's row in narrative_sections
        coalesce((SELECT min(o.rowid) FROM narrative_sections o WHERE o.passage = n.passage),
            n.rowid) AS text_id,             -- the first section with its title and
                                             --   text: narrative_fts's rowid
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        src.kind AS source,
        sec.title AS title,                  -- the section's heading
        {SECTION_TEXT.format("sec")} AS text,  -- its paragraphs, one per line
        s.id AS snapshot_id,
        s.captured_at AS captured_at,
        s.index_id AS index_id
    FROM narrative_sections n
    JOIN sections sec ON sec.snapshot_id = n.snapshot_id AND sec.position = n.position
    JOIN snapshots s ON s.id = n.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    SEARCH_TABLE_DDL,
    # A section's text indexed when no earlier section has the same (its sentences are
    # stored first, so the `sections` view gives its text; one inserted without a
    # passage is indexed under its own row). Sections are only inserted.
    f"""
    CREATE TRIGGER narrative_fts_insert AFTER INSERT ON narrative_sections
    WHEN NOT EXISTS (
        SELECT 1 FROM narrative_sections o WHERE o.passage = new.passage AND o.rowid < new.rowid
    )
    BEGIN
        INSERT INTO narrative_fts (rowid, title, text)
        SELECT new.rowid, sec.title, {SECTION_TEXT.format("sec")}
        FROM sections sec WHERE sec.snapshot_id = new.snapshot_id AND sec.position = new.position;
    END
    """,
)


def m017_narrative_indexed_once(db: Database) -> None:
    """Each distinct narrative section text indexed for search once (it was indexed
    again for every snapshot: half a changed cycle's growth)."""
    for statement in _PASSAGE_SEARCH_DDL[:5]:
        db.execute(statement)
    rows = db.execute("SELECT snapshot_id, position, title, paragraphs FROM sections")
    for snapshot_id, position, title, paragraphs in rows.fetchall():
        db.execute(
            "UPDATE narrative_sections SET passage = ? WHERE snapshot_id = ? AND position = ?",
            [passage_id(title, json.loads(paragraphs)), snapshot_id, position],
        )
    for statement in _PASSAGE_SEARCH_DDL[5:]:
        db.execute(statement)
    db.execute(
        "INSERT INTO narrative_fts (rowid, title, text)"
        " SELECT section_id, title, text FROM narrative WHERE section_id = text_id"
    )


# Scores as two tables: what names a measure (key, name, kind, pillar, direction) once in
# `measures`, and per snapshot only its values, in the profile's order (as the table's
# rowid kept them) and without a rowid: the primary key is the table. `scores` is now a
# view with the table's columns, its rows in the same order.
_SCORE_TABLES_DDL = (
    """
    CREATE TABLE measures (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,                   -- "criminality", a pillar, or an indicator key
        name TEXT NOT NULL,
        kind TEXT NOT NULL,                  -- composite / indicator
        pillar TEXT,                         -- NULL for the criminality composite
        higher_is_worse INTEGER              -- 1 when a higher value is worse, 0 when better
    )
    """,
    # Each measure stored once (NULL pillar or direction counted as one value).
    "CREATE UNIQUE INDEX measures_once ON measures"
    " (key, name, kind, ifnull(pillar, ''), ifnull(higher_is_worse, -1))",
    """
    CREATE TABLE score_values (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        position INTEGER NOT NULL,           -- 0-based: composites, then indicators
        measure INTEGER NOT NULL REFERENCES measures(id),
        value REAL NOT NULL,
        change REAL,
        new_this_edition INTEGER NOT NULL,
        PRIMARY KEY (snapshot_id, position)
    ) WITHOUT ROWID
    """,
    # No index by measure: a measure's scores across snapshots (`WHERE indicator = ?`)
    # scan this table of ~20-byte rows, and the planner read whole views by such an
    # index, out of the rows' order.
)

SCORES_VIEW_DDL = """
    CREATE VIEW scores AS
    SELECT
        v.snapshot_id AS snapshot_id,
        m.key AS key,                        -- "criminality", a pillar, or an indicator key
        m.name AS name,
        m.kind AS kind,                      -- composite / indicator
        m.pillar AS pillar,                  -- NULL for the criminality composite
        v.value AS value,
        v.change AS change,                  -- as printed beside the score; NULL if none
        v.new_this_edition AS new_this_edition,  -- 1 when the page prints n/a as the change
        m.higher_is_worse AS higher_is_worse  -- 1 when a higher value is worse, 0 when better
    FROM score_values v
    JOIN measures m ON m.id = v.measure
    """


def m018_scores_by_measure(db: Database) -> None:
    """Scores stored as values of measures: each row repeated its measure's key, name,
    kind and pillar (a third of a changed cycle's growth was the scores table and its
    two indexes). The `scores` view and the views over it answer as before."""
    views = [statement.split()[2] for statement in _INDEXED_VIEWS_DDL]
    for view in reversed(views):
        db.execute(f"DROP VIEW {view}")
    for statement in _SCORE_TABLES_DDL:
        db.execute(statement)
    db.execute(
        "INSERT INTO measures (key, name, kind, pillar, higher_is_worse)"
        " SELECT key, name, kind, pillar, higher_is_worse FROM scores"
        " GROUP BY key, name, kind, pillar, higher_is_worse ORDER BY min(rowid)"
    )
    db.execute(
        "INSERT INTO score_values"
        " (snapshot_id, position, measure, value, change, new_this_edition)"
        " SELECT s.snapshot_id,"
        " row_number() OVER (PARTITION BY s.snapshot_id ORDER BY s.rowid) - 1,"
        " m.id, s.value, s.change, s.new_this_edition FROM scores s"
        " JOIN measures m ON m.key = s.key AND m.name = s.name AND m.kind = s.kind"
        " AND m.pillar IS s.pillar AND m.higher_is_worse IS s.higher_is_worse"
    )
    db.execute("DROP TABLE scores")  # and idx_scores_key with it
    db.execute(SCORES_VIEW_DDL)
    for statement in _INDEXED_VIEWS_DDL:
        db.execute(statement)


def m019_comparisons_narrative_only(db: Database) -> None:
    """A stored comparison keeps its narrative deltas and revisions only: its scores',
    ranks' and categories' deltas are recomputed from the pair's snapshots when read
    (they were two thirds of its JSON, and one row a page as stored)."""
    for row_id, deltas in db.execute("SELECT id, deltas FROM comparisons").fetchall():
        packed = pack_deltas(unpack_deltas(deltas))
        db.execute("UPDATE comparisons SET deltas = ? WHERE id = ?", [packed, row_id])


def m020_profile_zstd(db: Database) -> None:
    """A snapshot's profile JSON stored zstd-compressed: no SQL reads it (the views
    read the scores, ranks and narrative rows beside it), and as text a profile row
    overflowed its page."""
    rows = db.execute("SELECT id, profile FROM snapshots WHERE profile IS NOT NULL")
    for snapshot_id, text in rows.fetchall():
        db.execute(
            "UPDATE snapshots SET profile = ? WHERE id = ?",
            [pack_json(json.loads(text)), snapshot_id],
        )
