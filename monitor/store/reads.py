"""Stored snapshots read back: a snapshot whole or without its narrative, its status,
a source's history, and raw documents.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.errors import StoreError
from monitor.models import Status
from monitor.store.connection import StoreConnection
from monitor.store.raw import read_raw
from monitor.store.records import StoredSnapshot, indicator_from_row, snapshot_from_row, unpack_json


class Reads(StoreConnection):
    """Snapshots and raw documents read back."""

    def snapshot_status(self, snapshot_id: int) -> Status:
        """A snapshot's status without decoding its profile."""
        row = self._one("SELECT status FROM snapshots WHERE id = ?", [snapshot_id])
        if row is None:
            raise StoreError(f"{self.path}: no snapshot with id {snapshot_id}")
        return Status(row["status"])

    def current_statuses(self) -> dict[int, Status]:
        """Every source's current snapshot id -> its status, in one read (a cycle asks
        for each of its sources')."""
        rows = self.conn.execute(
            "SELECT sn.id, sn.status FROM sources s"
            " JOIN snapshots sn ON sn.id = s.current_snapshot_id"
        )
        return {snapshot_id: Status(status) for snapshot_id, status in rows}

    def snapshot(self, snapshot_id: int) -> StoredSnapshot:
        row = self._one("SELECT * FROM snapshots WHERE id = ?", [snapshot_id])
        if row is None:
            raise StoreError(f"{self.path}: no snapshot with id {snapshot_id}")
        return self._snapshot(row)

    def snapshot_measures(self, snapshot_id: int) -> StoredSnapshot:
        """A snapshot without its narrative (no sections): its measures, ranks, categories
        and country, for readers that use no text (a digest's context), at a third of
        the cost of reading the sentences back."""
        row = self._one("SELECT * FROM snapshots WHERE id = ?", [snapshot_id])
        if row is None:
            raise StoreError(f"{self.path}: no snapshot with id {snapshot_id}")
        return self._snapshot(row, narrative=False)

    def snapshots_for(self, source_id: int) -> list[StoredSnapshot]:
        """A source's snapshots, oldest first."""
        rows = self.query("SELECT * FROM snapshots WHERE source_id = ? ORDER BY id", [source_id])
        return [self._snapshot(r) for r in rows]

    def _snapshot(self, row: dict[str, Any], *, narrative: bool = True) -> StoredSnapshot:
        if row["profile"] is None:
            return snapshot_from_row(row, [], {}, {})
        sections = self._narrative(row["id"]) if narrative else []
        return snapshot_from_row(
            row, sections, self._descriptions(row), self._indicators(row["id"])
        )

    def _indicators(self, snapshot_id: int) -> dict[str, dict[str, Any]]:
        """A snapshot's indicators as its `scores` rows give them, by key."""
        rows = self.conn.execute(
            "SELECT key, name, pillar, value, change, new_this_edition FROM scores"
            " WHERE snapshot_id = ? AND kind = 'indicator'",
            [snapshot_id],
        )
        return {key: indicator_from_row(*fields) for key, *fields in rows.fetchall()}

    def _descriptions(self, row: dict[str, Any]) -> dict[int, str]:
        """The texts of a snapshot's indicators' descriptions, by key."""
        indicators = unpack_json(row["profile"]).get("indicators", ())
        keys = [i["description_id"] for i in indicators if "description_id" in i]
        sql = "SELECT id, text FROM descriptions WHERE id IN (SELECT value FROM json_each(?))"
        return dict(self.conn.execute(sql, [json.dumps(keys)]).fetchall())

    def _narrative(self, snapshot_id: int) -> list[dict[str, Any]]:
        """A snapshot's sections with their paragraphs' text, joined here from the
        sentence keys (as the `sections` view does in SQL; this skips its JSON text)."""
        layout = [
            (key, title, json.loads(keys))
            for key, title, keys in self.conn.execute(
                "SELECT n.key, p.title, p.sentences FROM narrative_sections n"
                " JOIN passages p ON p.id = n.passage WHERE n.snapshot_id = ? ORDER BY n.position",
                [snapshot_id],
            )
        ]
        if not layout:
            return []  # a dataset's row has no narrative: no second query
        wanted = list({k for *_, paragraphs in layout for keys in paragraphs for k in keys})
        text = dict(
            self.conn.execute(
                "SELECT id, text FROM sentences WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(wanted)],
            ).fetchall()
        )
        return [
            {"key": key, "title": title, "paragraphs": ["".join(text[k] for k in p) for p in paras]}
            for key, title, paras in layout
        ]

    def raw_content(self, sha256: str) -> bytes:
        """The stored body, decompressed."""
        return read_raw(self.conn, self.path, sha256)
