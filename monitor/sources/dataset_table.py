"""A release as a table of cells: CSV (any of `,` `;` tab, with or without a BOM) or an
XLSX workbook's sheet, its header row found below any title lines.

Headers are matched with the definition's patterns (`CPI score {edition}`), so nothing
about a publisher's file is assumed: the header is the first row naming the country
column and at least one measure, the delimiter the one that yields it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from monitor.indices.definition import Mapping
from monitor.models import Reason

Cell = object
# How far below the top a header may be (title lines, notes, blank rows).
_HEADER_WITHIN = 40
_DELIMITERS = (",", ";", "\t", "|")
_XLSX = b"PK\x03\x04"
_XLS = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Table:
    """The rows below the header, and where each measure is: `columns[(key, edition)]`
    (edition None in a long layout) is the cell's position in a row."""

    rows: tuple[tuple[int, Sequence[Cell]], ...]  # (the file's row number, cells)
    country: int
    edition: int | None  # the edition column's position (long layout)
    columns: dict[tuple[str, int | None], int]
    where: str  # "sheet 'CPI 2023'" or "CSV (';')", for messages


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
    if cell is None:
        return False, None
    text = " ".join(str(cell).replace("\ufeff", "").split())
    for pattern in patterns:
        found = _pattern(pattern).match(text)
        if found:
            year = found.groupdict().get("edition")
            return True, int(year) if year else None
    return False, None


def read(content: bytes, mapping: Mapping) -> Table | Reason:
    """The release's table, or why it has none."""
    if content.startswith(_XLS):
        return Reason("legacy_xls", "an old-style .xls workbook: save it as .xlsx or CSV")
    if content.startswith(_XLSX):
        return _from_workbook(content, mapping)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    best: Table | None = None
    for delimiter in _DELIMITERS:
        if delimiter not in text[:20000]:
            continue
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        table = _find_header(rows, mapping, f"CSV ({delimiter!r})")
        if isinstance(table, Table) and (best is None or len(table.columns) > len(best.columns)):
            best = table
    return best or _no_header(mapping, "the CSV")


def _from_workbook(content: bytes, mapping: Mapping) -> Table | Reason:
    # Imported here: openpyxl takes ~0.15 s to import, which every other command would pay.
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    # A damaged archive fails in any of openpyxl's layers (zip, XML, styles).
    except Exception as exc:
        return Reason("corrupt_workbook", f"not a readable .xlsx workbook: {exc}")
    try:
        titles = [
            ws.title
            for ws in book.worksheets
            if mapping.sheet is None or re.search(mapping.sheet, ws.title, re.IGNORECASE)
        ]
        for title in titles:
            rows = list(book[title].iter_rows(values_only=True))
            table = _find_header(rows, mapping, f"sheet {title!r}")
            if isinstance(table, Table):
                return table
    finally:
        book.close()
    where = f"sheets matching {mapping.sheet!r}" if mapping.sheet else "any sheet"
    return _no_header(mapping, where if titles else f"the workbook (no {where})")


def _no_header(mapping: Mapping, where: str) -> Reason:
    wanted = ", ".join(repr(p) for p in mapping.country)
    return Reason("no_header", f"no header row naming the country ({wanted}) in {where}")


def _find_header(rows: list[Sequence[Cell]], mapping: Mapping, where: str) -> Table | None:
    for at, row in enumerate(rows[:_HEADER_WITHIN]):
        country = next((i for i, c in enumerate(row) if header_match(mapping.country, c)[0]), None)
        if country is None:
            continue
        columns: dict[tuple[str, int | None], int] = {}
        for i, cell in enumerate(row):
            for key, patterns in mapping.columns.items():
                matched, year = header_match(patterns, cell)
                if matched and (key, year) not in columns:
                    columns[(key, year)] = i
                    break
        if not columns:
            continue
        edition = None
        if mapping.edition_column is not None:
            edition = next(
                (i for i, c in enumerate(row) if header_match((mapping.edition_column,), c)[0]),
                None,
            )
        body = tuple((at + 2 + n, r) for n, r in enumerate(rows[at + 1 :]))
        return Table(body, country, edition, columns, where)
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
    """A numeric cell: a number, `6,24` (a decimal comma), `12th` (an ordinal rank)."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    text = str(cell).strip().replace("\u2212", "-")
    text = re.sub(r"(?<=\d)(st|nd|rd|th)$", "", text, flags=re.IGNORECASE)
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
