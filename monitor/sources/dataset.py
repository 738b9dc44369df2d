"""A generic dataset: an index's release as a table, read through its definition's mapping."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from monitor.extract.validate import Expectations, validate
from monitor.identity import lookup, territory
from monitor.indices import IndexDefinition
from monitor.indices.definition import Mapping, Measure
from monitor.models import (
    Country,
    Extraction,
    Indicator,
    Profile,
    Rank,
    Reason,
    Score,
    Status,
)
from monitor.sources import IndexReleaseKind, Release, ReleaseRow, dataset_table, register
from monitor.sources.dataset_table import Table

VERSION = "2"


@dataclass
class Reading:
    """A release read once: each (country, edition) row's extraction, and what stops
    the whole release (a required column missing) or is only worth saying."""

    rows: dict[tuple[str, int], Extraction] = field(default_factory=dict)
    errors: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)


@register
class Dataset(IndexReleaseKind):
    """An index's own release as a table (CSV, XLSX, legacy XLS or ODS), read through
    the mapping its definition declares: no code per index.

    The definition names the kind and the release (`[source] kind = "dataset"`,
    `format = "csv"`, `url = …`) and where each measure is (`[mapping]`: the country
    column's header, the edition column's header or one fixed edition, one column per
    measure, as patterns that survive renames: `CPI score {edition}` in a wide layout;
    `sheet`, `layout`, `missing`). The header is found below any title lines, and the
    delimiter and decimal commas are detected. Watch it (or `monitor import-workbook
    --kind <index id>`) under the index's id. One release is one document, stored
    once; each country and edition is its own source, addressed by the URL's fragment
    (`…/data.csv#2025/kyrgyzstan`).
    Each row is checked with the definition (scales, levels, declared arithmetic); a
    changed value within an edition is the publisher's revision. A CSV that stops
    mid-row (a download cut off) is refused whole; a wide release whose own edition has
    no column for a measure the edition before has (a renamed header) warns, naming it.
    """

    name = "dataset"
    label = "release"
    version = VERSION
    revised_in_place = True

    def _index(self) -> IndexDefinition:
        if self.definition is None or self.definition.mapping is None:
            raise ValueError(
                "the dataset kind reads an index's release: watch it under the index's id "
                '(whose definition has [source] kind = "dataset" and a [mapping])'
            )
        return self.definition

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
        wanted = year or edition
        if wanted is None:  # the latest the release holds (a scan: each row names its year)
            wanted = max((e for c, e in reading.rows if c == country), default=None)
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
    """Every row of a release (CSV or a workbook; long or wide layout; one sheet or
    several), read once per document however many of its sources are extracted."""
    mapping = definition.mapping
    assert mapping is not None  # the kind checks first
    reading = Reading()
    tables = dataset_table.read(content, mapping)
    if isinstance(tables, Reason):
        reading.errors.append(tables)
        return reading
    for table in tables:
        missing = sorted(table.wanted - {key for key, _ in table.columns})
        if mapping.edition_column is not None and table.edition is None:
            missing.insert(0, mapping.edition_column)
        if missing:
            reading.errors.append(
                Reason("missing_columns", f"{table.where}: columns not found: {', '.join(missing)}")
            )
    if reading.errors:
        return reading
    for table in tables:
        reading.warnings.extend(_latest_lacks(table, definition))
    # A release with a sheet per dimension holds each country once per sheet: its cells
    # of one edition are merged, and a name we do not know is reported once.
    cells: dict[tuple[str, int], dict[str, object]] = {}
    names: dict[str, str] = {}
    unknown: set[str] = set()
    for table in tables:
        for line, row in table.rows:
            name = str(_cell(row, table.country) or "").strip()
            if not name:
                continue
            country = lookup(name) or territory(name)
            if country is None:
                if name not in unknown:  # once per release, with the row it is on
                    unknown.add(name)
                    reading.warnings.append(
                        Reason(
                            "unknown_country",
                            f"{table.where} row {line}: {name!r} is no country or territory"
                            " we know",
                            {"row": line, "name": name},
                            "warning",
                        )
                    )
                continue
            names[country.key] = country.name
            for edition, values in _editions(row, table, mapping, line, reading):
                cells.setdefault((country.key, edition), {}).update(values)
    if mapping.layout == "wide":
        # A country not scored in a year has only empty cells there (or placeholders:
        # `#N/A`) in every sheet: no row of that edition.
        cells = {
            at: values
            for at, values in cells.items()
            if any(str(v or "").strip().casefold() not in mapping.missing for v in values.values())
        }
    ranks = {m.key for m in definition.of_kind("rank")}
    out_of = Counter(
        (edition, key)
        for (_, edition), values in cells.items()
        for key in ranks & values.keys()
        if dataset_table.number(values[key]) is not None
    )
    # Each measure looked up once for the release, not once per cell (WGI: 79,000).
    measures = {m.key: m for m in definition.measures}
    for (key, edition), values in sorted(cells.items()):
        reading.rows[(key, edition)] = _extraction(
            values, definition, measures, Country(key, names[key]), edition, out_of
        )
    return reading


def _cell(row: Sequence[object], at: int | None) -> object:
    return row[at] if at is not None and at < len(row) else None


def _editions(
    row: Sequence[object], table: Table, mapping: Mapping, line: int, reading: Reading
) -> list[tuple[int, dict[str, object]]]:
    """A row's cells by edition and measure key: one edition in a long layout (the
    edition column's, or the mapping's fixed one), every year named in a wide one."""
    if mapping.layout == "wide":
        by_year: dict[int, dict[str, object]] = {}
        for (key, year), at in table.columns.items():
            if year is not None:
                by_year.setdefault(year, {})[key] = _cell(row, at)
        return sorted(by_year.items())
    edition = (
        mapping.edition
        if table.edition is None
        else dataset_table.year_of(_cell(row, table.edition))
    )
    if edition is None:
        reading.warnings.append(
            Reason("no_edition", f"{table.where} row {line}: no edition year", {}, "warning")
        )
        return []
    return [(edition, {key: _cell(row, at) for (key, _), at in table.columns.items()})]


def _latest_lacks(table: Table, definition: IndexDefinition) -> list[Reason]:
    """A wide release whose own (latest) edition has no column for a measure the edition
    before has: a header renamed (`CPI Score (2023)`), every row of it incomplete."""
    editions = sorted({e for _, e in table.columns if e is not None})
    if len(editions) < 2:
        return []
    latest, before = editions[-1], editions[-2]
    held = {key for key, e in table.columns if e == latest}
    lacking = [
        measure
        for key, e in table.columns
        if e == before and key not in held
        for measure in [definition.measure(key)]
        if measure is not None and measure.in_edition(latest)
    ]
    return [
        Reason(
            "edition_column_missing",
            f"{table.where}: no column for {m.name} {latest} (there is one for {before}):"
            f" renamed? its {latest} rows are incomplete",
            {"key": m.key, "edition": latest},
            "warning",
        )
        for m in lacking
    ]


def _extraction(
    cells: dict[str, object],
    definition: IndexDefinition,
    measures: dict[str, Measure],
    country: Country,
    edition: int,
    out_of: Counter[tuple[int, str]],
) -> Extraction:
    """One country's row of one edition as a profile of the index, checked with its
    definition. Values are kept at the decimals the definition declares, so that the
    same figures published as CSV and as a workbook read the same."""
    mapping = definition.mapping
    assert mapping is not None
    composites: dict[str, Score] = {}
    indicators: list[Indicator] = []
    ranks: list[Rank] = []
    categories: dict[str, str] = {}
    memberships: dict[str, bool] = {}
    reasons: list[Reason] = []
    unpublished: set[str] = set()  # a declared placeholder: the publisher has no value
    for key, raw in cells.items():
        measure = measures[key]  # the definition's loader checked the mapping
        if not measure.in_edition(edition):
            continue
        cell = raw.strip() if isinstance(raw, str) else raw
        if measure.kind == "membership":
            memberships[key] = str(cell or "").lower() in mapping.on_list
            continue
        if cell is None or (isinstance(cell, str) and cell.casefold() in mapping.missing):
            if cell is None or cell == "":
                reasons.append(Reason("missing_value", f"{measure.name}: no value", {"key": key}))
            else:
                unpublished.add(key)
            continue  # a declared placeholder: the publisher has no value, we add none
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
                categories[key] = str(cell)
            continue
        # Most cells of a workbook are floats already.
        value = cell if type(cell) is float else dataset_table.number(cell)
        if value is None:
            reasons.append(Reason("not_a_number", f"{measure.name}: {cell!r}", {"key": key}))
            continue
        if measure.kind == "rank":
            scope = measure.groups[0] if measure.groups else "global"
            ranks.append(Rank(measure.of or key, scope, int(value), out_of[(edition, key)]))
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
        value = round(value, measure.decimals)
        if measure.level == "indicator":
            indicators.append(Indicator(key, measure.name, measure.parent or "", Score(value)))
        else:
            composites[key] = Score(value)
    profile = Profile(
        country,
        edition,
        None,
        composites=composites,
        ranks=tuple(ranks),
        indicators=tuple(indicators),
        index=definition.id,
        categories=categories,
        memberships=memberships,
    )
    # A score the publisher marks as not published (WGI: `#N/A` for one dimension of a
    # small territory) is not a capture that lost it.
    reasons += [
        r
        for r in validate(profile, Expectations(ranks=False, sections=False), definition.id)
        if not (r.code == "missing_composites" and set(r.detail["missing"]) <= unpublished)
    ]
    status = Status.INCOMPLETE if any(r.is_error for r in reasons) else Status.COMPLETE
    return Extraction(
        status, profile, tuple(reasons), extractor="dataset", extractor_version=VERSION
    )
