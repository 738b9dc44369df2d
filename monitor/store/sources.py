"""The store's sources: each watched (kind, country, edition), its URL and the state of
its checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.errors import StoreError
from monitor.redact import redact
from monitor.store.connection import StoreConnection
from monitor.store.records import SourceRecord, source_from_row


class Sources(StoreConnection):
    """Sources read and written."""

    def ensure_source(
        self,
        *,
        key: str,
        kind: str,
        country_slug: str,
        edition: int | None,
        url: str,
        stored: Mapping[str, SourceRecord] | None = None,
    ) -> SourceRecord:
        """Insert the source, or update the URL and kind of the one with this key.
        `stored`: every source by key, read once beforehand (`sources_by_key`), so that a
        cycle does not read each of its sources again."""
        known = stored.get(key) if stored is not None else self.source(key)
        if known is not None and (known.url, known.kind) == (url, kind):
            return known  # no write: a cycle on a full disk still gets to each source
        with self.transaction():
            self.conn.execute(
                """
                INSERT INTO sources (key, kind, country_slug, edition, url, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET url = excluded.url, kind = excluded.kind
                """,
                [key, kind, country_slug, edition, redact(url), _now()],
            )
        record = self.source(key)
        assert record is not None  # just written
        return record

    def source(self, key: str) -> SourceRecord | None:
        row = self._one("SELECT * FROM sources WHERE key = ?", [key])
        return source_from_row(row) if row else None

    def sources(self) -> list[SourceRecord]:
        return [source_from_row(r) for r in self.query("SELECT * FROM sources ORDER BY key")]

    def sources_by_key(self) -> dict[str, SourceRecord]:
        return {r.key: r for r in self.sources()}

    def source_by_id(self, source_id: int) -> SourceRecord:
        row = self._one("SELECT * FROM sources WHERE id = ?", [source_id])
        if row is None:
            raise StoreError(f"{self.path}: no source with id {source_id}")
        return source_from_row(row)

    def _update_source(self, source_id: int, **columns: Any) -> None:
        self._update_sources([(source_id, columns)])

    def _update_sources(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Set each source's columns; one statement per set of columns named."""
        alike: dict[tuple[str, ...], list[list[Any]]] = {}
        for source_id, columns in updates:
            alike.setdefault(tuple(columns), []).append([*columns.values(), source_id])
        # On the connection: always inside a transaction, where sqlite-utils adds only cost.
        for names, params in alike.items():
            assignments = ", ".join(f"{name} = ?" for name in names)
            self.conn.executemany(f"UPDATE sources SET {assignments} WHERE id = ?", params)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
