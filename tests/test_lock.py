"""The data directory's writer lock: one writer, a clear refusal, stale locks taken over."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.errors import LockedError
from monitor.ops.lock import LOCK_FILE, writer_lock

HOLD = """
import sys, time
from pathlib import Path
from monitor.ops.lock import writer_lock
with writer_lock(Path(sys.argv[1]), command="test holder"):
    print("held", flush=True)
    time.sleep(60)
"""

# Each test starts processes of its own (a monitor, a lock holder, Datasette).
pytestmark = pytest.mark.slow


def hold(data_dir: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data_dir)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    holder = hold(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(LockedError) as refused, writer_lock(tmp_path, wait=0.5):
            pass
        assert time.monotonic() - started >= 0.5  # it waited as long as allowed
        assert f"pid {holder.pid}" in str(refused.value) and "test holder" in str(refused.value)
        assert refused.value.exit_code == 3
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holders_lock_is_taken_over_at_once(tmp_path, caplog):
    holder = hold(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    recorded = json.loads((tmp_path / LOCK_FILE).read_text())
    assert recorded["pid"] == holder.pid  # the dead holder's note is still there
    with (
        caplog.at_level(logging.WARNING, logger="monitor.ops.lock"),
        writer_lock(tmp_path) as previous,
    ):
        assert previous["pid"] == holder.pid
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert f"left by pid {holder.pid}" in caplog.text
    assert (tmp_path / LOCK_FILE).read_text() == ""  # released cleanly: nothing stale


def test_a_waiting_writer_gets_the_lock_when_it_is_released(tmp_path):
    holder = hold(tmp_path)
    try:
        subprocess.Popen(["sh", "-c", f"sleep 0.5; kill {holder.pid}"])
        with writer_lock(tmp_path, wait=10) as previous:
            assert previous["pid"] == holder.pid
    finally:
        holder.wait()


def test_a_lock_that_cannot_be_opened_is_a_clear_error(tmp_path):
    """A data directory that is a file (or a lock file another user owns): one line."""
    from monitor.errors import MonitorError

    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file where the data directory should be")
    with pytest.raises(MonitorError, match="cannot open the writer lock"), writer_lock(not_a_dir):
        pass
