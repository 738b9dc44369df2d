"""A release as tables of cells: CSV (any of `,` `;` tab, with or without a BOM) or a
workbook's sheets (XLSX, legacy XLS or ODS), each header row found below any title lines.

Headers are matched with the definition's patterns (`CPI score {edition}`), so nothing
about a publisher's file is assumed: the header is the first row naming the country
column and at least one measure, the delimiter the one that yields it. A header may be
two rows, the years above the measures' names (`1996` over `Estimate`): it is read as
`1996 Estimate` when that matches more columns than the row alone.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from monitor.extract.capture import beginning
from monitor.indices.definition import Mapping
from monitor.models import Reason

Cell = object
# How far below the top a header may be (title lines, notes, blank rows).
_HEADER_WITHIN = 40
_DELIMITERS = (",", ";", "\t", "|")
# Workbooks: XLSX and ODS are zip archives, legacy XLS an OLE2 compound file.
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@dataclass(frozen=True)
class Table:
    """The rows below the header, and where each measure is: `columns[(key, edition)]`
    (edition None in a long layout) is the cell's position in a row."""

    rows: tuple[tuple[int, Sequence[Cell]], ...]  # (the file's row number, cells)
    country: int
    edition: int | None  # the edition column's position (long layout)
    columns: dict[tuple[str, int | None], int]
    where: str  # "sheet 'CPI 2023'" or "CSV (';')", for messages
    wanted: frozenset[str]  # the measure keys the mapping looks for here


@lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str]:
    parts = re.split(r"(\{edition\}|\*)", " ".join(text.split()))
    body = "".join(
        r"(?P<edition>(?:19|20|21)\d\d)" if p == "{edition}" else ".*" if p == "*" else re.escape(p)
        for p in parts
    )
    return re.compile(rf"^{body}$", re.IGNORECASE)


def header_match(patterns: Sequence[str], cell: Cell) -> tuple[bool, int | None]:
    """Whether a header cell matches one of `patterns`, and the year it names."""
    text = " ".join(_text(cell).replace("\ufeff", "").split())
    if not text:
        return False, None
    for pattern in patterns:
        found = _pattern(pattern).match(text)
        if found:
            year = found.groupdict().get("edition")
            return True, int(year) if year else None
    return False, None


def read(content: bytes, mapping: Mapping) -> tuple[Table, ...] | Reason:
    """The release's tables (one per part of the mapping), or why it has none."""
    if content.startswith(_WORKBOOKS):
        return _from_workbook(content, mapping)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    if b"\x00" in content[:8192] or not any(d in text[:20000] for d in _DELIMITERS):
        # Binary (a PDF, an image) or text with no column separator: no table at all.
        return Reason(
            "not_a_table",
            f"neither a workbook (XLSX, XLS, ODS) nor a CSV; it begins {beginning(content, 40)}",
        )
    best: Table | None = None
    for delimiter in _DELIMITERS:
        if delimiter not in text[:20000]:
            continue
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        table = _find_header(rows, mapping, mapping.columns, f"CSV ({delimiter!r})")
        if isinstance(table, Table) and (best is None or len(table.columns) > len(best.columns)):
            best = table
    if best is None:
        return _no_header(mapping, "the CSV")
    return _cut_short(text, best) or (best,)


def _cut_short(text: str, table: Table) -> Reason | None:
    """Why a CSV that stops mid-row (a download cut off) is no release: its rows would
    replace good values with partial ones (a rank within the rows that arrived).

    A file ending with a line end is whole. Without one (Transparency International's
    own CSVs end so), its last row must have every column, and its last value, when
    read, the form most of its column's values have, digit for digit (`4,3` among
    `9,9`s): a value cut short (`4,3` to `4`) has another form. A whole file whose last
    value happens to have an unusual form is refused too; ended with a line end, it
    is read."""
    if text.endswith(("\n", "\r")) or not table.rows:
        return None
    line, cells = table.rows[-1]
    needed = max(table.columns.values(), default=table.country) + 1
    if len(cells) < needed:
        return Reason(
            "truncated",
            f"the CSV ends mid-row: row {line} has {len(cells)} of its {needed} columns"
            " and no line end (a truncated download?)",
        )
    last = len(cells) - 1
    read = [key for key, at in table.columns.items() if at == last]
    value = str(cells[last]).strip()
    if not read or not value:
        return None  # a column not read, or empty: nothing partial is stored
    forms = Counter(
        _form(str(row[last]))
        for _, row in table.rows[:-1]
        if len(row) > last and str(row[last]).strip()
    )
    usual = forms.most_common(1)[0][0] if forms else None
    if usual is None or _form(value) == usual:
        return None
    key, edition = read[0]
    return Reason(
        "truncated",
        f"the CSV ends without a line end on {value!r} (row {line}, {key}"
        f"{f' {edition}' if edition else ''}), not in the form of its column's values"
        f" ({usual!r}): cut short? If the file is whole, end it with a line end",
    )


def _form(value: str) -> str:
    """A value's form, digit for digit: `4,3` -> `9,9`, `27` -> `99`."""
    return re.sub(r"\d", "9", value.strip())


def _from_workbook(content: bytes, mapping: Mapping) -> tuple[Table, ...] | Reason:
    # calamine (Rust) reads XLSX, XLS and ODS alike, ~10x faster than openpyxl on the
    # publishers' workbooks (docs/performance.md); imported here, as only imports need it.
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = {name: book.get_sheet_by_name(name) for name in book.sheet_names}
    # A damaged file fails in any of calamine's layers (zip, OLE2, XML): it says which.
    except (CalamineError, ValueError, OSError) as exc:
        return Reason("corrupt_workbook", f"not a readable workbook: {exc}")
    tables = []
    for part in mapping.parts():
        titles = [t for t in sheets if part.sheet is None or re.search(part.sheet, t, re.I)]
        found = None
        for title in titles:
            rows = sheets[title].to_python(skip_empty_area=False)
            found = _find_header(rows, mapping, part.columns, f"sheet {title!r}")
            if found is not None:
                break
        if found is None:
            where = f"sheets matching {part.sheet!r}" if part.sheet else "any sheet"
            return _no_header(mapping, where if titles else f"the workbook (no {where})")
        tables.append(found)
    return tuple(tables)


def _no_header(mapping: Mapping, where: str) -> Reason:
    wanted = ", ".join(repr(p) for p in mapping.country)
    return Reason("no_header", f"no header row naming the country ({wanted}) in {where}")


def _text(cell: Cell) -> str:
    """A header cell as text: a year stored as a number (`1996.0`) reads `1996`."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def _with_row_above(above: Sequence[Cell], row: Sequence[Cell]) -> list[str]:
    """Each header cell prefixed by the cell above it (`1996` over `Estimate` reads
    `1996 Estimate`); a cell above left empty continues the one before (merged cells)."""
    joined, carried = [], ""
    for at, cell in enumerate(row):
        carried = _text(above[at]) if at < len(above) and _text(above[at]) else carried
        joined.append(f"{carried} {_text(cell)}".strip() if _text(cell) else "")
    return joined


def _matched(
    row: Sequence[Cell], columns: dict[str, tuple[str, ...]]
) -> dict[tuple[str, int | None], int]:
    """Where each measure's column is, by (measure key, the year its header names)."""
    found: dict[tuple[str, int | None], int] = {}
    for i, cell in enumerate(row):
        for key, patterns in columns.items():
            matched, year = header_match(patterns, cell)
            if matched and (key, year) not in found:
                found[(key, year)] = i
                break
    return found


def _find_header(
    rows: list[Sequence[Cell]],
    mapping: Mapping,
    columns: dict[str, tuple[str, ...]],
    where: str,
) -> Table | None:
    for at, row in enumerate(rows[:_HEADER_WITHIN]):
        country = next((i for i, c in enumerate(row) if header_match(mapping.country, c)[0]), None)
        if country is None:
            continue
        found = _matched(row, columns)
        if at > 0:
            two_rows = _matched(_with_row_above(rows[at - 1], row), columns)
            found = two_rows if len(two_rows) > len(found) else found
        if not found:
            continue
        edition = None
        if mapping.edition_column is not None:
            edition = next(
                (i for i, c in enumerate(row) if header_match((mapping.edition_column,), c)[0]),
                None,
            )
        body = tuple((at + 2 + n, r) for n, r in enumerate(rows[at + 1 :]))
        return Table(body, country, edition, found, where, frozenset(columns))
    return None


def year_of(cell: Cell) -> int | None:
    """An edition cell: 2024, "2024", or a date (a workbook that stored the year as one)."""
    if isinstance(cell, datetime | date):
        return cell.year
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return int(cell) if float(cell).is_integer() else None
    text = str(cell or "").strip()
    found = re.fullmatch(r"(?:\w+\s*)?((?:19|20|21)\d\d)(?:\.0)?", text)
    return int(found[1]) if found else None


def number(cell: Cell) -> float | None:
    """A numeric cell: a number, `6,24` (a decimal comma), `12th` (an ordinal rank).
    `NaN` or an infinity is no number (a spreadsheet's error, not a score: SQLite would
    store NaN as NULL and refuse the whole release)."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        text = str(cell).strip().replace("\u2212", "-")
        text = re.sub(r"(?<=\d)(st|nd|rd|th)$", "", text, flags=re.IGNORECASE)
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
    return value if math.isfinite(value) else None
