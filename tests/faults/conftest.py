"""The fault suite's bench: healthy sources beside one faulty source, on loopback.

A `Bench` serves four demo countries' 2023 pages from one loopback site, runs a
healthy baseline cycle (so every source has a snapshot a fault could be falsely compared
with), then lets a test turn one source's path into a fault and run `monitor run` again,
in-process through the real CLI. `check_guarantees` asserts what every fault kind
promises (docs/faults.md).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli.main import cli
from monitor.models import Profile
from tests.helpers.configs import site_config
from tests.helpers.notifying import page
from tests.helpers.rawserver import Handler
from tests.helpers.site import Site, respond, site

HEALTHY = ("kyrgyzstan", "kazakhstan", "uzbekistan")
FAULTY = "tajikistan"
# One quick retry and short timeouts, so that each fault case takes seconds.
FETCH = {
    "max_retries": 1,
    "backoff_base": 0.01,
    "read_timeout": 1.0,
    "connect_timeout": 1.0,
    "max_bytes": 12_000_000,
}


def typographic(profile: Profile) -> Profile:
    """Non-ASCII text in the narrative, so that a wrong decoding would show as a change."""
    first, *rest = profile.sections
    said = "Officials in Dushanbe’s ministries — and café owners in Khujand — say so."
    return replace(profile, sections=(replace(first, paragraphs=(*first.paragraphs, said)), *rest))


def literal(body: bytes) -> bytes:
    """The renderer writes entities (`&rsquo;`); a real page sends the UTF-8 characters."""
    for entity, character in (("&rsquo;", "’"), ("&mdash;", "—"), ("&eacute;", "é")):
        body = body.replace(entity.encode(), character.encode())
    return body


FAULTY_PAGE = literal(page(FAULTY, 2023, typographic))


def key_of(country: str) -> str:
    return f"ocindex_page:{country}:current"


def path_of(country: str) -> str:
    return f"/country/{country}"


class Bench:
    """A config watching HEALTHY and FAULTY on one loopback site, and its database."""

    def __init__(
        self, folder: Path, served: Site, notify_toml: str = "", fetch: dict | None = None
    ) -> None:
        self.site = served
        self.config = site_config(
            folder,
            served.url,
            (*HEALTHY, FAULTY),
            fetch={**FETCH, **(fetch or {})},
            extra=notify_toml,
        )
        self.database = folder / "data" / "monitor.db"
        for country in HEALTHY:
            served.routes[path_of(country)] = respond(page(country, 2023))
        served.routes[path_of(FAULTY)] = respond(FAULTY_PAGE)
        self.cycle_began = ""

    def command(self, *args: str) -> Result:
        """`monitor --config FILE ARGS…`, in-process through the real CLI."""
        return CliRunner().invoke(cli, ["--config", str(self.config), *args])

    def run(self, *args: str) -> Result:
        """`monitor --config FILE run`, remembering when this cycle began."""
        self.cycle_began = datetime.now(UTC).isoformat()
        return self.command(*args, "run")

    def fault(self, handler: Handler) -> Result:
        """Serve FAULTY's page through `handler` and run one cycle."""
        self.site.routes[path_of(FAULTY)] = handler
        return self.run()

    def scores(self, snapshot_id: int) -> dict[str, float]:
        return dict(self.query("SELECT key, value FROM scores WHERE snapshot_id = ?", snapshot_id))

    def query(self, sql: str, *params: object) -> list[tuple]:
        db = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()


@pytest.fixture
def make_bench(tmp_path: Path) -> Iterator[Callable[..., Bench]]:
    """Benches (with the given [notify] TOML, and `fetch` settings added to [fetch]) whose
    healthy baseline cycle has run: every source has one snapshot."""
    with site() as served:

        def make(notify_toml: str = "", *, fetch: dict | None = None) -> Bench:
            ready = Bench(tmp_path, served, notify_toml, fetch)
            baseline = ready.run()
            assert baseline.exit_code == 0, baseline.output
            return ready

        yield make


@pytest.fixture
def bench(make_bench: Callable[[str], Bench]) -> Bench:
    return make_bench("")


def check_guarantees(bench: Bench, result: Result, outcome: str, words: tuple[str, ...]) -> None:
    """What a fault may never cost, and what it must say. `outcome` is what the faulty
    source came to: "failed", "incomplete" (stored, no scores taken on trust) or "stored"
    (the fault was overcome, e.g. by a retry).

    - the command ends with its exit code (1 when a source failed) and no traceback;
    - every healthy source was checked in the same cycle and stored;
    - no finding about content (score, rank, narrative…) appears: a fault is not news;
    - SQLite's own integrity check passes;
    - a failure is named in one line of the output with its reason (`words`); an
      incomplete capture's reason is in its row of the table.
    """
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == (1 if outcome == "failed" else 0), result.output
    for country in HEALTHY:
        rows = bench.query(
            "SELECT s.last_outcome, s.last_error, s.last_checked_at, n.status FROM sources s"
            " JOIN snapshots n ON n.id = s.current_snapshot_id WHERE s.key = ?",
            key_of(country),
        )
        assert rows, f"{country} has no current snapshot"
        ((last_outcome, error, checked_at, status),) = rows
        assert checked_at >= bench.cycle_began, f"{country} was not checked in the fault cycle"
        assert (last_outcome, error, status) == ("unchanged", None, "complete"), country
    findings = bench.query(
        "SELECT kind, key, message FROM findings WHERE kind != 'source_health' AND created_at >= ?",
        bench.cycle_began,
    )
    assert findings == [], f"a fault made findings: {findings}"
    assert bench.query("PRAGMA integrity_check") == [("ok",)]
    named = [line for line in result.stderr.splitlines() if key_of(FAULTY) in line]
    assert len(named) == (outcome == "failed"), f"failures named:\n{result.stderr}"
    ((last_outcome, status),) = bench.query(
        "SELECT s.last_outcome, n.status FROM sources s"
        " LEFT JOIN snapshots n ON n.id = s.current_snapshot_id WHERE s.key = ?",
        key_of(FAULTY),
    )
    if outcome == "failed":
        said = named[0]
        assert last_outcome in {"failed", "not_a_profile"}
    elif outcome == "incomplete":
        # The table wraps a long reason within its cell: read the cells' text as one.
        said = " ".join(re.sub("[│┃]", " ", result.stdout).split())
        assert status == "incomplete"
    else:
        said = ""
        # Other bytes (an encoding, a label) may make a new snapshot, never other figures.
        assert last_outcome in {"unchanged", "not_modified", "new_snapshot"}
        assert status == "complete"
        first, current = bench.query(
            "SELECT min(n.id), s.current_snapshot_id FROM sources s"
            " JOIN snapshots n ON n.source_id = s.id WHERE s.key = ?",
            key_of(FAULTY),
        )[0]
        assert bench.scores(current) == bench.scores(first)
    for word in words:
        assert word.lower() in said.lower(), (word, said)
