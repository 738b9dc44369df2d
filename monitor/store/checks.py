"""Checks that store no new snapshot: a 304 or a repeat fetch recorded as the current
snapshot seen again, a failure, and each check's fetch attempts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from monitor.models import Attempt, Reason, Status
from monitor.redact import redact, redact_text
from monitor.store.records import KnownReading, Outcome, SeenCheck
from monitor.store.sources import Sources


class Checks(Sources):
    """Checks recorded on their source, with their fetch attempts."""

    def record_not_modified(
        self, source_id: int, *, attempts: Sequence[Attempt], checked_at: str
    ) -> None:
        """Record a 304: the current snapshot is still what the URL serves."""
        source = self.source_by_id(source_id)
        self.record_seen(
            [
                SeenCheck(
                    source_id,
                    source.current_snapshot_id,
                    checked_at,
                    tuple(attempts),
                    str(Outcome.NOT_MODIFIED),
                )
            ]
        )

    def record_seen(self, checks: Sequence[SeenCheck]) -> None:
        """Record checks that found the current snapshot still served, all in one
        transaction: an unchanged cycle adds one attempt row per check and rewrites a
        few pages, instead of committing three writes per source."""
        if not checks:
            return
        with self.transaction():
            self._insert_attempts_of((c.source_id, a) for c in checks for a in c.attempts)
            self.conn.executemany(
                "UPDATE snapshots SET last_seen_at = ? WHERE id = ?",
                [(c.checked_at, c.snapshot_id) for c in checks if c.snapshot_id is not None],
            )
            self.conn.executemany(
                "UPDATE sources SET last_checked_at = ?, last_outcome = ?, last_error = NULL,"
                " last_success_at = ?, consecutive_failures = 0,"
                " etag = CASE WHEN ? THEN ? ELSE etag END,"
                " last_modified = CASE WHEN ? THEN ? ELSE last_modified END WHERE id = ?",
                [_seen_row(c) for c in checks],
            )

    def known_reading(self, source_id: int, sha256: str, version: str) -> KnownReading | None:
        """The source's current snapshot if it holds these bytes read by this extractor
        version: a repeat fetch is recognised by its hash, before any extraction."""
        row = self._one(
            "SELECT sn.id, sn.status, sn.reasons FROM sources s"
            " JOIN snapshots sn ON sn.id = s.current_snapshot_id"
            " WHERE s.id = ? AND sn.raw_sha256 = ? AND sn.extractor_version = ?",
            [source_id, sha256, version],
        )
        if row is None:
            return None
        reasons = tuple(Reason(**r) for r in json.loads(row["reasons"]))
        return KnownReading(row["id"], Status(row["status"]), reasons)

    def record_failure(
        self, source_id: int, *, attempts: Sequence[Attempt], error: str, checked_at: str
    ) -> None:
        """Record a check that got no usable response; earlier state is kept."""
        with self.transaction():
            source = self.source_by_id(source_id)
            self._insert_attempts(source_id, attempts)
            self._update_source(
                source_id,
                last_checked_at=checked_at,
                last_outcome=str(Outcome.FAILED),
                last_error=redact_text(error),
                last_failure_at=checked_at,
                consecutive_failures=source.consecutive_failures + 1,
            )

    def _insert_attempts(self, source_id: int, attempts: Sequence[Attempt]) -> None:
        self._insert_attempts_of((source_id, a) for a in attempts)

    def _insert_attempts_of(self, attempts: Iterable[tuple[int, Attempt]]) -> None:
        """(source id, attempt) rows in one statement: sqlite-utils' insert_all (which
        reads the table's columns on each call) cost ~1 ms a source in an unchanged cycle."""
        self.conn.executemany(
            "INSERT INTO fetch_attempts (source_id, url, started_at, status_code, bytes,"
            " duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    redact(a.url),
                    a.started_at,
                    a.status_code,
                    a.bytes,
                    a.duration_ms,
                    a.error and redact_text(a.error),
                )
                for i, a in attempts
            ],
        )


def _seen_row(check: SeenCheck) -> tuple[Any, ...]:
    """`record_seen`'s parameters for one check: a 304 keeps the validators it sent."""
    replaced = check.validators is not None
    etag, last_modified = check.validators or (None, None)
    at = check.checked_at
    return (at, check.outcome, at, replaced, etag, replaced, last_modified, check.source_id)
