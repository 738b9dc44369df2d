"""SQLite errors as one-line `StoreError`s that name the file and what to do.

The one place a `sqlite3.Error` becomes words: `Store` translates at its edges (open,
each write transaction, the end of every `with store:` block), so no command, cycle or
daemon job shows a traceback for a damaged file, a full disk or a lock held too long.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from monitor.errors import DamagedDatabaseError, StoreError, UnusableDatabaseError

RESTORE = (
    "stop the monitor, move the file aside and restore the last copy made with "
    "`monitor backup DESTINATION` (then run `monitor run`)"
)


def translate(path: Path, exc: sqlite3.Error) -> StoreError:
    """The `StoreError` saying what `exc` means for the database at `path`."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    said = str(exc)
    if primary == sqlite3.SQLITE_CORRUPT:
        return DamagedDatabaseError(f"{path} is damaged ({said}): {RESTORE}")
    if primary == sqlite3.SQLITE_NOTADB:
        return DamagedDatabaseError(
            f"{path} is not a database, or its header is damaged ({said}): check that "
            f"--config and --data-dir point at the monitor's database; if they do, {RESTORE}"
        )
    if primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and _full(path)):
        # Growing the -shm file on a full disk is reported as an I/O error.
        return StoreError(
            f"{path}: the disk is full ({said}); free space on {path.parent}'s file "
            "system: the next run records again"
        )
    if primary == sqlite3.SQLITE_IOERR:
        return StoreError(
            f"{path}: disk I/O error ({said}); check the disk and file system (dmesg); "
            f"if it persists, {RESTORE}"
        )
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return UnusableDatabaseError(
            f"{path} stayed locked by another process past the wait ({said}); stop the "
            "other program writing to it (a second daemon, a sqlite3 shell) and try again"
        )
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return StoreError(
            f"{path} cannot be opened for writing ({said}); check that {path.parent} and "
            "the file are writable by this user and the file system is not read-only"
        )
    return StoreError(f"{path}: database error: {said}")


def _full(path: Path) -> bool:
    """Whether the file system holding `path` has (next to) no room left."""
    try:
        room = os.statvfs(path.parent)
    except OSError:
        return False
    return room.f_bavail * room.f_frsize < 64 * 1024
