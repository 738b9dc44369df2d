"""Methodology breaks are never moves: the 2025 release regroups regions.

The 2021-2023 workbook is imported, then the publisher's 2021-2025 release. The 2025
edition's findings must be exactly the indicator, pillar and rank moves over the default
thresholds, computed here from the workbook's cells on their own; no rank finding in a
ranking group whose membership changed, and one methodology note naming those groups.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from monitor.identity import lookup
from monitor.ops.workbook_import import import_workbook
from monitor.store import Store
from tests.helpers.workbook import workbook_rows

OLD = "data/global_oc_index_2021_2023.xlsx"
NEW = "data/global_oc_index_2021_2025.xlsx"
COMPOSITES = {"criminality", "criminal_markets", "criminal_actors", "resilience"}
BETTER_UP = "resilience"  # resilience and its indicators: higher is better


@pytest.fixture(scope="module")
def release(shared_dir, tmp_path_factory):
    database = tmp_path_factory.mktemp("release") / "monitor.db"
    with Store.open(database) as store:
        first = import_workbook(store, shared_dir / OLD)
        second = import_workbook(store, shared_dir / NEW)
        rows = store.db.execute(
            "SELECT f.country_slug, f.kind, f.key, f.new, f.message, f.detail FROM findings f"
            " JOIN snapshots s ON s.id = f.snapshot_id WHERE s.edition = 2025"
        ).fetchall()
    return first, second, rows


def sheet(path: Path, edition: int) -> dict[str, dict[str, object]]:
    """Country key -> row, for one edition sheet of one workbook."""
    return {lookup(name).key: row for name, row in workbook_rows(path, edition).items()}


def members(rows: dict[str, dict[str, object]], column: str) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for country, row in rows.items():
        groups[str(row[column]).strip()].add(country)
    return {g: frozenset(c) for g, c in groups.items()}


def ranks(rows: dict[str, dict[str, object]], composite: str, column: str | None) -> dict:
    """Competition ranks ("1224") of each country within its group, highest score first."""
    found = {}
    for country, row in rows.items():
        group = str(row[column]).strip() if column else None
        peers = [
            r[composite] for r in rows.values() if not column or str(r[column]).strip() == group
        ]
        found[country] = (1 + sum(v > row[composite] for v in peers), group)
    return found


def expected(shared_dir: Path) -> tuple[set, set[str]]:
    old, new = sheet(shared_dir / NEW, 2023), sheet(shared_dir / NEW, 2025)
    assert old == sheet(shared_dir / OLD, 2023)  # the 2023 edition is republished unchanged
    findings = set()
    for country, row in new.items():
        for key, value in row.items():
            before = old[country].get(key)
            if not isinstance(value, int | float) or not isinstance(before, int | float):
                continue
            limit = 0.25 if key in COMPOSITES else 1.0
            if abs(round(value - before, 2)) + 1e-9 >= limit:
                findings.add((country, "score", key, round(float(value), 2)))
    redefined = set()
    for scope, column in (("global", None), ("continental", "continent"), ("regional", "region")):
        if column:
            before, after = members(old, column), members(new, column)
            changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
            redefined |= changed
        else:
            changed = set()
        for composite in ("criminality", "resilience"):
            was, now = ranks(old, composite, column), ranks(new, composite, column)
            for country, (rank, group) in now.items():
                prior, prior_group = was[country]
                if group in changed or prior_group in changed:
                    continue
                if abs(prior - rank) >= 10:
                    findings.add((country, "rank", f"{composite}_{scope}", float(rank)))
    return findings, redefined


def test_the_2025_findings_are_exactly_the_moves_over_the_thresholds(release, shared_dir):
    first, _, rows = release
    assert first.findings == ()  # a first import is a backfill
    want, _ = expected(shared_dir)
    got = {(c, kind, key, new) for c, kind, key, new, _, _ in rows if kind != "methodology"}
    assert {k for _, k, _, _ in got} == {"score", "rank"}
    assert got == want
    assert len(want) > 800  # the test checks something: 803 scores and 73 ranks


def test_no_rank_finding_in_a_redefined_group(release, shared_dir):
    _, _, rows = release
    _, redefined = expected(shared_dir)
    assert redefined == {
        "Caribbean & Central",
        "Caribbean",
        "Central America",
        "Melanesia",
        "Micronesia",
    }
    rank_messages = [m for _, kind, _, _, m, _ in rows if kind == "rank"]
    assert rank_messages and not [m for m in rank_messages if any(f"({g})" in m for g in redefined)]


def test_one_methodology_note_names_the_redefined_groups(release, shared_dir):
    _, second, rows = release
    _, redefined = expected(shared_dir)
    notes = [(key, message) for _, kind, key, _, message, _ in rows if kind == "methodology"]
    assert len(notes) == 1
    key, message = notes[0]
    assert key == "groups_redefined" and "2025" in message
    assert all(group in message for group in redefined)
    assert [f.key for f in second.findings if f.kind == "methodology"] == ["groups_redefined"]
