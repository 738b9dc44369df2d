"""Regenerate `monitor/demo/figures.json` from the publisher's dataset workbook.

    python benchmarks/make_demo_figures.py ../shared/data/global_oc_index_2021_2023.xlsx

Scores and ranks are the workbook extractor's reading (`monitor.extract.workbook`) of the
`2021_dataset` and `2023_dataset` sheets: scores keyed by the catalogue's keys, ranks
computed over the whole sheet: global among all 193 rows, continental within the row's
Continent, regional within its Region, criminality and resilience both ranked descending
(rank 1 = highest score). Ties share a rank and the next rank is skipped (competition
ranking, "1224"): this is the rule that reproduces the published pages (see
`RANK_RULE`). Facts (capital, population, area, GDP, GINI) are
not in the workbook: approximate public figures, kept in `FACTS` below.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.extract.workbook import WorkbookReading, read_workbook
from monitor.models import Status

SHEETS = {2021: "2021_dataset", 2023: "2023_dataset"}
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


def country_figures(reading: WorkbookReading, slug: str, workbook_name: str) -> dict[str, Any]:
    editions = {}
    for edition in SHEETS:
        extraction = reading.extraction(slug, edition, url=None)
        profile = extraction.profile
        if extraction.status is not Status.COMPLETE or profile is None:
            problems = "; ".join(r.message for r in extraction.reasons)
            raise SystemExit(f"{workbook_name!r} in {SHEETS[edition]}: {problems}")
        groups = {r.scope: r.group for r in profile.ranks}
        editions[str(edition)] = {
            "continent": groups["continental"],
            "region": groups["regional"],
            "scores": profile.scores(),
            # The workbook prints no rank movement; the renderer computes it.
            "ranks": [
                {k: v for k, v in asdict(r).items() if k != "movement"} for r in profile.ranks
            ],
            "facts": FACTS.get(slug, {}).get(edition, {}),
        }
    return {"workbook_name": workbook_name, "editions": editions}


def build(path: Path | str, countries: dict[str, str]) -> dict[str, Any]:
    reading = read_workbook(Path(path).read_bytes())
    if reading.errors:
        raise SystemExit("; ".join(r.message for r in reading.errors))
    return {
        "source": f"{Path(path).name}: GI-TOC Global Organized Crime Index dataset workbook",
        "rank_rule": RANK_RULE,
        "facts_note": "capital, population, area, GDP, GINI: approximate public figures",
        "countries": {slug: country_figures(reading, slug, n) for slug, n in countries.items()},
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
