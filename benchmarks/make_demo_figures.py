"""Regenerate `monitor/demo/figures.json` from the publisher's dataset workbook.

    python benchmarks/make_demo_figures.py ../shared/data/global_oc_index_2021_2023.xlsx

Scores come straight from the `2021_dataset` and `2023_dataset` sheets, keyed by the
catalogue's keys. Ranks are computed over the whole sheet: global among all 193 rows,
continental within the row's Continent, regional within its Region, criminality and
resilience both ranked descending (rank 1 = highest score). Ties share a rank and the
next rank is skipped (competition ranking, "1224"): this is the rule that reproduces
the published pages (see `RANK_RULE`). Facts (capital, population, area, GDP, GINI) are
not in the workbook: approximate public figures, kept in `FACTS` below.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.catalogue import composite_key, indicator_spec
from monitor.models import CRIMINALITY, Pillar

SHEETS = {2021: "2021_dataset", 2023: "2023_dataset"}
RANKED = (CRIMINALITY, Pillar.RESILIENCE.value)
RANK_RULE = (
    "descending score over the whole sheet; ties share the best rank and the next ranks "
    "are skipped (competition ranking 1224); regions are compared with surrounding "
    "spaces stripped"
)
DEMO_COUNTRIES = {
    "kyrgyzstan": "Kyrgyzstan",
    "kazakhstan": "Kazakhstan",
    "tajikistan": "Tajikistan",
    "uzbekistan": "Uzbekistan",
    "turkmenistan": "Turkmenistan",
}

# Facts are not in the workbook: approximate public figures (World Bank, national statistics).
# Turkmenistan publishes no recent GINI estimate, so its 2023 page shows none.
_INCOME = {"LM": "Lower middle income", "UM": "Upper middle income"}
_FACT_ROWS = (
    # slug, edition, capital, income, population, area km², geography, GDP US$ million, GINI
    ("kyrgyzstan", 2021, "Bishkek", "LM", 6_456_200, 199_950, "Landlocked", None, None),
    ("kyrgyzstan", 2023, "Bishkek", "LM", 6_735_300, 199_950, "Landlocked", 10_930, 29.0),
    ("kazakhstan", 2021, "Nur-Sultan", "UM", 18_754_440, 2_724_900, "Landlocked", None, None),
    ("kazakhstan", 2023, "Astana", "UM", 19_621_972, 2_724_900, "Landlocked", 225_496, 29.2),
    ("tajikistan", 2021, "Dushanbe", "LM", 9_537_642, 143_100, "Landlocked", None, None),
    ("tajikistan", 2023, "Dushanbe", "LM", 9_952_787, 143_100, "Landlocked", 10_492, 34.0),
    ("uzbekistan", 2021, "Tashkent", "LM", 34_232_050, 448_978, "Landlocked", None, None),
    ("uzbekistan", 2023, "Tashkent", "LM", 35_648_100, 448_978, "Landlocked", 80_392, 31.2),
    ("turkmenistan", 2021, "Ashgabat", "UM", 6_031_187, 488_100, "Landlocked", None, None),
    ("turkmenistan", 2023, "Ashgabat", "UM", 6_430_770, 488_100, "Landlocked", 56_543, None),
    # Countries of the hand-checked test fixtures (tests/fixtures/).
    ("cote_divoire", 2023, "Yamoussoukro", "LM", 28_160_542, 322_463, "Coastal", 70_043, 35.3),
    ("tuvalu", 2023, "Funafuti", "UM", 11_312, 26, "Island", 60, 39.1),
    ("sao_tome_and_principe", 2021, "São Tomé", "LM", 219_159, 964, "Island", None, None),
)
_FACT_FIELDS = (
    "capital",
    "income_group",
    "population",
    "area_km2",
    "geography_type",
    "gdp_usd_million",
    "gini",
)
FACTS: dict[str, dict[int, dict[str, Any]]] = {}
for _slug, _edition, *_values in _FACT_ROWS:
    _facts = dict(zip(_FACT_FIELDS, _values, strict=True))
    _facts["income_group"] = _INCOME[_facts["income_group"]]
    FACTS.setdefault(_slug, {})[_edition] = {k: v for k, v in _facts.items() if v is not None}


def read_sheet(path: Path | str, edition: int) -> list[dict[str, Any]]:
    """One dict per country row: continent, region, country, scores by catalogue key."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook[SHEETS[edition]].iter_rows(values_only=True)
        header = next(rows)
        keys = [composite_key(h) or getattr(indicator_spec(h), "key", None) for h in header[3:]]
        if None in keys:
            raise ValueError(f"unknown column in {SHEETS[edition]}: {header}")
        return [
            {
                "continent": row[0].strip(),
                "region": row[
                    1
                ].strip(),  # 2021 spells one region both `Caribbean ` and `Caribbean`
                "country": row[2].strip(),
                "scores": {k: round(float(v), 2) for k, v in zip(keys, row[3:], strict=True)},
            }
            for row in rows
            if row[2]
        ]
    finally:
        workbook.close()


def competition_rank(value: float, values: list[float]) -> int:
    """1 + how many score strictly higher: ties share a rank, the next ones are skipped."""
    return 1 + sum(v > value for v in values)


def ranks_for(rows: list[dict[str, Any]], country: str) -> list[dict[str, Any]]:
    """Global, continental and regional ranks of one country, as `Rank` field dicts."""
    row = next(r for r in rows if r["country"] == country)
    ranks = []
    for composite in RANKED:
        for scope, field in (
            ("global", None),
            ("continental", "continent"),
            ("regional", "region"),
        ):
            peers = [r for r in rows if field is None or r[field] == row[field]]
            ranks.append(
                {
                    "composite": composite,
                    "scope": scope,
                    "rank": competition_rank(
                        row["scores"][composite], [p["scores"][composite] for p in peers]
                    ),
                    "out_of": len(peers),
                    "group": row[field] if field else None,
                }
            )
    return ranks


def country_figures(
    sheets: dict[int, list[dict[str, Any]]], slug: str, workbook_name: str
) -> dict[str, Any]:
    editions = {}
    for edition, rows in sheets.items():
        row = next((r for r in rows if r["country"] == workbook_name), None)
        if row is None:
            raise SystemExit(f"{workbook_name!r} not in {SHEETS[edition]}")
        editions[str(edition)] = {
            "continent": row["continent"],
            "region": row["region"],
            "scores": row["scores"],
            "ranks": ranks_for(rows, workbook_name),
            "facts": FACTS.get(slug, {}).get(edition, {}),
        }
    return {"workbook_name": workbook_name, "editions": editions}


def build(path: Path | str, countries: dict[str, str]) -> dict[str, Any]:
    sheets = {edition: read_sheet(path, edition) for edition in SHEETS}
    return {
        "source": f"{Path(path).name}: GI-TOC Global Organized Crime Index dataset workbook",
        "rank_rule": RANK_RULE,
        "facts_note": "capital, population, area, GDP, GINI: approximate public figures",
        "countries": {slug: country_figures(sheets, slug, n) for slug, n in countries.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "monitor" / "demo" / "figures.json",
    )
    args = parser.parse_args(argv)
    data = build(args.workbook, DEMO_COUNTRIES)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(data['countries'])} countries)")


if __name__ == "__main__":
    main()
