"""Issue 19, cycle CPU round 4: what a cycle has just written is assessed as it is, and
a digest reads snapshots without their narrative; the answers stay the same."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import zstandard

from monitor.config.settings import Config, FetchPolicy, SourceSpec
from monitor.demo import demo_profiles
from monitor.demo.render import render_page
from monitor.extract.ocindex_page import extract_page
from monitor.notify.digest import Digest, build_digest
from monitor.notify.render import Templates
from monitor.ops import cycle
from monitor.ops.cycle import run_cycle
from monitor.store import SavedCapture, Store
from monitor.store.outbox import OwedFinding, owed
from monitor.store.raw import FIRST_LEVEL, ZSTD_LEVEL, store_raw

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(p for p in FIXTURES.glob("ocindex-page-*") if p.suffix in (".txt", ".html"))
N = 5  # the demo's countries, each in two editions


def saved_pages(store: Store) -> Iterator[tuple[Path, int, SavedCapture]]:
    """Each fixture page captured once by a source of its own: the page, its source, what
    `save_capture` returned."""
    for n, page in enumerate(PAGES):
        content = page.read_bytes()
        source = store.ensure_source(
            key=f"ocindex_page:p{n}", kind="ocindex_page", country_slug=f"p{n}",
            edition=None, url=f"https://example.org/p{n}",
        )  # fmt: skip
        saved = store.save_capture(
            source.id,
            content=content,
            content_type="text/html",
            extraction=extract_page(content),
            captured_at="2026-01-01T00:00:00+00:00",
        )
        yield page, source.id, saved


def test_a_saved_capture_is_the_snapshot_read_back(tmp_path):
    # Assessment uses the returned snapshot instead of decoding the row: they must agree,
    # for complete and incomplete pages alike.
    with Store.open(tmp_path / "monitor.db") as store:
        for page, source_id, saved in saved_pages(store):
            content = page.read_bytes()
            assert saved.snapshot is not None and saved.snapshot.id == saved.snapshot_id
            assert saved.snapshot == store.snapshot(saved.snapshot_id), page.name
            again = store.save_capture(
                source_id,
                content=content,
                content_type="text/html",
                extraction=extract_page(content),
                captured_at="2026-01-02T00:00:00+00:00",
            )
            assert again.snapshot_id == saved.snapshot_id and again.snapshot is None


def test_snapshot_measures_is_the_snapshot_without_its_narrative(tmp_path):
    with_narrative = 0
    with Store.open(tmp_path / "monitor.db") as store:
        for _, _, saved in saved_pages(store):
            full = store.snapshot(saved.snapshot_id)
            light = store.snapshot_measures(saved.snapshot_id)
            profile = full.extraction.profile
            if profile is None:
                assert light == full
                continue
            with_narrative += bool(profile.sections)
            expected = replace(profile, sections=())
            assert light.extraction.profile == expected
            assert replace(light, extraction=full.extraction) == full
    assert with_narrative >= 3  # so the comparisons above show something


@pytest.fixture
def site() -> Iterator[dict[str, bytes]]:
    """Pages on 127.0.0.1, by path; `url` (encoded) is the site's address."""
    state: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}".encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def snapshot_reads(statements: list[str]) -> list[int]:
    """The ids of the snapshot rows read whole (a decode each)."""
    found = (re.fullmatch(r"SELECT \* FROM snapshots WHERE id = (\d+)", s) for s in statements)
    return [int(m.group(1)) for m in found if m]


def two_cycles(
    tmp_path: Path, site: dict[str, bytes], then: Callable[[Store], object] | None = None
) -> tuple[list[list[int]], list[set[int]], list[tuple[str, str, str]]]:
    """A cold then a changed cycle of the demo's N countries' pages (their 2021 edition,
    then 2023): the snapshot ids each cycle read whole, those stored before each, the
    findings; `then` is called with the store the cycles ran on, after them."""
    editions: dict[int, dict[str, bytes]] = {}
    for profile, layout in demo_profiles():
        if profile.country and profile.edition is not None:
            page = render_page(profile, layout=layout, fmt="html").encode()
            editions.setdefault(profile.edition, {})[f"/{profile.country.slug}"] = page
    assert sorted(editions) == [2021, 2023] and len(editions[2021]) == N
    policy = FetchPolicy(respect_robots=False, per_host_interval=0.0, max_retries=0)
    url = site["url"].decode()
    sources = tuple(
        SourceSpec(f"ocindex_page:{path[1:]}", "ocindex_page", path[1:], None, url + path)
        for path in editions[2021]
    )
    config = Config(None, tmp_path / "data", policy, 3, sources=sources)
    reads: list[list[int]] = []
    earlier: list[set[int]] = []
    with Store.open(config.database) as store:
        for pages in editions.values():
            site.update(pages)
            before = {r["id"] for r in store.db.query("SELECT id FROM snapshots")}
            statements: list[str] = []
            store.conn.set_trace_callback(statements.append)
            report = run_cycle(config, store)
            store.conn.set_trace_callback(None)
            assert report.ok and report.count("new") == N
            reads.append(snapshot_reads(statements))
            earlier.append(before)
        if then is not None:
            then(store)
        assessed = store.db.execute(
            "SELECT count(*) FROM snapshots WHERE assessed_at IS NOT NULL"
        ).fetchone()[0]
        found = sorted(
            (r["source_key"], r["kind"], r["message"])
            for r in store.db.query(
                "SELECT s.key AS source_key, f.kind, f.message FROM findings f"
                " JOIN sources s ON s.id = f.source_id"
            )
        )
    assert assessed == 2 * N
    assert any(kind == "score" for _, kind, _ in found)
    return reads, earlier, found


def test_a_cycle_assesses_what_it_wrote_without_reading_it_back(tmp_path, site):
    reads, earlier, _ = two_cycles(tmp_path, site)
    assert reads[0] == []  # a first capture is assessed with nothing to read
    # Each previous snapshot, once (it is also the prior edition); none this cycle wrote.
    assert sorted(reads[1]) == sorted(earlier[1]) and len(earlier[1]) == N


def test_beyond_the_snapshots_kept_in_memory_the_rest_are_read_back_alike(
    tmp_path, site, monkeypatch
):
    _, _, found = two_cycles(tmp_path / "all", site)
    monkeypatch.setattr(cycle, "KEPT_SNAPSHOTS", 2)
    capped_reads, capped_earlier, capped_found = two_cycles(tmp_path / "capped", site)
    assert capped_found == found
    assert len(set(capped_reads[0])) == N - 2  # the first two held, the others read back
    new = set(capped_reads[1]) - capped_earlier[1]
    assert len(new) == N - 2


def test_a_digest_after_its_cycle_shows_the_deltas_assessment_computed(tmp_path, site):
    # Issue 19, the digest: the measures' deltas of each pair are assessment's, not
    # recomputed (DeepDiff) from the pair's two snapshots; the digest says the same as
    # one composed on a store that never assessed them (another process).
    now = "2026-12-07T00:00:00+00:00"
    composed: list[tuple[Digest, list[int], list[int]]] = []

    def compose(store: Store) -> None:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        digest = build_digest(store, "digest", owed(store, "digest"), now)
        store.conn.set_trace_callback(None)
        ids = [r["id"] for r in store.db.query("SELECT id FROM snapshots ORDER BY id")]
        composed.append((digest, snapshot_reads(statements), ids[-N:]))

    two_cycles(tmp_path, site, then=compose)
    ((digest, reads, latest),) = composed
    assert len(digest.countries) == N and any(c.headline for c in digest.countries)
    # Each country's new snapshot read once, for its name and region; the old ones not.
    assert sorted(reads) == latest
    with Store.open(Config(None, tmp_path / "data").database) as fresh:
        statements: list[str] = []
        fresh.conn.set_trace_callback(statements.append)
        again = build_digest(fresh, "digest", owed(fresh, "digest"), now)
        assert len(snapshot_reads(statements)) == 2 * N  # both of each pair, recomputed
    templates = Templates()
    assert templates.text(again) == templates.text(digest)
    assert templates.html(again) == templates.html(digest)


def test_owed_findings_hold_repeated_texts_once_and_keep_their_values(tmp_path, site):
    # Issue 19, the digest's memory: a new edition owes ~55,000 findings; the texts they
    # repeat (source, time, severity, detail keys) are one object each, values unchanged.
    def check(store: Store) -> None:
        items = owed(store, "digest")
        rows = store.db.query("SELECT id, severity, detail FROM findings")
        stored = {r["id"]: (r["severity"], json.loads(r["detail"])) for r in rows}
        assert len(items) == len(stored) > N
        for item in items:
            severity, detail = stored[item.finding_id]
            assert item.finding.severity == severity and item.finding.detail == detail
            # 1.0 stays a float, 1 an int: equal keys are not merged across types
            assert [type(v) for v in item.finding.detail.values()] == [
                type(v) for v in detail.values()
            ]
        first: dict[str, OwedFinding] = {}
        for item in items:
            held = first.setdefault(item.source_key, item)
            assert item.source_key is held.source_key and item.created_at is held.created_at
        severities = {id(i.finding.severity) for i in items}
        assert len(severities) == len({i.finding.severity for i in items})

    two_cycles(tmp_path, site, then=check)


def test_a_body_is_stored_against_its_previous_capture_exactly_when_that_is_smaller(tmp_path):
    """The level-1 look at the body alone only skips a full compression whose result
    could not have won: the choice is the one comparing both in full would make."""
    editions = [(p, layout) for p, layout in demo_profiles() if p.country][:2]
    similar = [render_page(p, layout=layout, fmt="html").encode() for p, layout in editions]
    unrelated = [similar[0] + b"<!-- again -->", os.urandom(20_000), bytes(range(256)) * 200]
    with Store.open(tmp_path / "monitor.db") as store:
        for n, bodies in enumerate((similar, unrelated)):
            previous = None
            for m, body in enumerate(bodies):
                sha = hashlib.sha256(body).hexdigest()
                assert store_raw(store.conn, store.path, sha, body, None, f"t{n}{m}", previous)
                stored, dictionary = store.conn.execute(
                    "SELECT content, dictionary FROM raw_documents WHERE sha256 = ?", [sha]
                ).fetchone()
                alone = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body)
                if previous is None:
                    first = zstandard.ZstdCompressor(level=FIRST_LEVEL).compress(body)
                    assert (stored, dictionary) == (first, None)
                else:
                    base = zstandard.ZstdCompressionDict(
                        store.raw_content(previous), dict_type=zstandard.DICT_TYPE_RAWCONTENT
                    )
                    against = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=base)
                    both = [(len(alone), alone, None), (len(against.compress(body)), None, 0)]
                    wins_against = both[1][0] < both[0][0]
                    assert (dictionary is not None) == wins_against, (n, m)
                    assert len(stored) == min(both[0][0], both[1][0])
                assert store.raw_content(sha) == body
                previous = sha
