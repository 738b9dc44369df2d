"""The `Store`: one SQLite file of sources, fetch attempts, raw documents and snapshots.

Every write method runs in one explicit transaction (`_write`), so a crash or a rejected
row never leaves half a capture behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from monitor.errors import StoreError
from monitor.files import private_dir, private_opener, touch_private
from monitor.models import Attempt, Extraction, Reason, Section, Status, record_fields
from monitor.redact import redact, redact_text
from monitor.store.faults import translate
from monitor.store.raw import read_raw, store_raw
from monitor.store.records import (
    MEASURE_FIELDS,
    KnownReading,
    Outcome,
    ReleaseRowCapture,
    SavedCapture,
    ScoreFacts,
    SeenCheck,
    SourceRecord,
    StoredSnapshot,
    category_rows,
    indicator_from_row,
    rank_rows,
    score_rows,
    section_rows,
    snapshot_from_row,
    snapshot_row,
    source_from_row,
    stored_profile,
    stored_snapshot,
    unpack_json,
)
from monitor.store.schema import is_current, migrate

if TYPE_CHECKING:
    from sqlite_utils import Database

# A snapshot to insert: its source, its document's sha256, the reading, when captured.
NewSnapshot = tuple[SourceRecord, str, Extraction, str]
# A distinct section to store: its hash -> title, sentence keys (JSON), text to index.
Passages = dict[int, tuple[str, str, str]]
# Passages to index for search: id -> hash, title, text.
Unindexed = dict[int, tuple[int, str, str]]

BUSY_TIMEOUT_MS = 10_000
WAL_CHECKPOINT_PAGES = 8_000  # 32 MB of 4 KB pages
WAL_KEPT_BYTES = 4 * 1024 * 1024
# Bound parameters a statement may hold in every SQLite build (999 before 3.32).
MAX_VARIABLES = 999
TABLES = (
    "sources",
    "fetch_attempts",
    "raw_documents",
    "snapshots",
    "scores",
    "ranks",
    "sections",
)


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn  # public so reporting modules can run read queries
        self.path = path
        self._batch: _Batch | None = None
        self._writing = False  # inside `transaction()`: a nested one joins it

    @cached_property
    def db(self) -> Database:
        """The connection as a sqlite-utils `Database` (migrations, review, writes built
        on it), made on first use: a cycle that finds nothing new runs on `conn` alone
        and does not load sqlite-utils (~40 ms of its start-up, issue 19)."""
        from sqlite_utils import Database

        return Database(self.conn)

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, read_only: bool = False) -> Store:
        """Open the database at `path` (creating it, unless `create` is false: commands
        that only read refuse a missing one rather than report on an empty one) and bring
        its schema up to date.

        `read_only` opens it for reading only (SQLite's `mode=ro`), beside any writer; the
        one write such an open may make is the schema upgrade after installing a newer
        profile-monitor, done once in a separate read-write open.
        """
        path = Path(path)
        if (read_only or not create) and not path.exists():
            raise StoreError(
                f"no snapshot database at {path}: nothing was stored there yet. Run "
                "`monitor run` (or import-workbook, ingest) first, or point --config or "
                "--data-dir at the one you use"
            )
        if read_only:
            with cls._connect(path, read_only=True) as store:
                current = is_current(store.conn, str(path))
            if not current:
                cls._connect(path, read_only=False).close()  # upgrade the schema once
            return cls._connect(path, read_only=True)
        return cls._connect(path, read_only=False)

    @classmethod
    def _connect(cls, path: Path, *, read_only: bool) -> Store:
        try:
            if read_only:
                conn = _read_only(path)
            else:
                private_dir(path.parent)
                touch_private(path)
                conn = sqlite3.connect(path)
        except OSError as e:
            raise StoreError(f"{path}: cannot open the snapshot database: {e}") from e
        except sqlite3.Error as e:
            raise translate(path, e) from None
        store = cls(conn, path)
        try:
            # Connection settings, each outside any transaction: SQLite ignores
            # foreign_keys and refuses journal_mode changes inside one.
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # As sqlite-utils' `Database` sets it: triggers fire alike whichever made it.
            conn.execute("PRAGMA recursive_triggers = ON")
            if not read_only:
                # A database not ours, or newer, is refused before the first write:
                # switching to WAL mode is one.
                current = is_current(conn, str(path))
                conn.execute("PRAGMA foreign_keys = ON")
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL cannot corrupt the database on a crash; only the
                # last commits may be lost on power failure. It halves each commit's cost.
                conn.execute("PRAGMA synchronous = NORMAL")
                # Statement journals (an INSERT inside a transaction that may need undoing)
                # went to temporary files: ~160 MB of writes in a changed cycle of 193
                # pages. They are small and short-lived: memory is where they belong.
                conn.execute("PRAGMA temp_store = MEMORY")
                # A checkpoint copies every page in the WAL into the database: after each
                # 4 MB (the default) an index page changed by every batch was copied again
                # and again. After 32 MB a changed cycle checkpoints about once; the WAL
                # is cut back to 4 MB after each, so an idle daemon does not keep 32.
                conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
                conn.execute(f"PRAGMA journal_size_limit = {WAL_KEPT_BYTES}")
                if not current:
                    migrate(store.db, str(path))
        except sqlite3.Error as e:
            conn.close()
            raise translate(path, e) from None
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        # Whatever read or wrote through this store: its SQLite error becomes words.
        if isinstance(exc, sqlite3.Error):
            raise translate(self.path, exc) from None

    def quick_check(self) -> list[str]:
        """SQLite's `PRAGMA quick_check`: the problems found, [] when the file is sound."""
        try:
            rows = [r[0] for r in self.conn.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.Error as e:
            if type(e) is sqlite3.DatabaseError:  # "malformed": damage too bad to list
                return [str(e)]
            raise translate(self.path, e) from None
        return [] if rows == ["ok"] else rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: everything inside commits together or not at all;
        a SQLite error other than a refused row comes out as a `StoreError`.

        BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a
        transaction that reads before it writes cannot fail halfway with SQLITE_BUSY.
        Inside another one, it is part of that one (an import's assessments commit
        together, not one by one). Inside `batched` it is a savepoint of the batch's
        transaction instead: all or nothing still, but durable only once the batch
        commits.
        """
        if self._writing:
            yield
            return
        if self._batch is not None:
            with self._savepoint(self._batch):
                yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self._writing = True
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            finally:
                self._writing = False
        except sqlite3.IntegrityError:
            raise  # a row this code built was refused: the caller knows which
        except sqlite3.Error as e:
            # A full disk, a damaged page, a lock held past busy_timeout: rolled back,
            # and said in words so a cycle can fail this source and go on.
            raise translate(self.path, e) from None

    @contextmanager
    def batched(self, *, writes: int, seconds: float, auto: bool = False) -> Iterator[None]:
        """Transactions inside become savepoints of one transaction, committed by
        `commit_if_due` once it holds `writes` of them or is `seconds` old (or by each
        transaction that finds it due, with `auto`), and on leaving. Each commit rewrites
        the pages it touched into the WAL once, however many captures share them: per
        capture commits wrote each index page again for every source. A crash loses
        the open batch only, whole transactions of it, never part of one.
        """
        if self._batch is not None:
            raise RuntimeError("batches do not nest")
        self._batch = _Batch(writes, seconds, auto)
        try:
            yield
        except BaseException:
            # What completed is whole: kept, unless the database refuses even that.
            with suppress(StoreError):
                self.commit_batch()
            raise
        else:
            self.commit_batch()
        finally:
            self._batch = None

    @property
    def batch_open(self) -> bool:
        """Whether writes wait in an uncommitted batch."""
        return self._batch is not None and self._batch.opened is not None

    def commit_if_due(self) -> None:
        """Commit the open batch if it is full or old enough (see `batched`)."""
        if self._batch is not None and self._batch.due():
            self.commit_batch()

    def commit_batch(self) -> None:
        """Commit the open batch now. A StoreError means none of it was stored: a
        transaction of it failed in a way that rolled the whole batch back, or the
        commit itself failed (rolled back then)."""
        batch = self._batch
        if batch is None:
            return
        lost, batch.lost = batch.lost, None
        opened, batch.opened = batch.opened, None
        unindexed, batch.unindexed = batch.unindexed, {}
        batch.writes = 0
        if lost is not None:
            raise lost
        if opened is None:
            return
        try:
            # In the batch's transaction: a crash before COMMIT loses these passages and
            # their index entries together, and a re-run stores and indexes them again.
            self._index(unindexed)
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise translate(self.path, e) from None

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextmanager
    def _savepoint(self, batch: _Batch) -> Iterator[None]:
        if batch.lost is not None:
            raise batch.lost  # the batch is gone: nothing more joins it until reported
        if batch.opened is None:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise translate(self.path, e) from None
            batch.opened = time.monotonic()
        batch.depth += 1
        try:
            self.conn.execute("SAVEPOINT write")
            try:
                yield
                self.conn.execute("RELEASE write")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK TO write")
                    self.conn.execute("RELEASE write")
                else:
                    # SQLite rolled the whole transaction back (a full disk, an I/O
                    # error can): the batch's earlier writes are lost with this one.
                    batch.opened = None
                    batch.lost = StoreError(
                        f"{self.path}: a batch of checks was not stored: the database"
                        " rolled it back"
                    )
                raise
        except sqlite3.IntegrityError:
            raise  # as in `transaction`
        except sqlite3.Error as e:
            error = translate(self.path, e)
            if batch.lost is not None:
                batch.lost = error  # says why
            raise error from None
        finally:
            batch.depth -= 1
        if batch.depth:
            return  # part of an outer transaction: counted, and committed, with it
        batch.writes += 1
        if batch.auto and batch.due():
            self.commit_batch()

    # -- sources ------------------------------------------------------------------

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
            self.db.execute(
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

    # -- writes per check ---------------------------------------------------------

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
                    self.db, self.path, sha256, content, content_type, captured_at, previous, origin
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
                        self.db.execute(
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
            self.db.execute(
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
                    self.db.query(
                        "SELECT * FROM sources WHERE key IN (SELECT value FROM json_each(?))",
                        [keys],
                    ),
                )
            }
            current = next((s.current_snapshot_id for s in sources.values() if s), None)
            new_raw = store_raw(
                self.db,
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
            for row in self.db.query(
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
            self.db.execute(
                "UPDATE snapshots SET last_seen_at = ? WHERE id = ?", [old.last_seen_at, new_id]
            )
            if source.current_snapshot_id == old.id:
                self._update_source(source.id, current_snapshot_id=new_id)
        return new_id

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
        rows = self.db.query(
            "SELECT * FROM snapshots WHERE source_id = ? AND extractor_version = ?"
            " AND status = ? ORDER BY id DESC",
            [source_id, extraction.extractor_version, extraction.status.value],
        )
        wanted = _without_url(_redacted(extraction))  # as stored
        return next(
            ({"id": r["id"]} for r in rows if _without_url(self._snapshot(r).extraction) == wanted),
            None,
        )

    def _insert_snapshot(
        self, source: SourceRecord, sha256: str, extraction: Extraction, captured_at: str
    ) -> StoredSnapshot:
        return self._insert_snapshots([(source, sha256, extraction, captured_at)])[0]

    def _insert_snapshots(self, new: Sequence[NewSnapshot]) -> list[StoredSnapshot]:
        """Insert snapshots (source, document sha256, extraction, capture time) and their
        scores, ranks, narrative and categories, each table in one statement; the
        snapshots as stored, for assessing them without reading them back."""
        if not new:
            return []
        # Ids given here, as SQLite would (the largest plus one): executemany returns none.
        (first,) = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM snapshots").fetchone()
        stored: list[StoredSnapshot] = []
        rows: dict[str, list[dict[str, Any]]] = {
            table: []
            for table in ("snapshots", "scores", "ranks", "narrative_sections", "categories")
        }
        sentences: dict[int, str] = {}
        passages: Passages = {}
        descriptions: dict[int, str] = {}
        facts: dict[tuple[str, str], ScoreFacts] = {}
        for snapshot_id, (source, sha256, extraction, captured_at) in enumerate(new, first):
            extraction = _redacted(extraction)
            row = {"id": snapshot_id} | snapshot_row(
                source, sha256, extraction, captured_at, descriptions
            )
            rows["snapshots"].append(row)
            stored.append(stored_snapshot(row, extraction))
            # Only a profile has scores, ranks and sections; never invent empty ones.
            if (profile := extraction.profile) is not None:
                rows["scores"] += score_rows(snapshot_id, profile, facts)
                rows["ranks"] += rank_rows(snapshot_id, profile)
                rows["narrative_sections"] += _section_rows(
                    snapshot_id, profile.sections, sentences, passages
                )
                rows["categories"] += category_rows(snapshot_id, profile)
        # Plain statements, not sqlite-utils' insert(), which introspects the table.
        self._insert_rows("snapshots", rows.pop("snapshots"))
        # Content-addressed: a sentence, description or passage already stored (an
        # earlier edition's) is kept.
        self.conn.executemany(
            "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO descriptions (id, text) VALUES (?, ?)", descriptions.items()
        )
        self._insert_rows("score_values", self._score_values(rows.pop("scores")))
        ids = self._store_passages(passages)
        for section in rows["narrative_sections"]:
            section["passage"] = ids[section["passage"]]
        for table, table_rows in rows.items():
            self._insert_rows(table, table_rows)
        return stored

    def _score_values(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """`scores` rows as `score_values` rows, each naming its measure by id and placed
        in its snapshot's order; measures not yet stored are added (one read of the small
        `measures` table a batch)."""
        if not rows:
            return []
        columns = ", ".join(MEASURE_FIELDS)
        measures = {
            tuple(fields): measure_id
            for measure_id, *fields in self.conn.execute(f"SELECT id, {columns} FROM measures")
        }
        known = len(measures)
        next_id = max(measures.values(), default=0) + 1
        values = []
        positions: dict[int, int] = {}
        keys: set[tuple[int, str]] = set()
        for row in rows:
            # One score a key a snapshot, as the table's primary key refused before
            # migration 18 (values are keyed by their place now): a key twice is a bad reading.
            if (row["snapshot_id"], row["key"]) in keys:
                raise sqlite3.IntegrityError(
                    "UNIQUE constraint failed: scores.snapshot_id, scores.key"
                )
            keys.add((row["snapshot_id"], row["key"]))
            fields = tuple(row[f] for f in MEASURE_FIELDS)
            if fields not in measures:
                measures[fields] = next_id
                next_id += 1
            position = positions[row["snapshot_id"]] = positions.get(row["snapshot_id"], -1) + 1
            values.append(
                {
                    "snapshot_id": row["snapshot_id"],
                    "position": position,
                    "measure": measures[fields],
                    "value": row["value"],
                    "change": row["change"],
                    "new_this_edition": row["new_this_edition"],
                }
            )
        added = [(measure_id, *fields) for fields, measure_id in list(measures.items())[known:]]
        self.conn.executemany(
            f"INSERT INTO measures (id, {columns}) VALUES (?, ?, ?, ?, ?, ?)", added
        )
        return values

    def _store_passages(self, passages: Passages) -> dict[int, int]:
        """Each passage's id by its hash, the new ones stored; those are indexed for
        search when their transaction commits (a batch's all at once: FTS5 writes index
        segments per statement, so one statement a batch keeps the index compact)."""
        if not passages:
            return {}
        ids: dict[int, int] = dict(
            self.conn.execute(
                "SELECT hash, id FROM passages WHERE hash IN (SELECT value FROM json_each(?))",
                [json.dumps(list(passages))],
            )
        )
        new = [h for h in passages if h not in ids]
        if not new:
            return ids
        # Ids as SQLite would give them: small and increasing, as FTS5 rowids pack best.
        (first,) = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM passages").fetchone()
        added = dict(zip(new, range(first, first + len(new)), strict=True))
        self.conn.executemany(
            "INSERT INTO passages (id, hash, title, sentences) VALUES (?, ?, ?, ?)",
            [(i, h, *passages[h][:2]) for h, i in added.items()],
        )
        unindexed = {i: (h, passages[h][0], passages[h][2]) for h, i in added.items()}
        if self._batch is not None and self._batch.depth:
            self._batch.unindexed |= unindexed  # a later savepoint's id replaces a lost one's
        else:
            self._index(unindexed)
        return ids | added

    def _index(self, unindexed: Unindexed) -> None:
        """Index passages for search in one statement, the text as stored here. A passage
        a rolled-back savepoint of the batch stored is no longer in `passages` (or its id
        is another's now): only those still stored as they were are indexed."""
        if not unindexed:
            return
        self.conn.execute(
            "INSERT INTO narrative_fts (rowid, title, text)"
            " SELECT p.id, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j"
            " JOIN passages p ON p.id = j.value ->> 0 AND p.hash = j.value ->> 1",
            [json.dumps([[i, *entry] for i, entry in unindexed.items()], ensure_ascii=False)],
        )

    def _insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of one shape and plain values, in as few statements as SQLite's smallest
        variable limit allows: sqlite_utils' insert_all examines every value of every row
        first (a fifth of storing a snapshot), and a statement a row would make the
        full-text index flush a segment for each section (FTS5 flushes per statement)."""
        if not rows:
            return
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        row_marks = f"({', '.join('?' * len(columns))})"
        per_statement = max(1, MAX_VARIABLES // len(columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            marks = ", ".join([row_marks] * len(chunk))
            self.conn.execute(
                f"INSERT INTO {table} ({names}) VALUES {marks}",
                [row[c] for row in chunk for c in columns],
            )

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

    # -- reads --------------------------------------------------------------------

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
        rows = self.db.query("SELECT * FROM snapshots WHERE source_id = ? ORDER BY id", [source_id])
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
        rows = self.db.execute(
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
        return dict(self.db.execute(sql, [json.dumps(keys)]).fetchall())

    def _narrative(self, snapshot_id: int) -> list[dict[str, Any]]:
        """A snapshot's sections with their paragraphs' text, joined here from the
        sentence keys (as the `sections` view does in SQL; this skips its JSON text)."""
        layout = [
            (key, title, json.loads(keys))
            for key, title, keys in self.db.execute(
                "SELECT n.key, p.title, p.sentences FROM narrative_sections n"
                " JOIN passages p ON p.id = n.passage WHERE n.snapshot_id = ? ORDER BY n.position",
                [snapshot_id],
            )
        ]
        if not layout:
            return []  # a dataset's row has no narrative: no second query
        wanted = list({k for *_, paragraphs in layout for keys in paragraphs for k in keys})
        text = dict(
            self.db.execute(
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
        return read_raw(self.db, self.path, sha256)

    def backup(self, destination: Path) -> None:
        """A consistent copy of the database while others keep writing (SQLite's online
        backup API: it restarts a step if a writer changed a page it had copied)."""
        try:
            # Made here, 0600 and only if new: a backup holds all the database does.
            os.close(private_opener(str(destination), os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            raise StoreError(f"{destination} exists; back up to a new file") from None
        except OSError as exc:
            raise StoreError(f"cannot write the backup {destination}: {exc.strerror}") from None
        try:
            target = sqlite3.connect(destination)
            try:
                self.conn.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the backup {destination}: {exc}") from None

    @cached_property
    def instance_id(self) -> str:
        """This database's own random id (migration 8)."""
        row = self._one("SELECT id FROM instance", [])
        if row is None:
            raise StoreError(f"{self.path}: the instance id is missing")
        return str(row["id"])

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        # By SQL: `sections` is a view of the narrative since migration 11.
        return {
            name: self.db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES
        }

    def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        # On the connection itself: sqlite-utils' query() costs more than the lookup,
        # and an import or its assessment asks thousands of them (issue 16).
        cursor = self.conn.execute(sql, params)
        row = cursor.fetchone()
        return dict(zip((d[0] for d in cursor.description), row, strict=True)) if row else None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row as a dict, as sqlite-utils' `query` gives them, on the connection
        itself: the reads of a cycle that finds nothing new need no sqlite-utils."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


@dataclass
class _Batch:
    """An open `Store.batched`: its limits, and the transaction it holds."""

    max_writes: int
    seconds: float
    auto: bool
    writes: int = 0
    depth: int = 0  # savepoints open: a nested transaction is part of the outer one
    opened: float | None = None  # monotonic time of its BEGIN; None before a write
    lost: StoreError | None = None  # rolled back by SQLite: owed to the next commit
    unindexed: Unindexed = field(default_factory=dict)  # passages to index at COMMIT

    def due(self) -> bool:
        if self.opened is None:
            return self.lost is not None
        return self.writes >= self.max_writes or time.monotonic() - self.opened >= self.seconds


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection. A reader of a WAL database needs the -shm file, which
    SQLite creates beside the database (0600, like it) if missing; on a read-only file
    system it cannot, and with no -wal left to read (closed cleanly, and no writer can
    be at work there) the file alone is the whole database: open it as immutable."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if os.access(path.parent, os.W_OK) or (wal.exists() and wal.stat().st_size):
            raise
        conn.close()
        conn = sqlite3.connect(f"{uri}&immutable=1", uri=True)
    return conn


def _section_rows(
    snapshot_id: int, sections: Sequence[Section], sentences: dict[int, str], passages: Passages
) -> list[dict[str, Any]]:
    """`narrative_sections` rows, `passage` the hash of the section's title and text
    (the caller swaps it for the passage's id); the passages are added to `passages`."""
    rows = []
    for row, section in zip(section_rows(snapshot_id, sections, sentences), sections, strict=True):
        text = "\n".join(section.paragraphs)  # as the `narrative` view shows it
        passages[row["passage"]] = (row["title"], row["sentences"], text)
        rows.append({name: row[name] for name in ("snapshot_id", "position", "key", "passage")})
    return rows


def _seen_row(check: SeenCheck) -> tuple[Any, ...]:
    """`record_seen`'s parameters for one check: a 304 keeps the validators it sent."""
    replaced = check.validators is not None
    etag, last_modified = check.validators or (None, None)
    at = check.checked_at
    return (at, check.outcome, at, replaced, etag, replaced, last_modified, check.source_id)


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


def _redacted(extraction: Extraction) -> Extraction:
    """What is stored of an extraction: the URL it was read from, and any URL in its
    reasons, without credentials."""
    reasons = tuple(
        r if (said := redact_text(r.message)) == r.message else replace(r, message=said)
        for r in extraction.reasons
    )
    profile = extraction.profile
    if profile is not None and profile.source_url:
        url = redact(profile.source_url)
        profile = profile if url == profile.source_url else replace(profile, source_url=url)
    if profile is extraction.profile and reasons == extraction.reasons:
        return extraction  # nothing to hide: no copies (a release has thousands of rows)
    return replace(extraction, profile=profile, reasons=reasons)


def _earlier(moment: str, than: str | None) -> bool:
    return than is not None and _instant(moment) < _instant(than)


def _instant(text: str) -> datetime:
    """An ISO time as an aware datetime; a time without an offset is UTC, as we store."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
