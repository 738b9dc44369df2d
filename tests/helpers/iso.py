"""The ISO 3166 table `monitor/iso3166.json` as pycountry gives it now.

`monitor.identity` reads the shipped file instead of pycountry (whose import and
lookups cost every start-up ~50 ms); `tests/test_identity.py` checks the file against
pycountry. After a pycountry upgrade that test fails; regenerate the file with

    .venv/bin/python -m tests.helpers.iso
"""

from __future__ import annotations

import json

import pycountry

from monitor.identity import _COUNTRIES, _TERRITORIES, ISO_TABLE

NAME_FIELDS = ("name", "official_name", "common_name")


def iso_table() -> dict[str, dict[str, object]]:
    """alpha-3 -> its alpha-2 and ISO names, for every code the identity table uses."""
    codes = [alpha3 for _, alpha3, _ in _COUNTRIES]
    codes += [alpha3 for _, alpha3, _, _ in _TERRITORIES if alpha3]
    table: dict[str, dict[str, object]] = {}
    for alpha3 in codes:
        iso = pycountry.countries.get(alpha_3=alpha3)
        if iso is not None:
            names = [n for f in NAME_FIELDS if (n := getattr(iso, f, None))]
            table[alpha3] = {"alpha_2": iso.alpha_2, "names": names}
    return table


def table_text() -> str:
    return json.dumps(iso_table(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    ISO_TABLE.write_text(table_text(), encoding="utf-8")
    print(f"wrote {ISO_TABLE}")
