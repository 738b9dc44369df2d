"""Read the publisher's workbook independently of `monitor`, to check values against it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import openpyxl


def header_key(header: str) -> str:
    """`Criminality avg,` -> `criminality`, `Mafia-style groups` -> `mafia_style_groups`."""
    key = re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")
    return re.sub(r"_avg$", "", key)


@cache
def workbook_rows(path: Path, edition: int) -> dict[str, dict[str, object]]:
    """Country name -> {column key: value} for one edition sheet."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book[f"{edition}_dataset"]
    rows = sheet.iter_rows(values_only=True)
    headers = [header_key(str(h)) for h in next(rows)]
    table = {str(row[2]): dict(zip(headers, row, strict=True)) for row in rows if row[2]}
    book.close()
    return table


def scores(path: Path, edition: int, country: str) -> dict[str, float]:
    row = workbook_rows(path, edition)[country]
    return {k: float(v) for k, v in row.items() if isinstance(v, int | float)}
