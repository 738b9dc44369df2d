"""`monitor daemon` as a real process: cycles on a seconds-scale schedule, findings,
a clean stop on SIGTERM, and a cron `monitor run` taking turns with it."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.models import Profile, Score
from monitor.ops.settings import load_config
from tests.helpers.configs import site_config
from tests.helpers.notifying import page

# Each test starts processes of its own (a monitor, a lock holder, Datasette).
pytestmark = pytest.mark.slow

CHECK = "every 1s"


class Site:
    """Kyrgyzstan's page, swappable while the daemon runs; optionally slow."""

    def __init__(self, body: bytes, delay: float = 0.0) -> None:
        self.body, self.delay = body, delay
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        time.sleep(self.delay)
        with self.lock:
            return Response(self.body, content_type="text/html; charset=utf-8")


def write_config(tmp_path: Path, httpserver: HTTPServer) -> Path:
    return site_config(
        tmp_path,
        httpserver.url_for("/"),
        fetch={"per_host_interval": 1.0},
        tables={"schedule": {"check": CHECK, "jitter": 0}},
    )


def start_daemon(config: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "monitor", "--config", str(config), "--log-format", "json"]
    return subprocess.Popen([*command, "daemon"], stderr=log.open("w"))


def log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def cycles(log: Path) -> list[dict]:
    return [e for e in log_lines(log) if e["message"].startswith("cycle:")]


def test_the_daemon_cycles_finds_a_change_and_stops_cleanly_on_sigterm(
    tmp_path, httpserver: HTTPServer
):
    site = Site(page("kyrgyzstan", 2023))
    httpserver.expect_request("/country/kyrgyzstan").respond_with_handler(site)
    config_path = write_config(tmp_path, httpserver)
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config_path, log)
    try:
        wait_for(lambda: len(cycles(log)) >= 2, 30, "two cycles")
        first, second = cycles(log)[:2]
        assert (first["new"], second["unchanged"]) == (1, 1)
        with site.lock:  # the publisher moves two indicators by 1.5
            site.body = page("kyrgyzstan", 2023, edit=shift_markets(1.5))
        wait_for(lambda: any(c["findings"] for c in cycles(log)), 30, "a finding")
        moved = next(c for c in cycles(log) if c["findings"])
        assert moved["new"] == 1 and moved["delivered"] == 1  # its digest went out
        copy = tmp_path / "backup.db"  # a backup while the daemon keeps cycling
        command = [sys.executable, "-m", "monitor", "--config", str(config_path), "backup"]
        subprocess.run([*command, str(copy)], check=True, capture_output=True)
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("SELECT count(*) FROM snapshots").fetchone() == (2,)
    finally:
        daemon.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        code = daemon.wait(timeout=10)
    assert time.monotonic() - stopped < 5 and code == 0
    assert log_lines(log)[-1]["message"] == "daemon stopped"
    database = load_config(config_path).database
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kinds = {r[0] for r in db.execute("SELECT key FROM findings WHERE kind = 'score'")}
    assert {"human_trafficking", "human_smuggling"} <= kinds
    assert len(list((database.parent / "outbox").glob("*.eml"))) == 1


@pytest.mark.fault("daemon plus run")
def test_a_cron_run_during_a_daemon_cycle_waits_or_exits_cleanly(tmp_path, httpserver):
    site = Site(page("kyrgyzstan", 2023), delay=3.0)  # a slow server: a long cycle
    httpserver.expect_request("/country/kyrgyzstan").respond_with_handler(site)
    config_path = write_config(tmp_path, httpserver)
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config_path, log)
    lock = load_config(config_path).data_dir / "monitor.ops.lock"
    run = [sys.executable, "-m", "monitor", "--config", str(config_path)]
    try:
        wait_for(lambda: lock.exists() and "daemon" in lock.read_text(), 30, "a daemon cycle")
        refused = subprocess.run([*run, "--lock-wait", "0", "run"], capture_output=True, text=True)
        assert refused.returncode == 3, refused.stderr
        assert "in use by pid" in refused.stderr and "monitor daemon" in refused.stderr
        assert "Traceback" not in refused.stderr
        waited = subprocess.run([*run, "--lock-wait", "60", "run"], capture_output=True, text=True)
        assert waited.returncode == 0, waited.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=15)
    with sqlite3.connect(load_config(config_path).database) as db:
        # One content, however many checks: one snapshot, one raw document.
        assert db.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM raw_documents").fetchone() == (1,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def shift_markets(amount: float):
    """Two markets moved in opposite directions: the pillar mean (and validation) holds."""

    def edit(profile: Profile) -> Profile:
        moved = {"human_trafficking": amount, "human_smuggling": -amount}
        indicators = tuple(
            replace(i, score=Score(round(i.score.value + moved[i.key], 2), i.score.change))
            if i.key in moved
            else i
            for i in profile.indicators
        )
        return replace(profile, indicators=indicators)

    return edit


def stop_and_time(daemon: subprocess.Popen) -> float:
    daemon.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert daemon.wait(timeout=30) == 0
    return time.monotonic() - stopped


def test_sigterm_while_waiting_for_the_writer_lock_stops_at_once(tmp_path, httpserver):
    from monitor.ops.lock import writer_lock

    httpserver.expect_request("/country/kyrgyzstan").respond_with_handler(
        Site(page("kyrgyzstan", 2023))
    )
    config_path = write_config(tmp_path, httpserver)
    log = tmp_path / "daemon.log"
    data_dir = load_config(config_path).data_dir
    with writer_lock(data_dir, command="a long cron run"):  # held by this test
        command = [sys.executable, "-m", "monitor", "--config", str(config_path)]
        daemon = subprocess.Popen([*command, "--lock-wait", "120", "daemon"], stderr=log.open("w"))
        wait_for(lambda: "daemon started" in log.read_text(), 30, "the daemon to start")
        time.sleep(0.5)  # its first check is waiting for the lock now
        assert stop_and_time(daemon) < 5
    assert "gave up waiting for the writer lock" in log.read_text()


def test_sigterm_mid_cycle_starts_no_more_requests_and_waits_no_crawl_delay(tmp_path, httpserver):
    """Three sources on one host with a 5 s Crawl-delay: stopping after the first page
    must neither wait out the delays nor count the unchecked sources as failures."""
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nCrawl-delay: 5\n", content_type="text/plain"
    )
    countries = ("kyrgyzstan", "kazakhstan", "tajikistan")
    for slug in countries:
        httpserver.expect_request(f"/country/{slug}").respond_with_handler(Site(page(slug, 2023)))
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'data_dir = "data"\n[fetch]\nmax_retries = 0\n[kinds.ocindex_page]\n'
        f'base_url = "{httpserver.url_for("/").rstrip("/")}"\n[schedule]\ncheck = "every 1h"\n'
        f"jitter = 0\n[[watch]]\ncountries = {list(countries)}\n".replace("'", '"'),
        encoding="utf-8",
    )
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config_path, log)

    def pages_requested() -> int:
        return sum(r.path.startswith("/country/") for r, _ in httpserver.log)

    wait_for(lambda: pages_requested() >= 1, 30, "the first page request")
    assert stop_and_time(daemon) < 5
    assert pages_requested() < len(countries)
    with sqlite3.connect(load_config(config_path).database) as db:
        failures = db.execute("SELECT sum(consecutive_failures) FROM sources").fetchone()[0]
    assert failures == 0  # not checked is not failed
