"""A damaged, foreign or locked database, a full disk and a read-only data directory:
each is one line naming the file and the remedy, never a traceback, and the cycle keeps
what it can."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.faults.db_helpers import (
    COUNTRIES,
    fill,
    integrity_ok,
    monitor,
    one_line_error,
    serve,
    small_filesystem,
    stored_countries,
    wait_for,
    write_config,
)

PAGE = 4096
# Each test runs the real command in its own processes.
pytestmark = pytest.mark.slow


def overwrite_pages(database: Path, first_page: int, count: int | None = None) -> None:
    """Garbage over `count` pages from `first_page` (1-based; default: every page to the
    end), as a bad disk leaves it."""
    size = database.stat().st_size
    with database.open("r+b") as stream:
        stream.seek((first_page - 1) * PAGE)
        stream.write(b"\xa5" * (size - (first_page - 1) * PAGE if count is None else count * PAGE))


@pytest.mark.fault("a damaged database")
def test_a_damaged_database_is_one_line_for_every_command(tmp_path, httpserver: HTTPServer):
    serve(httpserver)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    assert monitor(config, "run").returncode == 0
    database = data / "monitor.db"
    assert not database.with_name("monitor.db-wal").exists()  # checkpointed on close
    overwrite_pages(database, 2)
    for command in (["run"], ["history", "kyrgyzstan"], ["export"], ["status"], ["sources"]):
        result = monitor(config, *command)
        assert result.returncode == 1, (command, result.stderr)
        one_line_error(result, str(database), "damaged", "monitor backup")


@pytest.mark.fault("a damaged database")
def test_status_finds_damage_the_open_does_not_see(tmp_path, httpserver: HTTPServer):
    serve(httpserver)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    assert monitor(config, "run").returncode == 0
    assert monitor(config, "status").returncode == 0
    database = data / "monitor.db"
    # A page of a document's body, not the schema nor what `status` reads (the last
    # pages were the documents' until smaller profiles moved the snapshots' there).
    db = sqlite3.connect(database)
    sql = "SELECT max(pageno) FROM dbstat WHERE name = 'raw_documents' AND pagetype = 'overflow'"
    page = db.execute(sql).fetchone()[0]
    db.close()
    overwrite_pages(database, page, 1)
    result = monitor(config, "status")
    assert result.returncode == 1
    one_line_error(result, str(database), "quick_check", "monitor backup")


@pytest.mark.fault("a file that is not a database")
def test_a_file_that_is_not_a_database_is_one_line_and_left_as_it_is(
    tmp_path, httpserver: HTTPServer
):
    serve(httpserver)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    data.mkdir()
    zip_archive = b"PK\x03\x04 a zip archive, not a database" * 200
    (data / "monitor.db").write_bytes(zip_archive)
    for command in ("status", "run"):
        result = monitor(config, command)
        assert result.returncode == 1
        one_line_error(result, str(data / "monitor.db"), "is not a database", "--data-dir")
    assert (data / "monitor.db").read_bytes() == zip_archive
    assert len(httpserver.log) == 0  # nothing fetched for a database that cannot be used


@pytest.mark.fault("a newer-schema database (migrations ahead of ours)")
def test_a_newer_database_is_one_line_for_run_and_status(tmp_path, httpserver: HTTPServer):
    serve(httpserver)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    assert monitor(config, "run").returncode == 0
    with sqlite3.connect(data / "monitor.db") as db:
        db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('profile-monitor', 'm999_from_the_future', '2030-01-01')"
        )
    db.close()
    for command in ("run", "status"):
        result = monitor(config, command)
        assert result.returncode == 1
        one_line_error(result, "newer", "upgrade profile-monitor")
    integrity_ok(data / "monitor.db")


@pytest.mark.fault("a damaged database")
def test_the_daemon_reports_a_damaged_database_in_one_line(tmp_path, httpserver: HTTPServer):
    serve(httpserver)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    assert monitor(config, "run").returncode == 0
    overwrite_pages(data / "monitor.db", 2)
    log = tmp_path / "daemon.log"
    command = [sys.executable, "-m", "monitor", "--config", str(config), "--log-format", "json"]
    with log.open("w") as stream:
        daemon = subprocess.Popen([*command, "daemon"], stderr=stream)
    try:
        wait_for(lambda: "check failed" in log.read_text(), 30, "the failed check")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    text = log.read_text()
    assert "Traceback" not in text and "Job raised" not in text
    failed = [json.loads(line) for line in text.splitlines() if "check failed" in line]
    assert len(failed) == 1 and "damaged" in failed[0]["message"]
    assert "monitor backup" in failed[0]["message"]


@pytest.mark.fault("a database locked by another program past the wait")
def test_a_database_locked_past_the_wait_fails_the_cycle_and_status_says_why(
    tmp_path, httpserver: HTTPServer
):
    serve(httpserver)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data)
    assert monitor(config, "run").returncode == 0
    serve(httpserver, edition=2021)  # new content: the next cycle must write
    # Another program (a sqlite3 shell, say) holds the database's write lock.
    holder = sqlite3.connect(data / "monitor.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = monitor(config, "--lock-wait", "0", "run")
        assert result.returncode == 1
        one_line_error(result, str(data / "monitor.db"), "locked", "stop the other program")
        status = monitor(config, "status")  # a reader runs beside the lock
        assert status.returncode == 1, status.stdout
        assert "the last cycle" in status.stdout and "locked" in status.stdout
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert monitor(config, "run").returncode == 0  # the next run recovers
    after = monitor(config, "status")
    assert after.returncode == 0 and "All well." in after.stdout
    integrity_ok(data / "monitor.db")


@pytest.mark.fault("disk full")
def test_a_full_disk_fails_each_source_clearly_and_the_next_run_recovers(
    tmp_path, httpserver: HTTPServer
):
    serve(httpserver)
    with small_filesystem(tmp_path / "small", "2m") as mount:
        data = mount / "data"
        config = write_config(tmp_path, httpserver, data)
        assert monitor(config, "run").returncode == 0
        serve(httpserver, edition=2021)  # new pages: each needs room to be stored
        filler = fill(mount)
        opening = monitor(config, "run")  # not even room to open: one line, nothing lost
        assert opening.returncode == 1
        one_line_error(opening, str(data / "monitor.db"), "the disk is full", "free space")
        os.truncate(filler, filler.stat().st_size - 96 * 1024)  # room to open, not to store
        result = monitor(config, "run", "--json")
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stdout, result.stderr
        outcome = json.loads(result.stdout)
        details = {r["key"]: r["detail"] for r in outcome["results"]}
        assert len(details) == len(COUNTRIES)  # every source was tried, none skipped
        full = [d for d in details.values() if "the disk is full" in d and "free space" in d]
        assert full, details
        filler.unlink()
        again = monitor(config, "run")
        assert again.returncode == 0, again.stderr
        integrity_ok(data / "monitor.db")
        assert stored_countries(data / "monitor.db") == set(COUNTRIES)
        with sqlite3.connect(data / "monitor.db") as db:
            editions = db.execute(
                "SELECT s.edition FROM sources JOIN snapshots s ON s.id = current_snapshot_id"
            ).fetchall()
        db.close()
        assert sorted(e for (e,) in editions) == [2021] * len(COUNTRIES)


@pytest.mark.fault("a read-only data directory")
def test_a_read_only_data_directory_is_one_line(tmp_path, httpserver: HTTPServer):
    serve(httpserver)
    with small_filesystem(tmp_path / "ro", "2m") as mount:
        data = mount / "data"
        config = write_config(tmp_path, httpserver, data)
        assert monitor(config, "run").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        result = monitor(config, "run")
        assert result.returncode == 1
        one_line_error(result, str(data), "Read-only file system")
        for command in (["status"], ["history", "kyrgyzstan"], ["export"]):
            read = monitor(config, *command)
            assert read.returncode == 0, (command, read.stderr)
            assert "Traceback" not in read.stderr
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        integrity_ok(data / "monitor.db")
        assert stored_countries(data / "monitor.db") == set(COUNTRIES)
