"""`monitor capture`: a snapshot's raw document given back exactly as it was captured,
with what a reader needs to vouch for it (URL, capture time, sha256, HTTP validators)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from monitor.errors import StoreError
from monitor.store import Store


@dataclass(frozen=True)
class Capture:
    snapshot_id: int
    source_key: str
    url: str  # as stored: any secret in it was redacted before storing
    captured_at: str  # the capture that first stored these bytes for this source
    last_seen_at: str  # the last capture (or 304) that confirmed them
    sha256: str  # of `content`; checked against the stored digest
    size: int
    content_type: str | None
    etag: str | None  # the validators of the source's last 200 response, when that
    last_modified: str | None  # response is this capture's; None otherwise (not kept)
    content: bytes

    def metadata(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k != "content"}


def stored_capture(store: Store, snapshot_id: int) -> Capture:
    """The raw bytes behind `snapshot_id`; a StoreError when the id is unknown or the
    bytes no longer match their digest (a damaged database)."""
    snapshot = store.snapshot(snapshot_id)
    source = store.source_by_id(snapshot.source_id)
    content = store.raw_content(snapshot.raw_sha256)
    if hashlib.sha256(content).hexdigest() != snapshot.raw_sha256:
        raise StoreError(
            f"{store.path}: the raw document of snapshot {snapshot_id} no longer matches "
            f"its sha256 {snapshot.raw_sha256}: the database is damaged; restore a backup"
        )
    row = store.db.execute(
        "SELECT content_type FROM raw_documents WHERE sha256 = ?", [snapshot.raw_sha256]
    ).fetchone()
    current = source.current_snapshot_id == snapshot_id
    return Capture(
        snapshot_id=snapshot_id,
        source_key=source.key,
        url=source.url,
        captured_at=snapshot.captured_at,
        last_seen_at=snapshot.last_seen_at,
        sha256=snapshot.raw_sha256,
        size=len(content),
        content_type=row[0] if row else None,
        etag=source.etag if current else None,
        last_modified=source.last_modified if current else None,
        content=content,
    )
