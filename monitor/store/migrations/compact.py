"""Migrations 16-: what every edition repeats stored once. Never edited once shipped."""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor.store.records import stored_profile


def m016_descriptions_once(db: Database) -> None:
    """Indicators' descriptions stored once, content-addressed (`descriptions`); the
    profile JSON keys each by `description_id`. They were most of a profile's bytes, the
    same text every edition."""
    db.execute(
        # `id` is 64 bits of the text's SHA-256, as a sentence's is.
        "CREATE TABLE descriptions (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"
    )
    rows = db.execute("SELECT id, profile FROM snapshots WHERE profile IS NOT NULL")
    for snapshot_id, text in rows.fetchall():
        descriptions: dict[int, str] = {}
        profile = stored_profile(json.loads(text), descriptions)
        db.conn.executemany(
            "INSERT OR IGNORE INTO descriptions (id, text) VALUES (?, ?)", descriptions.items()
        )
        db.execute(
            "UPDATE snapshots SET profile = ? WHERE id = ?",
            [json.dumps(profile, ensure_ascii=False), snapshot_id],
        )
