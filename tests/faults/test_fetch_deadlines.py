"""Limits on how long and how much one fetch may take, and what a cycle does when time
or a host's patience runs out: real loopback servers, real SQLite files, real clocks.
Each limit is shown on the fetcher, measured closely, and a slow trickle and a gzip bomb
also in a cycle beside healthy sources (`check_guarantees`)."""

from __future__ import annotations

import gzip
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.config.settings import Config, FetchPolicy, HealthSettings, SourceSpec
from monitor.errors import ConfigError
from monitor.fetch.client import Fetcher, Outcome
from monitor.ops.cycle import run_cycle
from monitor.ops.settings import load_config
from monitor.store import Store
from tests.faults.conftest import FAULTY, Bench, check_guarantees, key_of
from tests.helpers.rawserver import Handler, RawServer

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGE = (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes()
POLICY = FetchPolicy(
    connect_timeout=1.0,
    read_timeout=1.0,
    max_retries=2,
    backoff_base=0.01,
    respect_robots=False,
    per_host_interval=0.0,
    max_fetch_seconds=2.0,
    min_bytes_per_second=0,
)
SLACK = 0.5  # seconds past a limit that thread scheduling on a busy machine may add
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"

RawStart = Callable[[Handler], RawServer]


def trickle(head: bytes, every: float, piece: bytes = b"x") -> Handler:
    """Send `head`, then `piece` every `every` seconds until the client hangs up."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head)
        while not stop.wait(every):
            conn.sendall(piece)

    return handle


def timed(fetcher: Fetcher, url: str) -> tuple[float, object]:
    started = time.monotonic()
    result = fetcher.fetch(url)
    return time.monotonic() - started, result


# --- overall deadline and minimum throughput ----------------------------------------------


@pytest.mark.fault("a slow trickle inside read_timeout")
def test_a_trickling_body_ends_at_the_deadline_and_is_not_retried(raw_server: RawStart) -> None:
    # A byte every 0.2 s: each read is well inside read_timeout, so only the deadline ends it.
    server = raw_server(trickle(OK_HEAD + b"Content-Length: 100000\r\n\r\n", 0.2))

    with Fetcher(POLICY) as fetcher:
        seconds, result = timed(fetcher, server.url)

    assert POLICY.max_fetch_seconds <= seconds < POLICY.max_fetch_seconds + SLACK
    assert result.outcome is Outcome.FAILED
    assert re.fullmatch(r"body not complete within 2s \(\d+ bytes by then\)", result.error)
    assert len(result.attempts) == 1 and server.connections == 1  # a retry would take as long


@pytest.mark.fault("a slow trickle inside read_timeout")
def test_trickling_headers_end_at_the_deadline(raw_server: RawStart) -> None:
    server = raw_server(trickle(b"HTTP/1.1 200 OK\r\n", 0.2, b"X-Slow: y\r\n"))

    with Fetcher(POLICY) as fetcher:
        seconds, result = timed(fetcher, server.url)

    assert POLICY.max_fetch_seconds <= seconds < POLICY.max_fetch_seconds + SLACK
    assert result.error == "no response within 2s"
    assert [a.status_code for a in result.attempts] == [None]


@pytest.mark.fault("a body under the minimum throughput")
def test_a_body_under_the_minimum_throughput_fails_after_its_grace(raw_server: RawStart) -> None:
    # 100 bytes every 0.2 s: about 500 B/s, under a 1024 B/s minimum judged after 1 s.
    server = raw_server(trickle(OK_HEAD + b"Content-Length: 100000\r\n\r\n", 0.2, b"x" * 100))
    policy = replace(
        POLICY, max_fetch_seconds=30.0, min_bytes_per_second=1024, min_rate_after_seconds=1.0
    )

    with Fetcher(policy) as fetcher:
        seconds, result = timed(fetcher, server.url)

    assert 1.0 <= seconds < 1.0 + SLACK
    assert result.outcome is Outcome.FAILED
    match = re.fullmatch(r"body arrived at (\d+) B/s, under the 1024 B/s minimum", result.error)
    assert match and 300 <= int(match[1]) < 1024
    assert len(result.attempts) == 1


@pytest.mark.fault("a slow trickle inside read_timeout")
def test_a_stop_still_ends_a_trickle_at_once(raw_server: RawStart) -> None:
    server = raw_server(trickle(OK_HEAD + b"Content-Length: 100000\r\n\r\n", 0.1))
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()

    with Fetcher(replace(POLICY, max_fetch_seconds=60.0), stop=stop) as fetcher:
        seconds, result = timed(fetcher, server.url)

    assert result.outcome is Outcome.STOPPED
    assert seconds < 0.5 + SLACK


# --- decoded size cap -------------------------------------------------------------------


@cache
def gzip_bomb() -> bytes:
    """100 MB of zeros, gzipped to about 100 KB, built without holding the 100 MB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1_000_000)
    return b"".join([*(packer.compress(zeros) for _ in range(100)), packer.flush()])


def serve_encoded(body: bytes, encoding: str) -> Handler:
    fields = f"Content-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n\r\n"
    response = OK_HEAD + fields.encode("ascii") + body

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(response)

    return handle


@pytest.mark.fault("a gzip bomb")
def test_a_gzip_bomb_is_cut_off_on_its_decoded_size_in_little_memory(
    raw_server: RawStart,
) -> None:
    cap = 4_000_000
    server = raw_server(serve_encoded(gzip_bomb(), "gzip"))

    with Fetcher(replace(POLICY, max_bytes=cap)) as fetcher:
        tracemalloc.start()
        try:
            result = fetcher.fetch(server.url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert result.error == f"body exceeds the size cap of {cap} bytes"
    [attempt] = result.attempts
    assert cap < attempt.bytes <= cap + 65_536  # decoded bytes, counted piece by piece
    # Decoding one 64 KiB network read at once (httpx's way) would take ~64 MB here.
    assert peak < 2 * cap, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("identity", bytes)],
)
def test_an_encoded_page_is_decoded_whole(
    raw_server: RawStart, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    server = raw_server(serve_encoded(encode(PAGE), encoding))

    with Fetcher(replace(POLICY, max_bytes=len(PAGE))) as fetcher:
        result = fetcher.fetch(server.url)

    assert (result.outcome, result.content) == (Outcome.OK, PAGE)
    assert result.attempts[0].bytes == len(PAGE)


@pytest.mark.fault("a body in an encoding we did not ask for")
def test_an_encoding_we_did_not_ask_for_fails_clearly(raw_server: RawStart) -> None:
    server = raw_server(serve_encoded(b"\x1b\x00\x00", "br"))

    with Fetcher(POLICY) as fetcher:
        result = fetcher.fetch(server.url)

    assert result.outcome is Outcome.FAILED
    assert result.error == "the body is encoded as 'br', not decoded"
    assert len(result.attempts) == 1


# --- a cycle: budget and a host on hold --------------------------------------------------


def make_config(tmp_path: Path, urls: dict[str, str], policy: FetchPolicy, **more) -> Config:
    sources = tuple(
        SourceSpec(f"ocindex_page:{name}:2023", "ocindex_page", name, 2023, url)
        for name, url in urls.items()
    )
    return Config(None, tmp_path / "data", policy, 1, sources=sources, **more)


def page(request: Request) -> Response:
    return Response(PAGE, content_type="text/html")


@pytest.mark.fault("a cycle past its budget")
def test_a_cycle_past_its_budget_defers_the_rest_to_the_next_cycle(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    slow_once = threading.Event()

    def slow_first_time(request: Request) -> Response:
        if not slow_once.is_set():
            slow_once.set()
            time.sleep(1.5)  # the server's side of the test: a slow page, past the budget
        return page(request)

    httpserver.expect_request("/slow").respond_with_handler(slow_first_time)
    httpserver.expect_request("/good").respond_with_handler(page)
    httpserver.expect_request("/later").respond_with_handler(page)
    urls = {name: httpserver.url_for(f"/{name}") for name in ("slow", "good", "later")}
    config = make_config(tmp_path, urls, replace(POLICY, cycle_budget_seconds=1.0))

    with Store.open(config.database) as store:
        first = run_cycle(config, store)
        deferred = [store.source(f"ocindex_page:{n}:2023") for n in ("good", "later")]
        second = run_cycle(config, store)
        integrity = store.db.execute("PRAGMA integrity_check").fetchall()

    changes = {r.key.split(":")[1]: r.change for r in first.results}
    assert changes == {"slow": "new_snapshot", "good": "deferred", "later": "deferred"}
    assert first.ok and first.count("deferred") == 2 and first.count("failed") == 0
    assert all("budget" in r.detail for r in first.results if r.change == "deferred")
    assert all(s.consecutive_failures == 0 and s.last_checked_at is None for s in deferred)
    assert [r.change for r in second.results] == ["unchanged", "new_snapshot", "new_snapshot"]
    assert first.findings == second.findings == ()  # a deferral is not news
    assert integrity == [("ok",)]


@pytest.mark.fault("one URL's long Retry-After holding its host")
def test_a_host_on_hold_defers_its_other_sources_without_breaking_them(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        tomorrow = Response("come back later", status=429, headers={"Retry-After": "3600"})
        httpserver.expect_request("/busy").respond_with_response(tomorrow)
        httpserver.expect_request("/same_host").respond_with_handler(page)
        other.expect_request("/elsewhere").respond_with_handler(page)
        urls = {
            "busy": httpserver.url_for("/busy"),
            "same_host": httpserver.url_for("/same_host"),
            "elsewhere": other.url_for("/elsewhere"),
        }
        config = make_config(
            tmp_path, urls, replace(POLICY, max_retries=0), health=HealthSettings(failures=1)
        )
        with Store.open(config.database) as store:
            report = run_cycle(config, store)
            same_host = store.source("ocindex_page:same_host:2023")
            integrity = store.db.execute("PRAGMA integrity_check").fetchall()
    finally:
        other.stop()

    by_name = {r.key.split(":")[1]: r for r in report.results}
    assert by_name["busy"].category == "failed"  # its own answer: a failure
    assert by_name["same_host"].category == "deferred"
    assert "asked to wait" in by_name["same_host"].detail
    assert by_name["elsewhere"].change == "new_snapshot"
    assert "/same_host" not in [request.path for request, _ in httpserver.log]
    assert same_host.consecutive_failures == 0
    broken = {f.message.split(" could ")[0] for f in report.findings if f.key == "broken"}
    assert broken == {"Busy's 2023 profile page"}  # one failure breaks here; deferral does not
    assert {f.kind for f in report.findings} == {"source_health"}
    assert integrity == [("ok",)]


# --- in a cycle beside healthy sources ---------------------------------------------------

DEADLINE = 2  # [fetch] max_fetch_seconds of the bench below


@pytest.mark.parametrize(
    ("handler", "words"),
    [
        pytest.param(
            lambda: trickle(OK_HEAD + b"Content-Length: 100000\r\n\r\n", 0.2),
            (f"body not complete within {DEADLINE}s",),
            id="a slow trickle inside read_timeout",
            marks=pytest.mark.fault("a slow trickle inside read_timeout"),
        ),
        pytest.param(
            lambda: serve_encoded(gzip_bomb(), "gzip"),
            ("size cap",),
            id="a gzip bomb",
            marks=pytest.mark.fault("a gzip bomb"),
        ),
    ],
)
def test_a_slow_or_bombing_server_costs_only_its_own_source(
    make_bench: Callable[..., Bench], handler: Callable[[], Handler], words: tuple[str, ...]
) -> None:
    bench = make_bench(fetch={"max_fetch_seconds": DEADLINE})
    result = bench.fault(handler())
    check_guarantees(bench, result, "failed", words)
    ((attempts, longest),) = bench.query(
        "SELECT count(*), max(a.duration_ms) FROM fetch_attempts a JOIN sources s"
        " ON s.id = a.source_id WHERE s.key = ? AND a.started_at >= ?",
        key_of(FAULTY),
        bench.cycle_began,
    )
    assert attempts == 1  # neither is worth a retry
    assert longest < (DEADLINE + SLACK) * 1000


# --- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "max_fetch_seconds = nan",
        "max_fetch_seconds = 0",
        "max_fetch_seconds = inf",
        "min_bytes_per_second = -1",
        "min_rate_after_seconds = 601",
        "cycle_budget_seconds = 5",
        "cycle_budget_seconds = inf",
    ],
)
def test_fetch_limits_outside_their_range_are_refused(tmp_path: Path, line: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[fetch]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == f"fetch.{line.split()[0]}"


def test_fetch_limits_are_read_with_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[fetch]\nmax_fetch_seconds = 30\ncycle_budget_seconds = 600\n")
    policy = load_config(path).fetch
    assert (policy.max_fetch_seconds, policy.cycle_budget_seconds) == (30.0, 600.0)
    default = FetchPolicy()
    assert (default.max_fetch_seconds, default.min_bytes_per_second) == (120.0, 1024)
    assert (default.min_rate_after_seconds, default.cycle_budget_seconds) == (5.0, 1800.0)
