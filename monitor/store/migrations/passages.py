"""Migration 22: a narrative section's title and sentence keys stored once, as a passage."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database

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


def m022_passages_once(db: Database) -> None:
    """Each distinct section (title and sentence keys) stored once, in `passages`; a
    snapshot's narrative_sections row keeps its position, key and passage. The keys were
    repeated for every snapshot, most sections unchanged between editions."""
    for statement in _PASSAGES_DDL:
        db.execute(statement)
