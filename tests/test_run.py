"""`run_cycle` end to end: real loopback servers, a real SQLite file."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.config.settings import Config, FetchPolicy, SourceSpec
from monitor.models import Status
from monitor.ops.cycle import CycleReport, run_cycle
from monitor.sources import get_kind
from monitor.store import Store
from tests.helpers.rawserver import Handler, RawServer, never_answers, resets, truncated

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes()
# Our own loopback servers: nothing to be polite to (see test_fetch_politeness.py); the raw
# servers would answer /robots.txt with their fault too.
POLICY = FetchPolicy(
    connect_timeout=1.0,
    read_timeout=0.5,
    max_bytes=200_000,
    max_retries=1,
    backoff_base=0.01,
    respect_robots=False,
    per_host_interval=0.0,
)


def make_config(tmp_path: Path, urls: dict[str, str]) -> Config:
    sources = tuple(
        SourceSpec(f"ocindex_page:{name}:2023", "ocindex_page", name, 2023, url)
        for name, url in urls.items()
    )
    return Config(None, tmp_path / "data", POLICY, 3, sources=sources)


def attempts_of(store: Store, key: str) -> list[dict]:
    source = store.source(key)
    return list(
        store.db.query("SELECT * FROM fetch_attempts WHERE source_id = ? ORDER BY id", [source.id])
    )


def scores_of(store: Store, snapshot_id: int) -> dict[str, float]:
    rows = store.db.query("SELECT key, value FROM scores WHERE snapshot_id = ?", [snapshot_id])
    return {r["key"]: r["value"] for r in rows}


def flaky(first: Response, then: bytes) -> Callable[[Request], Response]:
    """A handler that answers `first` once, then the page."""
    calls = itertools.count()

    def handle(request: Request) -> Response:
        return first if next(calls) == 0 else Response(then, content_type="text/html")

    return handle


@pytest.fixture(scope="module")
def fault_cycle(
    raw_server: Callable[[Handler], RawServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[CycleReport, Store]]:
    """One cycle over twelve sources, most of them broken in a different way."""
    httpserver = HTTPServer(host="127.0.0.1", port=0)
    httpserver.start()
    routes: dict[str, Response | Callable[[Request], Response]] = {
        "good": Response(PAGE, content_type="text/html"),
        "not_found": Response("no such page", status=404),
        "error_500_then_ok": flaky(Response("oops", status=500), PAGE),
        "rate_limited_then_ok": flaky(
            Response("slow down", status=429, headers={"Retry-After": "1"}), PAGE
        ),
        "error_page_200": Response(
            b"<html><head><title>Maintenance</title></head><body><h1>Back soon</h1>"
            b"<p>We are upgrading the site.</p></body></html>",
            content_type="text/html",
        ),
        "truncated_page": Response(PAGE[: PAGE.index(b"Cocaine trade")], content_type="text/html"),
        "empty_body": Response(b"", content_type="text/html"),
        "over_cap": Response(PAGE * (POLICY.max_bytes // len(PAGE) + 1), content_type="text/html"),
        "pdf": Response(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj", content_type="application/pdf"),
    }
    urls = {}
    for name, answer in routes.items():
        path = f"/2023/country/{name}"
        if callable(answer) and not isinstance(answer, Response):
            httpserver.expect_request(path).respond_with_handler(answer)
        else:
            httpserver.expect_request(path).respond_with_response(answer)
        urls[name] = httpserver.url_for(path)
    for name, handler in {"timeout": never_answers, "reset": resets, "cut_body": truncated}.items():
        urls[name] = raw_server(handler).url
    config = make_config(tmp_path_factory.mktemp("faults"), urls)
    with Store.open(config.database) as store:
        yield run_cycle(config, store), store
    httpserver.stop()


FAILED_WITH = {
    "not_found": "404",
    "timeout": "timed out",
    "reset": "connection",
    "cut_body": "whole body",
    "over_cap": "size cap",
    "error_page_200": "no scores",
    "empty_body": "empty",
    "pdf": "PDF",
}


@pytest.mark.parametrize("name", FAILED_WITH)
def test_each_fault_is_recorded_with_a_clear_reason_and_no_scores(fault_cycle, name):
    report, store = fault_cycle
    result = next(r for r in report.results if r.key == f"ocindex_page:{name}:2023")
    assert result.category == "failed"
    assert FAILED_WITH[name].lower() in result.detail.lower()
    source = store.source(result.key)
    assert source.last_error or source.last_outcome == "not_a_profile"
    attempts = attempts_of(store, result.key)
    assert attempts, "every attempt is recorded"
    if result.snapshot_id is not None:  # content arrived but is not a profile
        assert store.snapshot(result.snapshot_id).status is Status.NOT_A_PROFILE
        assert scores_of(store, result.snapshot_id) == {}


@pytest.mark.parametrize("name", ["error_500_then_ok", "rate_limited_then_ok"])
def test_retried_sources_succeed_with_every_attempt_recorded(fault_cycle, name):
    report, store = fault_cycle
    result = next(r for r in report.results if r.key == f"ocindex_page:{name}:2023")
    assert result.change == "new_snapshot" and result.status is Status.COMPLETE
    codes = [a["status_code"] for a in attempts_of(store, result.key)]
    assert codes == [500 if "500" in name else 429, 200]


def test_a_truncated_page_is_incomplete_and_its_scores_are_true(fault_cycle):
    report, store = fault_cycle
    by_key = {r.key: r for r in report.results}
    cut, good = by_key["ocindex_page:truncated_page:2023"], by_key["ocindex_page:good:2023"]
    assert cut.category == "incomplete"
    assert good.category == "new" and good.status is Status.COMPLETE
    cut_scores, true_scores = scores_of(store, cut.snapshot_id), scores_of(store, good.snapshot_id)
    assert cut_scores and len(cut_scores) < len(true_scores)
    assert all(true_scores[k] == v for k, v in cut_scores.items())


def test_the_cycle_reports_failures_but_checks_every_source(fault_cycle):
    report, _ = fault_cycle
    assert len(report.results) == 12
    assert not report.ok
    assert {r.key.split(":")[1] for r in report.failed} == set(FAILED_WITH)


def test_a_second_run_against_unchanged_pages_adds_nothing(httpserver: HTTPServer, tmp_path):
    """Once with ETags (304s), once without (same bytes): neither adds a row."""

    def with_etag(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"'})

    httpserver.expect_request("/a").respond_with_handler(with_etag)
    httpserver.expect_request("/b").respond_with_data(PAGE, content_type="text/html")
    config = make_config(tmp_path, {"a": httpserver.url_for("/a"), "b": httpserver.url_for("/b")})
    with Store.open(config.database) as store:
        first = run_cycle(config, store)
        counts = store.counts()
        second = run_cycle(config, store)
        after = store.counts()
    assert [r.change for r in first.results] == ["new_snapshot", "new_snapshot"]
    assert [r.change for r in second.results] == ["not_modified", "unchanged"]
    assert after["snapshots"] == counts["snapshots"] == 2
    assert after["raw_documents"] == counts["raw_documents"] == 1  # the same bytes, stored once
    assert after["fetch_attempts"] == counts["fetch_attempts"] + 2
    assert second.ok and second.count("unchanged") == 2


def test_a_new_edition_at_the_same_url_is_a_new_snapshot(httpserver: HTTPServer, tmp_path):
    old = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_bytes()
    httpserver.expect_request("/country/x").respond_with_data(old, content_type="text/plain")
    config = make_config(tmp_path, {"x": httpserver.url_for("/country/x")})
    with Store.open(config.database) as store:
        run_cycle(config, store)
        httpserver.clear()
        httpserver.expect_request("/country/x").respond_with_data(PAGE, content_type="text/html")
        report = run_cycle(config, store)
    assert report.results[0].change == "new_snapshot"
    assert report.results[0].previous_snapshot_id is not None


def test_ingest_records_a_saved_page_like_a_fetch(tmp_path):
    from monitor.ops.cycle import ingest

    saved = FIXTURES / "ocindex-page-2023-cote-divoire.html"
    config = Config(None, tmp_path / "data")
    url = get_kind("ocindex_page").url("cote_divoire", 2023)
    with Store.open(config.database) as store:
        first = ingest(
            config, store, [saved], url=url, kind_name="ocindex_page", captured_at="2024-01-05"
        )
        again = ingest(config, store, [saved], url=url, kind_name="ocindex_page")
        snapshot = store.snapshot(first[0].snapshot_id)
    assert first[0].change == "new_snapshot" and again[0].change == "unchanged"
    assert snapshot.captured_at.startswith("2024-01-05T00:00:00")
    assert snapshot.edition == 2023 and snapshot.country_slug == "cote_divoire"
