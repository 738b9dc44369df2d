"""A `monitor run` killed with SIGKILL mid-cycle leaves a sound database, and resumes.

The real command runs in a subprocess against forty slow loopback pages. The test polls
the SQLite file (WAL lets a reader in while the writer works) and kills the process once
some snapshots exist but not all. The database must then pass SQLite's own checks and hold
no partial capture: every snapshot has its raw document, all of its scores, ranks and
sections, and is its source's current snapshot; no raw document is left without one. A
second kill lands in a run that re-checks sources already stored, and a final run
completes the cycle without duplicating any snapshot.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.identity import countries
from monitor.store.records import unpack_json
from tests.helpers.configs import site_config

# Each test starts processes of its own (a monitor, a lock holder, Datasette).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PAGE = (Path(__file__).parent / "fixtures" / "ocindex-page-2023-cote-divoire.html").read_bytes()
# Forty countries of the index (config refuses others), each served the fixture page
# renamed to be its own.
NAMES = {c.key: c.name for c in countries() if c.key != "cote_divoire"}
SLUGS = list(NAMES)[:40]
DELAY = 0.08  # seconds per request: with two fetch threads a cycle takes ~2 s
CONCURRENCY = 2
KILL_AFTER = (4, 12)  # kill each interrupted run once it has added this many snapshots
START_TIMEOUT = 20.0  # seconds for a run to reach its kill point
RUN_TIMEOUT = 30.0  # seconds for the final, uninterrupted run


def page_for(slug: str) -> bytes:
    """The fixture page, made distinct per source so each stores its own raw document."""
    own = PAGE.replace(b"C&ocirc;te d&rsquo;Ivoire", NAMES[slug].encode())
    return own + f"\n<!-- {slug} -->\n".encode()


@pytest.fixture
def slow_site() -> Iterator[str]:
    """Forty country pages on loopback, each answered after a short delay."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()

    def answer(body: bytes):
        def handle(request: Request) -> Response:
            time.sleep(DELAY)
            return Response(body, content_type="text/html; charset=utf-8")

        return handle

    for slug in SLUGS:
        server.expect_request(f"/2023/country/{slug}").respond_with_handler(answer(page_for(slug)))
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def config_file(tmp_path: Path, slow_site: str) -> Path:
    return site_config(
        tmp_path,
        slow_site,
        SLUGS,
        editions=[2023],
        fetch={"concurrency": CONCURRENCY, "connect_timeout": 5.0, "read_timeout": 5.0},
    )


class Run:
    """`python -m monitor --config FILE run` in a subprocess, output kept in files."""

    def __init__(self, config: Path, name: str) -> None:
        self.out = config.parent / f"{name}.stdout"
        self.err = config.parent / f"{name}.stderr"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.pop("CI", None)
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(config), "run"],
                cwd=config.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    def output(self) -> str:
        return (
            f"exit code {self.process.returncode}\n"
            f"--- stdout ---\n{self.out.read_text(errors='replace')[-3000:]}\n"
            f"--- stderr ---\n{self.err.read_text(errors='replace')[-3000:]}"
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def snapshot_count(database: Path) -> int | None:
    """Snapshots committed so far, read without writing; None before the schema exists."""
    if not database.exists():
        return None
    try:
        reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.OperationalError:
        return None
    try:
        return reader.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy while the schema is made
        return None
    finally:
        reader.close()


def kill_mid_cycle(config: Path, database: Path, at_least: int, name: str) -> None:
    """Start a run and SIGKILL it once `at_least` snapshots are committed."""
    run = Run(config, name)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            count = snapshot_count(database)
            if count is not None and count >= at_least:
                break
            if run.process.poll() is not None:
                pytest.fail(
                    f"{name}: the run ended before it could be killed "
                    f"({count} snapshots):\n{run.output()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{name}: {count} snapshots after {START_TIMEOUT:.0f} s, waiting for "
                    f"{at_least}:\n{run.output()}"
                )
            time.sleep(0.01)
        run.kill()
        assert run.process.returncode == -signal.SIGKILL, (
            f"{name}: the run finished on its own instead of being killed:\n{run.output()}"
        )
    finally:
        run.kill()


def check_sound(database: Path) -> int:
    """SQLite's checks pass and no capture is partial; returns the number of snapshots."""
    db = sqlite3.connect(database)
    db.row_factory = sqlite3.Row
    try:
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
        assert integrity == ["ok"], f"integrity_check: {integrity}"
        broken_keys = [tuple(r) for r in db.execute("PRAGMA foreign_key_check")]
        assert broken_keys == [], f"foreign_key_check: {broken_keys}"

        sources = {r["id"]: r for r in db.execute("SELECT * FROM sources")}
        assert len(sources) == len(SLUGS), "every source is registered before any fetch"
        snapshots = list(db.execute("SELECT * FROM snapshots ORDER BY id"))
        raw = {r["sha256"]: r for r in db.execute("SELECT * FROM raw_documents")}

        per_source: dict[int, list[int]] = {}
        for snap in snapshots:
            sid = snap["id"]
            per_source.setdefault(snap["source_id"], []).append(sid)
            document = raw.get(snap["raw_sha256"])
            assert document is not None, f"snapshot {sid} has no raw document"
            body = unpacked(raw, document["sha256"])
            assert hashlib.sha256(body).hexdigest() == document["sha256"], (
                f"raw document of snapshot {sid} does not match its digest"
            )
            slug = sources[snap["source_id"]]["country_slug"]
            assert body == page_for(slug), f"snapshot {sid} stores another page than {slug}'s"
            assert sources[snap["source_id"]]["current_snapshot_id"] == sid, (
                f"snapshot {sid} committed without its source pointing at it"
            )
            assert snap["status"] == "complete", f"snapshot {sid}: {snap['reasons']}"

            children = {
                table: db.execute(
                    f"SELECT count(*) FROM {table} WHERE snapshot_id = ?", [sid]
                ).fetchone()[0]
                for table in ("scores", "ranks", "sections")
            }
            if snap["profile"] is None:
                assert children == {"scores": 0, "ranks": 0, "sections": 0}, (
                    f"snapshot {sid} has no profile but has rows {children}"
                )
                continue
            profile = unpack_json(snap["profile"])
            expected = {
                "scores": len(profile["composites"]) + len(profile["indicators"]),
                "ranks": len(profile["ranks"]),
                "sections": len(profile["sections"]),
            }
            assert expected["scores"] > 0, f"snapshot {sid}: the fixture's profile lost its scores"
            assert children == expected, f"snapshot {sid} is partial: {children} != {expected}"

        duplicated = {k: v for k, v in per_source.items() if len(v) > 1}
        assert not duplicated, f"sources with more than one snapshot of the same page: {duplicated}"
        orphans = set(raw) - {s["raw_sha256"] for s in snapshots}
        assert not orphans, f"raw documents without a snapshot: {sorted(orphans)}"
        for source in sources.values():
            current = source["current_snapshot_id"]
            if current is not None:
                assert current in {s["id"] for s in snapshots}, (
                    f"{source['key']} points at missing snapshot {current}"
                )
                assert source["last_outcome"] is not None, f"{source['key']} half updated"
        # The search index is fed as a batch commits: what a kill lost, it lost together
        # with its passages (stored and indexed again by the next run), nothing else.
        passages = [r[0] for r in db.execute("SELECT id FROM passages ORDER BY id")]
        indexed = [r[0] for r in db.execute("SELECT rowid FROM narrative_fts ORDER BY rowid")]
        assert passages and indexed == passages, f"indexed {indexed}, passages {passages}"
        unchecked = db.execute(
            "SELECT DISTINCT s.key FROM fetch_attempts a JOIN sources s ON s.id = a.source_id"
            " WHERE s.last_checked_at IS NULL"
        ).fetchall()
        assert not unchecked, f"attempts recorded without their check: {[r[0] for r in unchecked]}"
        return len(snapshots)
    finally:
        db.close()


@pytest.mark.fault("SIGKILL mid-cycle")
def test_sigkill_mid_cycle_leaves_a_sound_database_and_the_next_run_completes(
    config_file: Path,
):
    database = config_file.parent / "data" / "monitor.db"
    stored = 0
    for n, step in enumerate(KILL_AFTER, start=1):
        kill_mid_cycle(config_file, database, stored + step, f"killed-run-{n}")
        count = check_sound(database)
        assert stored < count < len(SLUGS), (
            f"killed run {n} was not mid-cycle: {count} snapshots (before it: {stored})"
        )
        stored = count

    final = Run(config_file, "final-run")
    try:
        final.process.wait(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the final run did not finish in {RUN_TIMEOUT:.0f} s:\n{final.output()}")
    finally:
        final.kill()
    assert final.process.returncode == 0, f"the final run failed:\n{final.output()}"
    assert check_sound(database) == len(SLUGS), "every source has exactly one snapshot"
    db = sqlite3.connect(database)
    try:
        outcomes = dict(db.execute("SELECT key, last_outcome FROM sources"))
        checked = db.execute(
            "SELECT count(*) FROM sources WHERE current_snapshot_id IS NOT NULL"
        ).fetchone()[0]
    finally:
        db.close()
    assert checked == len(SLUGS)
    # Pages stored before a kill are recognised as unchanged, never stored again.
    unchanged = [k for k, v in outcomes.items() if v == "unchanged"]
    assert len(unchanged) >= stored, f"{stored} stored before, {len(unchanged)} seen unchanged"
    assert set(outcomes.values()) <= {"unchanged", "new_snapshot"}, outcomes


def unpacked(raw: dict[str, Any], sha256: str) -> bytes:
    """A raw document's body, read independently of the store: zstd, against the
    document its `dictionary` names (issue 19; zlib before migration 12)."""
    row = raw[sha256]
    base = row["dictionary"] and zstandard.ZstdCompressionDict(
        unpacked(raw, row["dictionary"]), dict_type=zstandard.DICT_TYPE_RAWCONTENT
    )
    return zstandard.ZstdDecompressor(dict_data=base or None).decompress(row["content"])
