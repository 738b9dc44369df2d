"""Private files: what monitor creates in its data directory is readable by its owner
alone (0700 directories, 0600 files) whatever the umask. The database holds fetched
documents and notification addresses, an outbox file a whole message."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """`path` as a directory; created 0700 when missing (an existing one is the
    owner's choice and left as it is)."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is cut by the umask; this is not
    return path


def private_opener(path: str, flags: int) -> int:
    """An `opener` for `open()`: the file is created, or kept, 0600."""
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd


def touch_private(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists (so that what SQLite creates
    beside it, the -wal and -shm files, takes the same mode)."""
    if not path.exists():
        os.close(private_opener(str(path), os.O_WRONLY | os.O_CREAT))


def within(path: Path, directory: Path) -> bool:
    """Whether `path` lies in `directory` (files written there are kept private)."""
    return path.resolve().is_relative_to(directory.resolve())
