"""Politeness towards the sites we fetch from, shared by the fetch threads of one cycle.

- `RobotsCache`: each origin's robots.txt, read once (whichever thread asks first reads
  it; the others wait for that answer) and trusted for a set time.
- `HostPacer`: one request start per interval per host (a `Crawl-delay` can lengthen
  it); after a 429 or 503 the whole host waits (its `Retry-After`, else an exponential
  backoff), so one busy host slows only its own sources.

How a robots.txt answer is read (RFC 9309, except for 401/403):
- 2xx: its rules; 404, 410 and other 4xx: there are no rules, everything is allowed;
- 401/403: everything is disallowed (the long-standing convention; RFC 9309 would allow);
- 5xx, 429, network failure (after the usual retries): everything is disallowed while
  it cannot be read, as RFC 9309 asks; the next cycle asks again. A network failure is
  reported as such, robots.txt only named as the request that met it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from monitor.fetch.robots import RobotsTxt

Clock = Callable[[], float]
Sleep = Callable[[float], object]
# What `HostPacer.turn` answers once the monitor is stopping: no request, and no waiting.
STOPPING = "not requested: the monitor is stopping"
# What it answers once the time given to start by has come.
TOO_LATE = "not requested: too late to start"


@dataclass(frozen=True)
class HostRules:
    """What one origin's robots.txt lets us fetch."""

    host: str
    robots: RobotsTxt = field(default_factory=RobotsTxt)
    refusal: str | None = None  # set when every URL is refused (401/403, unreadable)

    def refusal_for(self, url: httpx.URL) -> str | None:
        """Why `url` may not be fetched, or None when it may."""
        if self.refusal is not None:
            return self.refusal
        rule = self.robots.deciding_rule(url.raw_path.decode("ascii"))
        if rule is None or rule.allow:
            return None
        return f"disallowed by robots.txt of {self.host} ({rule})"


def read_rules(
    host: str, user_agent: str, status: int | None, body: bytes | None, error: str | None
) -> HostRules:
    """`HostRules` from the outcome of fetching `host`'s robots.txt."""
    if error is None:
        text = (body or b"").decode("utf-8", "replace")
        return HostRules(host, RobotsTxt.parse(text, user_agent))
    if status in (401, 403):
        why = f"it answered {error}, which counts as disallowing everything"
    elif status is not None and 400 <= status < 500 and status != 429:
        return HostRules(host)  # no robots.txt: no restrictions
    elif status is None:
        # The host did not answer at all: that is the news, not robots.txt (an offline
        # machine would otherwise read as a robots.txt problem).
        return HostRules(
            host,
            refusal=f"network failure reaching {host}: {error}"
            " (robots.txt could not be read, so nothing else was requested from it)",
        )
    else:
        why = f"it could not be read ({error}); everything counts as disallowed until it can be"
    return HostRules(host, refusal=f"disallowed by robots.txt of {host}: {why}")


class RobotsCache:
    """`HostRules` per origin, loaded at most once per `ttl` seconds, thread-safe."""

    def __init__(self, load: Callable[[httpx.URL], HostRules], ttl: float, clock: Clock) -> None:
        self._load = load  # given the robots.txt URL
        self._ttl = ttl
        self._clock = clock
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._cached: dict[str, tuple[HostRules, float]] = {}  # origin -> (rules, expiry)

    def rules(self, url: httpx.URL) -> HostRules:
        origin = f"{url.scheme}://{host_of(url)}"
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        # One lock per origin: a slow robots.txt holds up only its own origin's URLs.
        with lock:
            cached = self._cached.get(origin)
            if cached is None or cached[1] <= self._clock():
                cached = (self._load(httpx.URL(origin + "/robots.txt")), self._clock() + self._ttl)
                self._cached[origin] = cached
            return cached[0]


@dataclass
class _Host:
    interval: float
    last_start: float = -math.inf
    resume_at: float = -math.inf  # the end of the wait a 429 or 503 asked for
    strikes: int = 0  # 429s and 503s since the last success, for the backoff


class HostPacer:
    """Request starts per host, paced; `turn` waits for one, `busy` and `recovered`
    report how the host answered."""

    def __init__(
        self,
        interval: float,
        *,
        max_hold: float,
        backoff: Callable[[int], float],
        clock: Clock,
        sleep: Sleep,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self._interval = interval
        self._stopping = stopping
        self._max_hold = max_hold  # a longer wait asked by a server is not waited for
        self._backoff = backoff  # seconds to wait after the n-th 429/503 in a row
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        return self._hosts.setdefault(host, _Host(self._interval))

    def space(self, host: str, seconds: float | None) -> None:
        """At least `seconds` between request starts (a Crawl-delay), capped at the
        longest wait we agree to."""
        if seconds is not None:
            with self._lock:
                state = self._host(host)
                state.interval = max(state.interval, min(seconds, self._max_hold))

    def turn(self, host: str, *, start_by: float | None = None) -> str | None:
        """Wait until a request to `host` may start. None when it may; the reason when
        the host asked for a longer wait than we agree to (nothing was waited then);
        `STOPPING` as soon as the monitor is stopping; `TOO_LATE` once `start_by` (clock
        seconds) has come."""
        until = math.inf if start_by is None else start_by
        while True:
            if self._stopping():
                return STOPPING
            with self._lock:
                state, now = self._host(host), self._clock()
                if now >= until:
                    return TOO_LATE
                if state.resume_at - now > self._max_hold:
                    return (
                        f"not requested: {host} asked to wait {state.resume_at - now:.0f}s more,"
                        f" beyond the {self._max_hold:g}s limit"
                    )
                wait = max(state.last_start + state.interval, state.resume_at) - now
                if wait <= 0:
                    state.last_start = now
                    return None
            # Then look again: another thread may have started meanwhile, or a 429/503
            # may have asked for a longer wait.
            self._sleep(min(wait, until - now))

    def busy(self, host: str, retry_after: float | None) -> float:
        """`host` answered 429 or 503: hold every request to it for its Retry-After, else
        the next step of the backoff. Returns that wait."""
        with self._lock:
            state, now = self._host(host), self._clock()
            state.strikes += 1
            wait = self._backoff(state.strikes) if retry_after is None else retry_after
            state.resume_at = max(state.resume_at, now + wait)
            return wait

    def recovered(self, host: str) -> None:
        with self._lock:
            self._host(host).strikes = 0


def host_of(url: httpx.URL) -> str:
    """`example.org` or `127.0.0.1:8080`: the unit of pacing and of robots.txt messages."""
    return url.netloc.decode("ascii")
