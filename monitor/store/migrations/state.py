"""Migration 23 on: issue 19's fourth round of state growth."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.store.records import baselines_after_sql

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database


def m023_baselines_after_by_scores(db: Database) -> None:
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


def m024_outbox_lean(db: Database) -> None:
    """An outbox item keeps no copy of its finding's time, and the pending index only
    the items still owed."""
    for statement in _OUTBOX_DDL:
        db.execute(statement)
