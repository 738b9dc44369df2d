"""`config.toml`: read with tomllib, validated into typed settings.

Every problem names the file and the dotted key (`watch[2].editions`) and says what is
wrong; the CLI prints it and exits with code 2. Secrets never live in the file: keys
that look like secrets are refused, and settings name environment variables instead.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from monitor.assess.health import HealthSettings
from monitor.config.schedule import ScheduleSettings, check_expression, read_schedule
from monitor.errors import ConfigError
from monitor.fetch.client import LIMIT_RANGES, FetchPolicy
from monitor.identity import lookup
from monitor.indices import register, registry
from monitor.indices.catalogue import COMPOSITE_NAMES, INDICATORS
from monitor.notify.settings import NotifySettings, read_notify
from monitor.sources import KINDS, SourceKind, get_kind

DEFAULT_DATA_DIR = "snapshots"
DEFAULT_CONCURRENCY = 4
_SLUG = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
PILLAR_KEYS = ("criminal_markets", "criminal_actors", "resilience")
SCORE_KEYS = set(COMPOSITE_NAMES) | {spec.key for spec in INDICATORS}
_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey")


DIRECTIONS = ("deterioration", "improvement")


@dataclass(frozen=True)
class Thresholds:
    """Significance thresholds (DESIGN.md defaults); the rules stage reads them.

    `pillars` sets the indicator threshold for one pillar's indicators, `indicators` for
    one indicator or composite by key; `countries` holds a watchlist country's own
    thresholds (missing keys inherit); `directions` filters score and rank findings.
    """

    indicator: float = 1.0
    composite: float = 0.25
    rank: int = 10
    narrative: float = 0.3
    directions: tuple[str, ...] = DIRECTIONS
    pillars: dict[str, float] = field(default_factory=dict)
    indicators: dict[str, float] = field(default_factory=dict)
    countries: dict[str, Thresholds] = field(default_factory=dict)

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

    def kind(self, name: str) -> SourceKind:
        return get_kind(name, self.kind_options.get(name, {}).get("base_url"))


def source_key(kind: str, country: str, edition: int | None, url: str | None = None) -> str:
    """`ocindex_page:kyrgyzstan:2025`; a document watched by URL (an article) is keyed by
    its URL without the scheme, as several can concern one country."""
    document = url.split("://", 1)[-1].rstrip("/") if url else edition or "current"
    return f"{kind}:{country}:{document}"


def load_config(path: str | Path | None, *, data_dir: str | Path | None = None) -> Config:
    """Read and validate `path`. With `path=None`, the defaults and no watch list."""
    if path is None:
        return Config(path=None, data_dir=Path(data_dir or DEFAULT_DATA_DIR))
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from None
    return _Reader(path).config(raw, data_dir)


class _Reader:
    """Validation with the file path at hand, so every error can name it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(str(self.path), key, problem)

    def config(self, raw: dict[str, Any], data_dir_override: str | Path | None) -> Config:
        self.no_secrets(raw, "")
        self.only(
            raw,
            "",
            {"data_dir", "fetch", "thresholds", "kinds", "watch", "notify", "schedule", "health"}
            | {"indices_dir"},
        )
        indices_dir = self.indices_dir(raw)
        data_dir = Path(data_dir_override) if data_dir_override else self.data_dir(raw)
        kind_options = self.kinds(raw.get("kinds", {}))
        fetch_table = raw.get("fetch", {})
        if not isinstance(fetch_table, dict):
            raise self.fail("fetch", "must be a table")
        fetch_table = dict(fetch_table)  # concurrency is ours; the rest is the FetchPolicy
        concurrency = fetch_table.pop("concurrency", DEFAULT_CONCURRENCY)
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise self.fail("fetch.concurrency", f"must be a whole number ≥ 1, got {concurrency!r}")
        fetch = self.dataclass_table(fetch_table, "fetch", FetchPolicy)
        if fetch.max_bytes < 1:
            raise self.fail("fetch.max_bytes", "must be ≥ 1")
        for key, (low, high) in LIMIT_RANGES.items():
            value = getattr(fetch, key)
            if not low <= value <= high:  # nan fails every comparison
                raise self.fail(f"fetch.{key}", f"must be from {low:g} to {high:g}, got {value!r}")
        thresholds = self.thresholds(raw.get("thresholds", {}), "thresholds", Thresholds())
        notify = read_notify(raw.get("notify", {}), self, self.path.parent)
        schedule = read_schedule(raw.get("schedule", {}), self)
        health = self.health(raw.get("health", {}))
        config = Config(self.path, data_dir, fetch, concurrency, thresholds, (), kind_options)
        sources = self.watch(raw.get("watch", []), config, schedule.timezone)
        watched = {spec.country for spec in sources}
        for name in raw.get("thresholds", {}).get("countries", {}):
            if (slug := self.slug(name, "")) not in watched and lookup(slug) is None:
                raise self.fail(
                    f"thresholds.countries.{name}",
                    "names no country of the index and none in the watch list",
                )
        return replace(
            config,
            sources=sources,
            notify=notify,
            schedule=schedule,
            health=health,
            indices_dir=indices_dir,
        )

    def indices_dir(self, raw: dict[str, Any]) -> Path | None:
        """The user's own index definitions, each read and checked now (a bad one names
        its own file and key) and made known to every stage."""
        value = raw.get("indices_dir")
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail("indices_dir", "must be a directory path (a non-empty string)")
        directory = (self.path.parent / value).resolve()
        if not directory.is_dir():
            raise self.fail("indices_dir", f"{directory} is not a directory")
        register(registry(directory))
        return directory

    def health(self, table: Any) -> HealthSettings:
        settings: HealthSettings = self.dataclass_table(table, "health", HealthSettings)
        if settings.failures < 1:
            raise self.fail("health.failures", "must be at least 1")
        if bool(settings.expect_edition) != bool(settings.expect_by):
            raise self.fail("health", "give expect_edition and expect_by together")
        if settings.expect_by and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", settings.expect_by):
            raise self.fail("health.expect_by", "must be a date, YYYY-MM-DD")
        return settings

    def thresholds(self, table: Any, where: str, inherited: Thresholds) -> Thresholds:
        if not isinstance(table, dict):
            raise self.fail(where, "must be a table")
        scalars = {"indicator", "composite", "rank", "narrative"}
        nested = {"directions", "pillars", "indicators"} | (
            {"countries"} if where == "thresholds" else set()
        )
        self.only(table, where, scalars | nested)
        given = {k: table[k] for k in scalars & set(table)}
        checked = self.dataclass_table(given, where, Thresholds)
        values: dict[str, Any] = {k: getattr(checked, k) for k in given}
        directions = table.get("directions", list(inherited.directions))
        if (
            not isinstance(directions, list)
            or not set(directions) <= set(DIRECTIONS)
            or not directions
        ):
            raise self.fail(
                f"{where}.directions", f"must be a non-empty list of {', '.join(DIRECTIONS)}"
            )
        values["directions"] = tuple(directions)
        values["pillars"] = inherited.pillars | self.key_numbers(
            table, where, "pillars", set(PILLAR_KEYS)
        )
        values["indicators"] = inherited.indicators | self.key_numbers(
            table, where, "indicators", SCORE_KEYS
        )
        base = replace(inherited, **values)
        countries = {}
        for name, override in table.get("countries", {}).items():
            key = f"{where}.countries.{name}"
            countries[self.slug(name, key)] = self.thresholds(override, key, base)
        return replace(base, countries=countries)

    def key_numbers(
        self, table: dict[str, Any], where: str, name: str, known: set[str]
    ) -> dict[str, float]:
        numbers = table.get(name, {})
        if not isinstance(numbers, dict):
            raise self.fail(f"{where}.{name}", "must be a table of key = number")
        for key, value in numbers.items():
            if key not in known:
                raise self.fail(f"{where}.{name}.{key}", self.unknown(key, known, "key"))
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise self.fail(f"{where}.{name}.{key}", f"must be a number ≥ 0, got {value!r}")
        return {k: float(v) for k, v in numbers.items()}

    def data_dir(self, raw: dict[str, Any]) -> Path:
        value = raw.get("data_dir", DEFAULT_DATA_DIR)
        if not isinstance(value, str) or not value:
            raise self.fail("data_dir", "must be a directory path (a non-empty string)")
        # Relative to the config file, so cron jobs started elsewhere find the same data.
        return (self.path.parent / value).resolve()

    def kinds(self, table: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(table, dict):
            raise self.fail("kinds", "must be a table of [kinds.<name>] sections")
        for name, options in table.items():
            if name not in KINDS:
                raise self.fail(f"kinds.{name}", self.unknown(name, KINDS, "source kind"))
            self.only(options, f"kinds.{name}", set(KINDS[name].options))
            base_url = options.get("base_url")
            if base_url is not None and not re.match(r"^https?://[^\s/]+", str(base_url)):
                raise self.fail(f"kinds.{name}.base_url", "must be an http:// or https:// URL")
        return {name: dict(options) for name, options in table.items()}

    def watch(self, entries: Any, config: Config, timezone: str) -> tuple[SourceSpec, ...]:
        if not isinstance(entries, list):
            raise self.fail("watch", "must be an array of [[watch]] tables")
        sources: dict[str, SourceSpec] = {}
        for n, entry in enumerate(entries):
            where = f"watch[{n + 1}]"
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a table")
            self.only(
                entry, where, {"country", "countries", "kinds", "editions", "url", "schedule"}
            )
            schedule = entry.get("schedule")
            if schedule is not None:
                check_expression(schedule, timezone, self, f"{where}.schedule")
            kinds = self.string_list(entry, where, "kinds", ["ocindex_page"])
            for kind in kinds:
                if kind not in KINDS:
                    raise self.fail(f"{where}.kinds", self.unknown(kind, KINDS, "source kind"))
            document_url = self.document_url(entry, where, kinds)
            editions = [None] if document_url else self.editions(entry, where)
            for country in self.countries(entry, where):
                for kind in kinds:
                    for edition in editions:
                        try:
                            url = document_url or config.kind(kind).url(country, edition)
                        except ValueError as exc:  # the kind cannot watch that edition
                            raise self.fail(f"{where}.editions", str(exc)) from None
                        key = source_key(kind, country, edition, document_url)
                        sources[key] = SourceSpec(key, kind, country, edition, url, schedule)
        return tuple(sources.values())

    def document_url(self, entry: dict[str, Any], where: str, kinds: list[str]) -> str | None:
        """The `url` of an entry of kinds watched by URL (articles); None for the others."""
        by_url = [kind for kind in kinds if KINDS[kind].takes_url]
        if "url" not in entry:
            if by_url:
                raise self.fail(f"{where}.url", f'the {by_url[0]} kind needs url = "https://…"')
            return None
        if len(by_url) != len(kinds):
            named = ", ".join(f'"{k}"' for k in KINDS if KINDS[k].takes_url)
            raise self.fail(
                f"{where}.url",
                f"only for kinds watched by URL (kinds = [{named}]); watch the other kinds "
                "in an entry of their own",
            )
        if "editions" in entry:
            raise self.fail(f"{where}.editions", "a document watched by its URL has no editions")
        url = entry["url"]
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise self.fail(f"{where}.url", "must be an http:// or https:// URL")
        return url

    def countries(self, entry: dict[str, Any], where: str) -> list[str]:
        if ("country" in entry) == ("countries" in entry):
            raise self.fail(where, 'give either country = "slug" or countries = ["slug", …]')
        names = [entry["country"]] if "country" in entry else entry["countries"]
        key = f"{where}.{'country' if 'country' in entry else 'countries'}"
        if not isinstance(names, list) or not names:
            raise self.fail(key, "must be a non-empty list of country slugs")
        return [self.slug(name, key) for name in names]

    def slug(self, name: object, key: str) -> str:
        """A country's key: any name, slug or ISO code of the index's countries resolves
        to its slug (`KGZ`, `cabo-verde`); another slug-shaped name is kept as written
        (an article may concern a country outside the index)."""
        if isinstance(name, str) and (known := lookup(name)) is not None:
            return known.key
        if not isinstance(name, str) or not _SLUG.match(name.lower()):
            raise self.fail(key, f'{name!r} is not a country slug (like "cabo_verde")')
        return name.lower().replace("-", "_")

    def editions(self, entry: dict[str, Any], where: str) -> list[int | None]:
        values = entry.get("editions", ["current"])
        if not isinstance(values, list) or not values:
            raise self.fail(f"{where}.editions", "must be a non-empty list")
        editions: list[int | None] = []
        for value in values:
            if value == "current":
                editions.append(None)
            elif isinstance(value, int) and not isinstance(value, bool) and 2021 <= value <= 2100:
                editions.append(value)
            else:
                raise self.fail(
                    f"{where}.editions", f'{value!r} is neither "current" nor a year ≥ 2021'
                )
        return editions

    def string_list(
        self, entry: dict[str, Any], where: str, key: str, default: list[str]
    ) -> list[str]:
        values = entry.get(key, default)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail(f"{where}.{key}", "must be a list of strings")
        return values

    def dataclass_table(self, table: Any, name: str, cls: type) -> Any:
        if not isinstance(table, dict):
            raise self.fail(name, "must be a table")
        defaults = cls()
        fields = {f: type(getattr(defaults, f)) for f in defaults.__dataclass_fields__}
        self.only(table, name, set(fields))
        values = {}
        for key, value in table.items():
            wanted = fields[key]
            ok = isinstance(value, wanted) or (wanted is float and isinstance(value, int))
            # A TOML boolean is an int to Python: only a boolean setting takes one.
            ok = ok and isinstance(value, bool) == (wanted is bool)
            if not ok or (wanted not in (str, bool) and value < 0):
                raise self.fail(f"{name}.{key}", f"must be a {_TYPE_NAMES[wanted]}, got {value!r}")
            values[key] = wanted(value)
        return cls(**values)

    def only(self, table: dict[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                place = f"{where}.{key}" if where else key
                raise self.fail(place, self.unknown(key, allowed, "key"))

    def no_secrets(self, value: Any, where: str) -> None:
        if isinstance(value, list):
            for n, item in enumerate(value):
                self.no_secrets(item, f"{where}[{n + 1}]")
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            place = f"{where}.{key}" if where else key
            if any(w in key.lower() for w in _SECRET_WORDS) and not key.lower().endswith("_env"):
                raise self.fail(
                    place,
                    "secrets never go in the config file: name an environment variable "
                    f'instead ({key}_env = "MY_VARIABLE") and export it',
                )
            self.no_secrets(item, place)

    @staticmethod
    def unknown(key: str, allowed: Any, what: str) -> str:
        known = ", ".join(sorted(allowed)) or "none"
        return f"unknown {what} {key!r} (known: {known})"


_TYPE_NAMES = {
    str: "string",
    int: "whole number ≥ 0",
    float: "number ≥ 0",
    bool: "boolean (true or false)",
}
