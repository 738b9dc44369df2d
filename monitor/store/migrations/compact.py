"""Migrations 16-: what every edition repeats stored once. Never edited once shipped."""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor.store.migrations.narrative import SEARCH_TABLE_DDL, SECTION_TEXT
from monitor.store.records import (
    QUOTED,
    WHITESPACE,
    compact_profile,
    finding_fields,
    indicator_from_row,
    passage_id,
)


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


# The sentence a narrative sentence finding quotes: its new one, else its old one.
_QUOTED = "coalesce(n.text, o.text, '')"

_WHITESPACE = f"char({', '.join(str(ord(c)) for c in WHITESPACE)})"

_FINDINGS_BY_SENTENCE_DDL = (
    # The rows: what `findings` held, a narrative sentence's text by key.
    """
    CREATE TABLE finding_rows (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        snapshot_id INTEGER REFERENCES snapshots(id),  -- NULL: about the source itself
        base_snapshot_id INTEGER REFERENCES snapshots(id),
        country_slug TEXT,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT,                        -- NULL: a narrative sentence's, which the
                                             --   findings view writes from detail
        old REAL,
        new REAL,
        direction TEXT NOT NULL,
        detail TEXT NOT NULL,                -- JSON; a narrative sentence's without its
                                             --   old and new text: old_text, new_text
        old_text INTEGER,                    -- sentences.id of detail's old (NULL: "")
        new_text INTEGER,                    -- sentences.id of detail's new (NULL: "")
        created_at TEXT NOT NULL,
        index_id TEXT NOT NULL DEFAULT 'ocindex',
        UNIQUE (snapshot_id, kind, key)
    )
    """,
    # Whether another source reported a move already is asked once per finding, never of
    # a narrative one (most rows, each with a long key); by source (idx_findings_source)
    # no query asks.
    "CREATE INDEX idx_findings_country ON finding_rows (country_slug, kind, key)"
    " WHERE kind != 'narrative'",
    # The findings as they were stored before (a table until migration 18): message and
    # detail as written, a narrative sentence's rebuilt (its message as `sentence_message`
    # words it; its detail as json.dumps wrote it, byte for byte where the text is ASCII).
    f"""
    CREATE VIEW findings AS
    SELECT f.id, f.source_id, f.snapshot_id, f.base_snapshot_id, f.country_slug, f.kind,
        f.key, f.severity,
        coalesce(f.message, '“' || json_extract(f.detail, '$.title') || '”: sentence '
            || json_extract(f.detail, '$.change') || ': “' || CASE
                WHEN length({_QUOTED}) <= {QUOTED} THEN {_QUOTED}
                ELSE rtrim(substr({_QUOTED}, 1, {QUOTED - 1}), {_WHITESPACE}) || '…'
            END || '”') AS message,
        f.old, f.new, f.direction,
        CASE WHEN f.message IS NULL THEN substr(f.detail, 1, length(f.detail) - 1)
            || ', "old": ' || json_quote(coalesce(o.text, ''))
            || ', "new": ' || json_quote(coalesce(n.text, '')) || '}}'
            ELSE f.detail END AS detail,
        f.created_at, f.index_id
    FROM finding_rows f
    LEFT JOIN sentences o ON o.id = f.old_text
    LEFT JOIN sentences n ON n.id = f.new_text
    """,
    # SQL that wrote findings still does: a row inserted as it is, a row deleted.
    """
    CREATE TRIGGER findings_insert INSTEAD OF INSERT ON findings BEGIN
        INSERT INTO finding_rows (id, source_id, snapshot_id, base_snapshot_id, country_slug,
            kind, key, severity, message, old, new, direction, detail, created_at, index_id)
        VALUES (new.id, new.source_id, new.snapshot_id, new.base_snapshot_id,
            new.country_slug, new.kind, new.key, new.severity, new.message, new.old, new.new,
            new.direction, new.detail, new.created_at, coalesce(new.index_id, 'ocindex'));
    END
    """,
    """
    CREATE TRIGGER findings_delete INSTEAD OF DELETE ON findings BEGIN
        DELETE FROM finding_rows WHERE id = old.id;
    END
    """,
)


def m018_findings_by_sentence(db: Database) -> None:
    """A narrative sentence finding's text kept once, in `sentences`, and its message
    written by the `findings` view (now over `finding_rows`): they were most of the
    largest table's bytes, each sentence twice per finding."""
    # The outbox's foreign key follows the rename to finding_rows; its rows are checked
    # at commit, once the rebuilt table holds the same ids.
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute("ALTER TABLE findings RENAME TO finding_rows")
    db.execute("CREATE TEMP TABLE findings_copy AS SELECT * FROM finding_rows")
    db.execute("DROP TABLE finding_rows")  # and its indexes
    for statement in _FINDINGS_BY_SENTENCE_DDL:
        db.execute(statement)
    sentences: dict[int, str] = {}
    rows = db.execute(
        "SELECT id, source_id, snapshot_id, base_snapshot_id, country_slug, kind, key,"
        " severity, message, old, new, direction, detail, created_at, index_id"
        " FROM findings_copy ORDER BY id"
    )
    db.conn.executemany(
        "INSERT INTO finding_rows (id, source_id, snapshot_id, base_snapshot_id,"
        " country_slug, kind, key, severity, message, old, new, direction, detail,"
        " old_text, new_text, created_at, index_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (*row[:8], message, *row[9:12], detail, old_text, new_text, *row[13:])
            for row in rows.fetchall()
            for message, detail, old_text, new_text in [
                finding_fields(row[5], row[8], json.loads(row[12]), sentences)
            ]
        ),
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
    )
    db.execute("DROP TABLE findings_copy")
