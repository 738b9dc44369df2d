"""Read the publisher's dataset workbook: a checked `Extraction` per country and edition.

The workbook (`global_oc_index.xlsx`) holds one `<year>_dataset` sheet per edition, one
row per country: continent, region, country, then every composite and indicator score.
Sheets spell headers differently (`Criminality avg,` in 2023, `Criminality` in 2021) and
country names too (`Congo, Dem, Rep,`): headers map to catalogue keys, names to
`identity` keys. The workbook has no ranks; they are computed over each sheet the way the
published pages show them. Every row is then checked with the index's own arithmetic,
like a page, so a row that lost a value is `incomplete`, never a score change.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from monitor.extract.capture import beginning
from monitor.extract.validate import Expectations, validate
from monitor.identity import CountryIdentity, lookup
from monitor.indices.catalogue import (
    COMPOSITE_NAMES,
    INDICATORS,
    PILLARS,
    RANKED,
    composite_key,
    display_name,
    expected_indicators,
    indicator_spec,
    slugify,
)
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

EXTRACTOR = "ocindex_workbook"
# Bump when reading changes what an extraction holds (see ocindex_page.VERSION).
VERSION = "1"

_SHEET = re.compile(r"^\s*(20\d\d)_dataset\s*$", re.IGNORECASE)
PLACES = ("continent", "region", "country")
# A workbook has scores but no narrative; ranks are computed, so they must be there.
EXPECT = Expectations(scores=True, ranks=True, sections=False)
_BLANK = ("", "n/a", "na", "-")
# XLSX and ODS are zip archives, legacy XLS an OLE2 compound file.
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@dataclass(frozen=True)
class EditionSheet:
    """One `<year>_dataset` sheet as read.

    `problems` are errors: a required column missing (then no row is read at all),
    a country name that resolves to no country, a country on two rows. `warnings`
    are columns not recognised (ignored).
    """

    edition: int
    title: str
    rows: dict[str, Extraction]  # by country key
    problems: tuple[Reason, ...] = ()
    warnings: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class WorkbookReading:
    """Every edition sheet of one workbook; `problems` when the document is not one."""

    sheets: dict[int, EditionSheet]
    problems: tuple[Reason, ...] = ()

    @property
    def errors(self) -> list[Reason]:
        """Everything that stops the workbook from being read whole."""
        return [*self.problems, *(p for s in self.sheets.values() for p in s.problems)]

    def extraction(self, country: str, edition: int | None, *, url: str | None) -> Extraction:
        """One country's row of one edition (None: the workbook's latest edition)."""
        if self.problems:
            return not_a_profile(*self.problems)
        year = max(self.sheets) if edition is None else edition
        sheet = self.sheets.get(year)
        if sheet is None:
            have = ", ".join(s.title for s in self.sheets.values())
            return not_a_profile(
                Reason("no_edition_sheet", f"the workbook has no {year}_dataset sheet ({have})")
            )
        found = sheet.rows.get(country)
        if found is None:
            absent = Reason("country_not_in_sheet", f"{sheet.title} has no row for {country}")
            return not_a_profile(*sheet.problems, absent)
        profile = found.profile
        return replace(found, profile=replace(profile, source_url=url)) if profile else found


@dataclass(frozen=True)
class _Row:
    number: int  # the spreadsheet's row number, for messages
    country: CountryIdentity
    continent: str
    region: str
    scores: dict[str, float]
    reasons: tuple[Reason, ...]  # cells that hold something other than a number


def read_workbook(content: bytes | str) -> WorkbookReading:
    """Read every `<year>_dataset` sheet of a workbook (XLSX, legacy XLS or ODS)."""
    if isinstance(content, str) or not content.startswith(_WORKBOOKS):
        return WorkbookReading({}, (_not_workbook(content),))
    try:
        tables = _tables(content)
    # A damaged file can fail in any of calamine's layers (zip, OLE2, XML), each with
    # its own exception type; all of them mean the same thing here.
    except Exception as exc:
        message = f"not a readable workbook: {type(exc).__name__}: {exc}"
        return WorkbookReading({}, (Reason("corrupt_workbook", message),))
    if not tables:  # a zip without its workbook part reads as no sheets at all
        message = "not a readable workbook: it holds no sheet"
        return WorkbookReading({}, (Reason("corrupt_workbook", message),))
    sheets = {}
    for title, rows in tables.items():
        match = _SHEET.match(title)
        if match:
            sheets[int(match[1])] = _read_sheet(int(match[1]), title, rows)
    if not sheets:
        found = ", ".join(repr(t) for t in tables) or "none"
        reason = Reason("no_dataset_sheet", f"no <year>_dataset sheet in the workbook ({found})")
        return WorkbookReading({}, (reason,))
    return WorkbookReading(dict(sorted(sheets.items())))


def not_a_profile(*reasons: Reason) -> Extraction:
    return Extraction(
        Status.NOT_A_PROFILE, None, reasons, extractor=EXTRACTOR, extractor_version=VERSION
    )


def _tables(content: bytes) -> dict[str, list[list[object]]]:
    """Every sheet's cell values, row by row, from the sheet's first row and column (so
    row numbers in messages are the spreadsheet's)."""
    # calamine (Rust) reads XLSX, XLS and ODS alike, as the dataset kind does; imported
    # here, as only workbook imports need it.
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {
        name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in book.sheet_names
    }


def _not_workbook(content: bytes | str) -> Reason:
    if not content:
        return Reason("not_a_workbook", "the document is empty")
    what = f"not a workbook (XLSX, XLS or ODS); it begins {beginning(content, 40)}"
    return Reason("not_a_workbook", what)


def _read_sheet(edition: int, title: str, table: Sequence[Sequence[object]]) -> EditionSheet:
    header = table[0] if table else ()
    columns, unrecognised = _columns(header)
    warnings = ()
    if unrecognised:
        names = ", ".join(repr(h) for h in unrecognised)
        warnings = (
            Reason("unrecognised_columns", f"{title}: columns ignored: {names}", {}, "warning"),
        )
    missing = _missing_columns(columns, edition, title, unrecognised)
    if missing:
        return EditionSheet(edition, title, {}, tuple(missing), warnings)
    rows, problems = _rows(table[1:], columns, title)
    ranks = _ranks(rows)
    extractions = {r.country.key: _extraction(r, edition, ranks[r.country.key]) for r in rows}
    return EditionSheet(edition, title, extractions, tuple(problems), warnings)


def _columns(header: Iterable[object]) -> tuple[dict[str, int], list[str]]:
    """Column index of each place and score key; the headers that are neither."""
    columns: dict[str, int] = {}
    unrecognised = []
    for index, cell in enumerate(header):
        text = str(cell).strip() if cell is not None else ""
        if not text:
            continue
        slug = slugify(text)
        spec = indicator_spec(text)
        key = slug if slug in PLACES else composite_key(text) or (spec.key if spec else None)
        if key is None or key in columns:
            unrecognised.append(text)  # a repeated column is as good as unknown
        else:
            columns[key] = index
    return columns, unrecognised


def _missing_columns(
    columns: dict[str, int], edition: int, title: str, unrecognised: list[str]
) -> list[Reason]:
    required = [
        *PLACES,
        *COMPOSITE_NAMES,
        *(s.key for p in PILLARS for s in expected_indicators(edition, p)),
    ]
    missing = [key for key in required if key not in columns]
    if not missing:
        return []
    names = ", ".join(repr(k.title() if k in PLACES else display_name(k)) for k in missing)
    message = f"{title}: required column(s) not found: {names}"
    if unrecognised:
        message += f" (columns not recognised: {', '.join(repr(h) for h in unrecognised)})"
    return [
        Reason(
            "missing_column",
            message,
            {"sheet": title, "missing": missing, "unrecognised": unrecognised},
        )
    ]


def _rows(
    table: Sequence[Sequence[object]], columns: dict[str, int], title: str
) -> tuple[list[_Row], list[Reason]]:
    rows: dict[str, _Row] = {}
    problems = []
    scored = [k for k in columns if k not in PLACES]
    for number, cells in enumerate(table, start=2):
        place = {k: _text(cells, columns[k]) for k in PLACES}
        if not place["country"]:
            continue  # blank rows under the table
        country = lookup(place["country"])
        if country is None:
            problems.append(
                Reason(
                    "unknown_country",
                    f"{title} row {number}: “{place['country']}” is none of the index's "
                    "countries (add its spelling to monitor/identity.py)",
                    {"sheet": title, "row": number, "name": place["country"]},
                )
            )
            continue
        if country.key in rows:
            problems.append(
                Reason(
                    "duplicate_country",
                    f"{title} rows {rows[country.key].number} and {number} are both {country.name}",
                    {"sheet": title, "rows": [rows[country.key].number, number]},
                )
            )
            continue
        scores, reasons = _scores(cells, columns, scored, title, number)
        rows[country.key] = _Row(
            number, country, place["continent"], place["region"], scores, reasons
        )
    return list(rows.values()), problems


def _text(cells: Sequence[object], index: int) -> str:
    # The 2021 sheet writes one region both `Caribbean ` and `Caribbean`.
    value = cells[index] if index < len(cells) else None
    return str(value).strip() if value is not None else ""


def _scores(
    cells: Sequence[object], columns: dict[str, int], keys: list[str], title: str, number: int
) -> tuple[dict[str, float], tuple[Reason, ...]]:
    scores = {}
    unreadable = {}
    for key in keys:
        cell = cells[columns[key]] if columns[key] < len(cells) else None
        if cell is None or (isinstance(cell, str) and cell.strip().lower() in _BLANK):
            continue  # absent: validation names it, with the value the mean implies
        value = _number(cell)
        if value is None:
            unreadable[key] = str(cell)
        else:
            scores[key] = value
    if not unreadable:
        return scores, ()
    cells_text = ", ".join(f"{display_name(k)} = “{v}”" for k, v in unreadable.items())
    reason = Reason(
        "unreadable_cells",
        f"{title} row {number}: cells that are not scores: {cells_text}",
        {"row": number, "cells": unreadable},
    )
    return scores, (reason,)


def _number(cell: object) -> float | None:
    """A score cell's value (a number, or text holding one); None for anything else."""
    if isinstance(cell, str):
        try:
            cell = float(cell.strip())
        except ValueError:
            return None
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    # Published with two decimals; rounding drops the float noise of computed cells.
    return round(float(cell), 2)


# Rank scopes: global over the whole sheet, continental and regional within the row's
# continent and region (None: a row without one is not ranked in that scope).
_SCOPES: tuple[tuple[str, Callable[[_Row], str | None]], ...] = (
    ("global", lambda r: None),
    ("continental", lambda r: r.continent or None),
    ("regional", lambda r: r.region or None),
)


def _ranks(rows: list[_Row]) -> dict[str, tuple[Rank, ...]]:
    """Criminality and resilience ranks, each descending (rank 1 = the highest score).

    Competition ranking ("1224"): tied scores share the best rank and the next ranks are
    skipped; this reproduces the ranks the published pages print.
    """
    ranks: dict[str, list[Rank]] = {r.country.key: [] for r in rows}
    for composite in RANKED:
        for scope, group_of in _SCOPES:
            ranked = [
                r for r in rows if composite in r.scores and (scope == "global" or group_of(r))
            ]
            peers: dict[str | None, list[float]] = defaultdict(list)
            for r in ranked:
                peers[group_of(r)].append(r.scores[composite])
            for values in peers.values():
                values.sort()
            for r in ranked:
                group = group_of(r)
                values = peers[group]
                higher = len(values) - bisect_right(values, r.scores[composite])
                ranks[r.country.key].append(Rank(composite, scope, 1 + higher, len(values), group))
    return {key: tuple(found) for key, found in ranks.items()}


def _extraction(row: _Row, edition: int, ranks: tuple[Rank, ...]) -> Extraction:
    # Catalogue order, not column order: a re-published workbook with its columns
    # shuffled reads the same, so it makes no new snapshot.
    profile = Profile(
        country=Country(row.country.key, row.country.name),
        edition=edition,
        source_url=None,
        composites={k: Score(row.scores[k]) for k in COMPOSITE_NAMES if k in row.scores},
        ranks=ranks,
        indicators=tuple(
            Indicator(s.key, s.name, s.pillar, Score(row.scores[s.key]))
            for s in INDICATORS
            if s.key in row.scores
        ),
    )
    reasons = [*row.reasons, *validate(profile, EXPECT)]
    status = Status.INCOMPLETE if any(r.is_error for r in reasons) else Status.COMPLETE
    return Extraction(
        status, profile, tuple(reasons), extractor=EXTRACTOR, extractor_version=VERSION
    )
