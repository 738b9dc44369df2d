"""One writer at a time per data directory: an advisory lock on `<data_dir>/monitor.ops.lock`.

The lock is `flock` on the file, so the kernel releases it when its holder dies however
it dies: a lock left by a killed process is never in the way. The file also records who
holds it (pid, host, command, since when), for the message a waiting process prints and
to say when a dead holder's lock was taken over. A second writer (a cron `monitor run`
while the daemon is mid-cycle) waits up to `wait` seconds, then gives up with
`LockedError` (exit code 3). Local file systems only: flock over NFS is not reliable.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config.settings import Config
from monitor.errors import LockedError, MonitorError
from monitor.files import private_dir, private_opener
from monitor.store import Store

LOCK_FILE = "monitor.ops.lock"
POLL = 0.2  # seconds between tries while waiting
log = logging.getLogger(__name__)


@contextmanager
def writer_lock(
    data_dir: Path,
    *,
    wait: float = 0.0,
    command: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
) -> Iterator[dict[str, Any]]:
    """Hold the data directory's writer lock; yields what the previous holder recorded.
    Waiting ends early, with `LockedError`, once `stop` is set (a daemon stopping)."""
    path = data_dir / LOCK_FILE
    try:
        private_dir(data_dir)
        handle = open(  # noqa: SIM115 (closed by the with below)
            path, "a+", encoding="utf-8", opener=private_opener
        )
    except OSError as exc:
        raise MonitorError(f"cannot open the writer lock {path}: {exc.strerror}") from None
    with handle:
        deadline = time.monotonic() + wait
        while not _try_lock(handle):
            if stop is not None and stop.is_set():
                raise LockedError(f"stopping: gave up waiting for the writer lock {path}")
            if time.monotonic() >= deadline:
                raise LockedError(_held_message(path, _holder(handle), wait))
            sleep(POLL)
        previous = _holder(handle)
        if previous and not _alive(previous):
            log.warning(
                "took over the lock %s left by pid %s (%s), which is no longer running",
                path,
                previous.get("pid"),
                previous.get("command"),
            )
        _record(handle, command)
        try:
            yield previous
        finally:
            handle.truncate(0)
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle: Any) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: Any) -> dict[str, Any]:
    handle.seek(0)
    try:
        found = json.loads(handle.read() or "{}")
    except json.JSONDecodeError:
        return {}  # a holder killed mid-write
    return found if isinstance(found, dict) else {}


def _record(handle: Any, command: str | None) -> None:
    handle.seek(0)
    handle.truncate(0)
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command or " ".join(["monitor", *sys.argv[1:]]),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        # Unbuffered: on a full disk the record is lost, not left to fail the close.
        os.write(handle.fileno(), json.dumps(holder).encode())
    except OSError as exc:  # only a courtesy to waiters; the flock is what excludes
        log.warning("cannot record the holder in %s: %s", handle.name, exc.strerror)


def _alive(holder: dict[str, Any]) -> bool:
    if holder.get("host") != socket.gethostname() or not isinstance(holder.get("pid"), int):
        return True  # can't tell for another host; the flock said it is free anyway
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def _held_message(path: Path, holder: dict[str, Any], wait: float) -> str:
    who = (
        f"pid {holder.get('pid')} on {holder.get('host')} ({holder.get('command')}, "
        f"since {holder.get('since')})"
        if holder
        else "another process"
    )
    waited = f" after waiting {wait:g} s" if wait else ""
    return (
        f"{path.parent} is in use by {who}{waited}; another monitor is writing there. "
        "Try again later, or pass --lock-wait SECONDS to wait longer."
    )


@contextmanager
def writing(
    config: Config,
    *,
    wait: float,
    command: str | None = None,
    stop: threading.Event | None = None,
) -> Iterator[Store]:
    """The config's store, opened under its data directory's writer lock."""
    with (
        writer_lock(config.data_dir, wait=wait, command=command, stop=stop),
        Store.open(config.database) as store,
    ):
        yield store
