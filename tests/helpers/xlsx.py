"""Small dataset workbooks written by the tests, shaped like the publisher's.

Headers are the publisher's own spellings, which differ between sheets; figures come
from our committed data (the demo's workbook figures, the fixtures' expected values).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl

from monitor.demo import load_figures
from tests.helpers.workbook import header_key

FIXTURES = Path(__file__).parents[1] / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))

# The header rows of `global_oc_index_2021_2023.xlsx`, spelled as published.
_MARKETS_2021 = (
    "Human trafficking",
    "Human smuggling",
    "Arms trafficking",
    "Flora crimes",
    "Fauna crimes",
    "Non-renewable resource crimes",
    "Heroin trade",
    "Cocaine trade",
    "Cannabis trade",
    "Synthetic drug trade",
)
_MARKETS_2023 = (
    *_MARKETS_2021,
    "Cyber-dependent crimes",
    "Financial crimes",
    "Trade in counterfeit goods",
    "Illicit trade in excisable goods",
    "Extortion and protection racketeering",
)
_ACTORS_2021 = (
    "Mafia-style groups",
    "Criminal networks",
    "State-embedded actors",
    "Foreign actors",
)
_RESILIENCE = (
    "Political leadership and governance",
    "Government transparency and accountability",
    "International cooperation",
    "National policies and laws",
    "Judicial system and detention",
    "Law enforcement",
    "Territorial integrity",
    "Anti-money laundering",
    "Economic regulatory capacity",
    "Victim and witness support",
    "Prevention",
    "Non-state actors",
)
HEADERS = {
    2021: (
        "Continent",
        "Region",
        "Country",
        "Criminality",
        "Criminal markets",
        *_MARKETS_2021,
        "Criminal actors",
        *_ACTORS_2021,
        "Resilience",
        *_RESILIENCE,
    ),
    2023: (
        "Continent",
        "Region",
        "Country",
        "Criminality avg,",
        "Criminal markets avg,",
        *_MARKETS_2023,
        "Criminal actors avg,",
        *_ACTORS_2021,
        "Private sector actors",
        "Resilience avg,",
        *_RESILIENCE,
    ),
}
PLACES = {"continent", "region", "country"}


def row(edition: int, place: Mapping[str, str], scores: Mapping[str, Any]) -> list[Any]:
    """One country's row under `HEADERS[edition]` (2023's for later editions)."""
    headers = HEADERS[min(edition, 2023)]
    values = {**place, **scores}
    return [values.get(header_key(h)) for h in headers]


def sheet(edition: int, rows: list[list[Any]], headers: tuple[str, ...] | None = None) -> list:
    return [list(headers or HEADERS[min(edition, 2023)]), *rows]


def write(path: Path, sheets: Mapping[str, list[list[Any]]]) -> Path:
    """A workbook with a title sheet first, as published, then `sheets` in order."""
    book = openpyxl.Workbook()
    book.active.title = "Global_OC_Index"
    book.active.append([None, "GLOBAL ORGANIZED CRIME INDEX (test workbook)"])
    for title, table in sheets.items():
        ws = book.create_sheet(title)
        for cells in table:
            ws.append(cells)
    book.save(path)
    return path


def demo_rows(edition: int, **changes: float) -> list[list[Any]]:
    """The five Central Asian countries of the demo figures, as workbook rows; `changes`
    adds to Kyrgyzstan's scores (key=delta)."""
    rows = []
    for entry in load_figures()["countries"].values():
        figures = entry["editions"][str(edition)]
        scores = dict(figures["scores"])
        if entry["workbook_name"] == "Kyrgyzstan":
            scores = {k: v + changes.get(k, 0) for k, v in scores.items()}
        place = {
            "continent": figures["continent"],
            "region": figures["region"],
            "country": entry["workbook_name"],
        }
        rows.append(row(edition, place, scores))
    return rows


def demo_workbook(path: Path, **changes: float) -> Path:
    """2023 and 2021 sheets of the demo countries (in the publisher's sheet order)."""
    return write(
        path,
        {
            "2023_dataset": sheet(2023, demo_rows(2023, **changes)),
            "2021_dataset": sheet(2021, demo_rows(2021)),
        },
    )


def fixture_scores(name: str) -> dict[str, float]:
    """Every score of a fixture page's expected extraction (the workbook's figures)."""
    expected = EXPECTED[name]
    scores = {k: v["value"] for k, v in expected["composites"].items()}
    scores |= {i["key"]: i["score"]["value"] for i in expected["indicators"]}
    return scores
