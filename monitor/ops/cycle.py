"""One monitoring cycle (fetch → extract → store for every watched source), and ingest.

Fetching runs in a bounded thread pool; extraction and storage run in the calling
thread, one source at a time, each source in its own savepoint of a batch committed every
`BATCH_WRITES` sources or `BATCH_SECONDS` (a crash loses the open batch, which the next
cycle fetches again; findings and their outbox rows commit together). One source's failure
(network, a broken page, a rejected row, a full disk) is recorded where it can be and
never stops the others; only a damaged database, or one locked by another program past
the wait, stops the cycle. A source the fetcher deferred (the cycle's budget spent, its
host holding requests for another URL's 429 or 503) is reported as deferred and left as
it was: not a failure, no count toward broken; the next cycle checks it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urldefrag

from monitor.config.settings import Config, SourceSpec, source_key
from monitor.errors import MonitorError, StoreError, UnusableDatabaseError
from monitor.fetch.client import Fetcher, FetchResult, Outcome, Validators
from monitor.models import Attempt, Extraction, Finding, Status
from monitor.redact import redact, redact_text
from monitor.sources import SourceKind, configured_kind, extract_safely
from monitor.store import Store
from monitor.store.findings import latest_finding_id, pending_snapshots
from monitor.store.records import Outcome as Stored
from monitor.store.records import SeenCheck, SourceRecord, StoredSnapshot, finding_from_row


@dataclass(frozen=True)
class SourceResult:
    """What one check of one source came to."""

    key: str
    url: str
    change: str  # new_snapshot, unchanged, reverted, backfilled, not_modified, failed, deferred
    status: Status | None  # the extraction's status; None when nothing was extracted
    snapshot_id: int | None = None
    previous_snapshot_id: int | None = None
    detail: str = ""

    @property
    def category(self) -> str:
        """The summary column: failed, deferred, incomplete, new or unchanged."""
        if self.change == "deferred":
            return "deferred"
        if self.change == "failed" or self.status is Status.NOT_A_PROFILE:
            return "failed"
        if self.status is Status.INCOMPLETE:
            return "incomplete"
        return "new" if self.change in ("new_snapshot", "reverted", "backfilled") else "unchanged"


@dataclass(frozen=True)
class CycleReport:
    """What a cycle checked and found. The findings themselves stay in the store: a
    report holds their number and where they are (issue 19, memory: a new narrative
    edition brings ~55,000 findings, ~75 MB as objects, for a report that prints one
    line of them in the daemon's log)."""

    results: tuple[SourceResult, ...]
    started_at: str
    finished_at: str
    problem: str = ""  # what kept the cycle from completing (the findings not made)
    finding_count: int = 0
    database: Path | None = None  # where `findings` are read from
    finding_ids: range = range(0)  # the ids of the findings the cycle stored

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The cycle's findings as stored, oldest first: read from the database on each
        access (a snapshot's findings already stored are not stored or counted again)."""
        if not self.finding_ids or self.database is None:
            return ()
        with Store.open(self.database, read_only=True) as store:
            rows = store.query(
                "SELECT * FROM findings WHERE id >= ? AND id < ? ORDER BY id",
                [self.finding_ids.start, self.finding_ids.stop],
            )
            return tuple(finding_from_row(r) for r in rows)

    def count(self, category: str) -> int:
        return sum(r.category == category for r in self.results)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.category == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problem


Progress = Callable[[SourceResult], None]
NO_VALIDATORS = Validators()
BACKFILLED = "older than what the source serves now: kept as history, not alerted"
# Checks that changed nothing are written together, at most this many per transaction.
SEEN_BATCH = 256
# A batch commits once it holds this many sources' writes or is this old: few commits
# (each rewrites the index pages it touched into the WAL), and the write lock is never
# held long from other writers (a `monitor review` command, a second run waiting).
BATCH_WRITES = 16
BATCH_SECONDS = 1.0
# New snapshots held in memory for assessment instead of read back (~50 KB each with
# their narrative: the kit's 193 pages hold ~10 MiB); beyond this many, the rest are read
# back, so a cycle's memory does not grow with the number of sources.
KEPT_SNAPSHOTS = 256


def run_cycle(
    config: Config,
    store: Store,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> CycleReport:
    """Check every watched source once. Once `stop` is set no new request starts and
    no fetch waits any longer (pacing, retries); the sources already fetched are stored
    and assessed, the rest wait for the next cycle. Once `[fetch] cycle_budget_seconds`
    have passed, the sources not yet started are deferred (reported, not stored)."""
    started = now_iso()
    stored = store.sources_by_key()  # one read, not one a source
    statuses = store.current_statuses()  # what a 304 confirms, likewise
    with store.batched(writes=len(config.sources), seconds=BATCH_SECONDS):  # one commit
        records = {
            spec.key: store.ensure_source(
                key=spec.key,
                kind=spec.kind,
                country_slug=spec.country,
                edition=spec.edition,
                url=spec.url,
                stored=stored,
            )
            for spec in config.sources
        }
    results: dict[str, SourceResult] = {}
    seen: list[SeenCheck] = []
    written: dict[str, StoredSnapshot] = {}  # new snapshots as stored, by source key

    def flush_seen() -> None:
        try:
            store.record_seen(seen)
        except UnusableDatabaseError:
            raise
        except StoreError as exc:  # as a failed write of each of them would have said
            for check in seen:
                key = next(k for k, r in records.items() if r.id == check.source_id)
                done = results[key]
                results[key] = SourceResult(key, done.url, "failed", None, detail=str(exc))
        seen.clear()

    unsaved: list[str] = []  # sources whose writes wait in the open batch

    def commit(*, due: bool) -> None:
        try:
            store.commit_if_due() if due else store.commit_batch()
        except UnusableDatabaseError:
            raise
        except StoreError as exc:  # none of the batch was stored: each of its sources failed
            for key in unsaved:
                done = results[key]
                results[key] = SourceResult(key, done.url, "failed", None, detail=str(exc))
            unsaved.clear()
            return
        if not store.batch_open:  # committed, but for the checks still to be written
            waiting = {check.source_id for check in seen}
            unsaved[:] = [key for key in unsaved if records[key].id in waiting]

    waiting = iter(config.sources)
    with (
        store.batched(writes=BATCH_WRITES, seconds=BATCH_SECONDS),
        Fetcher(config.fetch, stop=stop) as fetcher,
        ThreadPoolExecutor(config.concurrency) as pool,
    ):
        in_flight: dict[Future[FetchResult], SourceSpec] = {}

        def submit_next() -> None:
            if stop is not None and stop.is_set():
                return
            spec = next(waiting, None)
            if spec is not None:
                record = records[spec.key]
                validators = Validators(record.etag, record.last_modified)
                in_flight[pool.submit(fetcher.fetch, spec.url, validators)] = spec

        # A window of fetches, not all at once: fetched bodies waiting to be stored stay
        # few, so memory does not grow with the number of sources.
        for _ in range(2 * config.concurrency):
            submit_next()
        while in_flight:
            # A slow fetch does not keep the batch open past its time.
            done, _ = wait(in_flight, timeout=BATCH_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                spec = in_flight.pop(future)
                submit_next()
                fetched = future.result()
                if fetched.outcome is Outcome.STOPPED:
                    continue  # not checked: it waits for the next cycle
                try:
                    result = _process(
                        store, config, spec, records[spec.key], fetched, seen, statuses, written
                    )
                except UnusableDatabaseError:
                    raise  # every source would fail alike: the cycle stops, saying why
                except StoreError as exc:
                    # A full disk or a lock held too long fails this source; a smaller
                    # capture, a 304, may still be recorded for the next ones.
                    result = SourceResult(spec.key, spec.url, "failed", None, detail=str(exc))
                results[spec.key] = result
                unsaved.append(spec.key)
                if len(seen) >= SEEN_BATCH:
                    flush_seen()
                if progress is not None:
                    progress(result)
            commit(due=True)
        flush_seen()
        commit(due=False)
    ordered = tuple(results[spec.key] for spec in config.sources if spec.key in results)
    # Assessed as written, not read back (issue 19, cycle CPU); not those of a batch whose
    # commit failed: their sources' results say failed, and their ids may be reused.
    kept = [s for key, s in written.items() if results[key].snapshot_id == s.id]
    # The writer lock is held: the findings stored from here on are this cycle's.
    before, problem = latest_finding_id(store), ""
    try:
        # Each snapshot's findings and outbox rows in one savepoint, as before; batched.
        with store.batched(writes=BATCH_WRITES, seconds=BATCH_SECONDS, auto=True):
            _assess(store, config, [r.key for r in ordered], kept)
    except UnusableDatabaseError:
        raise
    except StoreError as exc:
        # What was stored stays unassessed and is assessed by the next cycle.
        problem = f"findings not assessed: {exc}"
    ids = range(before + 1, latest_finding_id(store) + 1)
    (count,) = store.conn.execute(
        "SELECT COUNT(*) FROM findings WHERE id >= ? AND id < ?", [ids.start, ids.stop]
    ).fetchone()
    return CycleReport(ordered, started, now_iso(), problem, count, store.path, ids)


def _assess(
    store: Store, config: Config, checked: list[str], written: Iterable[StoredSnapshot] = ()
) -> None:
    """Store the findings of the new snapshots, then of the checked sources' health.
    `written`: snapshots just stored, assessed as they are rather than read back."""
    # Imported when the fetching is done: comparing (deepdiff) and the rules need not
    # hold up a cycle's first request (issue 19, start-up).
    from monitor.assess.health import check_health

    route = config.notify.route
    if pending_snapshots(store):  # none after a cycle of 304s: comparing is not loaded
        from monitor.assess.findings import assessing

        # One snapshot's findings at a time: stored, then let go (see CycleReport).
        for _ in assessing(store, config.thresholds, route=route, written=written):
            pass
    check_health(store, config.health, checked, now=datetime.now(UTC), route=route)


def _process(
    store: Store,
    config: Config,
    spec: SourceSpec,
    record: SourceRecord,
    fetched: FetchResult,
    seen: list[SeenCheck],
    statuses: dict[int, Status],
    written: dict[str, StoredSnapshot],
) -> SourceResult:
    """One fetched source's outcome. A check that changed nothing (a 304, or bytes the
    current snapshot holds) goes to `seen`, written with the others in one transaction.
    `statuses`: the current snapshots' statuses as the cycle began; a new snapshot goes
    to `written`."""
    if fetched.outcome is Outcome.DEFERRED:  # not requested: nothing to record
        return SourceResult(spec.key, spec.url, "deferred", None, detail=fetched.error or "")
    checked_at = now_iso()
    source_id, shown = record.id, redact(spec.url)
    if fetched.outcome is Outcome.FAILED:
        error = fetched.error or "fetch failed"
        store.record_failure(
            source_id, attempts=fetched.attempts, error=error, checked_at=checked_at
        )
        return SourceResult(spec.key, shown, "failed", None, detail=redact_text(error))
    snapshot_id = record.current_snapshot_id
    if fetched.outcome is Outcome.NOT_MODIFIED:
        not_modified = str(Stored.NOT_MODIFIED)
        seen.append(SeenCheck(source_id, snapshot_id, checked_at, fetched.attempts, not_modified))
        status = statuses.get(snapshot_id) if snapshot_id else None
        return SourceResult(spec.key, shown, "not_modified", status, snapshot_id, snapshot_id)
    kind = configured_kind(config, spec.kind)
    content = fetched.content or b""
    # Bytes already read into the current snapshot: recognised by hash, not re-extracted.
    # A rejected page goes the long way, which counts it as a failure again.
    sha256 = hashlib.sha256(content).hexdigest()
    known = store.known_reading(source_id, sha256, kind.version) if snapshot_id else None
    if known is not None and known.status is not Status.NOT_A_PROFILE:
        outcome = Stored.UNCHANGED if known.status is Status.COMPLETE else known.status
        validators = (fetched.validators.etag, fetched.validators.last_modified)
        seen.append(
            SeenCheck(
                source_id, snapshot_id, checked_at, fetched.attempts, str(outcome), validators
            )
        )
        detail = summarize(Extraction(known.status, None, known.reasons))
        return SourceResult(
            spec.key, shown, "unchanged", known.status, snapshot_id, snapshot_id, detail
        )
    return record_capture(
        store,
        kind,
        key=spec.key,
        source_id=source_id,
        url=fetched.final_url,
        edition=spec.edition,
        content=content,
        content_type=fetched.content_type,
        captured_at=checked_at,
        attempts=fetched.attempts,
        validators=fetched.validators,
        written=written,
        sha256=sha256,
    )


def record_capture(
    store: Store,
    kind: SourceKind,
    *,
    key: str,
    source_id: int,
    url: str,
    edition: int | None,
    content: bytes,
    content_type: str | None,
    captured_at: str,
    attempts: Iterable[Attempt] = (),
    validators: Validators = NO_VALIDATORS,
    archived: bool = False,
    written: dict[str, StoredSnapshot] | None = None,
    sha256: str | None = None,
) -> SourceResult:
    """Extract and store one capture, however it was obtained (fetched, or `archived`:
    ingested from a saved copy); a new snapshot as stored goes to `written`, by `key`.
    `sha256`: the content's hex digest, when already computed."""
    extraction = extract_safely(kind, content, url=url, content_type=content_type, edition=edition)
    try:
        saved = store.save_capture(
            source_id,
            content=content,
            content_type=content_type,
            extraction=extraction,
            captured_at=captured_at,
            attempts=tuple(attempts),
            etag=validators.etag,
            last_modified=validators.last_modified,
            match_reading=kind.shared_document,
            archived=archived,
            origin=redact(urldefrag(url).url),
            sha256=sha256,
        )
    except UnusableDatabaseError:
        raise  # recording the failure would fail (or wait) alike
    except StoreError as exc:
        if not archived:  # an ingested copy is not a check of the source
            store.record_failure(source_id, attempts=(), error=str(exc), checked_at=captured_at)
        return SourceResult(key, redact(url), "failed", extraction.status, detail=str(exc))
    if written is not None and saved.snapshot is not None and len(written) < KEPT_SNAPSHOTS:
        written[key] = saved.snapshot
    if saved.outcome == "reverted":
        from monitor.assess.findings import rebase  # see _assess

        rebase(store, source_id, saved.snapshot_id)
    detail = summarize(extraction)
    if saved.outcome == "backfilled":
        detail = "; ".join(filter(None, [BACKFILLED, detail]))
    return SourceResult(
        key,
        redact(url),
        str(saved.outcome),
        extraction.status,
        saved.snapshot_id,
        saved.previous_snapshot_id,
        detail,
    )


def summarize(extraction: Extraction) -> str:
    """The first reasons, short enough for a table cell."""
    errors = [r.message for r in extraction.reasons if r.is_error]
    if not errors:
        return ""
    more = f" (+{len(errors) - 2} more)" if len(errors) > 2 else ""
    return "; ".join(errors[:2]) + more


def ingest(
    config: Config,
    store: Store,
    paths: Iterable[Path],
    *,
    url: str,
    kind_name: str,
    captured_at: str | None = None,
) -> list[SourceResult]:
    """Record saved captures (a saved page, an archived copy) exactly as if fetched."""
    kind = configured_kind(config, kind_name)
    located = kind.locate(url)
    if located is None:
        raise MonitorError(
            f"cannot tell the country and edition from {redact(url)!r} for {kind.name}"
        )
    country, edition = located
    key = source_key(kind.name, country, edition)
    record = store.ensure_source(
        key=key, kind=kind.name, country_slug=country, edition=edition, url=url
    )
    when = parse_time(captured_at) if captured_at else now_iso()
    results = []
    for path in paths:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise MonitorError(f"cannot read {path}: {exc.strerror}") from None
        content_type = mimetypes.guess_type(str(path))[0]
        results.append(
            record_capture(
                store,
                kind,
                key=key,
                source_id=record.id,
                url=url,
                edition=edition,
                content=content,
                content_type=content_type,
                captured_at=when,
                archived=True,
            )
        )
    _assess(store, config, [key])
    return results


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def parse_time(text: str) -> str:
    """`2023-10-01` or `2023-10-01T08:00:00+02:00` -> ISO 8601 in UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MonitorError(f"{text!r} is not an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
