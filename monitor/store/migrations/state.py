"""Migrations 23-27 (issue 19, state round 4): recorded baselines by the scores, a lean
outbox, narrative details by their key, profiles against a dictionary, baselines without
a rowid. Never edited once shipped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.store.migrations.findings import (
    FINDINGS_TRIGGERS,
    FINDINGS_UPDATE_TRIGGER,
    QUOTED_SQL,
    WHITESPACE_SQL,
)
from monitor.store.records import (
    QUOTED,
    baselines_after_sql,
    keyed_narrative_detail,
    pack_profile,
    unpack_json,
)

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database


def m024_baselines_after_by_scores(db: Database) -> None:
    """Each snapshot's recorded baselines kept as what its own scores do not say (most
    often nothing: `{}` instead of ~1 KB of JSON)."""
    db.execute(
        baselines_after_sql("SELECT key, value FROM json_each(snapshots.baselines_after)")
        + " WHERE baselines_after IS NOT NULL"
    )


_OUTBOX_DDL = (
    "ALTER TABLE outbox RENAME TO outbox_v23",
    "DROP INDEX idx_outbox_pending",
    # As before, but `created_at` is NULL when it is its finding's (always, as `enqueue`
    # owes a finding in the transaction that stores it: 32 bytes a row saved).
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,               -- a [notify.channels.<name>] from config
        finding_id INTEGER NOT NULL REFERENCES "finding_rows"(id),
        notification_id INTEGER REFERENCES notifications(id),
        created_at TEXT,                     -- NULL: its finding's created_at
        UNIQUE (channel, finding_id)
    )
    """,
    "INSERT INTO outbox (id, channel, finding_id, notification_id, created_at)"
    " SELECT o.id, o.channel, o.finding_id, o.notification_id,"
    " nullif(o.created_at, f.created_at) FROM outbox_v23 o"
    " LEFT JOIN finding_rows f ON f.id = o.finding_id ORDER BY o.id",
    "DROP TABLE outbox_v23",
    # Only what is still owed: once composed into a notification an item leaves it.
    "CREATE INDEX idx_outbox_pending ON outbox (channel) WHERE notification_id IS NULL",
)


def m025_outbox_lean(db: Database) -> None:
    """An outbox item keeps no copy of its finding's time, and the pending index only
    the items still owed."""
    for statement in _OUTBOX_DDL:
        db.execute(statement)


# A narrative finding's section and change: its key's first two parts (key "a:b:c").
_REST = "substr(f.key, instr(f.key, ':') + 1)"
_SECTION = "substr(f.key, 1, instr(f.key, ':') - 1)"
_CHANGE = f"substr({_REST}, 1, instr({_REST}, ':') - 1)"
# A detail stored without them (`keyed_narrative_detail`) has no section.
_KEYED = "json_type(f.detail, '$.section') IS NULL"

_FINDINGS_VIEW_DDL = (
    "DROP VIEW findings",  # and its triggers, made again as they were
    # As migration 21 made it; a narrative sentence finding's section and change read
    # from its key when its detail does not hold them.
    f"""
    CREATE VIEW findings AS
    SELECT f.id, f.source_id, f.snapshot_id, f.base_snapshot_id, f.country_slug, f.kind,
        f.key, f.severity,
        coalesce(f.message, '“' || json_extract(f.detail, '$.title') || '”: sentence '
            || coalesce(json_extract(f.detail, '$.change'), {_CHANGE}) || ': “' || CASE
                WHEN length({QUOTED_SQL}) <= {QUOTED} THEN {QUOTED_SQL}
                ELSE rtrim(substr({QUOTED_SQL}, 1, {QUOTED - 1}), {WHITESPACE_SQL}) || '…'
            END || '”') AS message,
        f.old, f.new, f.direction,
        CASE WHEN f.message IS NULL THEN CASE WHEN {_KEYED}
                THEN '{{"section": "' || {_SECTION} || '", '
                    || substr(f.detail, 2, length(f.detail) - 2)
                    || ', "change": "' || {_CHANGE} || '"'
                ELSE substr(f.detail, 1, length(f.detail) - 1) END
            || ', "old": ' || json_quote(coalesce(o.text, ''))
            || ', "new": ' || json_quote(coalesce(n.text, '')) || '}}'
            ELSE f.detail END AS detail,
        f.created_at, f.index_id
    FROM finding_rows f
    LEFT JOIN sentences o ON o.id = f.old_text
    LEFT JOIN sentences n ON n.id = f.new_text
    """,
    *FINDINGS_TRIGGERS,
    FINDINGS_UPDATE_TRIGGER,  # migration 23's
)


def m026_narrative_detail_by_key(db: Database) -> None:
    """A narrative sentence finding's detail keeps no copy of the section and change its
    key starts with (~45 of its ~100 bytes); the findings view writes them back."""
    for statement in _FINDINGS_VIEW_DDL:
        db.execute(statement)
    rows = db.execute("SELECT id, key, detail FROM finding_rows WHERE message IS NULL")
    db.conn.executemany(
        "UPDATE finding_rows SET detail = ? WHERE id = ?",
        [
            (keyed, finding_id)
            for finding_id, key, detail in rows.fetchall()
            if (keyed := keyed_narrative_detail(key, detail)) != detail
        ],
    )


def m027_profile_dictionary(db: Database) -> None:
    """Each profile compressed against a dictionary of profiles (~1.6 KB → ~0.7 KB): a
    changed cycle's snapshot rows fit two or three to a page instead of one."""
    rows = db.execute("SELECT id, profile FROM snapshots WHERE profile IS NOT NULL")
    db.conn.executemany(
        "UPDATE snapshots SET profile = ? WHERE id = ?",
        [(pack_profile(unpack_json(profile)), i) for i, profile in rows.fetchall()],
    )


_BASELINES_DDL = (
    "ALTER TABLE baselines RENAME TO baselines_v26",
    # As before, without a rowid: the rows live in their primary key's b-tree instead of
    # a table beside an index that repeated each key (a third of the bytes).
    """
    CREATE TABLE baselines (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        key TEXT NOT NULL,
        value REAL NOT NULL,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        set_at TEXT NOT NULL,
        PRIMARY KEY (source_id, key)
    ) WITHOUT ROWID
    """,
    "INSERT INTO baselines (source_id, key, value, snapshot_id, set_at)"
    " SELECT source_id, key, value, snapshot_id, set_at FROM baselines_v26",
    "DROP TABLE baselines_v26",
)


def m028_baselines_without_rowid(db: Database) -> None:
    """The baselines keyed by source and score alone (no rowid, no second index)."""
    for statement in _BASELINES_DDL:
        db.execute(statement)
