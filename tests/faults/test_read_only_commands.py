"""Commands that only read never take the writer lock and never write: they run while
another process holds the data directory (a daemon mid-cycle, a cron run)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.faults.db_helpers import integrity_ok, monitor, one_line_error, serve, write_config

# Each test runs the real command in its own processes.
pytestmark = [pytest.mark.slow, pytest.mark.fault("a read command beside a writer")]

HOLD = """
import sys
from pathlib import Path
from monitor.ops.lock import writer_lock
with writer_lock(Path(sys.argv[1]), command="a test holding the lock"):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""

READ_COMMANDS = (
    ("sources",),
    ("sources", "--json"),
    ("status",),
    ("history", "kyrgyzstan"),
    ("show", "kazakhstan"),
    ("movers", "--from", "2021", "--to", "2023"),
    ("export",),
    ("export", "--format", "json"),
    ("diff", "tajikistan"),
    ("outbox",),
    ("digest",),
)


def fingerprint(data: Path) -> dict[str, str]:
    """The database and its write-ahead log, as bytes: what a write would change (an
    empty log, which SQLite makes and removes as readers come and go, holds nothing)."""
    files = [data / "monitor.db", data / "monitor.db-wal"]
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if p.exists() and p.stat().st_size
    }


def test_read_commands_run_while_another_process_holds_the_lock(tmp_path, httpserver: HTTPServer):
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    for edition in (2021, 2023):
        serve(httpserver, edition)
        assert monitor(config, "run").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        writer = monitor(config, "--lock-wait", "0", "run")
        assert writer.returncode == 3  # the lock is real
        one_line_error(writer, "in use by")
        before = fingerprint(data)
        for command in READ_COMMANDS:
            result = monitor(config, "--lock-wait", "0", *command)
            assert result.returncode == 0, (command, result.stderr)
            assert "Traceback" not in result.stderr and "in use" not in result.stderr, command
            assert result.stdout.strip(), command
        backup = monitor(config, "--lock-wait", "0", "backup", str(tmp_path / "copy.db"))
        assert backup.returncode == 0, backup.stderr
        assert fingerprint(data) == before  # not one byte written
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    integrity_ok(data / "monitor.db")
    integrity_ok(tmp_path / "copy.db")


def test_sources_lists_the_watch_list_before_any_run_without_creating_a_database(
    tmp_path, httpserver: HTTPServer
):
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    result = monitor(config, "sources", "--json")
    assert result.returncode == 0, result.stderr
    assert "ocindex_page:kyrgyzstan:current" in result.stdout
    assert not (data / "monitor.db").exists()
