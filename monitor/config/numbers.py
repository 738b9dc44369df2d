"""The range of every number config.toml may set, in one table.

TOML accepts `nan` and `inf`, and a float comparison with nan is always false, so a
`value < 0` check lets nan through: a timeout of nan or inf hangs, a retry wait of nan
stops later notifications. Every number goes through `Range.problem`, which refuses
anything not finite and outside the documented bounds. docs/config-safety.md prints
this table and a test keeps the two the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY = 86_400.0


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    whole: bool = False  # a whole number (TOML integer)
    above_low: bool = False  # `low` itself is refused (a timeout of 0 never waits)
    unit: str = ""

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        unit = f" of {self.unit}" if self.unit else ""
        low = f"above {self.low:.15g}" if self.above_low else f"from {self.low:.15g}"
        return f"{kind}{unit} {low} to {self.high:.15g}"

    def problem(self, value: object) -> str | None:
        """Why `value` is not a number of this range, or None when it is."""
        refused = f"must be {self.describe()}, got {value!r}"
        # A TOML boolean is an int to Python: it is never a number here.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return refused
        if self.whole and not isinstance(value, int):
            return refused
        # An int is always finite (and may be too large to convert to a float).
        if isinstance(value, float) and not math.isfinite(value):
            return refused
        too_low = value <= self.low if self.above_low else value < self.low
        return refused if too_low or value > self.high else None


def seconds(high: float, *, above_zero: bool = False) -> Range:
    return Range(0, high, above_low=above_zero, unit="seconds")


def whole(low: int, high: int, unit: str = "") -> Range:
    return Range(low, high, whole=True, unit=unit)


SCORE_CHANGE = Range(0, 9, unit="score points")  # scores run from 1 to 10
# Any index's measure, in its own unit (score points, places, levels); the measure's
# scale or levels bound it further (a change larger than those could never happen).
MEASURE_CHANGE = Range(0, 1000, unit="the measure's units")

# Every number config.toml accepts: the dotted key (`<name>` stands for any name) and
# its range. A new numeric setting needs its line here (tests/faults checks).
NUMBERS: dict[str, Range] = {
    "fetch.concurrency": whole(1, 64, "parallel fetches"),
    "fetch.connect_timeout": seconds(300, above_zero=True),
    "fetch.read_timeout": seconds(600, above_zero=True),
    "fetch.max_bytes": whole(1, 1_000_000_000, "bytes"),
    "fetch.max_retries": whole(0, 10),
    "fetch.backoff_base": seconds(600),
    "fetch.max_backoff": seconds(3600),
    "fetch.max_retry_after": seconds(DAY),
    "fetch.max_redirects": whole(0, 20),
    "fetch.robots_ttl": seconds(30 * DAY),
    "fetch.per_host_interval": seconds(3600),
    "fetch.max_fetch_seconds": Range(1, 3600, unit="seconds"),
    "fetch.min_bytes_per_second": whole(0, 1_000_000_000, "bytes per second"),
    "fetch.min_rate_after_seconds": seconds(600),
    "fetch.cycle_budget_seconds": Range(10, DAY, unit="seconds"),
    "thresholds.indicator": SCORE_CHANGE,
    "thresholds.composite": SCORE_CHANGE,
    "thresholds.rank": whole(0, 193, "places"),
    "thresholds.narrative": Range(0, 1),  # the share of a section rewritten
    "thresholds.pillars.<pillar>": SCORE_CHANGE,
    "thresholds.indicators.<key>": SCORE_CHANGE,
    "thresholds.indices.<index>.<measure>": MEASURE_CHANGE,
    "notify.max_pending_age": seconds(30 * DAY, above_zero=True),
    "notify.smtp.port": whole(1, 65535),
    "notify.smtp.timeout": seconds(600, above_zero=True),
    "notify.delivery.attempts": whole(1, 100),
    "notify.delivery.retry_wait": seconds(60),
    "notify.delivery.rounds": whole(1, 1000),
    "notify.delivery.round_backoff": seconds(7 * DAY),
    "notify.channels.<name>.timeout": seconds(600, above_zero=True),
    "schedule.jitter": seconds(DAY),
    "schedule.misfire_grace": seconds(7 * DAY),
    "health.failures": whole(1, 1000, "checks"),
    "health.stale_days": Range(0, 3650, above_low=True, unit="days"),
    "health.expect_edition": whole(0, 2100),
}
