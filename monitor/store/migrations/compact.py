"""Migrations 16-: what every edition repeats stored once. Never edited once shipped."""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor.store.migrations.narrative import SEARCH_TABLE_DDL, SECTION_TEXT
from monitor.store.records import compact_profile, indicator_from_row, passage_id


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


# The paragraph texts of passage `p`, in order (a column `text`): its sentences joined.
PASSAGE_PARAGRAPHS = """
    SELECT coalesce((
        SELECT group_concat(ordered.text, '') FROM (
            SELECT st.text FROM json_each(para.value) AS e
            JOIN sentences st ON st.id = e.value ORDER BY e.key
        ) AS ordered
    ), '') AS text
    FROM json_each(p.sentences) AS para ORDER BY para.key
"""

# A passage's sentence keys (a section's title and paragraphs) stored once; the rows the
# search index has are passages' own. Triggers and views read narrative_sections by its
# columns, so they go first and come back over the new tables.
_PASSAGES_DDL = (
    "DROP VIEW narrative",
    "DROP VIEW sections",
    "DROP TRIGGER narrative_fts_insert",  # the store indexes a batch's new passages itself
    """
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,              -- narrative_fts's rowid: small, increasing
        hash INTEGER NOT NULL UNIQUE,        -- 64 bits of the SHA-256 of the title and
                                             --   paragraphs, one per line
        title TEXT NOT NULL,
        sentences TEXT NOT NULL              -- JSON list of paragraphs, each a list of
                                             --   sentences.id; joined they are its text
    )
    """,
    # Each passage's id is the first section's row with it: what narrative_fts is keyed
    # by since migration 17, so the index stays as it is.
    "INSERT INTO passages (id, hash, title, sentences)"
    " SELECT min(rowid), passage, title, sentences FROM narrative_sections GROUP BY passage",
    "ALTER TABLE narrative_sections RENAME TO narrative_sections_v17",
    "DROP INDEX narrative_sections_passage",
    """
    CREATE TABLE narrative_sections (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        position INTEGER NOT NULL,           -- 0-based order on the page
        key TEXT NOT NULL,                   -- stable across editions and renderings
        passage INTEGER NOT NULL REFERENCES passages(id),  -- its title and text
        PRIMARY KEY (snapshot_id, position)
    )
    """,
    "INSERT INTO narrative_sections (rowid, snapshot_id, position, key, passage)"
    " SELECT o.rowid, o.snapshot_id, o.position, o.key, p.id FROM narrative_sections_v17 o"
    " JOIN passages p ON p.hash = o.passage ORDER BY o.rowid",
    "DROP TABLE narrative_sections_v17",
    "CREATE INDEX narrative_sections_passage ON narrative_sections (passage)",
    # As before: `paragraphs` is the JSON list of paragraph texts.
    f"""
    CREATE VIEW sections AS
    SELECT n.snapshot_id, n.position, n.key, p.title,
        '[' || coalesce((
            SELECT group_concat(json_quote(t.text), ', ') FROM ({PASSAGE_PARAGRAPHS}) AS t
        ), '') || ']' AS paragraphs
    FROM narrative_sections n
    JOIN passages p ON p.id = n.passage
    """,
    f"""
    CREATE VIEW narrative AS
    SELECT
        n.rowid AS section_id,               -- the section's row in narrative_sections
        n.passage AS text_id,                -- its passage: narrative_fts's rowid
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        src.kind AS source,
        p.title AS title,                    -- the section's heading
        (SELECT group_concat(t.text, char(10)) FROM ({PASSAGE_PARAGRAPHS}) AS t)
            AS text,                         -- its paragraphs, one per line
        s.id AS snapshot_id,
        s.captured_at AS captured_at,
        s.index_id AS index_id
    FROM narrative_sections n
    JOIN passages p ON p.id = n.passage
    JOIN snapshots s ON s.id = n.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
)


def m018_passages_once(db: Database) -> None:
    """Each distinct section (title and sentence keys) stored once, in `passages`; a
    snapshot's narrative_sections row keeps its position, key and passage. The keys were
    repeated for every snapshot, most sections unchanged between editions."""
    for statement in _PASSAGES_DDL:
        db.execute(statement)
