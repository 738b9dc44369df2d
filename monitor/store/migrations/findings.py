"""Migrations 21 and 23: findings keep a narrative sentence's text once, by key in `sentences`;
the `findings` view over them takes SQL's INSERT, DELETE and UPDATE."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from monitor.store.records import QUOTED, WHITESPACE, finding_fields

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database

# The sentence a narrative sentence finding quotes: its new one, else its old one.
QUOTED_SQL = "coalesce(n.text, o.text, '')"

WHITESPACE_SQL = f"char({', '.join(str(ord(c)) for c in WHITESPACE)})"

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
    # The findings as they were stored before (a table until migration 21): message and
    # detail as written, a narrative sentence's rebuilt (its message as `sentence_message`
    # words it; its detail as json.dumps wrote it, byte for byte where the text is ASCII).
    f"""
    CREATE VIEW findings AS
    SELECT f.id, f.source_id, f.snapshot_id, f.base_snapshot_id, f.country_slug, f.kind,
        f.key, f.severity,
        coalesce(f.message, '“' || json_extract(f.detail, '$.title') || '”: sentence '
            || json_extract(f.detail, '$.change') || ': “' || CASE
                WHEN length({QUOTED_SQL}) <= {QUOTED} THEN {QUOTED_SQL}
                ELSE rtrim(substr({QUOTED_SQL}, 1, {QUOTED - 1}), {WHITESPACE_SQL}) || '…'
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
)

# SQL that wrote findings still does: a row inserted as it is, a row deleted.
FINDINGS_TRIGGERS = (
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


def m021_findings_by_sentence(db: Database) -> None:
    """A narrative sentence finding's text kept once, in `sentences`, and its message
    written by the `findings` view (now over `finding_rows`): they were most of the
    largest table's bytes, each sentence twice per finding."""
    # The outbox's foreign key follows the rename to finding_rows; its rows are checked
    # at commit, once the rebuilt table holds the same ids.
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute("ALTER TABLE findings RENAME TO finding_rows")
    db.execute("CREATE TEMP TABLE findings_copy AS SELECT * FROM finding_rows")
    db.execute("DROP TABLE finding_rows")  # and its indexes
    for statement in (*_FINDINGS_BY_SENTENCE_DDL, *FINDINGS_TRIGGERS):
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
                _stored_fields(row[5], row[8], row[12], sentences)
            ]
        ),
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
    )
    db.execute("DROP TABLE findings_copy")


def _stored_fields(
    kind: str, message: str, detail: str, sentences: dict[int, str]
) -> tuple[str | None, str, int | None, int | None]:
    """A former `findings` row's (message, detail, old_text, new_text): a narrative
    sentence's kept by key only where its detail is the JSON object json.dumps wrote,
    which the view writes back; any other row as written (SQL may have written a detail
    that is not JSON, or JSON worded otherwise, and the migration must not fail on it)."""
    if kind == "narrative":
        try:
            parsed = json.loads(detail)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and json.dumps(parsed, default=str) == detail:
            fields = finding_fields(kind, message, parsed, sentences)
            if fields[0] is None:
                return fields
    return message, detail, None, None


# Each column as SQL sets it; a narrative sentence's message and detail stay the view's
# (by key) until SQL sets either, then both are stored as given.
FINDINGS_UPDATE_TRIGGER = """
    CREATE TRIGGER findings_update INSTEAD OF UPDATE ON findings BEGIN
        UPDATE finding_rows SET id = new.id, source_id = new.source_id,
            snapshot_id = new.snapshot_id, base_snapshot_id = new.base_snapshot_id,
            country_slug = new.country_slug, kind = new.kind, key = new.key,
            severity = new.severity, old = new.old, new = new.new,
            direction = new.direction, created_at = new.created_at, index_id = new.index_id,
            message = CASE WHEN new.message IS old.message AND new.detail IS old.detail
                THEN message ELSE new.message END,
            detail = CASE WHEN new.message IS old.message AND new.detail IS old.detail
                THEN detail ELSE new.detail END,
            old_text = CASE WHEN new.message IS old.message AND new.detail IS old.detail
                THEN old_text END,
            new_text = CASE WHEN new.message IS old.message AND new.detail IS old.detail
                THEN new_text END
        WHERE id = old.id;
    END
    """


def m023_findings_updatable(db: Database) -> None:
    """`UPDATE findings` works again, as it did on the table before migration 21 (which
    gave the view triggers for INSERT and DELETE only)."""
    db.execute(FINDINGS_UPDATE_TRIGGER)
