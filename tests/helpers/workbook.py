"""Read the publisher's workbook independently of `monitor`, to check values against it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import openpyxl

from monitor.indices.catalogue import COMPOSITE_NAMES, CRIMINALITY, indicator_spec, slugify
from monitor.models import Country, Indicator, Profile, Rank, Score

# DESIGN.md: the 2023 methodology added five markets and one actor type.
NEW_IN_2023 = frozenset(
    {
        "extortion_and_protection_racketeering",
        "trade_in_counterfeit_goods",
        "illicit_trade_in_excisable_goods",
        "cyber_dependent_crimes",
        "financial_crimes",
        "private_sector_actors",
    }
)


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


def workbook_profile(shared_dir: Path, edition: int, country: str) -> Profile:
    """A profile holding one workbook row's scores, as if we had stored that edition."""
    values = scores(shared_dir / "data/global_oc_index_2021_2023.xlsx", edition, country)
    indicators = tuple(
        Indicator(k, indicator_spec(k).name, indicator_spec(k).pillar, Score(v))
        for k, v in values.items()
        if k not in COMPOSITE_NAMES
    )
    composites = {k: Score(v) for k, v in values.items() if k in COMPOSITE_NAMES}
    return Profile(
        Country(slugify(country), country),
        edition,
        None,
        composites=composites,
        indicators=indicators,
    )


def ranks(path: Path, edition: int, country: str) -> tuple[Rank, ...]:
    """Criminality and resilience ranks (global, continental, regional) computed from one
    sheet by competition ranking: 1 + the countries scoring higher (rank 1 = highest)."""
    table = workbook_rows(path, edition)
    me = table[country]
    found = []
    for composite in (CRIMINALITY, "resilience"):
        for scope, column in (
            ("global", None),
            ("continental", "continent"),
            ("regional", "region"),
        ):
            group = str(me[column]).strip() if column else None
            pool = [r for r in table.values() if column is None or str(r[column]).strip() == group]
            higher = sum(1 for r in pool if r[composite] > me[composite])  # type: ignore[operator]
            found.append(Rank(composite, scope, 1 + higher, len(pool), group))
    return tuple(found)


def letters(name: str) -> str:
    """A name's letters only: `Congo, Dem. Rep.` and `Congo, Dem, Rep,` both `congodemrep`."""
    return re.sub(r"[^a-z]", "", name.lower())


def paired_names(path: Path) -> list[tuple[str, str]]:
    """(2021 name, 2023 name) of every country, paired by their letters alone."""
    by_letters = {letters(n): n for n in workbook_rows(path, 2023)}
    pairs = [(n, by_letters[letters(n)]) for n in workbook_rows(path, 2021)]
    assert len(pairs) == len(by_letters) == len({b for _, b in pairs})  # one to one
    return pairs
