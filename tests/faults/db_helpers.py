"""What the database, file and status fault tests share: a monitor over a loopback site,
run as the real command in its own process, and the checks every fault case makes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers.configs import site_config
from tests.helpers.notifying import page

COUNTRIES = ("kyrgyzstan", "kazakhstan", "tajikistan")


def serve(httpserver: HTTPServer, edition: int = 2023) -> None:
    """Each watched country's page, as the publisher serves it."""
    httpserver.clear()
    for slug in COUNTRIES:
        httpserver.expect_request(f"/country/{slug}").respond_with_data(
            page(slug, edition), content_type="text/html"
        )


def write_config(tmp_path: Path, httpserver: HTTPServer, data_dir: Path, extra: str = "") -> Path:
    return site_config(
        tmp_path,
        httpserver.url_for("/"),
        COUNTRIES,
        data_dir=data_dir,
        tables={"schedule": {"check": "every 30m", "jitter": 0}},
        extra=extra,
    )


def monitor(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`monitor --config CONFIG ARGS…` in its own process, as cron or a person runs it."""
    command = [sys.executable, "-m", "monitor", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The single `Error:` line on stderr, holding `words`; never a traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def integrity_ok(database: Path) -> None:
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()


def stored_countries(database: Path) -> set[str]:
    """The countries with a snapshot."""
    with sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT DISTINCT country_slug FROM snapshots").fetchall()
    db.close()
    return {r[0] for r in rows}


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def small_filesystem(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` for the test, unmounted after it."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        message = f"cannot mount a small file system here: {mounted.stderr.strip()}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)  # CI runs as root on a machine that allows it
        pytest.skip(message)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(directory: Path) -> Path:
    """Write a file until the file system is full; the file, to shrink or remove to free
    space."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, bytes(4096)):
            pass
    except OSError:
        pass  # ENOSPC: full
    finally:
        os.close(fd)
    return filler
