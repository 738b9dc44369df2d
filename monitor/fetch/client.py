"""Fetch one URL over HTTP(S) with conditional GET, a body size cap and bounded retries,
politely: robots.txt obeyed, request starts paced per host (see `monitor.fetch.politeness`).

`Fetcher.fetch` never raises for network or HTTP trouble: it returns a `FetchResult`
whose outcome is `ok`, `not_modified` or `failed`, with every attempt recorded (time,
URL, status, bytes, duration, error) and, on failure, one clear reason. A URL that
robots.txt disallows is `failed` with one attempt that made no request. Whether the
body is the page we wanted is not judged here; that is the extractor's job.

Each attempt has an overall deadline (`max_fetch_seconds`: connect, headers and body)
and a minimum body throughput; a gzip or deflate body counts against `max_bytes` as it
is decoded. A fetch whose first request would start after the cycle's budget
(`cycle_budget_seconds` from the Fetcher's creation), or while its host holds requests
for longer than we wait (another URL's 429 or 503), is `deferred`: not requested, not a
failure, left for the next cycle.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx

from monitor.config.settings import FetchPolicy
from monitor.fetch.limits import (
    ACCEPT_ENCODING,
    BodyDecoder,
    Deadlines,
    UndecodableBody,
    apply_deadlines,
)
from monitor.fetch.politeness import (
    STOPPING,
    TOO_LATE,
    HostPacer,
    HostRules,
    RobotsCache,
    host_of,
    read_rules,
)
from monitor.fetch.tls import LazyVerifyContext
from monitor.models import Attempt
from monitor.redact import redact

_SCHEMES = ("http", "https")
# At debug level: every request (method, URL, status, bytes, ms), redirect and robots
# decision, so `--log-level debug` shows what the fetch did and why.
log = logging.getLogger(__name__)

# An unwanted body (a 304's, an error page) up to this size is read to its end so the
# connection goes back to the pool: one left unread is closed, and the next request to
# the host pays for a new connection.
_DRAIN_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Validators:
    """Conditional-GET state remembered per source."""

    etag: str | None = None
    last_modified: str | None = None


class Outcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"
    STOPPED = "stopped"  # the monitor is stopping: not requested, not a failure
    DEFERRED = "deferred"  # not requested now (cycle budget, host on hold): not a failure


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    outcome: Outcome
    status_code: int | None
    content: bytes | None
    content_type: str | None  # the raw header, charset included
    validators: Validators  # from the response on OK, else the ones sent
    attempts: tuple[Attempt, ...]
    error: str | None


@dataclass(frozen=True)
class _Try:
    """What one attempt yields to the retry loop."""

    attempt: Attempt
    final_url: str
    retryable: bool = False
    retry_after: float | None = None
    content: bytes | None = None
    content_type: str | None = None
    validators: Validators | None = None
    stopped: bool = False  # the monitor began stopping while the body came in


class _NotNow(Exception):
    """robots.txt was not asked for now (stopping or deferred); nothing is cached."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason)
        self.reason = reason  # None: stopping


class Fetcher:
    """Owns one `httpx.Client` and the politeness state (robots.txt read, per-host pace);
    safe to share across the threads of a pool. Once `stop` is set no request starts and
    no wait (pacing, backoff) goes on: fetches end `STOPPED`. One Fetcher serves one
    cycle: its budget runs from its creation. `sleep` and `clock` (monotonic seconds, for
    pacing and the budget) are injectable so tests need not wait."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
        stop: threading.Event | None = None,
    ) -> None:
        self.policy = policy = policy or FetchPolicy()
        self._stop = stop or threading.Event()
        self._sleep = sleep or self._stop.wait  # a real wait ends early when stopping
        self._pacer = HostPacer(
            policy.per_host_interval,
            max_hold=policy.max_retry_after,
            backoff=self._backoff,
            clock=clock,
            sleep=self._sleep,
            stopping=self._stop.is_set,
        )
        self._robots = RobotsCache(self._read_robots, policy.robots_ttl, clock)
        self._clock = clock
        self._start_by = clock() + policy.cycle_budget_seconds
        self._client = httpx.Client(
            follow_redirects=True,
            verify=LazyVerifyContext(),
            max_redirects=policy.max_redirects,
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=policy.connect_timeout,
            ),
            # Only encodings BodyDecoder undoes piece by piece, whatever httpx could do.
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            event_hooks={"request": [_refuse_bad_urls], "response": [_log_redirect]},
        )
        self._deadlines = Deadlines()
        apply_deadlines(self._client, self._deadlines)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        sent = validators or Validators()
        try:
            target = httpx.URL(url)
            problem = _url_problem(target)
        except httpx.InvalidURL as exc:
            problem = f"invalid URL: {exc}"
        if problem:
            return _failed(url, url, None, sent, (), problem)
        if self._stop.is_set():
            return _stopped(url, sent)
        if self._clock() >= self._start_by:
            return _deferred(url, sent, self._out_of_budget())
        if self.policy.respect_robots:
            try:
                refusal = self._robots.rules(target).refusal_for(target)
            except _NotNow as exc:  # robots.txt not asked now: stopped or deferred, not refused
                return _deferred(url, sent, exc.reason) if exc.reason else _stopped(url, sent)
            log.debug("robots.txt: %s %s", redact(url), refusal or "allowed")
            if refusal:
                return _failed(url, url, None, sent, (_not_requested(url, refusal),), refusal)
        conditions = {"If-None-Match": sent.etag, "If-Modified-Since": sent.last_modified}
        # Non-ASCII validators are invalid but do occur, and httpx cannot send them.
        headers = {name: value for name, value in conditions.items() if value and value.isascii()}
        return self._get(url, headers, sent)

    def _read_robots(self, robots_url: httpx.URL) -> HostRules:
        # Through our own client and retry loop: the same caps, timeouts and pacing.
        got = self._get(str(robots_url), {}, Validators())
        if got.outcome in (Outcome.STOPPED, Outcome.DEFERRED):
            raise _NotNow(got.error)
        host = host_of(robots_url)
        rules = read_rules(host, self.policy.user_agent, got.status_code, got.content, got.error)
        delay = rules.robots.crawl_delay
        log.debug(
            "robots.txt of %s read: %d rules%s",
            host,
            len(rules.robots.rules),
            "" if delay is None else f", crawl-delay {delay:g}s",
        )
        self._pacer.space(host, rules.robots.crawl_delay)
        return rules

    def _get(self, url: str, headers: dict[str, str], sent: Validators) -> FetchResult:
        """GET with retries; every attempt waits for its host's turn. The first waits
        no longer than the cycle's budget; a retry of a started fetch is not cut short."""
        host = host_of(httpx.URL(url))
        attempts: list[Attempt] = []
        final_url, status = url, None
        for number in range(1, self.policy.max_retries + 2):
            refusal = self._pacer.turn(host, start_by=self._start_by if number == 1 else None)
            if refusal is STOPPING:
                return _stopped(url, sent)
            if refusal is TOO_LATE:
                return _deferred(url, sent, self._out_of_budget())
            if refusal and not attempts:  # held for another URL's answer: not this one's fault
                return _deferred(url, sent, refusal)
            if refusal:
                attempts.append(_not_requested(url, refusal))
                error = refusal
                break
            tried = self._try_once(url, headers)
            if tried.stopped:
                return _stopped(url, sent)
            attempts.append(tried.attempt)
            status, error = tried.attempt.status_code, tried.attempt.error
            final_url = tried.final_url
            # 429 and 503 hold the whole host, this request's retry included.
            held = self._pacer.busy(host, tried.retry_after) if status in (429, 503) else None
            if error is None:
                self._pacer.recovered(host)
                return FetchResult(
                    url=url,
                    final_url=tried.final_url,
                    outcome=Outcome.NOT_MODIFIED if status == 304 else Outcome.OK,
                    status_code=status,
                    content=tried.content,
                    content_type=tried.content_type,
                    validators=tried.validators or sent,
                    attempts=tuple(attempts),
                    error=None,
                )
            if not tried.retryable or number > self.policy.max_retries:
                break
            if held is None:
                self._sleep(self._backoff(number))
            elif held > self.policy.max_retry_after:
                error += (
                    f"; the server asked to retry after {held:g}s,"
                    f" beyond the {self.policy.max_retry_after:g}s limit, so we gave up"
                )
                break
        if len(attempts) > 1:
            error += f" (after {len(attempts)} attempts)"
        return _failed(url, final_url, status, sent, tuple(attempts), error)

    def _out_of_budget(self) -> str:
        budget = self.policy.cycle_budget_seconds
        return f"not started: the cycle used its {budget:g}s budget; deferred to the next cycle"

    def _backoff(self, retry: int) -> float:
        # Jitter keeps sources that failed together from retrying in lockstep.
        # The exponent is capped: after ~1,000 answers of 503 in one cycle 2**n overflows.
        delay = self.policy.backoff_base * 2 ** min(retry - 1, 30) * random.uniform(1.0, 1.1)
        return min(self.policy.max_backoff, delay)

    def _try_once(self, url: str, headers: dict[str, str]) -> _Try:
        started_at = datetime.now(UTC).isoformat()
        start = time.perf_counter()
        deadline = time.monotonic() + self.policy.max_fetch_seconds
        status: int | None = None
        final_url, received, cap = url, 0, self.policy.max_bytes

        def attempt(error: str | None) -> Attempt:
            duration_ms = (time.perf_counter() - start) * 1000
            log.debug(
                "GET %s -> %s, %d bytes, %.0f ms%s",
                redact(final_url),
                status or "no response",
                received,
                duration_ms,
                f" ({error})" if error else "",
            )
            return Attempt(url, started_at, status, received, duration_ms, error)

        too_big = f"body exceeds the size cap of {cap} bytes"
        try:
            with (
                self._deadlines.within(deadline),
                self._client.stream("GET", url, headers=headers) as response,
            ):
                status, final_url = response.status_code, str(response.url)
                if status == 304:
                    _drain(response)
                    return _Try(attempt(None), final_url)  # no body; keep the validators sent
                if not response.is_success:
                    _drain(response)
                    reason = f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".rstrip()
                    after = response.headers.get("Retry-After") if status in (429, 503) else None
                    retryable = status >= 500 or status == 429
                    return _Try(attempt(reason), final_url, retryable, _retry_after(after))
                if _declared_length(response) > cap:
                    return _Try(attempt(too_big), final_url)  # refuse before reading a byte
                decoder = BodyDecoder(response.headers.get("Content-Encoding"))
                body_started = time.monotonic()
                chunks = []
                # Raw chunks, decoded here in bounded pieces: the cap counts decoded bytes
                # before they pile up (a 1 KB gzip chunk can hold 1 MB).
                for raw in itertools.chain(response.iter_raw(), [None]):  # None: the end
                    if self._stop.is_set():  # a slow body must not hold a stop up
                        return _Try(attempt(STOPPING), final_url, stopped=True)
                    slow = self._too_slow(response.num_bytes_downloaded, body_started)
                    if slow:
                        return _Try(attempt(slow), final_url)
                    for piece in decoder.feed(raw) if raw is not None else [decoder.flush()]:
                        received += len(piece)
                        if received > cap:  # Content-Length may be absent or wrong
                            return _Try(attempt(too_big), final_url)
                        chunks.append(piece)
                return _Try(
                    attempt(None),
                    final_url,
                    content=b"".join(chunks),
                    content_type=response.headers.get("Content-Type"),
                    validators=Validators(
                        response.headers.get("ETag"), response.headers.get("Last-Modified")
                    ),
                )
        except UndecodableBody as exc:
            return _Try(attempt(str(exc)), final_url)
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline:
                # Retrying would hold the cycle as long again; the next cycle tries anew.
                return _Try(attempt(self._late(status, received)), final_url)
            error, retryable = self._describe(exc, in_body=status is not None)
            return _Try(attempt(error), final_url, retryable)

    def _late(self, status: int | None, received: int) -> str:
        limit = self.policy.max_fetch_seconds
        if status is None:
            return f"no response within {limit:g}s"
        return f"body not complete within {limit:g}s ({received} bytes by then)"

    def _too_slow(self, downloaded: int, body_started: float) -> str | None:
        """Why the body comes in too slowly to wait for, once it has had its grace."""
        minimum, elapsed = self.policy.min_bytes_per_second, time.monotonic() - body_started
        if not minimum or elapsed < max(self.policy.min_rate_after_seconds, 1e-3):
            return None
        rate = downloaded / elapsed
        if rate >= minimum:
            return None
        return f"body arrived at {rate:.0f} B/s, under the {minimum} B/s minimum"

    def _describe(self, exc: httpx.HTTPError, *, in_body: bool) -> tuple[str, bool]:
        """A clear reason for a transport failure, and whether trying again may help."""
        policy = self.policy
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connect timed out after {policy.connect_timeout:g}s", True
        if isinstance(exc, httpx.ReadTimeout):
            return f"read timed out after {policy.read_timeout:g}s", True
        if isinstance(exc, httpx.PoolTimeout):
            return f"no free connection after {policy.connect_timeout:g}s", True
        if isinstance(exc, httpx.TimeoutException):
            return f"write timed out after {policy.read_timeout:g}s", True
        if isinstance(exc, httpx.ConnectError):
            return f"could not connect: {exc}", True
        if isinstance(exc, httpx.RemoteProtocolError) and in_body:
            return "connection closed before the whole body arrived", True
        if isinstance(exc, httpx.RemoteProtocolError):
            return f"server broke the HTTP exchange: {exc}", True
        if isinstance(exc, httpx.UnsupportedProtocol):
            return f"redirected to {exc.request.url}: {exc}", False
        if isinstance(exc, httpx.NetworkError):
            return f"connection lost: {exc}", True
        if isinstance(exc, httpx.TooManyRedirects):
            return f"too many redirects (more than {policy.max_redirects})", False
        return f"{type(exc).__name__}: {exc}", False


def _url_problem(url: httpx.URL) -> str | None:
    if url.scheme not in _SCHEMES:
        return f"unsupported URL scheme '{url.scheme}': only http and https are fetched"
    return None if url.host else f"no host in URL {url}"


def _refuse_bad_urls(request: httpx.Request) -> None:
    # Runs before every request, redirects included, so no server can steer us to
    # file://, ftp:// or ws:// (httpcore would happily speak HTTP to ws:// URLs).
    problem = _url_problem(request.url)
    if problem:
        raise httpx.UnsupportedProtocol(problem, request=request)


def _log_redirect(response: httpx.Response) -> None:
    # Runs for every response httpx receives; the final one is logged with its body.
    if response.has_redirect_location:
        target = response.request.url.join(response.headers["Location"])
        log.debug(
            "redirect: HTTP %d %s -> %s",
            response.status_code,
            redact(str(response.request.url)),
            redact(str(target)),
        )


def _declared_length(response: httpx.Response) -> int:
    try:
        return int(response.headers.get("Content-Length", "0"))
    except ValueError:
        return 0  # a malformed header: the byte count while reading still applies


def _drain(response: httpx.Response) -> None:
    """Read a small unwanted body to its end (see `_DRAIN_LIMIT`): a 304's (none, by
    the standard) or one whose declared length is small. One of unknown length could
    trickle in; it, a larger one, or trouble while reading only cost the connection,
    never the fetch's outcome."""
    declared = response.headers.get("Content-Length")
    if response.status_code != 304 and (
        declared is None or _declared_length(response) > _DRAIN_LIMIT
    ):
        return
    read = 0
    try:
        for chunk in response.iter_raw():
            read += len(chunk)
            if read > _DRAIN_LIMIT:
                return
    except httpx.HTTPError:
        return


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _not_requested(url: str, reason: str) -> Attempt:
    """The record of an attempt that politeness stopped before any request was made."""
    return Attempt(url, datetime.now(UTC).isoformat(), None, 0, 0.0, reason)


def _stopped(url: str, sent: Validators) -> FetchResult:
    return FetchResult(url, url, Outcome.STOPPED, None, None, None, sent, (), None)


def _deferred(url: str, sent: Validators, reason: str) -> FetchResult:
    return FetchResult(url, url, Outcome.DEFERRED, None, None, None, sent, (), reason)


def _failed(
    url: str,
    final_url: str,
    status: int | None,
    sent: Validators,
    attempts: tuple[Attempt, ...],
    error: str,
) -> FetchResult:
    return FetchResult(url, final_url, Outcome.FAILED, status, None, None, sent, attempts, error)
