"""monitor.fetch.client against real loopback servers: pytest-httpserver for HTTP behaviour, a
raw socket server for faults it cannot produce (reset, truncated body, silence)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.config.settings import FetchPolicy
from monitor.fetch.client import Fetcher, Outcome, Validators
from tests.helpers.rawserver import (
    Handler,
    RawServer,
    endless_chunks,
    never_answers,
    resets,
    truncated,
)

# One request's mechanics; robots.txt and per-host pacing are in test_fetch_politeness.py
# (the raw servers here answer /robots.txt with their fault, like any other path).
POLICY = FetchPolicy(
    connect_timeout=1.0,
    read_timeout=0.25,
    max_bytes=10_000,
    max_retries=2,
    backoff_base=0.5,
    max_backoff=4.0,
    max_retry_after=60.0,
    respect_robots=False,
    per_host_interval=0.0,
)
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.fixture
def sleeps() -> list[float]:
    """Delays the fetcher asked to sleep for; nothing actually waits."""
    return []


@pytest.fixture
def fetcher(sleeps: list[float]) -> Iterator[Fetcher]:
    now = [0.0]  # the fetcher's clock: it moves only when the fetcher "sleeps"

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with Fetcher(POLICY, sleep=sleep, clock=lambda: now[0]) as f:
        yield f


# --- success and conditional GET -----------------------------------------------------


def test_200_captures_body_type_validators_and_one_attempt(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    body = b"<html><body>Kyrgyzstan</body></html>"
    headers = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
    httpserver.expect_request("/page").respond_with_data(
        body, content_type="text/html; charset=utf-8", headers=headers
    )
    url = httpserver.url_for("/page")

    result = fetcher.fetch(url)

    assert result.outcome is Outcome.OK
    assert (result.status_code, result.content, result.error) == (200, body, None)
    assert result.content_type == "text/html; charset=utf-8"
    assert result.validators == Validators(etag=ETAG, last_modified=LAST_MODIFIED)
    assert result.final_url == url
    [attempt] = result.attempts
    assert (attempt.url, attempt.status_code, attempt.bytes, attempt.error) == (
        url,
        200,
        len(body),
        None,
    )
    assert attempt.duration_ms > 0
    assert datetime.fromisoformat(attempt.started_at).utcoffset() == timedelta(0)
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == POLICY.user_agent
    assert "If-None-Match" not in request.headers


def test_default_user_agent_names_the_project() -> None:
    assert FetchPolicy().user_agent.startswith("profile-monitor/")


def test_conditional_get_sends_validators_and_gets_not_modified(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    headers = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
    httpserver.expect_ordered_request("/page").respond_with_data(b"v1", headers=headers)
    conditional = {"If-None-Match": ETAG, "If-Modified-Since": LAST_MODIFIED}
    httpserver.expect_ordered_request("/page", headers=conditional).respond_with_response(
        Response(status=304)
    )

    first = fetcher.fetch(httpserver.url_for("/page"))
    second = fetcher.fetch(httpserver.url_for("/page"), first.validators)

    httpserver.check_assertions()
    assert second.outcome is Outcome.NOT_MODIFIED
    assert (second.status_code, second.content, second.error) == (304, None, None)
    assert second.validators == first.validators
    assert [a.error for a in second.attempts] == [None]


def test_non_ascii_validator_is_not_sent_rather_than_crashing(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    httpserver.expect_request("/page").respond_with_data(b"fresh")

    result = fetcher.fetch(httpserver.url_for("/page"), Validators(etag='"caf\u00e9"'))

    assert (result.outcome, result.content) == (Outcome.OK, b"fresh")
    assert "If-None-Match" not in httpserver.log[0][0].headers


def test_empty_200_body_is_ok(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/page").respond_with_data(b"")

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert (result.outcome, result.content) == (Outcome.OK, b"")
    assert result.attempts[0].bytes == 0


def test_pdf_where_html_expected_is_ok_for_the_extractor_to_judge(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    httpserver.expect_request("/page").respond_with_data(pdf, content_type="application/pdf")

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert (result.outcome, result.content, result.content_type) == (
        Outcome.OK,
        pdf,
        "application/pdf",
    )


# --- HTTP errors and retries ------------------------------------------------------------


def test_404_fails_without_retry(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: list[float]
) -> None:
    httpserver.expect_request("/page").respond_with_data(b"gone", status=404)

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.FAILED
    assert (result.status_code, result.error) == (404, "HTTP 404 Not Found")
    assert [a.status_code for a in result.attempts] == [404]
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_500_then_200_retries_with_backoff(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/page").respond_with_data(b"oops", status=500)
    httpserver.expect_ordered_request("/page").respond_with_data(b"fine")

    result = fetcher.fetch(httpserver.url_for("/page"))

    httpserver.check_assertions()
    assert (result.outcome, result.content) == (Outcome.OK, b"fine")
    assert [(a.status_code, a.error) for a in result.attempts] == [
        (500, "HTTP 500 Internal Server Error"),
        (200, None),
    ]
    [delay] = sleeps
    assert POLICY.backoff_base <= delay <= POLICY.backoff_base * 1.1


def test_429_retry_after_seconds_is_honoured(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/page").respond_with_data(
        b"slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/page").respond_with_data(b"fine")

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.OK
    assert [a.status_code for a in result.attempts] == [429, 200]
    assert sleeps == [7.0]


def test_503_retry_after_http_date_is_honoured(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    httpserver.expect_ordered_request("/page").respond_with_data(
        b"maintenance", status=503, headers={"Retry-After": when}
    )
    httpserver.expect_ordered_request("/page").respond_with_data(b"fine")

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.OK
    [delay] = sleeps
    assert 25 <= delay <= 30


def test_retry_after_beyond_the_limit_gives_up(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: list[float]
) -> None:
    httpserver.expect_request("/page").respond_with_data(
        b"come back tomorrow", status=429, headers={"Retry-After": "3600"}
    )

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.FAILED
    assert "HTTP 429" in result.error and "retry after 3600s" in result.error
    assert "60s limit" in result.error
    assert len(result.attempts) == 1
    assert sleeps == []


def test_persistent_503_fails_after_all_retries(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: list[float]
) -> None:
    httpserver.expect_request("/page").respond_with_data(b"down", status=503)

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.FAILED
    assert result.error == "HTTP 503 Service Unavailable (after 3 attempts)"
    assert [a.status_code for a in result.attempts] == [503] * (POLICY.max_retries + 1)
    assert len(httpserver.log) == POLICY.max_retries + 1
    # Exponential backoff: base, then twice base (each with up to 10% jitter).
    assert len(sleeps) == POLICY.max_retries
    assert 0.5 <= sleeps[0] <= 0.55 and 1.0 <= sleeps[1] <= 1.1


# --- size cap --------------------------------------------------------------------------


def test_body_over_cap_with_content_length_is_refused_before_reading(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    httpserver.expect_request("/page").respond_with_data(b"x" * (POLICY.max_bytes + 1))

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.FAILED
    assert result.error == "body exceeds the size cap of 10000 bytes"
    [attempt] = result.attempts
    assert (attempt.status_code, attempt.bytes) == (200, 0)
    assert len(httpserver.log) == 1


def test_chunked_body_over_cap_is_cut_off_while_reading(
    raw_server: Callable[[Handler], RawServer], fetcher: Fetcher
) -> None:
    server = raw_server(endless_chunks)

    result = fetcher.fetch(server.url)

    assert result.outcome is Outcome.FAILED
    assert result.error == "body exceeds the size cap of 10000 bytes"
    [attempt] = result.attempts
    assert POLICY.max_bytes < attempt.bytes < 1_000_000
    assert server.connections == 1


# --- network faults --------------------------------------------------------------------


def test_server_that_never_answers_times_out_after_retries(
    raw_server: Callable[[Handler], RawServer], fetcher: Fetcher, sleeps: list[float]
) -> None:
    server = raw_server(never_answers)

    result = fetcher.fetch(server.url)

    assert result.outcome is Outcome.FAILED
    assert result.error == "read timed out after 0.25s (after 3 attempts)"
    assert [a.error for a in result.attempts] == ["read timed out after 0.25s"] * 3
    assert all(a.status_code is None and a.duration_ms >= 200 for a in result.attempts)
    assert server.connections == 3
    assert len(sleeps) == 2


def test_connection_reset_is_retried_and_recorded(
    raw_server: Callable[[Handler], RawServer], fetcher: Fetcher
) -> None:
    server = raw_server(resets)

    result = fetcher.fetch(server.url)

    assert result.outcome is Outcome.FAILED
    assert len(result.attempts) == 3 and server.connections == 3
    for attempt in result.attempts:
        assert attempt.status_code is None
        assert attempt.error is not None and attempt.error.startswith("connection lost:")
        assert "reset" in attempt.error.lower()


def test_truncated_body_is_retried_with_a_clear_error(
    raw_server: Callable[[Handler], RawServer], fetcher: Fetcher
) -> None:
    server = raw_server(truncated)

    result = fetcher.fetch(server.url)

    assert result.outcome is Outcome.FAILED
    assert result.error == "connection closed before the whole body arrived (after 3 attempts)"
    assert [(a.status_code, a.bytes) for a in result.attempts] == [(200, 100)] * 3
    assert server.connections == 3


def test_connection_refused_is_retried_with_a_clear_error(fetcher: Fetcher) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed on exit, so nothing listens there

    result = fetcher.fetch(f"http://127.0.0.1:{port}/page")

    assert result.outcome is Outcome.FAILED
    assert len(result.attempts) == 3
    assert all(a.error.startswith("could not connect:") for a in result.attempts)


# --- schemes and redirects -------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/pub/file"])
def test_non_http_scheme_is_refused_without_a_network_attempt(fetcher: Fetcher, url: str) -> None:
    result = fetcher.fetch(url)

    scheme = url.split(":")[0]
    assert result.outcome is Outcome.FAILED
    assert result.error == f"unsupported URL scheme '{scheme}': only http and https are fetched"
    assert result.attempts == ()


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "ws://a/"])
def test_redirect_to_non_http_scheme_fails_clearly(
    httpserver: HTTPServer, fetcher: Fetcher, location: str
) -> None:
    redirect = Response(status=302, headers={"Location": location})
    httpserver.expect_request("/page").respond_with_response(redirect)

    result = fetcher.fetch(httpserver.url_for("/page"))

    scheme = location.split(":")[0]
    assert result.outcome is Outcome.FAILED
    assert result.error.startswith("redirected to ")
    assert f"unsupported URL scheme '{scheme}'" in result.error
    assert len(result.attempts) == 1
    assert len(httpserver.log) == 1


def test_redirect_is_followed(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    redirect = Response(status=301, headers={"Location": "/2025/page"})
    httpserver.expect_request("/page").respond_with_response(redirect)
    httpserver.expect_request("/2025/page").respond_with_data(b"moved here")

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert (result.outcome, result.content) == (Outcome.OK, b"moved here")
    assert result.final_url == httpserver.url_for("/2025/page")


def test_redirect_loop_fails_with_too_many_redirects(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    loop = Response(status=302, headers={"Location": "/page"})
    httpserver.expect_request("/page").respond_with_response(loop)

    result = fetcher.fetch(httpserver.url_for("/page"))

    assert result.outcome is Outcome.FAILED
    assert result.error == "too many redirects (more than 5)"
    assert len(result.attempts) == 1
    assert len(httpserver.log) == POLICY.max_redirects + 1


def test_backoff_stays_finite_however_long_a_host_answers_503():
    with Fetcher(FetchPolicy(backoff_base=1.0, max_backoff=60)) as fetcher:
        assert fetcher._backoff(2_000) == 60  # 2**1999 would overflow a float


def test_a_stop_ends_a_slow_body_at_once(httpserver: HTTPServer):
    """A body trickling in (a byte every 0.2 s) must not hold a stopping daemon up."""
    import threading
    import time

    from werkzeug import Response

    def trickle():
        for _ in range(100):
            time.sleep(0.2)
            yield b"x"

    httpserver.expect_request("/slow").respond_with_handler(
        lambda request: Response(trickle(), content_type="text/html")
    )
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with Fetcher(POLICY, stop=stop) as fetcher:
        result = fetcher.fetch(httpserver.url_for("/slow"))
    assert result.outcome is Outcome.STOPPED and result.error is None
    assert time.monotonic() - started < 3  # not the 20 s the body would take
