"""Import the publisher's dataset workbook: every country and edition in one go.

The workbook (a file, or an http(s) URL fetched with the configured caps) is read once
and checked whole: a document that is not a workbook, or a sheet without a required
column, stores nothing. Each country's row of each edition is then recorded like a
capture of its own source, `ocindex_workbook:<country>:<edition>`: the document stored
once, a snapshot only where a row reads differently from before. Importing the same
workbook again adds nothing; a re-published one with a revised cell adds one snapshot.
The usual assessment follows (revisions, disagreements with pages and PDFs).
"""

from __future__ import annotations

import gc
import hashlib
import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag

from monitor.assess.findings import assess_pending, rebase
from monitor.config.settings import Config, FetchPolicy, source_key
from monitor.errors import FetchError, MonitorError, NotAProfileError
from monitor.fetch.client import Fetcher
from monitor.fetch.client import Outcome as Fetched
from monitor.models import Finding, Reason, Status
from monitor.ops.cycle import now_iso
from monitor.redact import redact, redact_text
from monitor.sources import configured_kind, extract_safely
from monitor.store import Outcome, Store
from monitor.store.records import ReleaseRowCapture

# Called after each row is stored: (rows done, rows in the workbook).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportedRow:
    """What importing one country's row of one edition came to."""

    country: str
    edition: int
    change: str  # new_snapshot, unchanged, reverted or failed
    status: Status  # the row's extraction
    snapshot_id: int | None
    previous_snapshot_id: int | None  # the source's snapshot before this import


@dataclass(frozen=True)
class EditionCounts:
    edition: int
    added: int  # new snapshots
    unchanged: int
    reverted: int  # back to a reading stored before
    failed: int
    incomplete: int  # rows stored, but not complete


@dataclass(frozen=True)
class ImportReport:
    source: str  # the path or URL imported
    sha256: str  # of the workbook's bytes
    rows: tuple[ImportedRow, ...]
    findings: tuple[Finding, ...]  # from assessing the new snapshots
    warnings: tuple[Reason, ...] = ()  # e.g. columns not recognised

    @property
    def editions(self) -> tuple[EditionCounts, ...]:
        def counts(edition: int) -> EditionCounts:
            rows = [r for r in self.rows if r.edition == edition]
            changes = [r.change for r in rows]
            return EditionCounts(
                edition,
                changes.count("new_snapshot"),
                changes.count("unchanged"),
                changes.count("reverted"),
                changes.count("failed"),
                sum(r.status is not Status.COMPLETE for r in rows),
            )

        return tuple(counts(e) for e in sorted({r.edition for r in self.rows}))

    @property
    def added(self) -> int:
        return sum(e.added for e in self.editions)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while: a release builds hundreds of thousands
    of small records that live until it is stored and assessed, and the collector's
    passes over them (none garbage) were a third of an import's CPU (issue 16)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def import_workbook(
    store: Store,
    source: str | Path,
    *,
    progress: Progress | None = None,
    config: Config | None = None,
    kind_name: str = "ocindex_workbook",
) -> ImportReport:
    """Import every country and edition of a release (a file or http(s) URL of a
    shared-document kind, by default the OC Index workbook), then assess.

    `config` gives the fetch caps, thresholds and notification routes (default: the
    built-in defaults). NotAProfileError when the document cannot be imported whole.
    """
    config = config or Config(None, store.path.parent)
    try:
        kind = configured_kind(config, kind_name)
    except KeyError as exc:
        raise MonitorError(str(exc.args[0])) from None
    if not kind.shared_document:
        raise MonitorError(f"{kind_name} is not a kind of document that holds many countries")
    content, content_type, url = _load(source, config.fetch)
    release = kind.read_release(content)
    if release.errors:
        problems = "; ".join(r.message for r in release.errors)
        raise NotAProfileError(f"{source}: not imported, nothing stored: {problems}")
    # A file is taken for the publisher's workbook, like `monitor ingest` takes a page.
    document_url = url or kind.document_url()
    captured_at = now_iso()
    captures = []
    for done, row in enumerate(release.rows, 1):
        address = kind.row_url(document_url, row.country, row.edition)
        extraction = extract_safely(
            kind, content, url=address, content_type=content_type, edition=row.edition
        )
        key = source_key(kind.name, row.country, row.edition)
        captures.append(
            ReleaseRowCapture(key, kind.name, row.country, row.edition, address, extraction)
        )
        if progress is not None and done < len(release.rows):
            progress(done, len(release.rows))
    # The release is where its revisions came from: its URL, or the file's path.
    origin = redact(url) if url else str(Path(source).resolve())
    saved = store.save_release(
        captures,
        content=content,
        content_type=content_type,
        captured_at=captured_at,
        origin=origin,
    )
    if progress is not None and release.rows:
        progress(len(release.rows), len(release.rows))
    rows = []
    for row, capture, result in zip(release.rows, captures, saved, strict=True):
        if result.outcome is Outcome.REVERTED:  # back to an earlier reading: not news
            source = store.source(capture.key)
            assert source is not None  # just stored
            rebase(store, source.id, result.snapshot_id)
        rows.append(
            ImportedRow(
                row.country,
                row.edition,
                str(result.outcome),
                row.status,
                result.snapshot_id,
                result.previous_snapshot_id,
            )
        )
    # One transaction for all the release's assessments: a commit per row was most of
    # an import's time. A killed import leaves them pending for the next assessment.
    with store.transaction():
        findings = assess_pending(
            store,
            config.thresholds,
            route=config.notify.route,
            written=[r.snapshot for r in saved if r.snapshot is not None],
        )
    sha256 = hashlib.sha256(content).hexdigest()
    return ImportReport(str(source), sha256, tuple(rows), tuple(findings), release.warnings)


def _load(source: str | Path, policy: FetchPolicy) -> tuple[bytes, str | None, str | None]:
    """The document's bytes, its content type, and its URL (None for a file)."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        url = urldefrag(text).url
        with Fetcher(policy) as fetcher:
            fetched = fetcher.fetch(url)
        if fetched.outcome is not Fetched.OK:
            raise FetchError(redact_text(f"{url}: {fetched.error}"))
        return fetched.content or b"", fetched.content_type, url
    path = Path(source)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise MonitorError(f"cannot read {path}: {exc.strerror}") from None
    return content, mimetypes.guess_type(path.name)[0], None
