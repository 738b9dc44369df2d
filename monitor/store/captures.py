"""Captures written: a 200's document and reading (a new snapshot, or one stored before
seen again), a release's rows, a re-extraction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from monitor.errors import StoreError
from monitor.models import Attempt, Extraction, Status, record_fields
from monitor.redact import redact
from monitor.store.checks import Checks
from monitor.store.raw import store_raw
from monitor.store.reads import Reads
from monitor.store.records import (
    Outcome,
    ReleaseRowCapture,
    SavedCapture,
    SourceRecord,
    StoredSnapshot,
    indicator_from_row,
    source_from_row,
    stored_profile,
    unpack_json,
)
from monitor.store.rows import Rows, _redacted
from monitor.store.sources import _now


class Captures(Checks, Reads, Rows):
    """Captures and releases stored as snapshots of their sources."""

    def save_capture(
        self,
        source_id: int,
        *,
        content: bytes,
        content_type: str | None,
        extraction: Extraction,
        captured_at: str,
        attempts: Sequence[Attempt] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        match_reading: bool = False,
        archived: bool = False,
        origin: str | None = None,
        sha256: str | None = None,
    ) -> SavedCapture:
        """Record a 200 response and its extraction.

        A snapshot row is added only when this source has not yet stored this content
        with this extractor version; otherwise the existing one is marked seen again.
        With `match_reading` (a document shared by many sources, like a workbook's rows)
        the same reading from other bytes also counts as this content: a re-published
        workbook adds snapshots only for the rows that changed.

        An `archived` capture (ingested, taken at `captured_at`) is not a check: the
        source's live state (validators, last check and success, failures) stays as it
        was. One older than the source's current snapshot was last seen is a backfill:
        its snapshot is history, stored already assessed (an old difference is not
        news), and the current snapshot stays. Live captures are never backfills, so a
        clock stepping back cannot keep new content from becoming current. `origin`: the
        URL the document was read from; `sha256`: the content's hex digest, if the caller
        has it already.
        """
        sha256 = sha256 or hashlib.sha256(content).hexdigest()
        try:
            with self.transaction():
                source = self.source_by_id(source_id)
                self._insert_attempts(source_id, attempts)
                previous = self._raw_of(source.current_snapshot_id)
                new_raw = store_raw(
                    self.conn,
                    self.path,
                    sha256,
                    content,
                    content_type,
                    captured_at,
                    previous,
                    origin,
                )
                existing = self._reading(source_id, sha256, extraction.extractor_version)
                if existing is None and match_reading and source.current_snapshot_id:
                    existing = self._same_reading(source_id, extraction)
                if archived and _earlier(captured_at, self._last_seen(source)):
                    snapshot_id = existing["id"] if existing else None
                    if snapshot_id is None:
                        snapshot_id = self._insert_snapshot(
                            source, sha256, extraction, captured_at
                        ).id
                        self.conn.execute(
                            "UPDATE snapshots SET assessed_at = ? WHERE id = ?",
                            [_now(), snapshot_id],
                        )
                    return SavedCapture(
                        snapshot_id, Outcome.BACKFILLED, new_raw, source.current_snapshot_id
                    )
                snapshot_id, outcome, stored = self._keep(
                    source,
                    sha256,
                    extraction,
                    captured_at,
                    existing["id"] if existing else None,
                    validators=(etag, last_modified),
                    archived=archived,
                )
        except sqlite3.IntegrityError as e:
            # Rolled back by now. Typically an extraction with duplicate keys: report it
            # as this source's failure rather than crash the whole run.
            raise StoreError(f"{self.path}: capture for source {source_id} rejected: {e}") from e
        return SavedCapture(
            snapshot_id=snapshot_id,
            outcome=outcome,
            new_raw_document=new_raw,
            previous_snapshot_id=source.current_snapshot_id,
            snapshot=stored,
        )

    def _keep(
        self,
        source: SourceRecord,
        sha256: str,
        extraction: Extraction,
        captured_at: str,
        existing: int | None,
        *,
        validators: tuple[str | None, str | None] = (None, None),
        archived: bool = False,
    ) -> tuple[int, Outcome, StoredSnapshot | None]:
        """A capture's snapshot (a new one, or `existing`, the same reading seen again)
        made the source's current one, with the check recorded on the source; the new
        snapshot as stored, if one was added."""
        stored = None
        if existing is None:
            stored = self._insert_snapshot(source, sha256, extraction, captured_at)
            snapshot_id = stored.id
        else:
            snapshot_id = existing
            self.conn.execute(
                "UPDATE snapshots SET last_seen_at = ? WHERE id = ?", [captured_at, snapshot_id]
            )
        outcome, columns = _kept(
            source, extraction, captured_at, snapshot_id, existing is None, validators, archived
        )
        self._update_sources([(source.id, columns)])
        return snapshot_id, outcome, stored

    def save_release(
        self,
        rows: Sequence[ReleaseRowCapture],
        *,
        content: bytes,
        content_type: str | None,
        captured_at: str,
        origin: str | None,
    ) -> list[SavedCapture]:
        """Record a release (one document holding many sources' rows, a dataset) as a
        capture of each row's source, in one transaction: a killed import leaves the
        database as it was, or holding the whole release. Like `save_capture` with
        `match_reading` for each row, with the store read in bulk, not per row."""
        try:
            return self._save_release(rows, content, content_type, captured_at, origin)
        except sqlite3.IntegrityError as e:
            # Rolled back by now: nothing of the release is stored.
            raise StoreError(f"{self.path}: release not stored, nothing changed: {e}") from e

    def _save_release(
        self,
        rows: Sequence[ReleaseRowCapture],
        content: bytes,
        content_type: str | None,
        captured_at: str,
        origin: str | None,
    ) -> list[SavedCapture]:
        sha256 = hashlib.sha256(content).hexdigest()
        keys = json.dumps([r.key for r in rows])
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO sources (key, kind, country_slug, edition, url, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " url = excluded.url, kind = excluded.kind"
                " WHERE url IS NOT excluded.url OR kind IS NOT excluded.kind",
                [(r.key, r.kind, r.country, r.edition, redact(r.url), _now()) for r in rows],
            )
            sources = {
                s.key: s
                for s in map(
                    source_from_row,
                    self.query(
                        "SELECT * FROM sources WHERE key IN (SELECT value FROM json_each(?))",
                        [keys],
                    ),
                )
            }
            current = next((s.current_snapshot_id for s in sources.values() if s), None)
            new_raw = store_raw(
                self.conn,
                self.path,
                sha256,
                content,
                content_type,
                captured_at,
                self._raw_of(current),
                origin=origin,
            )
            versions = json.dumps(sorted({r.extraction.extractor_version for r in rows}))
            held: dict[int, list[dict[str, Any]]] = {}
            for row in self.query(
                "SELECT sn.* FROM snapshots sn JOIN sources s ON s.id = sn.source_id"
                " WHERE s.key IN (SELECT value FROM json_each(?))"
                " AND sn.extractor_version IN (SELECT value FROM json_each(?)) ORDER BY sn.id DESC",
                [keys, versions],
            ):
                held.setdefault(row["source_id"], []).append(row)
            existing: list[int | None] = []
            for r in rows:
                source = sources[r.key]
                earlier = held.get(source.id, [])
                read = (sha256, r.extraction.extractor_version)
                same = next(
                    (h["id"] for h in earlier if (h["raw_sha256"], h["extractor_version"]) == read),
                    None,
                )
                if same is None and source.current_snapshot_id:
                    same = self._matching(earlier, r.extraction)
                existing.append(same)
            # Each table written once for the whole release (issue 16, import speed).
            written = iter(
                self._insert_snapshots(
                    [
                        (sources[r.key], sha256, r.extraction, captured_at)
                        for r, same in zip(rows, existing, strict=True)
                        if same is None
                    ]
                )
            )
            saved, updates = [], []
            for r, same in zip(rows, existing, strict=True):
                source = sources[r.key]
                stored = next(written) if same is None else None
                snapshot_id = stored.id if stored else same
                assert snapshot_id is not None
                outcome, columns = _kept(
                    source, r.extraction, captured_at, snapshot_id, stored is not None
                )
                updates.append((source.id, columns))
                saved.append(
                    SavedCapture(snapshot_id, outcome, new_raw, source.current_snapshot_id, stored)
                )
            self.conn.executemany(
                "UPDATE snapshots SET last_seen_at = ? WHERE id = ?",
                [(captured_at, same) for same in existing if same is not None],
            )
            self._update_sources(updates)
        return saved

    def _matching(self, rows: Sequence[dict[str, Any]], extraction: Extraction) -> int | None:
        """The id of the stored snapshot row (newest first) holding the same reading as
        `extraction` from any document: compared as JSON first (cheap, and equal JSON is
        an equal reading), then as records, so a field added to the models later does
        not tell them apart."""
        wanted = _without_url(_redacted(extraction))
        # As stored (lists, not tuples; compacted as `snapshot_row` writes it): the JSON
        # leaves out each indicator's fields its `scores` row holds, compared beside it.
        reasons = json.loads(json.dumps(wanted.reasons, default=record_fields))
        profile = wanted.profile
        stored_form = (
            json.loads(json.dumps(stored_profile(profile, {}), default=record_fields))
            if profile
            else None
        )
        indicators = {
            i.key: indicator_from_row(
                i.name, i.pillar, i.score.value, i.score.change, i.score.new_this_edition
            )
            for i in (profile.indicators if profile else ())
        }
        candidates = [
            r
            for r in rows
            if r["extractor_version"] == extraction.extractor_version
            and r["status"] == extraction.status.value
        ]
        unparsed = list(wanted.unparsed_lines)
        # The JSON names sections only (their text is in `narrative_sections`): a reading
        # with narrative is compared as records below.
        for r in candidates if not (profile and profile.sections) else ():
            stored = unpack_json(r["profile"]) if r["profile"] else None
            if stored is not None:
                stored["source_url"] = None
            if (
                r["extractor"] == wanted.extractor
                and json.loads(r["unparsed_lines"]) == unparsed
                and (json.loads(r["reasons"]), stored) == (reasons, stored_form)
                and (not indicators or self._indicators(r["id"]) == indicators)
            ):
                return int(r["id"])
        return next(
            (r["id"] for r in candidates if _without_url(self._snapshot(r).extraction) == wanted),
            None,
        )

    def save_reextraction(self, old: StoredSnapshot, extraction: Extraction) -> int | None:
        """Store a newer extractor's reading of `old`'s raw document as a new snapshot
        with the same capture times; the source's current snapshot follows it if `old`
        was current. None when this extractor version has read that document already."""
        with self.transaction():
            if self._reading(old.source_id, old.raw_sha256, extraction.extractor_version):
                return None
            source = self.source_by_id(old.source_id)
            new_id = self._insert_snapshot(source, old.raw_sha256, extraction, old.captured_at).id
            self.conn.execute(
                "UPDATE snapshots SET last_seen_at = ? WHERE id = ?", [old.last_seen_at, new_id]
            )
            if source.current_snapshot_id == old.id:
                self._update_source(source.id, current_snapshot_id=new_id)
        return new_id

    def _raw_of(self, snapshot_id: int | None) -> str | None:
        if snapshot_id is None:
            return None
        row = self._one("SELECT raw_sha256 FROM snapshots WHERE id = ?", [snapshot_id])
        return row["raw_sha256"] if row else None

    def _last_seen(self, source: SourceRecord) -> str | None:
        """When the source's current content was last seen (captured or confirmed)."""
        if source.current_snapshot_id is None:
            return None
        row = self._one(
            "SELECT last_seen_at FROM snapshots WHERE id = ?", [source.current_snapshot_id]
        )
        return row["last_seen_at"] if row else None

    def _reading(self, source_id: int, sha256: str, version: str) -> dict[str, Any] | None:
        """The snapshot of this source's document as read by this extractor version."""
        return self._one(
            "SELECT id FROM snapshots"
            " WHERE source_id = ? AND raw_sha256 = ? AND extractor_version = ?",
            [source_id, sha256, version],
        )

    def _same_reading(self, source_id: int, extraction: Extraction) -> dict[str, Any] | None:
        """This source's snapshot holding the same reading by this extractor version, from
        any document: equal extractions but for the URL read from. Compared as records,
        not JSON text, so a field added to the models later does not tell them apart."""
        rows = self.query(
            "SELECT * FROM snapshots WHERE source_id = ? AND extractor_version = ?"
            " AND status = ? ORDER BY id DESC",
            [source_id, extraction.extractor_version, extraction.status.value],
        )
        wanted = _without_url(_redacted(extraction))  # as stored
        return next(
            ({"id": r["id"]} for r in rows if _without_url(self._snapshot(r).extraction) == wanted),
            None,
        )


def _kept(
    source: SourceRecord,
    extraction: Extraction,
    captured_at: str,
    snapshot_id: int,
    new: bool,
    validators: tuple[str | None, str | None] = (None, None),
    archived: bool = False,
) -> tuple[Outcome, dict[str, Any]]:
    """How a capture whose snapshot is `snapshot_id` (`new`, or one stored before) ended,
    and the source's columns that record it, the snapshot made current."""
    if new:
        outcome = Outcome.NEW_SNAPSHOT
    else:
        outcome = (
            Outcome.UNCHANGED if snapshot_id == source.current_snapshot_id else Outcome.REVERTED
        )
    last_outcome = outcome if extraction.status is Status.COMPLETE else extraction.status
    etag, last_modified = validators
    checked: dict[str, Any] = {
        "etag": etag,
        "last_modified": last_modified,
        "last_checked_at": captured_at,
        "last_outcome": str(last_outcome),
        "last_error": None,
        "last_success_at": captured_at,
        "consecutive_failures": 0,
    }
    if extraction.status is Status.NOT_A_PROFILE:
        # Fetched but rejected (a maintenance or error page served with 200):
        # a failed check, and no validators, so a 304 cannot vouch for it.
        checked |= {
            "etag": None,
            "last_modified": None,
            "last_error": _rejection(extraction),
            "last_success_at": source.last_success_at,
            "last_failure_at": captured_at,
            "consecutive_failures": source.consecutive_failures + 1,
        }
    # Validators vouch for the current snapshot: one an ingest replaced must
    # not let the next 304 confirm the copy instead of what the URL serves.
    moved = {"etag": None, "last_modified": None}
    if snapshot_id == source.current_snapshot_id:
        moved = {}
    return outcome, {"current_snapshot_id": snapshot_id} | (moved if archived else checked)


def _rejection(extraction: Extraction) -> str:
    """Why a fetched document was not taken as a profile, in words."""
    said = [r.message for r in extraction.reasons if r.is_error]
    return "not a profile: " + ("; ".join(said) or "nothing recognisable in it")


def _without_url(extraction: Extraction) -> Extraction:
    profile = extraction.profile
    return replace(extraction, profile=replace(profile, source_url=None)) if profile else extraction


def _earlier(moment: str, than: str | None) -> bool:
    return than is not None and _instant(moment) < _instant(than)


def _instant(text: str) -> datetime:
    """An ISO time as an aware datetime; a time without an offset is UTC, as we store."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
