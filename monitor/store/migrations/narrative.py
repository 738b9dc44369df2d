"""Migrations 12-14: full-text search over the narrative, each sentence stored once,
raw documents and comparisons in zstd. Never edited once shipped."""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING

import zstandard

from monitor.models import Section
from monitor.store.raw import ZSTD_LEVEL
from monitor.store.records import pack_deltas, section_rows

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database

# A narrative section's text: its paragraphs (a JSON list) as one string, what the
# full-text index holds and `narrative` shows.
SECTION_TEXT = "(SELECT group_concat(value, char(10)) FROM json_each({}.paragraphs))"

SEARCH_TABLE_DDL = (
    "CREATE VIRTUAL TABLE narrative_fts USING fts5(title, text, content='',"
    " tokenize='unicode61 remove_diacritics 2')"
)

_SEARCH_DDL = (
    # One narrative section of a snapshot, with its country and edition: what Datasette
    # searches (full text, through narrative_fts).
    f"""
    CREATE VIEW narrative AS
    SELECT
        sec.rowid AS section_id,             -- the section's row: narrative_fts's rowid
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        src.kind AS source,
        sec.title AS title,                  -- the section's heading
        {SECTION_TEXT.format("sec")} AS text,  -- its paragraphs, one per line
        s.id AS snapshot_id,
        s.captured_at AS captured_at,
        s.index_id AS index_id
    FROM sections sec
    JOIN snapshots s ON s.id = sec.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    # SQLite FTS5 over the narrative: contentless (the text stays in sections only; a
    # search gives section_ids). Sections are only ever inserted; a trigger indexes each.
    # Not external content from the view: FTS5 cannot read a view that calls json_each.
    SEARCH_TABLE_DDL,
    f"""
    CREATE TRIGGER sections_fts_insert AFTER INSERT ON sections BEGIN
        INSERT INTO narrative_fts (rowid, title, text)
        VALUES (new.rowid, new.title, {SECTION_TEXT.format("new")});
    END
    """,
    "INSERT INTO narrative_fts (rowid, title, text) SELECT section_id, title, text FROM narrative",
)


def m012_narrative_search(db: Database) -> None:
    for statement in _SEARCH_DDL:
        db.execute(statement)


_NARRATIVE_DDL = (
    # Narrative sentences, content-addressed: a sentence unchanged across editions (or
    # shared by a page and its PDF summary) is one row. `id` is 64 bits of its SHA-256.
    "CREATE TABLE sentences (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    # Narrative sections of a snapshot's profile, in page order, by sentence key.
    """
    CREATE TABLE narrative_sections (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        position INTEGER NOT NULL,           -- 0-based order on the page
        key TEXT NOT NULL,                   -- stable across editions and renderings
        title TEXT NOT NULL,
        sentences TEXT NOT NULL,             -- JSON list of paragraphs, each a list of
                                             --   sentences.id; joined they are its text
        PRIMARY KEY (snapshot_id, position)
    )
    """,
    # The sections as they were stored before (a table until migration 13), rebuilt from
    # the sentences: `paragraphs` is the JSON list of paragraph texts.
    """
    CREATE VIEW sections AS
    SELECT n.snapshot_id, n.position, n.key, n.title,
        '[' || coalesce((
            SELECT group_concat(json_quote(p.text), ', ') FROM (
                SELECT coalesce((
                    SELECT group_concat(t.text, '') FROM (
                        SELECT st.text FROM json_each(para.value) AS e
                        JOIN sentences st ON st.id = e.value ORDER BY e.key
                    ) AS t
                ), '') AS text
                FROM json_each(n.sentences) AS para ORDER BY para.key
            ) AS p
        ), '') || ']' AS paragraphs
    FROM narrative_sections n
    """,
)


# Full-text search (migration 12) over the sections as migration 13 stores them: a
# section's row is narrative_sections', and the index is filled as one is inserted
# (its sentences are stored first, so the `sections` view can give its text).
_SEARCH_OVER_SENTENCES_DDL = (
    f"""
    CREATE VIEW narrative AS
    SELECT
        n.rowid AS section_id,               -- the section's row: narrative_fts's rowid
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
    _SEARCH_DDL[1],  # the FTS5 table itself, as migration 12 made it
    f"""
    CREATE TRIGGER narrative_fts_insert AFTER INSERT ON narrative_sections BEGIN
        INSERT INTO narrative_fts (rowid, title, text)
        SELECT new.rowid, sec.title, {SECTION_TEXT.format("sec")}
        FROM sections sec WHERE sec.snapshot_id = new.snapshot_id AND sec.position = new.position;
    END
    """,
    "INSERT INTO narrative_fts (rowid, title, text) SELECT section_id, title, text FROM narrative",
)


def m013_narrative_once(db: Database) -> None:
    """Each narrative sentence stored once, and the narrative no longer repeated in the
    snapshot's profile JSON (which keeps its sections' keys and titles)."""
    for statement in _NARRATIVE_DDL[:2]:
        db.execute(statement)
    for (snapshot_id,) in db.execute("SELECT DISTINCT snapshot_id FROM sections").fetchall():
        rows = db.execute(
            "SELECT position, key, title, paragraphs FROM sections WHERE snapshot_id = ?"
            " ORDER BY position",
            [snapshot_id],
        ).fetchall()
        sentences: dict[int, str] = {}
        sections = [Section(key, title, tuple(json.loads(text))) for _, key, title, text in rows]
        for row, (position, *_) in zip(
            section_rows(snapshot_id, sections, sentences), rows, strict=True
        ):
            db.execute(
                "INSERT INTO narrative_sections (snapshot_id, position, key, title, sentences)"
                " VALUES (?, ?, ?, ?, ?)",
                [snapshot_id, position, row["key"], row["title"], row["sentences"]],
            )
        db.conn.executemany(
            "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
        )
    db.execute("DROP VIEW narrative")  # it read the sections table by rowid
    db.execute("DROP TABLE narrative_fts")
    db.execute("DROP TABLE sections")  # and its search trigger with it
    db.execute(_NARRATIVE_DDL[2])
    for statement in _SEARCH_OVER_SENTENCES_DDL:
        db.execute(statement)
    for snapshot_id, text in db.execute(
        "SELECT id, profile FROM snapshots WHERE profile IS NOT NULL"
    ).fetchall():
        profile = json.loads(text)
        named = [{"key": s["key"], "title": s["title"]} for s in profile.get("sections", ())]
        db.execute(
            "UPDATE snapshots SET profile = ? WHERE id = ?",
            [json.dumps(profile | {"sections": named}, ensure_ascii=False), snapshot_id],
        )


def m014_zstd(db: Database) -> None:
    """Raw documents in zstd, each new capture possibly against its source's previous
    one (`dictionary`); the zlib ones are recompressed alone. Comparisons' deltas as
    zstd-compressed JSON. A zlib body that does not decompress (a damaged row) is left
    as it was: still read as zlib, failing as before, and no reason to refuse the upgrade."""
    db.execute(
        "ALTER TABLE raw_documents ADD COLUMN dictionary TEXT REFERENCES raw_documents(sha256)"
    )
    packer = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    rows = db.execute("SELECT sha256, content FROM raw_documents WHERE compression = 'zlib'")
    for sha256, content in rows.fetchall():
        try:
            body = zlib.decompress(content)
        except zlib.error:
            continue
        db.execute(
            "UPDATE raw_documents SET compression = 'zstd', content = ? WHERE sha256 = ?",
            [packer.compress(body), sha256],
        )
    for row_id, deltas in db.execute("SELECT id, deltas FROM comparisons").fetchall():
        packed = pack_deltas(json.loads(deltas))
        db.execute("UPDATE comparisons SET deltas = ? WHERE id = ?", [packed, row_id])
