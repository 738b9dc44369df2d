"""The fault suite's bench: healthy sources beside one faulty source, on loopback.

A `Bench` serves the five demo countries' 2023 pages from one loopback site, runs a
healthy baseline cycle (so every source has a snapshot a fault could be falsely compared
with), then lets a test turn one source's path into a fault and run `monitor run` again,
in-process through the real CLI. `check_guarantees` asserts what every fault kind
promises (docs/faults.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli.main import cli
from tests.helpers.site import Site, respond, site
from tests.notifying import page
from tests.rawserver import Handler

HEALTHY = ("kyrgyzstan", "kazakhstan", "uzbekistan")
FAULTY = "tajikistan"
# Read while healthy sources run beside it: a fault must cost this source only.
FETCH = """
[fetch]
max_retries = 1
backoff_base = 0.01
read_timeout = 1.0
connect_timeout = 1.0
max_bytes = 12_000_000
respect_robots = false  # our own loopback site
per_host_interval = 0
"""


def key_of(country: str) -> str:
    return f"ocindex_page:{country}:current"


def path_of(country: str) -> str:
    return f"/country/{country}"


class Bench:
    """A config watching HEALTHY and FAULTY on one loopback site, and its database."""

    def __init__(self, folder: Path, served: Site, notify_toml: str = "") -> None:
        self.site = served
        self.config = folder / "config.toml"
        countries = ", ".join(f'"{c}"' for c in (*HEALTHY, FAULTY))
        self.config.write_text(
            f'data_dir = "data"\n{FETCH}\n[kinds.ocindex_page]\nbase_url = "{served.url}"\n'
            f"[[watch]]\ncountries = [{countries}]\n{notify_toml}",
            encoding="utf-8",
        )
        self.database = folder / "data" / "monitor.db"
        for country in (*HEALTHY, FAULTY):
            served.routes[path_of(country)] = respond(page(country, 2023))
        self.cycle_began = ""

    def run(self, *args: str) -> Result:
        """`monitor --config FILE run`, remembering when this cycle began."""
        self.cycle_began = datetime.now(UTC).isoformat()
        return CliRunner().invoke(cli, ["--config", str(self.config), *args, "run"])

    def fault(self, handler: Handler) -> Result:
        """Serve FAULTY's page through `handler` and run one cycle."""
        self.site.routes[path_of(FAULTY)] = handler
        return self.run()

    def query(self, sql: str, *params: object) -> list[tuple]:
        db = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    """A bench whose healthy baseline cycle has run: every source has one snapshot."""
    with site() as served:
        ready = Bench(tmp_path, served)
        baseline = ready.run()
        assert baseline.exit_code == 0, baseline.output
        yield ready


def check_guarantees(bench: Bench, result: Result, *, fails: bool, words: tuple[str, ...]) -> None:
    """What a fault may never cost, and what it must say.

    - the command ends with its own exit code (1 when the faulty source failed) and no
      traceback;
    - every healthy source was checked in the same cycle and stored;
    - no finding about content (score, rank, narrative…) appears: a fault is not news;
    - SQLite's own integrity check passes;
    - when the source failed, one line of the output names it and says why (`words`).
    """
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == (1 if fails else 0), result.output
    for country in HEALTHY:
        rows = bench.query(
            "SELECT s.last_outcome, s.last_error, s.last_checked_at, n.status FROM sources s"
            " JOIN snapshots n ON n.id = s.current_snapshot_id WHERE s.key = ?",
            key_of(country),
        )
        assert rows, f"{country} has no current snapshot"
        ((outcome, error, checked_at, status),) = rows
        assert checked_at >= bench.cycle_began, f"{country} was not checked in the fault cycle"
        assert (outcome, error, status) == ("unchanged", None, "complete"), country
    findings = bench.query("SELECT kind, key, message FROM findings WHERE kind != 'source_health'")
    assert findings == [], f"a fault made findings: {findings}"
    assert bench.query("PRAGMA integrity_check") == [("ok",)]
    named = [line for line in result.stderr.splitlines() if key_of(FAULTY) in line]
    if not fails:
        assert named == [], result.output
        return
    assert len(named) == 1, f"the fault is not named in one line:\n{result.stderr}"
    for word in words:
        assert word.lower() in named[0].lower(), (word, named[0])
