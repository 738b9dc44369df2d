"""Politeness: robots.txt obeyed, request starts paced per host, a 429/503 slowing only its
own host. Real loopback servers; the waits that must really happen are measured where
requests arrive, the others run on a fake clock that moves only when the fetcher sleeps."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.config.settings import FetchPolicy
from monitor.errors import ConfigError
from monitor.fetch.client import Fetcher, FetchResult, Outcome
from monitor.fetch.robots import RobotsTxt
from monitor.ops.cycle import run_cycle
from monitor.ops.settings import load_config
from monitor.store import Store
from tests.helpers.rawserver import Handler, RawServer, resets

FIXTURES = Path(__file__).parent / "fixtures"
AGENT = FetchPolicy().user_agent
FAST = FetchPolicy(max_retries=0, per_host_interval=0.0, max_retry_after=60.0)
PAGE = b"<html><body>a page</body></html>"


@dataclass
class FakeTime:
    """A monotonic clock that moves only when the fetcher sleeps (or a test says so)."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def fetcher(self, policy: FetchPolicy) -> Fetcher:
        return Fetcher(policy, sleep=self.sleep, clock=lambda: self.now)


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second host (another port), for what must not be slowed by the first."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


def robots(server: HTTPServer, text: str) -> None:
    server.expect_request("/robots.txt").respond_with_data(text, content_type="text/plain")


def requested(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def arrivals(server: HTTPServer, path: str, times: list[float], response: Response) -> None:
    """Answer `path` with `response`, noting when each request arrives."""

    def handle(request: Request) -> Response:
        times.append(time.monotonic())
        return response

    server.expect_request(path).respond_with_handler(handle)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def start_gaps(results: list[FetchResult]) -> list[float]:
    """Gaps between the request starts as the fetcher recorded them."""
    starts = sorted(datetime.fromisoformat(a.started_at) for r in results for a in r.attempts)
    return gaps([start.timestamp() for start in starts])


# The fetcher stamps a start a moment after its turn came; a request reaches a busy
# loopback server some ms after that, and on a loaded machine one arrival can be late
# while the next is on time: arrivals are checked over their whole span, each gap only
# loosely.
STAMP_LAG, ARRIVAL_LAG = 0.005, 0.05


def paced(times: list[float], interval: float) -> bool:
    """Arrivals an `interval` apart as the server saw them."""
    span = times[-1] - times[0]
    return span >= (len(times) - 1) * interval - ARRIVAL_LAG and min(gaps(times)) >= interval / 2


# --- robots.txt --------------------------------------------------------------------------


def test_a_disallowed_url_is_never_requested_and_fails_clearly(httpserver: HTTPServer) -> None:
    robots(httpserver, "User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/public/page").respond_with_data(PAGE)
    host = httpserver.url_for("/").split("/")[2]

    with Fetcher(FAST) as fetcher:
        refused = fetcher.fetch(httpserver.url_for("/private/page"))
        allowed = fetcher.fetch(httpserver.url_for("/public/page"))

    assert refused.outcome is Outcome.FAILED
    assert refused.error == f"disallowed by robots.txt of {host} (Disallow: /private/)"
    [attempt] = refused.attempts
    assert (attempt.status_code, attempt.bytes, attempt.error) == (None, 0, refused.error)
    assert (allowed.outcome, allowed.content) == (Outcome.OK, PAGE)
    assert requested(httpserver) == ["/robots.txt", "/public/page"]


def test_robots_txt_is_read_once_per_host_even_by_many_threads(httpserver: HTTPServer) -> None:
    def slow_robots(request: Request) -> Response:
        time.sleep(0.2)  # every thread arrives while the first is still reading it
        return Response("User-agent: *\nDisallow: /private/\n")

    httpserver.expect_request("/robots.txt").respond_with_handler(slow_robots)
    httpserver.expect_request("/public/page").respond_with_data(PAGE)
    urls = [httpserver.url_for(f"/{part}/page") for part in ["public", "private"] * 4]

    with Fetcher(FAST) as fetcher, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fetcher.fetch, urls))

    assert [r.outcome for r in results] == [Outcome.OK, Outcome.FAILED] * 4
    assert requested(httpserver).count("/robots.txt") == 1
    assert "/private/page" not in requested(httpserver)


def test_robots_txt_is_read_again_once_its_time_is_up(httpserver: HTTPServer) -> None:
    robots(httpserver, "User-agent: *\nDisallow:\n")
    httpserver.expect_request("/page").respond_with_data(PAGE)
    fake = FakeTime()

    with fake.fetcher(FetchPolicy(max_retries=0, per_host_interval=0.0, robots_ttl=600)) as f:
        f.fetch(httpserver.url_for("/page"))
        fake.now += 599
        f.fetch(httpserver.url_for("/page"))
        fake.now += 2
        f.fetch(httpserver.url_for("/page"))

    assert requested(httpserver) == ["/robots.txt", "/page", "/page", "/robots.txt", "/page"]


def test_respect_robots_false_never_asks_for_robots_txt(httpserver: HTTPServer) -> None:
    robots(httpserver, "User-agent: *\nDisallow: /\n")
    httpserver.expect_request("/page").respond_with_data(PAGE)

    with Fetcher(FetchPolicy(max_retries=0, respect_robots=False)) as fetcher:
        result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.OK
    assert requested(httpserver) == ["/page"]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (410, True), (401, False), (403, False), (500, False), (503, False)],
)
def test_robots_txt_status_decides(httpserver: HTTPServer, status: int, allowed: bool) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("nope", status=status)
    httpserver.expect_request("/page").respond_with_data(PAGE)

    with Fetcher(FAST) as fetcher:
        result = fetcher.fetch(httpserver.url_for("/page"))

    assert (result.outcome is Outcome.OK) is allowed
    assert requested(httpserver) == (["/robots.txt", "/page"] if allowed else ["/robots.txt"])
    if status in (401, 403):
        assert f"it answered HTTP {status} " in result.error
        assert result.error.endswith("which counts as disallowing everything")
    elif not allowed:
        assert f"could not be read (HTTP {status} " in result.error
        assert "disallowed until it can be" in result.error


def test_an_unreachable_robots_txt_disallows_without_touching_the_page(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    server = raw_server(resets)  # every connection, /robots.txt included, is reset

    with Fetcher(FAST) as fetcher:
        result = fetcher.fetch(server.url)

    assert result.outcome is Outcome.FAILED
    # The network failure leads: robots.txt is only the request that met it.
    assert result.error.startswith("network failure reaching 127.0.0.1:")
    assert ": connection lost" in result.error and "robots.txt could not be read" in result.error
    assert server.connections == 1  # the robots.txt request only


def test_crawl_delay_spaces_requests_up_to_the_longest_wait_we_accept(
    httpserver: HTTPServer, other_server: HTTPServer
) -> None:
    robots(httpserver, "User-agent: profile-monitor\nCrawl-delay: 5\n\nUser-agent: *\nDisallow: /")
    robots(other_server, "User-agent: *\nCrawl-delay: 86400\n")  # a day: capped at 60 s
    for server in (httpserver, other_server):
        server.expect_request("/page").respond_with_data(PAGE)
    fake = FakeTime()

    with fake.fetcher(FAST) as fetcher:
        results = [fetcher.fetch(httpserver.url_for("/page")) for _ in range(3)]
        results += [fetcher.fetch(other_server.url_for("/page")) for _ in range(2)]

    assert all(r.outcome is Outcome.OK for r in results)
    # robots.txt at once, then each page a Crawl-delay after the request before it.
    assert fake.sleeps == [5.0] * 3 + [60.0] * 2


# --- pacing per host ---------------------------------------------------------------------


def test_requests_to_one_host_start_an_interval_apart_across_threads(
    httpserver: HTTPServer,
) -> None:
    times: list[float] = []
    arrivals(httpserver, "/page", times, Response(PAGE))
    policy = FetchPolicy(max_retries=0, respect_robots=False, per_host_interval=0.2)

    with Fetcher(policy) as fetcher, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fetcher.fetch, [httpserver.url_for("/page")] * 8))

    assert all(r.outcome is Outcome.OK for r in results)
    assert len(times) == 8
    assert min(start_gaps(results)) >= 0.2 - STAMP_LAG
    assert paced(times, 0.2)


def test_two_hosts_are_paced_separately_not_one_after_the_other(
    httpserver: HTTPServer, other_server: HTTPServer
) -> None:
    first: list[float] = []
    second: list[float] = []
    arrivals(httpserver, "/page", first, Response(PAGE))
    arrivals(other_server, "/page", second, Response(PAGE))
    urls = [httpserver.url_for("/page"), other_server.url_for("/page")] * 4
    policy = FetchPolicy(max_retries=0, respect_robots=False, per_host_interval=0.3)

    with Fetcher(policy) as fetcher, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fetcher.fetch, urls))

    assert len(first) == len(second) == 4
    assert min(start_gaps(results[0::2])) >= 0.3 - STAMP_LAG
    assert min(start_gaps(results[1::2])) >= 0.3 - STAMP_LAG
    assert paced(first, 0.3) and paced(second, 0.3)
    # Side by side: the n-th request to each host goes at about the same time. One after
    # the other, the second host's first request would wait for the first host's last.
    assert all(abs(a - b) < 0.2 for a, b in zip(first, second, strict=True))


def test_a_503_with_retry_after_holds_its_host_and_no_other(
    httpserver: HTTPServer, other_server: HTTPServer
) -> None:
    busy: list[float] = []
    pages: list[float] = []
    elsewhere: list[float] = []
    unavailable = Response("busy", status=503, headers={"Retry-After": "1"})
    arrivals(httpserver, "/busy", busy, unavailable)
    arrivals(httpserver, "/page", pages, Response(PAGE))
    arrivals(other_server, "/page", elsewhere, Response(PAGE))
    policy = FetchPolicy(max_retries=0, respect_robots=False, per_host_interval=0.0)

    with Fetcher(policy) as fetcher:
        failed = fetcher.fetch(httpserver.url_for("/busy"))
        with ThreadPoolExecutor(2) as pool:
            same_host = pool.submit(fetcher.fetch, httpserver.url_for("/page"))
            other_host = pool.submit(fetcher.fetch, other_server.url_for("/page"))
            results = [same_host.result(), other_host.result()]

    assert failed.error == "HTTP 503 Service Unavailable"
    assert all(r.outcome is Outcome.OK for r in results)
    assert pages[0] - busy[0] >= 1.0
    assert elsewhere[0] - busy[0] < 0.5


def test_without_retry_after_the_host_backs_off_exponentially_until_it_recovers(
    httpserver: HTTPServer, other_server: HTTPServer
) -> None:
    httpserver.expect_request("/down").respond_with_data("busy", status=503)
    httpserver.expect_request("/page").respond_with_data(PAGE)
    other_server.expect_request("/page").respond_with_data(PAGE)
    policy = FetchPolicy(max_retries=0, respect_robots=False, per_host_interval=0.0)
    fake = FakeTime()

    with fake.fetcher(policy) as fetcher:
        codes = [fetcher.fetch(httpserver.url_for(p)).status_code for p in ("/down", "/down")]
        fetcher.fetch(other_server.url_for("/page"))  # not held: no sleep
        codes += [fetcher.fetch(httpserver.url_for("/page")).status_code for _ in range(2)]

    assert codes == [503, 503, 200, 200]
    first, second = fake.sleeps  # before the 2nd /down and the 1st /page; none after
    assert 1.0 <= first <= 1.1 and 2.0 <= second <= 2.2  # backoff_base 1.0, doubling


def test_a_host_asking_for_more_than_we_wait_is_left_alone_for_the_cycle(
    httpserver: HTTPServer,
) -> None:
    tomorrow = Response("come back later", status=429, headers={"Retry-After": "3600"})
    httpserver.expect_request("/first").respond_with_response(tomorrow)
    host = httpserver.url_for("/").split("/")[2]
    fake = FakeTime()

    with fake.fetcher(replace(FAST, respect_robots=False)) as fetcher:
        first = fetcher.fetch(httpserver.url_for("/first"))
        second = fetcher.fetch(httpserver.url_for("/second"))

    assert first.error == "HTTP 429 Too Many Requests"
    # Held for another URL's answer: deferred to the next cycle, not failed.
    assert second.outcome is Outcome.DEFERRED
    assert second.error == f"not requested: {host} asked to wait 3600s more, beyond the 60s limit"
    assert second.attempts == ()
    assert requested(httpserver) == ["/first"] and fake.sleeps == []


# --- a cycle with the defaults, from a config file -----------------------------------------


def test_a_cycle_obeys_robots_txt_by_default(httpserver: HTTPServer, tmp_path: Path) -> None:
    page = (FIXTURES / "ocindex-page-2023-tuvalu.html").read_bytes()
    robots(httpserver, "User-agent: *\nDisallow: /country/nauru\n")
    httpserver.expect_request("/country/tuvalu").respond_with_data(page, content_type="text/html")
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        'data_dir = "data"\n[fetch]\nmax_retries = 0\nper_host_interval = 0.05\n'
        f'[kinds.ocindex_page]\nbase_url = "{httpserver.url_for("")}"\n'
        '[[watch]]\ncountries = ["tuvalu", "nauru"]\n',
        encoding="utf-8",
    )
    config = load_config(config_path)

    with Store.open(config.database) as store:
        report = run_cycle(config, store)
        nauru = store.source("ocindex_page:nauru:current")
        attempts = list(
            store.db.query("SELECT * FROM fetch_attempts WHERE source_id = ?", [nauru.id])
        )

    results = {r.key.split(":")[1]: r for r in report.results}
    assert results["tuvalu"].change == "new_snapshot"
    assert results["nauru"].change == "failed"
    assert "disallowed by robots.txt" in results["nauru"].detail
    assert [(a["status_code"], a["bytes"]) for a in attempts] == [(None, 0)]
    assert "/country/nauru" not in requested(httpserver)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("respect_robots = 1", "must be a boolean"),
        ('respect_robots = "no"', "must be a boolean"),
        ("per_host_interval = -1", "must be a number of seconds from 0 to 3600"),
        ("robots_ttl = true", "must be a number of seconds from 0 to 2592000"),
    ],
)
def test_politeness_settings_are_checked(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[fetch]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as caught:
        load_config(path)
    assert caught.value.key == f"fetch.{line.split()[0]}"


def test_politeness_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[fetch]\nrespect_robots = false\nper_host_interval = 2\nrobots_ttl = 3600\n",
        encoding="utf-8",
    )
    policy = load_config(path).fetch
    assert (policy.respect_robots, policy.per_host_interval, policy.robots_ttl) == (
        False,
        2.0,
        3600.0,
    )
    assert FetchPolicy().respect_robots and FetchPolicy().per_host_interval == 1.0


# --- reading robots.txt (RFC 9309) ------------------------------------------------------


def allowed(text: str, *paths: str) -> list[bool]:
    parsed = RobotsTxt.parse(text, AGENT)
    return [parsed.allows(path) for path in paths]


def test_the_longest_match_wins_and_allow_wins_a_tie() -> None:
    text = "User-agent: *\nDisallow: /country/\nAllow: /country/kyrgyzstan\nAllow: /x\nDisallow: /x"
    assert allowed(text, "/country/kyrgyzstan", "/country/kazakhstan", "/x", "/other") == [
        True,
        False,
        True,
        True,
    ]


def test_wildcards_and_end_anchors() -> None:
    text = "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*/print\n"
    paths = ("/a/summary.pdf", "/a/summary.pdf?v=2", "/2023/print/x", "/print")
    assert allowed(text, *paths) == [False, True, False, True]


def test_our_own_group_replaces_the_star_group() -> None:
    text = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: otherbot\nUser-agent: PROFILE-MONITOR\nDisallow: /private\n"
        "User-agent: profile-monitor/2.0\nCrawl-delay: 3\n"
    )
    parsed = RobotsTxt.parse(text, AGENT)
    assert [parsed.allows(p) for p in ("/country/x", "/private/y")] == [True, False]
    assert parsed.crawl_delay == 3.0
    # A product token is matched whole: `profile` is not us.
    assert allowed("User-agent: *\nDisallow: /\nUser-agent: profile\nAllow: /\n", "/x") == [False]


def test_percent_encoding_comments_empty_rules_and_stray_lines() -> None:
    text = (
        "Disallow: /before-any-group\n"  # not in a group: ignored
        "User-agent: * # everyone\nDisallow: /a%2db\nDisallow: /caf\u00e9\nDisallow:\n"
        "Crawl-delay: soon\nSitemap: https://example.org/sitemap.xml\n"
    )
    paths = ("/a-b", "/caf%C3%A9", "/before-any-group", "/robots.txt")
    assert allowed(text, *paths) == [False, False, True, True]
    assert RobotsTxt.parse(text, AGENT).crawl_delay is None


def test_nothing_for_us_allows_everything() -> None:
    assert allowed("", "/") == [True]
    assert allowed("User-agent: otherbot\nDisallow: /\n", "/") == [True]
    assert allowed("User-agent: *\nDisallow: /\n", "/robots.txt", "/") == [True, False]
