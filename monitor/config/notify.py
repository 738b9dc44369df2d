"""The `[notify]` part of config.toml: channels, SMTP, delivery policy, templates.

A channel is one recipient (a mailbox, a webhook) with its own watchlist, minimum
severity and digest period. With no channels configured, one email channel writes
`.eml` files to `<data_dir>/outbox/`, so the embedded default needs no mail server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from monitor.errors import ConfigError
from monitor.models import Finding

SEVERITIES = ("low", "medium", "high")
PERIODS = ("run", "daily", "weekly")
SECURITY = ("starttls", "ssl", "none")
ALL = ("all",)  # a channel's `countries = "all"`
MEASURED = ("score", "rank", "revision")  # finding kinds keyed by an index's measure
_URL = re.compile(r"^https?://[^\s/]+")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


@dataclass(frozen=True)
class SmtpSettings:
    """A mail server. Credentials are read from the named environment variables when
    a message is sent, never from the file."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username_env: str = ""
    password_env: str = ""
    timeout: float = 30.0
    ca_file: str = ""  # PEM file of the CAs to trust instead of the system's (a private CA)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries within one delivery round, then rounds across runs, then failed."""

    attempts: int = 3  # tries per round
    retry_wait: float = 1.0  # seconds before a round's second try, doubled after each (≤ 60)
    rounds: int = 8  # rounds before a notification fails for good (`monitor outbox retry`)
    round_backoff: float = 300.0  # seconds before the next round, doubled per failed round


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    kind: str  # a registered channel kind: email, webhook, slack
    every: str = "run"  # run: a digest per run; daily / weekly: one per period
    min_severity: str = "low"
    # The countries it hears about: None, the watched ones (every country when nothing
    # is watched); ALL, every country; or these.
    countries: tuple[str, ...] | None = None
    options: dict[str, Any] = field(default_factory=dict)  # the kind's own keys
    # Measure keys of the indices it follows (None: every index). A finding about a
    # measure (score, rank, revision) of another index is not its news.
    measures: frozenset[str] | None = None

    def wants(self, finding: Finding, country: str | None, watched: frozenset[str]) -> bool:
        if SEVERITIES.index(finding.severity) < SEVERITIES.index(self.min_severity):
            return False
        if self.measures is not None and finding.kind in MEASURED:
            key = finding.key.rsplit("_", 1)[0] if finding.kind == "rank" else finding.key
            if key not in self.measures:
                return False
        if self.countries == ALL or (self.countries is None and not watched):
            return True
        return country in (watched if self.countries is None else self.countries)


DEFAULT_CHANNEL = ChannelSpec("digest", "email", options={"to": ("monitor@localhost",)})


@dataclass(frozen=True)
class NotifySettings:
    channels: tuple[ChannelSpec, ...] = (DEFAULT_CHANNEL,)
    smtp: SmtpSettings | None = None  # None: email channels write .eml files to the outbox
    sender: str = "profile-monitor@localhost"
    templates: Path | None = None  # a directory whose templates override the packaged ones
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    # Seconds a notification may wait undelivered before `monitor status` exits 1.
    max_pending_age: float = 3600.0
    watched: frozenset[str] = frozenset()  # the watch list's countries

    def route(self, finding: Finding, country: str | None) -> list[str]:
        """The channels that owe their readers this finding."""
        return [c.name for c in self.channels if c.wants(finding, country, self.watched)]

    def channel(self, name: str) -> ChannelSpec | None:
        return next((c for c in self.channels if c.name == name), None)


class TableReader(Protocol):
    """What we need of config's validating reader (errors that name file and key)."""

    def fail(self, key: str, problem: str) -> ConfigError: ...
    def only(self, table: dict[str, Any], where: str, allowed: set[str]) -> None: ...
    def dataclass_table(self, table: Any, name: str, cls: type) -> Any: ...
    def number(self, value: Any, key: str, ranges: str = "") -> Any: ...
    def country(self, name: object, key: str) -> str: ...
    def url(self, table: dict[str, Any], where: str, key: str = "url") -> str | None: ...


def read_notify(
    table: Any,
    reader: TableReader,
    base: Path,
    channel_kinds: Mapping[str, Any],
    *,
    watched: frozenset[str] = frozenset(),
    indices: Callable[[], Mapping[str, frozenset[str]]] = dict,
) -> NotifySettings:
    """Validate a `[notify]` table against the channel kinds' registry; `base` resolves
    a relative template directory or CA file; `watched` is the watch list's countries and
    `indices` gives each known index's measure keys (what a channel's `indices` may name;
    called only for a channel that names some: it reads every definition)."""
    if not isinstance(table, dict):
        raise reader.fail("notify", "must be a table")
    allowed = {"channels", "smtp", "sender", "templates", "delivery", "max_pending_age"}
    reader.only(table, "notify", allowed)
    max_age = reader.number(
        table.get("max_pending_age", NotifySettings.max_pending_age), "notify.max_pending_age"
    )
    sender = table.get("sender", NotifySettings.sender)
    if not isinstance(sender, str) or not _ADDRESS.match(sender):
        raise reader.fail("notify.sender", f"must be an email address, got {sender!r}")
    templates = None
    if "templates" in table:
        templates = (base / str(table["templates"])).resolve()
        if not templates.is_dir():
            raise reader.fail("notify.templates", f"{templates} is not a directory")
    smtp = _smtp(table["smtp"], reader, base) if "smtp" in table else None
    delivery = reader.dataclass_table(table.get("delivery", {}), "notify.delivery", DeliveryPolicy)
    channels_table = table.get("channels", {})
    if not isinstance(channels_table, dict):
        raise reader.fail("notify.channels", "must be a table of [notify.channels.<name>]")
    channels = tuple(
        _channel(name, spec, reader, channel_kinds, indices)
        for name, spec in channels_table.items()
    )
    return NotifySettings(
        channels or (DEFAULT_CHANNEL,), smtp, sender, templates, delivery, float(max_age), watched
    )


def _smtp(table: Any, reader: TableReader, base: Path) -> SmtpSettings:
    smtp = reader.dataclass_table(table, "notify.smtp", SmtpSettings)
    if not smtp.host:
        raise reader.fail("notify.smtp.host", "the mail server's host name is required")
    if smtp.security not in SECURITY:
        raise reader.fail("notify.smtp.security", f"must be one of {', '.join(SECURITY)}")
    if not smtp.ca_file:
        return smtp
    # Relative to the config file, so cron jobs started elsewhere find the same file.
    ca_file = (base / smtp.ca_file).resolve()
    if not ca_file.is_file():
        raise reader.fail("notify.smtp.ca_file", f"{ca_file} is not a file")
    return replace(smtp, ca_file=str(ca_file))


def _channel(
    name: str,
    spec: Any,
    reader: TableReader,
    kinds: Mapping[str, Any],
    known_indices: Callable[[], Mapping[str, frozenset[str]]],
) -> ChannelSpec:
    where = f"notify.channels.{name}"
    if not isinstance(spec, dict):
        raise reader.fail(where, "must be a table")
    kind = spec.get("kind")
    if kind not in kinds:
        raise reader.fail(f"{where}.kind", f"must be one of {', '.join(sorted(kinds))}")
    common = {"kind", "every", "min_severity", "countries", "indices"}
    reader.only(spec, where, common | set(kinds[kind].options))
    every = spec.get("every", "run")
    if every not in PERIODS:
        raise reader.fail(f"{where}.every", f"must be one of {', '.join(PERIODS)}")
    severity = spec.get("min_severity", "low")
    if severity not in SEVERITIES:
        raise reader.fail(f"{where}.min_severity", f"must be one of {', '.join(SEVERITIES)}")
    countries = _countries(spec.get("countries"), f"{where}.countries", reader)
    measures = None
    if "indices" in spec:
        followed = spec["indices"]
        indices = known_indices()
        if not isinstance(followed, list) or not all(i in indices for i in followed):
            known = ", ".join(sorted(indices))
            raise reader.fail(f"{where}.indices", f"must be a list of index ids ({known})")
        measures = frozenset().union(*(indices[i] for i in followed))
    options = {k: v for k, v in spec.items() if k not in common | {"url_env"}}
    if "url" in kinds[kind].options:  # from the file, or the environment (a secret URL)
        options["url"] = reader.url(spec, where)
    for problem_key, problem in kinds[kind].check(options):
        raise reader.fail(f"{where}.{problem_key}", problem)
    return ChannelSpec(name, kind, every, severity, countries, options, measures)


def _countries(value: Any, where: str, reader: TableReader) -> tuple[str, ...] | None:
    """None (absent: the watched countries), ALL, or the slugs of a list."""
    if value is None:
        return None
    if value == "all":
        return ALL
    if not isinstance(value, list):
        raise reader.fail(where, 'must be "all" or a list of countries')
    # Keyed as findings are (`KGZ`, `Kyrgyzstan` → kyrgyzstan), or the channel never hears.
    return tuple(reader.country(c, f"{where}[{n + 1}]") for n, c in enumerate(value))


def check_url(value: Any) -> Iterable[tuple[str, str]]:
    if not isinstance(value, str) or not _URL.match(value):
        yield "url", "must be an http:// or https:// URL"


def check_addresses(value: Any) -> Iterable[tuple[str, str]]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(a, str) and _ADDRESS.match(a) for a in value)
    ):
        yield "to", "must be a non-empty list of email addresses"
