"""Faults of the process and its database: two writers at once, a database that is not
ours or is newer than us. (SIGKILL mid-cycle and the daemon beside a cron run are shown
by tests/test_crash.py and tests/test_daemon.py, which carry their fault markers.)"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.conftest import FAULTY, FAULTY_PAGE, HEALTHY, Bench, key_of, path_of
from tests.helpers.rawserver import Handler
from tests.helpers.site import respond

ROOT = Path(__file__).resolve().parents[2]


def gated(handler: Handler, gate: threading.Event) -> Handler:
    """`handler` once `gate` opens: the run fetching it holds the writer lock till then."""

    def wait_then_answer(conn: socket.socket, stop: threading.Event) -> None:
        gate.wait(30)
        handler(conn, stop)

    return wait_then_answer


def start_run(bench: Bench, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    out = (bench.config.parent / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(bench.config), "run"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.fault("two runs at once")
def test_two_runs_at_once_take_turns_and_store_each_page_once(bench: Bench):
    gate = threading.Event()
    bench.site.routes[path_of(FAULTY)] = gated(respond(FAULTY_PAGE), gate)
    first = start_run(bench, "first")
    second = None
    try:
        wait_for(lambda: bench.site.hits.get(path_of(FAULTY), 0) >= 2, "the first run mid-cycle")
        refused = bench.run("--lock-wait", "0")  # a third, impatient run: refused at once
        assert refused.exit_code == 3, refused.output
        (line,) = refused.stderr.splitlines()
        assert "in use by pid" in line and str(first.pid) in line
        assert "Traceback" not in refused.output
        second = start_run(bench, "second")  # a patient one: waits for its turn
        gate.set()
        assert first.wait(30) == 0, (bench.config.parent / "first.log").read_text()
        assert second.wait(30) == 0, (bench.config.parent / "second.log").read_text()
    finally:
        gate.set()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert bench.query("PRAGMA integrity_check") == [("ok",)]
    # Baseline, first and second run: three checks of each source, one snapshot each.
    per_source = bench.query(
        "SELECT s.key, count(DISTINCT n.id), s.last_outcome FROM sources s"
        " JOIN snapshots n ON n.source_id = s.id GROUP BY s.key"
    )
    assert sorted(per_source) == sorted((key_of(c), 1, "unchanged") for c in (*HEALTHY, FAULTY))
    attempts = bench.query("SELECT count(*) FROM fetch_attempts")
    assert attempts == [(3 * (len(HEALTHY) + 1),)]


def database_state(bench: Bench) -> list[tuple]:
    return bench.query("SELECT type, name, sql FROM sqlite_master ORDER BY name")


def refused_without_a_trace(bench: Bench, *words: str) -> None:
    """`monitor run` refuses the database in one line, fetches nothing, changes nothing."""
    before, hits = database_state(bench), dict(bench.site.hits)
    result = bench.run()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    (line,) = result.stderr.splitlines()
    for word in (str(bench.database), *words):
        assert word in line, (word, line)
    assert bench.site.hits == hits, "no source was fetched"
    assert database_state(bench) == before
    assert bench.query("PRAGMA integrity_check") == [("ok",)]


@pytest.mark.fault("a newer-schema database (migrations ahead of ours)")
def test_a_database_from_a_newer_monitor_is_refused_untouched(bench: Bench):
    with sqlite3.connect(bench.database) as db:
        db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('profile-monitor', 'm099_from_the_future', '2030-01-01')"
        )
    db.close()
    snapshots = bench.query("SELECT count(*) FROM snapshots")
    refused_without_a_trace(bench, "newer", "m099_from_the_future", "upgrade")
    assert bench.query("SELECT count(*) FROM snapshots") == snapshots


@pytest.mark.fault("a foreign SQLite database (another app's tables)")
def test_another_applications_database_is_refused_untouched(bench: Bench):
    bench.database.parent.mkdir(parents=True, exist_ok=True)
    for leftover in bench.database.parent.glob("monitor.db*"):
        leftover.unlink()
    with sqlite3.connect(bench.database) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer TEXT, total REAL)")
        db.execute("INSERT INTO invoices VALUES (1, 'ACME', 99.5)")
    db.close()
    before = bench.database.read_bytes()
    refused_without_a_trace(bench, "not a profile-monitor database", "invoices")
    assert bench.query("SELECT * FROM invoices") == [(1, "ACME", 99.5)]
    assert bench.database.read_bytes() == before  # not even switched to WAL mode
    assert [p.name for p in bench.database.parent.glob("monitor.db*")] == ["monitor.db"]
