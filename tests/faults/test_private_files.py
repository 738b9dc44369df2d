"""Under the usual umask (022) every file and directory monitor makes in its data
directory is its owner's alone: 0700 directories, 0600 files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from monitor.store import Store
from tests.faults.db_helpers import integrity_ok, serve, write_config

FILE_CHANNEL = '[notify.channels.mail]\nkind = "email"\nto = ["desk@example.org"]\n'
KIND = "files world-readable under the usual umask"


@pytest.mark.slow
@pytest.mark.fault(KIND)
def test_everything_in_the_data_dir_is_private_under_umask_022(tmp_path, httpserver: HTTPServer):
    serve(httpserver, edition=2021)
    data = tmp_path / "data"
    config = write_config(tmp_path, httpserver, data, FILE_CHANNEL)

    def monitor(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "monitor", "--config", str(config), *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=120, umask=0o022, check=False
        )

    assert monitor("run").returncode == 0
    serve(httpserver, edition=2023)  # moved scores: findings, a digest in the outbox
    assert monitor("run").returncode == 0
    assert monitor("backup", str(data / "backup.db")).returncode == 0
    assert monitor("export", "--out", str(data / "scores.csv")).returncode == 0
    found = {p.relative_to(data).as_posix(): p.lstat().st_mode for p in data.rglob("*")}
    assert any(name.endswith(".eml") for name in found), found  # the outbox file channel
    assert {"monitor.db", "monitor.ops.lock", "backup.db", "scores.csv"} <= set(found)
    loose = {
        name: oct(stat.S_IMODE(mode))
        for name, mode in found.items()
        if stat.S_IMODE(mode) != (0o700 if stat.S_ISDIR(mode) else 0o600)
    }
    assert loose == {}
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    integrity_ok(data / "monitor.db")
    integrity_ok(data / "backup.db")


@pytest.mark.fault(KIND)
def test_a_database_opened_in_process_keeps_its_wal_and_shm_private(tmp_path: Path):
    previous = os.umask(0o022)
    try:
        with Store.open(tmp_path / "data" / "monitor.db") as store:
            store.ensure_source(
                key="k", kind="ocindex_page", country_slug="x", edition=None, url="u"
            )
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "data").iterdir()}
    finally:
        os.umask(previous)
    assert modes == {"monitor.db": 0o600, "monitor.db-wal": 0o600, "monitor.db-shm": 0o600}
