"""`config.toml`: read with tomllib, validated into typed settings.

Every problem names the file and the dotted key (`watch[2].editions`) and says what is
wrong; the CLI prints it and exits with code 2. Secrets never live in the file: keys
that look like secrets are refused, and settings name environment variables instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from monitor.config.notify import read_notify
from monitor.config.numbers import MEASURE_CHANGE, NUMBERS
from monitor.config.schedule import check_expression, read_schedule
from monitor.config.settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DATA_DIR,
    DIRECTIONS,
    Config,
    FetchPolicy,
    HealthSettings,
    SourceSpec,
    Thresholds,
    source_key,
)
from monitor.errors import ConfigError
from monitor.identity import canonical_slug, countries, lookup, suggest
from monitor.indices import Measure, catalogue, find, get, register, registry
from monitor.tomlfile import read_toml

_HTTP_URL = re.compile(r"^https?://[^\s/]+")
_SLUG = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
PILLAR_KEYS = ("criminal_markets", "criminal_actors", "resilience")
_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey")


@cache
def score_keys() -> set[str]:
    """The OC Index's composite and indicator keys: read from its definition only when a
    config sets indicator thresholds (most cycles never need the definition)."""
    return set(catalogue.COMPOSITE_NAMES) | {spec.key for spec in catalogue.INDICATORS}


def read_config(
    path: str | Path | None,
    *,
    source_kinds: Mapping[str, Any],
    channel_kinds: Mapping[str, Any],
    data_dir: str | Path | None = None,
) -> Config:
    """Read and validate `path` against the source and channel kinds' registries
    (`monitor.load_config` passes the registered ones). With `path=None`, the defaults
    and no watch list."""
    if path is None:
        return Config(path=None, data_dir=Path(data_dir or DEFAULT_DATA_DIR))
    path = Path(path)
    raw = read_toml(path)
    return _Reader(path, source_kinds, channel_kinds).config(raw, data_dir)


class _Reader:
    """Validation with the file path at hand, so every error can name it."""

    def __init__(
        self, path: Path, source_kinds: Mapping[str, Any], channel_kinds: Mapping[str, Any]
    ) -> None:
        self.path = path
        self.source_kinds = source_kinds  # name -> SourceKind class
        self.channel_kinds = channel_kinds  # name -> ChannelKind class
        # Countries outside the index that articles are watched for: a channel filter
        # or a threshold may name them too.
        self.outside_index: set[str] = set()

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
        concurrency = self.number(
            fetch_table.pop("concurrency", DEFAULT_CONCURRENCY), "fetch.concurrency"
        )
        fetch = self.dataclass_table(fetch_table, "fetch", FetchPolicy)
        schedule = read_schedule(raw.get("schedule", {}), self)
        config = Config(self.path, data_dir, fetch, concurrency, kind_options=kind_options)
        # The watch list first: what it watches outside the index, filters may name.
        sources = self.watch(raw.get("watch", []), config, schedule.timezone)
        thresholds = self.thresholds(raw.get("thresholds", {}), "thresholds", Thresholds())

        @cache
        def measures() -> dict[str, frozenset[str]]:
            # Only a channel following indices needs every definition read.
            return {
                i: frozenset(m.key for m in d.measures) for i, d in registry(indices_dir).items()
            }

        notify = read_notify(
            raw.get("notify", {}),
            self,
            self.path.parent,
            self.channel_kinds,
            watched=frozenset(s.country for s in sources),
            indices=measures,
        )
        health = self.health(raw.get("health", {}))
        return replace(
            config,
            thresholds=thresholds,
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
        if 0 < settings.expect_edition < 2021:
            raise self.fail("health.expect_edition", "must be an edition year ≥ 2021 (0: none)")
        if bool(settings.expect_edition) != bool(settings.expect_by):
            raise self.fail("health", "give expect_edition and expect_by together")
        if settings.expect_by and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", settings.expect_by):
            raise self.fail("health.expect_by", "must be a date, YYYY-MM-DD")
        return settings

    def thresholds(self, table: Any, where: str, inherited: Thresholds) -> Thresholds:
        if not isinstance(table, dict):
            raise self.fail(where, "must be a table")
        scalars = {"indicator", "composite", "rank", "narrative"}
        nested = {"directions", "pillars", "indicators", "indices"} | (
            {"countries"} if where == "thresholds" else set()
        )
        self.only(table, where, scalars | nested)
        given = {k: table[k] for k in scalars & set(table)}
        checked = self.dataclass_table(given, where, Thresholds, ranges="thresholds")
        values: dict[str, Any] = {k: getattr(checked, k) for k in given}
        values["indices"] = self.index_thresholds(table.get("indices", {}), where, inherited)
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
            table, where, "pillars", lambda: PILLAR_KEYS, "thresholds.pillars.<pillar>"
        )
        values["indicators"] = inherited.indicators | self.key_numbers(
            table, where, "indicators", score_keys, "thresholds.indicators.<key>"
        )
        base = replace(inherited, **values)
        countries = {}
        for name, override in table.get("countries", {}).items():
            key = f"{where}.countries.{name}"
            countries[self.country(name, key)] = self.thresholds(override, key, base)
        return replace(base, countries=countries)

    def index_thresholds(
        self, table: Any, where: str, inherited: Thresholds
    ) -> dict[str, dict[str, float]]:
        """`[thresholds.indices.<id>]`: a measure's threshold by key, in its own units,
        for any known index (shipped, or in `indices_dir`)."""
        if not isinstance(table, dict):
            raise self.fail(f"{where}.indices", "must be a table of [indices.<id>] tables")
        merged = {index: dict(keys) for index, keys in inherited.indices.items()}
        for index_id, measures in table.items():
            place = f"{where}.indices.{index_id}"
            try:
                definition = get(index_id)
            except KeyError as exc:
                raise self.fail(place, str(exc.args[0])) from None
            if not isinstance(measures, dict):
                raise self.fail(place, "must be a table of measure = number")
            for key, value in measures.items():
                measure = definition.measure(key)
                if measure is None:
                    keys = {m.key for m in definition.measures}
                    raise self.fail(f"{place}.{key}", self.unknown(key, keys, "measure"))
                self.number(value, f"{place}.{key}", "thresholds.indices.<index>.<measure>")
                if value > (most := _largest_change(measure)):
                    raise self.fail(
                        f"{place}.{key}", f"must be at most {most:g} for this measure, got {value}"
                    )
                merged.setdefault(index_id, {})[key] = float(value)
        return merged

    def key_numbers(
        self,
        table: dict[str, Any],
        where: str,
        name: str,
        known: Callable[[], Collection[str]],
        ranges: str,
    ) -> dict[str, float]:
        numbers = table.get(name, {})
        if not isinstance(numbers, dict):
            raise self.fail(f"{where}.{name}", "must be a table of key = number")
        for key, value in numbers.items():
            if key not in known():
                raise self.fail(f"{where}.{name}.{key}", self.unknown(key, known(), "key"))
            self.number(value, f"{where}.{name}.{key}", ranges)
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
            kind = self.kind_class(name)
            if kind is None:
                raise self.fail(
                    f"kinds.{name}", self.unknown(name, self.source_kinds, "source kind")
                )
            urls = {f"{key}_env" for key in kind.options if key.endswith("url")}
            self.only(options, f"kinds.{name}", set(kind.options) | urls)
        return {name: self.kind_table(name, options) for name, options in table.items()}

    def kind_class(self, name: str) -> Any:
        """A registered kind, or the generic kind an index's definition names (an index
        read by one, `fatf` or `cpi`, is watched under its id); None when neither."""
        if name in self.source_kinds:
            return self.source_kinds[name]
        definition = find(name)
        return self.source_kinds.get(str(definition.source.get("kind", ""))) if definition else None

    def kind_table(self, name: str, options: dict[str, Any]) -> dict[str, Any]:
        """A kind's options, each URL from the file or the environment."""
        resolved = {}
        for key in self.kind_class(name).options:
            value = self.url(options, f"kinds.{name}", key) if key.endswith("url") else None
            if value is not None or key in options:
                resolved[key] = value if value is not None else options[key]
        return resolved

    def watch(self, entries: Any, config: Config, timezone: str) -> tuple[SourceSpec, ...]:
        if not isinstance(entries, list):
            raise self.fail("watch", "must be an array of [[watch]] tables")
        sources: dict[str, SourceSpec] = {}
        for n, entry in enumerate(entries):
            where = f"watch[{n + 1}]"
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a table")
            self.only(
                entry,
                where,
                {"country", "countries", "kinds", "editions", "url", "url_env", "schedule"},
            )
            schedule = entry.get("schedule")
            if schedule is not None:
                check_expression(schedule, timezone, self, f"{where}.schedule")
            kinds = self.string_list(entry, where, "kinds", ["ocindex_page"])
            for kind in kinds:
                if self.kind_class(kind) is None:
                    raise self.fail(
                        f"{where}.kinds", self.unknown(kind, self.source_kinds, "source kind")
                    )
            document_url = self.document_url(entry, where, kinds)
            editions = [None] if document_url else self.editions(entry, where)
            # Kinds watched by URL may concern a country outside the index; the others
            # build their URL from the country's key, so a misspelling would only 404.
            for country in self.countries(entry, where, outside_index=bool(document_url)):
                for kind in kinds:
                    for edition in editions:
                        try:
                            url = document_url or self.kind(kind, config).url(country, edition)
                        except ValueError as exc:  # the kind cannot watch that edition
                            raise self.fail(f"{where}.editions", str(exc)) from None
                        key = source_key(kind, country, edition, document_url)
                        sources[key] = SourceSpec(key, kind, country, edition, url, schedule)
        return tuple(sources.values())

    def kind(self, name: str, config: Config) -> Any:
        """Kind `name` set up to build its documents' URLs (an index's, bound to it)."""
        cls, base_url = self.kind_class(name), config.base_url(name)
        return cls(base_url) if name in self.source_kinds else cls.for_index(get(name), base_url)

    def document_url(self, entry: dict[str, Any], where: str, kinds: list[str]) -> str | None:
        """The `url` of an entry of kinds watched by URL (articles); None for the others."""
        by_url = [kind for kind in kinds if self.kind_class(kind).takes_url]
        url = self.url(entry, where)
        if url is None:
            if by_url:
                raise self.fail(f"{where}.url", f'the {by_url[0]} kind needs url = "https://…"')
            return None
        if len(by_url) != len(kinds):
            named = ", ".join(f'"{k}"' for k in self.source_kinds if self.source_kinds[k].takes_url)
            raise self.fail(
                f"{where}.url",
                f"only for kinds watched by URL (kinds = [{named}]); watch the other kinds "
                "in an entry of their own",
            )
        if "editions" in entry:
            raise self.fail(f"{where}.editions", "a document watched by its URL has no editions")
        return url

    def url(self, table: dict[str, Any], where: str, key: str = "url") -> str | None:
        """The http(s) URL `key` gives, or the one in the environment variable that
        `<key>_env` names (a URL holding a credential stays out of the file); None when
        neither is given. A problem names the key and the variable, never the value."""
        variable = table.get(f"{key}_env")
        if key in table and variable is not None:
            raise self.fail(f"{where}.{key}_env", f"give {key} or {key}_env, not both")
        if variable is None:
            url = table.get(key)
            if url is not None and (not isinstance(url, str) or not _HTTP_URL.match(url)):
                raise self.fail(f"{where}.{key}", "must be an http:// or https:// URL")
            return url
        if not isinstance(variable, str) or not variable:
            raise self.fail(f"{where}.{key}_env", "must name an environment variable")
        url = os.environ.get(variable, "")
        if not url:
            raise self.fail(f"{where}.{key}_env", f"environment variable {variable} is not set")
        if not _HTTP_URL.match(url):
            raise self.fail(
                f"{where}.{key}_env",
                f"environment variable {variable} must hold an http:// or https:// URL",
            )
        return url

    def countries(self, entry: dict[str, Any], where: str, *, outside_index: bool) -> list[str]:
        if ("country" in entry) == ("countries" in entry):
            raise self.fail(where, 'give either country = "slug" or countries = ["slug", …]')
        if "country" in entry:
            return [self.country(entry["country"], f"{where}.country", outside_index)]
        names = entry["countries"]
        if not isinstance(names, list) or not names:
            raise self.fail(f"{where}.countries", "must be a non-empty list of country slugs")
        return [
            self.country(name, f"{where}.countries[{n + 1}]", outside_index)
            for n, name in enumerate(names)
        ]

    def country(self, name: object, key: str, outside_index: bool = False) -> str:
        """A country's one key (identity.canonical_slug): any name, slug or ISO code of
        the index's countries (`KGZ`, `cabo-verde`), or a country outside the index that
        an article is watched for; `outside_index` admits a new such slug-shaped name.
        Anything else is refused, with the likeliest country it meant."""
        if not isinstance(name, str):
            raise self.fail(key, f"must be a country name, slug or ISO code, got {name!r}")
        slug = canonical_slug(name)
        if lookup(name) is not None or slug in self.outside_index:
            return slug
        if outside_index and _SLUG.match(name.lower()):
            self.outside_index.add(slug)
            return slug
        guess = suggest(name, tuple(self.outside_index))
        advice = (
            f"did you mean {guess!r}?"
            if guess
            else f"not one of the index's {len(countries())} countries by name, slug or "
            "ISO 3166 code"
        )
        raise self.fail(key, f"unknown country {name!r}: {advice}")

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

    def dataclass_table(self, table: Any, name: str, cls: type, ranges: str = "") -> Any:
        """The settings dataclass `cls` from a table of its fields; a number is checked
        against NUMBERS[f"{ranges or name}.{field}"]."""
        if not isinstance(table, dict):
            raise self.fail(name, "must be a table")
        defaults = cls()
        fields = {f: type(getattr(defaults, f)) for f in defaults.__dataclass_fields__}
        self.only(table, name, set(fields))
        values = {}
        for key, value in table.items():
            wanted = fields[key]
            if wanted in (int, float):
                values[key] = wanted(self.number(value, f"{name}.{key}", f"{ranges or name}.{key}"))
                continue
            # A TOML boolean is an int to Python: only a boolean setting takes one.
            if not isinstance(value, wanted) or isinstance(value, bool) != (wanted is bool):
                raise self.fail(f"{name}.{key}", f"must be a {_TYPE_NAMES[wanted]}, got {value!r}")
            values[key] = value
        return cls(**values)

    def number(self, value: Any, key: str, ranges: str = "") -> Any:
        """`value` when it is a finite number in the documented range of `ranges` (by
        default `key`) in NUMBERS; else the config error naming the key and the range."""
        problem = NUMBERS[ranges or key].problem(value)
        if problem is not None:
            raise self.fail(key, problem)
        return value

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


_TYPE_NAMES = {str: "string", bool: "boolean (true or false)"}


def _largest_change(measure: Measure) -> float:
    """The largest change a measure can make: its scale's span, its levels' count less
    one, one for a membership, the places of the largest ranking for a rank."""
    if measure.scale is not None:
        return float(measure.scale.max - measure.scale.min)
    if measure.kind == "category":
        return float(len(measure.levels) - 1)
    return 1.0 if measure.kind == "membership" else MEASURE_CHANGE.high
