"""Reading an index definition file: every problem names the file and the dotted key at
fault (`measures[3].scale.max`), as the config reader does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.indices.definition import (
    Change,
    IndexDefinition,
    Mapping,
    Measure,
    Scale,
    Section,
    SheetColumns,
    slugify,
)
from monitor.tomlfile import read_toml

KINDS = ("score", "rank", "category", "membership")
LEVELS = ("composite", "pillar", "indicator")
ARITHMETIC = ("mean", "sum", "none")
# "uncertainty": a score neither better nor worse when higher (a standard error).
DIRECTIONS = ("higher_is_worse", "higher_is_better", "uncertainty")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_DEFAULT_SIGNIFICANCE = {"composite": 0.25, "pillar": 0.25, "indicator": 1.0, "rank": 10.0}


def load_definition(path: str | Path) -> IndexDefinition:
    """Read and check one definition file; ConfigError names the file and key."""
    path = Path(path)
    raw = read_toml(path)
    return _Reader(str(path)).definition(raw)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str | None, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def only(self, table: dict[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                place = f"{where}.{key}" if where else key
                raise self.fail(place, f"unknown key (known: {', '.join(sorted(allowed))})")

    def text(self, table: dict[str, Any], where: str, key: str, default: str | None = None) -> str:
        value = table.get(key, default)
        place = f"{where}.{key}" if where else key
        if value is None:
            raise self.fail(place, "is required")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(place, "must be a non-empty string")
        return value

    def number(self, table: dict[str, Any], where: str, key: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key}", f"must be a number, got {value!r}")
        return float(value)

    def strings(self, table: dict[str, Any], where: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{where}.{key}", "must be a list of non-empty strings")
        return tuple(value)

    def edition(self, value: Any, place: str) -> int:
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
            raise self.fail(place, f"must be an edition year, got {value!r}")
        return value

    def choice(
        self,
        table: dict[str, Any],
        where: str,
        key: str,
        allowed: tuple[str, ...],
        default: str | None = None,
    ) -> str:
        value = table.get(key, default)
        if value not in allowed:
            raise self.fail(f"{where}.{key}", f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def definition(self, raw: dict[str, Any]) -> IndexDefinition:
        top = {
            "id",
            "name",
            "short_name",
            "publisher",
            "home",
            "attribution",
            "editions",
            "cadence_months",
            "significance",
            "measures",
            "changes",
            "sections",
            "source",
            "mapping",
        }
        self.only(raw, "", top)
        index_id = self.text(raw, "", "id")
        if not _KEY.match(index_id):
            raise self.fail("id", "must be lower-case letters, digits and underscores")
        editions_raw = raw.get("editions")
        if not isinstance(editions_raw, list) or not editions_raw:
            raise self.fail("editions", "must be a non-empty list of edition years")
        editions = tuple(self.edition(e, f"editions[{n + 1}]") for n, e in enumerate(editions_raw))
        if list(editions) != sorted(set(editions)):
            raise self.fail("editions", "must be in increasing order, each once")
        cadence = raw.get("cadence_months", 12)
        if isinstance(cadence, bool) or not isinstance(cadence, int) or cadence < 1:
            raise self.fail(
                "cadence_months", f"must be a whole number of months ≥ 1, got {cadence!r}"
            )
        significance = self.significance(raw.get("significance", {}))
        measures_raw = raw.get("measures")
        if not isinstance(measures_raw, list) or not measures_raw:
            raise self.fail("measures", "must be a non-empty array of [[measures]] tables")
        measures = tuple(
            self.measure(m, f"measures[{n + 1}]", significance, editions)
            for n, m in enumerate(measures_raw)
        )
        self.cross_check(measures)
        home = self.text(raw, "", "home")
        if not re.match(r"^https?://\S+$", home):
            raise self.fail("home", "must be an http:// or https:// URL")
        source = raw.get("source", {})
        if not isinstance(source, dict):
            raise self.fail("source", "must be a table")
        self.only(source, "source", {"kind", "format", "url", "min_listed", "document"})
        for key in ("kind", "format", "document"):
            if key in source:
                self.text(source, "source", key)
        if "url" in source and not re.match(r"^https?://\S+$", str(source["url"])):
            raise self.fail("source.url", "must be an http:// or https:// URL")
        self.min_listed(source.get("min_listed", {}), measures)
        mapping = self.mapping(raw.get("mapping"), measures, editions)
        name = self.text(raw, "", "name")
        return IndexDefinition(
            id=index_id,
            name=name,
            short_name=self.text(raw, "", "short_name", default=name),
            publisher=self.text(raw, "", "publisher"),
            home=home,
            attribution=self.text(raw, "", "attribution"),
            editions=editions,
            cadence_months=cadence,
            measures=measures,
            changes=self.changes(raw.get("changes", []), editions, measures),
            sections=self.sections(raw.get("sections", [])),
            source=source,
            mapping=mapping,
            path=self.path,
        )

    def min_listed(self, table: Any, measures: tuple[Measure, ...]) -> None:
        """A list page's floor per list: `{ increased_monitoring = 8 }`."""
        if not isinstance(table, dict):
            raise self.fail("source.min_listed", "must be a table of list key = countries")
        lists = {m.key for m in measures if m.kind == "membership"}
        for key, value in table.items():
            place = f"source.min_listed.{key}"
            if key not in lists:
                raise self.fail(place, f"{key!r} is no membership measure")
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self.fail(place, f"must be a whole number of countries ≥ 1, got {value!r}")

    def mapping(
        self, table: Any, measures: tuple[Measure, ...], editions: tuple[int, ...]
    ) -> Mapping | None:
        if table is None:
            return None
        if not isinstance(table, dict):
            raise self.fail("mapping", "must be a table")
        known = {"country", "edition", "columns", "on_list", "layout", "sheet", "sheets", "missing"}
        self.only(table, "mapping", known)
        layout = self.choice(table, "mapping", "layout", ("long", "wide"), "long")
        edition_column: str | None = None
        edition: int | None = None
        if layout == "wide":
            if "edition" in table:
                raise self.fail("mapping.edition", "a wide layout has a column per edition")
        elif isinstance(table.get("edition"), str) and not table["edition"].isdigit():
            edition_column = self.text(table, "mapping", "edition")
        elif "edition" in table:
            edition = self.edition(table["edition"], "mapping.edition")
            if edition not in editions:
                raise self.fail("mapping.edition", f"{edition} is not in editions")
        else:
            raise self.fail("mapping.edition", "is required: a column header or an edition year")
        keys = {m.key: m for m in measures}
        sheets = self.sheets(table, keys, layout) if "sheets" in table else ()
        patterns = (
            {k: v for part in sheets for k, v in part.columns.items()}
            if sheets
            else self.columns(table, "mapping", keys, layout)
        )
        on_list = self.strings(table, "mapping", "on_list") if "on_list" in table else None
        country = table.get("country")
        if isinstance(country, str):
            country = [country]
        if not isinstance(country, list) or not all(isinstance(c, str) and c for c in country):
            raise self.fail("mapping.country", "must be a column header or a list of them")
        sheet = self.pattern(table, "mapping") if "sheet" in table else None
        missing = self.strings(table, "mapping", "missing") if "missing" in table else None
        return Mapping(
            country=tuple(country),
            columns=patterns,
            edition_column=edition_column,
            edition=edition,
            layout=layout,
            sheet=sheet,
            sheets=sheets,
            **({"on_list": tuple(v.lower() for v in on_list)} if on_list else {}),
            **({"missing": ("", *(v.casefold() for v in missing))} if missing else {}),
        )

    def sheets(
        self, table: dict[str, Any], keys: dict[str, Measure], layout: str
    ) -> tuple[SheetColumns, ...]:
        """`[[mapping.sheets]]`: a sheet per dimension, each with its own columns."""
        for key in ("columns", "sheet"):
            if key in table:
                raise self.fail(f"mapping.{key}", "give it in each [[mapping.sheets]]")
        entries = table["sheets"]
        if not isinstance(entries, list) or not entries:
            raise self.fail("mapping.sheets", "must be an array of [[mapping.sheets]] tables")
        seen: dict[str, int] = {}
        parts = []
        for n, entry in enumerate(entries, start=1):
            where = f"mapping.sheets[{n}]"
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a table")
            self.only(entry, where, {"sheet", "columns"})
            part = SheetColumns(
                self.pattern(entry, where), self.columns(entry, where, keys, layout)
            )
            for key in part.columns:
                if key in seen:
                    raise self.fail(
                        f"{where}.columns.{key}", f"also in mapping.sheets[{seen[key]}]"
                    )
                seen[key] = n
            parts.append(part)
        return tuple(parts)

    def pattern(self, table: dict[str, Any], where: str) -> str:
        """A sheet's name pattern (a regular expression, matched ignoring case)."""
        sheet = self.text(table, where, "sheet")
        try:
            re.compile(sheet)
        except re.error as exc:
            raise self.fail(f"{where}.sheet", f"not a pattern: {exc}") from None
        return sheet

    def columns(
        self, table: dict[str, Any], where: str, keys: dict[str, Measure], layout: str
    ) -> dict[str, tuple[str, ...]]:
        """`columns`: each measure key's header patterns."""
        columns = table.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise self.fail(f"{where}.columns", "must be a table of measure key = column header")
        patterns: dict[str, tuple[str, ...]] = {}
        for key, header in columns.items():
            place = f"{where}.columns.{key}"
            if key not in keys:
                raise self.fail(place, f"{key!r} is no measure")
            headers = [header] if isinstance(header, str) else header
            if not isinstance(headers, list) or not all(
                isinstance(h, str) and h.strip() for h in headers
            ):
                raise self.fail(place, "must be a column header or a list of them")
            if layout == "wide" and not all("{edition}" in h for h in headers):
                raise self.fail(place, "a wide layout's headers name the year: {edition}")
            if keys[key].kind == "rank" and not (keys[key].of and keys[key].of in keys):
                raise self.fail(place, "a rank read from a column needs the score it ranks (of)")
            patterns[key] = tuple(headers)
        return patterns

    def significance(self, table: Any) -> dict[str, float]:
        if not isinstance(table, dict):
            raise self.fail("significance", "must be a table")
        self.only(table, "significance", set(_DEFAULT_SIGNIFICANCE))
        values = dict(_DEFAULT_SIGNIFICANCE)
        for key in table:
            value = self.number(table, "significance", key)
            if value is None or value < 0:
                raise self.fail(f"significance.{key}", "must be a number ≥ 0")
            values[key] = value
        return values

    def measure(
        self, m: Any, where: str, significance: dict[str, float], editions: tuple[int, ...]
    ) -> Measure:
        if not isinstance(m, dict):
            raise self.fail(where, "must be a table")
        common = {
            "key",
            "name",
            "kind",
            "direction",
            "significance",
            "since",
            "until",
            "aliases",
            "edition_aliases",
            "headline",
        }
        by_kind = {
            "score": {"level", "parent", "arithmetic", "tolerance", "scale", "step", "decimals"},
            "rank": {"of", "groups"},
            "category": {"levels", "level_names"},
            "membership": set(),
        }
        kind = self.choice(m, where, "kind", KINDS)
        self.only(m, where, common | by_kind[kind])
        key = self.text(m, where, "key")
        if not _KEY.match(key):
            raise self.fail(f"{where}.key", "must be lower-case letters, digits and underscores")
        values: dict[str, Any] = {
            "key": key,
            "name": self.text(m, where, "name"),
            "kind": kind,
            "direction": self.choice(
                m, where, "direction", DIRECTIONS, "higher_is_better" if kind == "rank" else None
            ),
            "aliases": self.strings(m, where, "aliases"),
            "headline": bool(m.get("headline", False)),
        }
        if values["direction"] == "uncertainty" and kind != "score":
            raise self.fail(f"{where}.direction", "uncertainty is a direction of scores only")
        for bound in ("since", "until"):
            if bound in m:
                values[bound] = self.edition(m[bound], f"{where}.{bound}")
                if values[bound] not in editions:
                    raise self.fail(f"{where}.{bound}", f"{values[bound]} is not in editions")
        if values.get("since") and values.get("until") and values["until"] < values["since"]:
            raise self.fail(f"{where}.until", "must not be before since")
        aliases = m.get("edition_aliases", {})
        if not isinstance(aliases, dict):
            raise self.fail(f"{where}.edition_aliases", "must be a table of edition = [names]")
        values["edition_aliases"] = {
            self.edition(e, f"{where}.edition_aliases.{e}"): self.strings(
                aliases, f"{where}.edition_aliases", e
            )
            for e in aliases
        }
        level = "rank" if kind == "rank" else None
        if kind == "score":
            level = self.choice(m, where, "level", LEVELS, "indicator")
            values |= self.score(m, where, level)
        elif kind == "rank":
            values["of"] = self.text(m, where, "of")
            values["groups"] = self.strings(m, where, "groups") or ("global",)
        elif kind == "category":
            levels = self.strings(m, where, "levels")
            if len(levels) < 2:
                raise self.fail(f"{where}.levels", "must list at least two levels, in order")
            if len(set(levels)) != len(levels):
                raise self.fail(f"{where}.levels", "must not repeat a level")
            values["levels"] = levels
            values["level_names"] = self.level_names(m, where, levels)
        given = self.number(m, where, "significance")
        if given is not None and given < 0:
            raise self.fail(f"{where}.significance", "must be a number ≥ 0")
        # Categories and memberships: any change is significant.
        default = significance.get(level or "", 0.0)
        values["significance"] = given if given is not None else default
        return Measure(**values)

    def level_names(self, m: dict[str, Any], where: str, levels: tuple[str, ...]) -> dict[str, str]:
        """`level_names = { NF = "Not Free" }`: a name for levels published as codes."""
        names = m.get("level_names", {})
        if not isinstance(names, dict):
            raise self.fail(f"{where}.level_names", "must be a table of level = name")
        for level, name in names.items():
            place = f"{where}.level_names.{level}"
            if level not in levels:
                raise self.fail(place, f"{level!r} is none of the levels ({', '.join(levels)})")
            if not isinstance(name, str) or not name.strip():
                raise self.fail(place, "must be a non-empty string")
        if len(set(names.values())) != len(names):
            raise self.fail(f"{where}.level_names", "must not give two levels one name")
        return dict(names)

    def score(self, m: dict[str, Any], where: str, level: str) -> dict[str, Any]:
        scale = m.get("scale")
        if not isinstance(scale, dict):
            raise self.fail(f"{where}.scale", "is required for a score: { min = …, max = … }")
        self.only(scale, f"{where}.scale", {"min", "max"})
        low, high = (
            self.number(scale, f"{where}.scale", "min"),
            self.number(scale, f"{where}.scale", "max"),
        )
        if low is None or high is None:
            raise self.fail(f"{where}.scale", "needs both min and max")
        if high <= low:
            raise self.fail(f"{where}.scale.max", "must be greater than scale.min")
        step = self.number(m, where, "step")
        if step is not None and not 0 < step <= high - low:
            raise self.fail(f"{where}.step", "must be greater than 0 and fit the scale")
        decimals = m.get("decimals", 2)
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
            raise self.fail(
                f"{where}.decimals", f"must be a whole number from 0 to 6, got {decimals!r}"
            )
        tolerance = self.number(m, where, "tolerance")
        if tolerance is not None and tolerance < 0:
            raise self.fail(f"{where}.tolerance", "must be a number ≥ 0")
        parent = m.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise self.fail(f"{where}.parent", "must be a measure key")
        return {
            "level": level,
            "parent": parent,
            "arithmetic": self.choice(m, where, "arithmetic", ARITHMETIC, "none"),
            # One unit of the last published decimal: a mean of rounded values is off by less.
            "tolerance": tolerance if tolerance is not None else 10.0**-decimals,
            "scale": Scale(low, high),
            "step": step,
            "decimals": decimals,
        }

    def cross_check(self, measures: tuple[Measure, ...]) -> None:
        by_key: dict[str, int] = {}
        spellings: dict[str, str] = {}
        for n, m in enumerate(measures, start=1):
            where = f"measures[{n}]"
            if m.key in by_key:
                raise self.fail(f"{where}.key", f"{m.key!r} is also measures[{by_key[m.key]}]")
            by_key[m.key] = n
            for spelling in m.spellings():
                other = spellings.setdefault(slugify(spelling), m.key)
                if other != m.key:
                    raise self.fail(f"{where}.aliases", f"{spelling!r} also names {other!r}")
        for n, m in enumerate(measures, start=1):
            where = f"measures[{n}]"
            if m.parent is not None:
                parent = measures[by_key[m.parent] - 1] if m.parent in by_key else None
                if parent is None or parent.kind != "score":
                    raise self.fail(f"{where}.parent", f"{m.parent!r} is no score measure")
                if LEVELS.index(parent.level or "indicator") >= LEVELS.index(
                    m.level or "indicator"
                ):
                    raise self.fail(f"{where}.parent", f"{m.parent!r} is not above a {m.level}")
            if m.of is not None:
                target = measures[by_key[m.of] - 1] if m.of in by_key else None
                if target is None or target.kind != "score":
                    raise self.fail(f"{where}.of", f"{m.of!r} is no score measure")
            has_children = any(c.parent == m.key for c in measures)
            if m.arithmetic != "none" and not has_children:
                raise self.fail(
                    f"{where}.arithmetic", f"{m.key!r} has no measures with parent = it"
                )

    def changes(
        self, entries: Any, editions: tuple[int, ...], measures: tuple[Measure, ...]
    ) -> tuple[Change, ...]:
        if not isinstance(entries, list):
            raise self.fail("changes", "must be an array of [[changes]] tables")
        keys = {m.key for m in measures}
        found = []
        for n, c in enumerate(entries, start=1):
            where = f"changes[{n}]"
            if not isinstance(c, dict):
                raise self.fail(where, "must be a table")
            self.only(c, where, {"edition", "groups_redefined", "scale_changed", "note"})
            edition = self.edition(c.get("edition"), f"{where}.edition")
            if edition not in editions:
                raise self.fail(f"{where}.edition", f"{edition} is not in editions")
            scale_changed = self.strings(c, where, "scale_changed")
            for key in scale_changed:
                if key not in keys:
                    raise self.fail(f"{where}.scale_changed", f"{key!r} is no measure")
            note = c.get("note", "")
            if not isinstance(note, str):
                raise self.fail(f"{where}.note", "must be a string")
            found.append(
                Change(edition, self.strings(c, where, "groups_redefined"), scale_changed, note)
            )
        return tuple(found)

    def sections(self, entries: Any) -> tuple[Section, ...]:
        if not isinstance(entries, list):
            raise self.fail("sections", "must be an array of [[sections]] tables")
        found = []
        for n, s in enumerate(entries, start=1):
            where = f"sections[{n}]"
            if not isinstance(s, dict):
                raise self.fail(where, "must be a table")
            self.only(s, where, {"key", "title", "aliases"})
            found.append(
                Section(
                    self.text(s, where, "key"),
                    self.text(s, where, "title"),
                    self.strings(s, where, "aliases"),
                )
            )
        return tuple(found)
