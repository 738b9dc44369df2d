"""Typed settings: what `config.toml` says, as the stages read it.

Each stage takes its own part (`Config.fetch`, `.thresholds`, `.notify`, `.schedule`,
`.health`); the reader in `monitor.config.reader` builds them and names any key at fault.
This module imports no stage: the arrows point from the stages to their settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.config.notify import NotifySettings
from monitor.config.schedule import ScheduleSettings
from monitor.redact import redact
from monitor.version import __version__

DEFAULT_DATA_DIR = "snapshots"
DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = f"profile-monitor/{__version__} (+https://github.com/profile-monitor)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 20_000_000
    max_retries: int = 3  # retries after the first attempt
    backoff_base: float = 1.0  # seconds; doubles with each retry
    max_backoff: float = 60.0
    max_retry_after: float = 300.0  # a longer Retry-After is not waited for
    max_redirects: int = 5
    respect_robots: bool = True  # obey each origin's robots.txt
    robots_ttl: float = 86_400.0  # seconds a robots.txt read is trusted (RFC 9309: a day)
    per_host_interval: float = 1.0  # between request starts to one host; Crawl-delay can raise it
    max_fetch_seconds: float = 120.0  # one attempt, connect to last body byte
    min_bytes_per_second: int = 1024  # body throughput on the wire, averaged; 0: no minimum
    min_rate_after_seconds: float = 5.0  # of body before the throughput is judged
    cycle_budget_seconds: float = 1800.0  # no source starts later in a cycle: deferred


@dataclass(frozen=True)
class HealthSettings:
    failures: int = 5  # failed checks in a row before a source is broken
    stale_days: float = 14.0  # no successful fetch for this long: stale
    expect_edition: int = 0  # an edition expected by `expect_by` (0: none)
    expect_by: str = ""  # ISO date


DIRECTIONS = ("deterioration", "improvement")


@dataclass(frozen=True)
class Thresholds:
    """Significance thresholds; the rules stage reads them.

    A measure's default is its significance in its index's definition. `indices` sets
    any index's measures by key (`[thresholds.indices.<id>]`). The other keys are the
    OC Index's, kept for existing configs: `indicator`, `composite` and `rank` (used
    only when set to other than their defaults, the OC definition's: `given`),
    `pillars` (one pillar's indicators) and
    `indicators` (one indicator or composite by key). `countries` holds a watchlist
    country's own thresholds (missing keys inherit); `directions` filters findings.
    """

    indicator: float = 1.0
    composite: float = 0.25
    rank: int = 10
    narrative: float = 0.3
    directions: tuple[str, ...] = DIRECTIONS
    pillars: dict[str, float] = field(default_factory=dict)
    indicators: dict[str, float] = field(default_factory=dict)
    countries: dict[str, Thresholds] = field(default_factory=dict)
    indices: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def given(self) -> frozenset[str]:
        """The scalars set to other than their defaults (which the OC definition's
        significance equals): only those override the definition."""
        return frozenset(
            name
            for name in ("indicator", "composite", "rank")
            if getattr(self, name) != getattr(Thresholds, name)
        )

    def for_country(self, slug: str | None) -> Thresholds:
        return self.countries.get(slug or "", self)


@dataclass(frozen=True)
class SourceSpec:
    """One watched document: a kind of source for one country and edition."""

    key: str
    kind: str
    country: str
    edition: int | None
    url: str
    schedule: str | None = None  # the daemon's check schedule, if not [schedule] check


@dataclass(frozen=True)
class Config:
    path: Path | None
    data_dir: Path
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    concurrency: int = DEFAULT_CONCURRENCY
    thresholds: Thresholds = field(default_factory=Thresholds)
    sources: tuple[SourceSpec, ...] = ()
    kind_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    notify: NotifySettings = field(default_factory=NotifySettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    indices_dir: Path | None = None  # a directory of the user's own index definitions

    @property
    def database(self) -> Path:
        return self.data_dir / "monitor.db"

    def base_url(self, kind: str) -> str | None:
        """The `[kinds.<kind>] base_url` set for a source kind (None: its default)."""
        url: str | None = self.kind_options.get(kind, {}).get("base_url")
        return url


def source_key(kind: str, country: str, edition: int | None, url: str | None = None) -> str:
    """`ocindex_page:kyrgyzstan:2025`; a document watched by URL (an article) is keyed by
    its redacted URL without the scheme, as several can concern one country (a key is
    shown everywhere: it must hold no secret)."""
    document = redact(url).split("://", 1)[-1].rstrip("/") if url else edition or "current"
    return f"{kind}:{country}:{document}"
