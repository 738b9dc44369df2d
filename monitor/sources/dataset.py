"""A generic dataset: an index's release as a table, read through its definition's mapping."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from functools import lru_cache

from monitor.extract.validate import Expectations, validate
from monitor.identity import lookup
from monitor.indices import IndexDefinition
from monitor.indices.definition import Mapping
from monitor.models import (
    Country,
    Extraction,
    Indicator,
    Profile,
    Reason,
    Score,
    Status,
)
from monitor.sources import Release, ReleaseRow, SourceKind, register

VERSION = "1"
FORMATS = ("csv",)


@dataclass
class Reading:
    """A release read once: each (country, edition) row's extraction, and what stops
    the whole release (a required column missing) or is only worth saying."""

    rows: dict[tuple[str, int], Extraction] = field(default_factory=dict)
    errors: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)


@register
class Dataset(SourceKind):
    """An index's own release as a table (CSV), read through the mapping its definition
    declares: no code per index.

    The definition names the kind and the release (`[source] kind = "dataset"`,
    `format = "csv"`, `url = …`) and where each measure is (`[mapping]`: the country
    column's header, the edition column's header or one fixed edition, one column per
    measure). Watch it (or `monitor import-workbook --kind <index id>`) under the
    index's id. One release is one document, stored once; each country and edition is
    its own source, addressed by the URL's fragment (`…/data.csv#2025/kyrgyzstan`).
    Each row is checked with the definition (scales, levels, declared arithmetic); a
    changed value within an edition is the publisher's revision.
    """

    name = "dataset"
    version = VERSION
    per_edition = False
    shared_document = True
    revised_in_place = True
    definition: IndexDefinition | None = None

    @classmethod
    def for_index(cls, definition: IndexDefinition, base_url: str | None = None) -> SourceKind:
        kind = cls(base_url or str(definition.source.get("url", "")))
        kind.definition = definition
        kind.name = definition.id  # the index's id names its source kind everywhere
        return kind

    def _index(self) -> IndexDefinition:
        if self.definition is None or self.definition.mapping is None:
            raise ValueError(
                "the dataset kind reads an index's release: watch it under the index's id "
                '(whose definition has [source] kind = "dataset" and a [mapping])'
            )
        return self.definition

    def document_url(self) -> str:
        return self.base_url

    def url(self, country: str, edition: int | None) -> str:
        return self.row_url(self.document_url(), country, edition)

    def locate(self, url: str) -> tuple[str, int | None] | None:
        return self.row_of(url)

    def read_release(self, content: bytes) -> Release:
        definition = self._index()
        reading = read_table(content, definition)
        rows = tuple(
            ReleaseRow(country, edition, extraction.status)
            for (country, edition), extraction in reading.rows.items()
        )
        return Release(rows, tuple(reading.errors), tuple(reading.warnings))

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        definition = self._index()
        data = content.encode() if isinstance(content, str) else content
        located = self.locate(url or "")
        reading = read_table(data, definition)
        if reading.errors:
            return _rejected(*reading.errors)
        if located is None:
            return _rejected(
                Reason("no_row_named", f"name a row in the URL's fragment, e.g. {url}#2025/chad")
            )
        country, year = located
        editions = sorted(e for c, e in reading.rows if c == country)
        wanted = year or edition or (editions[-1] if editions else None)
        found = reading.rows.get((country, wanted)) if wanted else None
        if found is None:
            return _rejected(
                Reason("no_such_row", f"the release holds no row for {country} ({wanted})")
            )
        return replace(found, profile=replace(found.profile, source_url=url))


def _rejected(*reasons: Reason) -> Extraction:
    return Extraction(
        Status.NOT_A_PROFILE, None, reasons, extractor="dataset", extractor_version=VERSION
    )


@lru_cache(maxsize=4)
def read_table(content: bytes, definition: IndexDefinition) -> Reading:
    """Every row of a CSV release (a header row, then one row per country and edition);
    read once per document however many of its sources are extracted."""
    mapping = definition.mapping
    assert mapping is not None  # the kind checks first
    reading = Reading()
    fmt = str(definition.source.get("format", "csv"))
    if fmt not in FORMATS:
        reading.errors.append(Reason("unknown_format", f"no reader for format {fmt!r}"))
        return reading
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        reading.errors.append(Reason("not_text", "the release is not UTF-8 text (CSV)"))
        return reading
    table = csv.DictReader(io.StringIO(text))
    headers = set(table.fieldnames or ())
    wanted = [mapping.country, *mapping.columns.values()]
    if mapping.edition_column:
        wanted.append(mapping.edition_column)
    missing = [h for h in wanted if h not in headers]
    if missing:
        reading.errors.append(
            Reason(
                "missing_columns",
                f"columns not found: {', '.join(missing)} (headers: {', '.join(sorted(headers))})",
            )
        )
        return reading
    for line, row in enumerate(table, start=2):
        name = (row.get(mapping.country) or "").strip()
        country = lookup(name)
        if country is None:
            reading.warnings.append(
                Reason("unknown_country", f"line {line}: {name!r} is no country we know")
            )
            continue
        edition = _edition(row, mapping)
        if edition is None:
            reading.warnings.append(Reason("no_edition", f"line {line}: no edition year"))
            continue
        reading.rows[(country.key, edition)] = _extraction(
            row, definition, Country(country.key, country.name), edition
        )
    return reading


def _edition(row: dict[str, str], mapping: Mapping) -> int | None:
    if mapping.edition_column is None:
        return mapping.edition
    cell = (row.get(mapping.edition_column) or "").strip()
    return int(cell) if cell.isdigit() else None


def _extraction(
    row: dict[str, str], definition: IndexDefinition, country: Country, edition: int
) -> Extraction:
    """One country's row as a profile of the index, checked with its definition."""
    mapping = definition.mapping
    assert mapping is not None
    composites: dict[str, Score] = {}
    indicators: list[Indicator] = []
    categories: dict[str, str] = {}
    memberships: dict[str, bool] = {}
    reasons: list[Reason] = []
    for key, header in mapping.columns.items():
        measure = definition.measure(key)
        assert measure is not None  # the definition's loader checked the mapping
        cell = (row.get(header) or "").strip()
        if not measure.in_edition(edition):
            continue
        if measure.kind == "membership":
            memberships[key] = cell.lower() in mapping.on_list
            continue
        if not cell:
            reasons.append(Reason("missing_value", f"{measure.name}: no value", {"key": key}))
            continue
        if measure.kind == "category":
            if cell not in measure.levels:
                reasons.append(
                    Reason(
                        "unknown_level",
                        f"{measure.name}: {cell!r} is none of {', '.join(measure.levels)}",
                        {"key": key},
                    )
                )
            else:
                categories[key] = cell
            continue
        try:
            value = float(cell)
        except ValueError:
            reasons.append(Reason("not_a_number", f"{measure.name}: {cell!r}", {"key": key}))
            continue
        scale = measure.scale
        if scale is not None and not scale.min <= value <= scale.max:
            reasons.append(
                Reason(
                    "out_of_scale",
                    f"{measure.name}: {value:g} is outside {scale.min:g}–{scale.max:g}",
                    {"key": key},
                )
            )
            continue
        if measure.level == "indicator":
            indicators.append(Indicator(key, measure.name, measure.parent or "", Score(value)))
        else:
            composites[key] = Score(value)
    profile = Profile(
        country,
        edition,
        None,
        composites=composites,
        indicators=tuple(indicators),
        index=definition.id,
        categories=categories,
        memberships=memberships,
    )
    reasons += validate(profile, Expectations(ranks=False, sections=False), definition.id)
    status = Status.INCOMPLETE if any(r.is_error for r in reasons) else Status.COMPLETE
    return Extraction(
        status, profile, tuple(reasons), extractor="dataset", extractor_version=VERSION
    )
