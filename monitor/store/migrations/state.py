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
