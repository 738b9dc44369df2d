"""Raw documents: each body stored once by sha256, compressed with zstd, a new capture
against its source's previous one as a dictionary where that is smaller (a page's next
edition shares its template), never against a chain: a read decompresses two bodies at
most. Bodies stored by earlier releases in zlib still read."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path
from typing import Any

import zstandard

from monitor.errors import StoreError

# zstd level for raw documents: a page against its previous capture is 6% larger than at
# level 12 and ten times faster to compress (0.2 ms against 2.6 ms for 44 KB).
ZSTD_LEVEL = 9
# A quick look at how small the body gets alone: at level 1 it is within a tenth of
# level 9 on HTML, in a fifth of the time. Against a previous edition a page is about
# 9 times smaller, so the full compression alone is made only when the one against the
# previous capture is not clearly the smaller (issue 19, cycle CPU round 4).
PROBE_LEVEL, PROBE_MARGIN = 1, 0.5
# A source's first capture (all of a cold cycle's): level 3 takes a quarter of level 9's
# CPU (the kit's 193 pages: 21 ms against 88 ms, a twentieth of the cycle) for 5% more
# bytes (1.74 MB against 1.66 MB). Later captures, mostly stored against it, stay at 9.
FIRST_LEVEL = 3


def store_raw(
    db: sqlite3.Connection,
    path: Path,
    sha256: str,
    content: bytes,
    content_type: str | None,
    seen_at: str,
    previous: str | None = None,
    origin: str | None = None,
) -> bool:
    """Store the body unless already stored; True if this call stored it. Compressed
    with zstd, against the source's `previous` capture as a dictionary where that is
    smaller: against the one `previous` was compressed against, if any, so that no
    chain forms and a read decompresses two bodies at most. `origin`: the URL or file
    it was read from (a release's name in a revision)."""
    # Checked first: a workbook is saved once per country row, compressed only once.
    if db.execute("SELECT 1 FROM raw_documents WHERE sha256 = ?", [sha256]).fetchone():
        return False
    packed, dictionary, candidate = None, None, None
    if previous is not None:
        row = db.execute("SELECT dictionary FROM raw_documents WHERE sha256 = ?", [previous])
        root = (row.fetchone() or (None,))[0] or previous
        try:
            base = read_raw(db, path, root)
        except (StoreError, zlib.error, zstandard.ZstdError):
            base = None  # a damaged earlier body: this one is stored alone, readable
        if base is not None:
            against = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=_dictionary(base))
            candidate = against.compress(content)
            alone = zstandard.ZstdCompressor(level=PROBE_LEVEL).compress(content)
            if len(candidate) <= PROBE_MARGIN * len(alone):
                packed, dictionary = candidate, root
    if packed is None:  # no previous capture, or not clearly smaller against it
        level = FIRST_LEVEL if previous is None else ZSTD_LEVEL
        packed = zstandard.ZstdCompressor(level=level).compress(content)
        if candidate is not None and len(candidate) < len(packed):
            packed, dictionary = candidate, root
    cursor = db.execute(
        "INSERT OR IGNORE INTO raw_documents"
        " (sha256, size, content_type, compression, content, first_seen_at, dictionary, origin)"
        " VALUES (?, ?, ?, 'zstd', ?, ?, ?, ?)",
        [sha256, len(content), content_type, packed, seen_at, dictionary, origin],
    )
    return cursor.rowcount == 1


def read_raw(db: sqlite3.Connection, path: Path, sha256: str) -> bytes:
    """A stored body (`path` names the database in errors): the dictionaries it is
    compressed against are read first."""
    chain: list[dict[str, Any]] = []
    wanted: str | None = sha256
    while wanted is not None:
        found = db.execute(
            "SELECT sha256, compression, content, dictionary FROM raw_documents WHERE sha256 = ?",
            [wanted],
        ).fetchone()
        row = (
            dict(zip(("sha256", "compression", "content", "dictionary"), found, strict=True))
            if found
            else None
        )
        if row is None:
            raise StoreError(f"{path}: no raw document {wanted}")
        chain.append(row)
        wanted = row["dictionary"]
    body = b""
    for row in reversed(chain):
        if row["compression"] == "zlib":
            body = zlib.decompress(row["content"])
        elif row["compression"] == "zstd":
            dict_data = _dictionary(body) if row["dictionary"] else None
            body = zstandard.ZstdDecompressor(dict_data=dict_data).decompress(row["content"])
        else:
            raise StoreError(
                f"{path}: raw document {row['sha256']} uses unknown compression "
                f"{row['compression']!r}"
            )
    return body


def _dictionary(body: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(body, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
