"""Issue 19: a cycle in which nothing changed is cheap on the wire and on disk."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.config.settings import Config, FetchPolicy, SourceSpec
from monitor.ops.cycle import run_cycle
from monitor.store import Store

PAGE = (Path(__file__).parent / "fixtures" / "ocindex-page-2023-cote-divoire.html").read_bytes()
ETAG = '"' + hashlib.sha256(PAGE).hexdigest()[:16] + '"'
N, CONCURRENCY = 24, 3


@dataclass
class KeepAliveSite:
    """HTTP/1.1 with keep-alive on 127.0.0.1, counting the TCP connections it accepts."""

    url: str
    validators: bool = True
    connections: int = 0
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def site() -> Iterator[KeepAliveSite]:
    state = KeepAliveSite("")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive unless the client closes

        def setup(self) -> None:
            super().setup()
            with lock:
                state.connections += 1

        def do_GET(self) -> None:
            if state.validators and self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                state.statuses.append(304)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            if state.validators:
                self.send_header("ETag", ETAG)
            self.end_headers()
            self.wfile.write(PAGE)
            state.statuses.append(200)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def config_for(tmp_path: Path, site: KeepAliveSite) -> Config:
    policy = FetchPolicy(respect_robots=False, per_host_interval=0.0, max_retries=0)
    sources = tuple(
        SourceSpec(f"ocindex_page:c{i}:2023", "ocindex_page", f"c{i}", 2023, f"{site.url}/c{i}")
        for i in range(N)
    )
    return Config(None, tmp_path / "data", policy, CONCURRENCY, sources=sources)


def traced_cycle(config: Config, store: Store) -> tuple[list[str], int]:
    """Run a cycle; the SQL statements it ran and the rows it changed."""
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    before = store.db.conn.total_changes
    report = run_cycle(config, store)
    store.db.conn.set_trace_callback(None)
    assert report.ok and report.count("unchanged") == N
    return statements, store.db.conn.total_changes - before


def test_an_unchanged_cycle_of_304s_reuses_connections_and_commits_once(tmp_path, site):
    config = config_for(tmp_path, site)
    with Store.open(config.database) as store:
        run_cycle(config, store)
        site.connections = 0
        statements, changed = traced_cycle(config, store)
        last_seen = {
            r["last_seen_at"] for r in store.db.query("SELECT last_seen_at FROM snapshots")
        }
    assert site.statuses[-N:] == [304] * N
    # Each 304 is read to its end, so its connection serves the next request.
    assert site.connections <= CONCURRENCY
    assert sum(s == "COMMIT" for s in statements) == 1
    # One attempt row per check; the source and its snapshot row updated in place.
    assert changed == 3 * N
    assert len(last_seen) == N  # every snapshot confirmed at its own check


def test_the_same_bytes_again_are_known_by_hash_and_written_once(tmp_path, site):
    site.validators = False
    config = config_for(tmp_path, site)
    with Store.open(config.database) as store:
        run_cycle(config, store)
        counts = store.counts()
        statements, changed = traced_cycle(config, store)
        after = store.counts()
        outcomes = {s.last_outcome for s in store.sources()}
    assert sum(s == "COMMIT" for s in statements) == 1
    assert changed == 3 * N
    assert not any(s.startswith("INSERT INTO raw_documents") for s in statements)
    assert after["snapshots"] == counts["snapshots"]
    assert after["fetch_attempts"] == counts["fetch_attempts"] + N
    assert outcomes == {"unchanged"}


def test_a_cycle_of_new_pages_commits_in_batches(tmp_path, site):
    config = config_for(tmp_path, site)
    with Store.open(config.database) as store:
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        report = run_cycle(config, store)
        store.db.conn.set_trace_callback(None)
        current = store.db.execute(
            "SELECT count(*) FROM sources s JOIN snapshots sn ON sn.id = s.current_snapshot_id"
        ).fetchone()[0]
    assert report.ok and report.count("new") == N and current == N
    # Two commits per source before (its registration, its capture) and one per
    # assessment: now a few batches.
    assert sum(s == "COMMIT" for s in statements) <= N // 3


def test_a_batch_the_database_rolls_back_fails_its_sources_and_the_next_cycle_stores_them(
    tmp_path, site
):
    config = config_for(tmp_path, site)
    with Store.open(config.database) as store:
        # Another program's trigger rolls back the whole transaction at one source's
        # capture, as SQLite does on some errors (a full disk): the batch is lost.
        victim = store.ensure_source(
            key="ocindex_page:c5:2023",
            kind="ocindex_page",
            country_slug="c5",
            edition=2023,
            url=f"{site.url}/c5",
        )
        store.db.execute(
            "CREATE TRIGGER refuse AFTER INSERT ON snapshots"
            f" WHEN NEW.source_id = {victim.id} BEGIN SELECT RAISE(ROLLBACK, 'refused'); END"
        )
        first = run_cycle(config, store)
        stored = {
            r[0]
            for r in store.db.execute(
                "SELECT s.key FROM sources s WHERE s.current_snapshot_id IS NOT NULL"
            )
        }
        failed = {r.key for r in first.failed}
        store.db.execute("DROP TRIGGER refuse")
        second = run_cycle(config, store)
        per_source = dict(store.db.execute("SELECT source_id, count(*) FROM snapshots GROUP BY 1"))
    assert "ocindex_page:c5:2023" in failed
    # What each result says is what was stored: the lost batch's sources all failed.
    assert failed | stored == {s.key for s in config.sources} and not failed & stored
    assert second.ok and second.count("new") == len(failed)
    assert sorted(per_source.values()) == [1] * N


def test_the_writer_keeps_statement_journals_in_memory_and_checkpoints_rarely(tmp_path):
    with Store.open(tmp_path / "monitor.db") as store:
        settings = {
            name: store.db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("temp_store", "wal_autocheckpoint", "journal_size_limit")
        }
    # 2 = MEMORY: no temporary files for the journals of statements inside a batch.
    assert settings == {
        "temp_store": 2,
        "wal_autocheckpoint": 8000,
        "journal_size_limit": 4 * 1024 * 1024,
    }


def test_an_unchanged_cycle_reads_its_sources_once_not_once_each(tmp_path, site):
    """Reads that do not grow with the watch list: the sources, their snapshots' statuses
    and their health conditions are read once for the whole cycle."""
    config = config_for(tmp_path, site)
    with Store.open(config.database) as store:
        run_cycle(config, store)
        statements, _ = traced_cycle(config, store)
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert len(reads) < N, reads


def test_a_lost_batch_fails_only_its_own_sources_not_those_committed_before(tmp_path, site):
    """Checks that changed nothing wait to be written together; the new captures
    committed meanwhile are stored, and a later batch the database rolls back must
    not report them failed."""
    config = config_for(tmp_path, site)
    unchanged = config.sources[:6]
    new = tuple(
        SourceSpec(f"ocindex_page:d{i}:2023", "ocindex_page", f"d{i}", 2023, f"{site.url}/d{i}")
        for i in range(20)
    )
    with Store.open(config.database) as store:
        run_cycle(replace(config, sources=unchanged), store)  # their 304s come next
        victim = new[-1]
        source = store.ensure_source(
            key=victim.key,
            kind=victim.kind,
            country_slug=victim.country,
            edition=2023,
            url=victim.url,
        )
        store.db.execute(
            "CREATE TRIGGER refuse AFTER INSERT ON snapshots"
            f" WHEN NEW.source_id = {source.id} BEGIN SELECT RAISE(ROLLBACK, 'refused'); END"
        )
        report = run_cycle(replace(config, sources=unchanged + new), store)
        stored = {
            r[0]
            for r in store.db.execute(
                "SELECT key FROM sources WHERE current_snapshot_id IS NOT NULL"
                " AND key LIKE 'ocindex_page:d%'"  # the new ones: stored by this cycle
            )
        }
    failed = {r.key for r in report.failed}
    assert victim.key in failed
    assert len(stored) >= 16  # a batch committed before the victim's was lost
    # What each result says is what was stored.
    assert not failed & stored
