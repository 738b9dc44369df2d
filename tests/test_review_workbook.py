"""Reviewing the imported publisher's workbook: movers, export, history, show, views.

Expected answers are computed from the workbook by `tests.helpers.workbook` (openpyxl directly,
no production code), in decimal arithmetic so that boundaries such as Haiti's criminality
rising by exactly 0.20 are decided exactly.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.diff.scores import score_direction
from monitor.ops.workbook_import import import_workbook
from monitor.review.browse import QUERIES
from monitor.review.export import COLUMNS
from monitor.review.movers import movers
from monitor.review.where import parse
from monitor.store import Store
from tests.helpers.workbook import letters, paired_names, scores

WORKBOOK = "data/global_oc_index_2021_2023.xlsx"
QUESTION = "criminality >= +0.2 and resilience < -0.3"
Test = Callable[[Decimal, Decimal], bool]


@pytest.fixture(scope="module")
def data_dir(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("review-workbook")
    with Store.open(data / "monitor.db") as store:
        import_workbook(store, shared_dir / WORKBOOK)
    return data


def workbook_answer(shared_dir: Path, test: Test) -> set[str]:
    """Countries (as letters of their names) whose 2021 -> 2023 criminality and
    resilience deltas pass `test`, straight from the workbook."""
    path = shared_dir / WORKBOOK
    found = set()
    for name_2021, name_2023 in paired_names(path):
        before, after = scores(path, 2021, name_2021), scores(path, 2023, name_2023)
        crime, resilience = (
            Decimal(str(after[k])) - Decimal(str(before[k])) for k in ("criminality", "resilience")
        )
        if test(crime, resilience):
            found.add(letters(name_2021))
    return found


def invoke(data_dir: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


@pytest.mark.parametrize(
    ("where", "test"),
    [
        (QUESTION, lambda c, r: c >= Decimal("0.2") and r < Decimal("-0.3")),
        ("criminality >= 0.2", lambda c, r: c >= Decimal("0.2")),  # Haiti: +0.20 exactly
        ("criminality = 0.2", lambda c, r: c == Decimal("0.2")),
        ("not (criminality > 0 or resilience < 0)", lambda c, r: c <= 0 and r >= 0),
    ],
)
def test_movers_answers_with_exactly_the_workbook_set(data_dir, shared_dir, where, test):
    expected = workbook_answer(shared_dir, test)
    with Store.open(data_dir / "monitor.db") as store:
        result = movers(store, 2021, 2023, top=0, where=parse(where))
    names = {m.country: m.country_name for m in result.movers}
    assert expected and {letters(names[c]) for c in result.countries} == expected
    assert result.moves == 4 * len(expected)  # every composite of every matching country


def test_the_movers_command_gives_the_same_set_as_json(data_dir, shared_dir):
    expected = workbook_answer(shared_dir, lambda c, r: c >= Decimal("0.2") and r < Decimal("-0.3"))
    result = invoke(
        data_dir, "movers", "--from", "2021", "--to", "2023", "--where", QUESTION, "--json"
    )
    data = json.loads(result.output)
    assert len(data["countries"]) == len(expected) and len(data["movers"]) == 20  # --top
    biggest = data["movers"][0]
    assert (biggest["country"], biggest["key"], biggest["delta"]) == (
        "myanmar",
        "resilience",
        -1.79,
    )
    table = invoke(data_dir, "movers", "--from", "2021", "--to", "2023", "--where", QUESTION)
    assert f"{len(expected)} countries match" in table.output and "Myanmar" in table.output


def test_a_bad_where_is_a_usage_error_naming_the_token(data_dir):
    result = invoke(data_dir, "movers", "--from", "2021", "--to", "2023", "--where", "crime > 1")
    assert result.exit_code == 2
    assert "unknown score" in result.output and "'crime' at character 1" in result.output


def test_the_canned_query_agrees_with_the_command(data_dir):
    with Store.open(data_dir / "monitor.db") as store:
        expected = movers(store, 2021, 2023, where=parse(QUESTION)).countries
    params = {"from_edition": "2021", "to_edition": "2023", "rise": "0.2", "fall": "0.3"}
    with sqlite3.connect(data_dir / "monitor.db") as db:
        rows = db.execute(QUERIES["criminality_up_resilience_down"]["sql"], params).fetchall()
    assert sorted(r[0] for r in rows) == list(expected)


def test_the_movers_view_direction_agrees_with_the_diff_stage(data_dir):
    with sqlite3.connect(data_dir / "monitor.db") as db:
        rows = db.execute("SELECT indicator, delta, direction FROM score_movers").fetchall()
    assert len(rows) == 193 * 30  # the scores of both methodologies, for every country
    assert all(direction == score_direction(key, delta) for key, delta, direction in rows)


def stored_scores(data_dir: Path) -> dict[tuple[int, str], tuple[float, float | None]]:
    """(snapshot id, key) -> (value, change), read from the tables, not the views."""
    with sqlite3.connect(data_dir / "monitor.db") as db:
        rows = db.execute("SELECT snapshot_id, key, value, change FROM scores").fetchall()
    return {(s, k): (v, c) for s, k, v, c in rows}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_round_trips_to_the_stored_values(data_dir, tmp_path, fmt):
    out = tmp_path / f"scores.{fmt}"
    result = invoke(data_dir, "export", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream)) if fmt == "csv" else json.load(stream)
    if fmt == "csv":  # text cells: parse them as a reader of the file would
        rows = [
            r
            | {
                "score": float(r["score"]),
                "change": float(r["change"]) if r["change"] else None,
                "snapshot_id": int(r["snapshot_id"]),
                "edition": int(r["edition"]),
            }
            for r in rows
        ]
    exported = {(r["snapshot_id"], r["indicator"]): (r["score"], r["change"]) for r in rows}
    assert len(rows) == len(exported) == len(stored_scores(data_dir)) > 12_000
    assert exported == stored_scores(data_dir)
    assert {r["edition"] for r in rows} == {2021, 2023}
    assert {r["source"] for r in rows} == {"ocindex_workbook"}
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["iso3"] and rows[0]["indicator_name"]  # names, not only keys


def test_history_and_show_hold_the_workbook_values(data_dir, shared_dir):
    path = shared_dir / WORKBOOK
    history = json.loads(invoke(data_dir, "history", "Kyrgyzstan", "--json").output)
    assert [c["edition"] for c in history["columns"]] == [2021, 2023]
    row = next(r for r in history["rows"] if r["key"] == "resilience")
    expected = [scores(path, e, "Kyrgyzstan")["resilience"] for e in (2021, 2023)]
    assert row["values"] == expected and row["direction"] == "deterioration"
    assert len(row["trend"]) == 2 and row["trend"][0] > row["trend"][1]
    # Markets new in 2023 have no 2021 value, and no change.
    cyber = next(r for r in history["rows"] if r["key"] == "cyber_dependent_crimes")
    assert cyber["values"][0] is None and cyber["delta"] is None
    shown = json.loads(invoke(data_dir, "show", "kyrgyzstan", "--json").output)
    assert shown["profile"]["edition"] == 2023 and shown["kind"] == "ocindex_workbook"
    composites = {k: s["value"] for k, s in shown["profile"]["composites"].items()}
    assert composites["criminality"] == scores(path, 2023, "Kyrgyzstan")["criminality"]


def test_reports_for_every_country(data_dir, tmp_path):
    result = invoke(data_dir, "report", "--all", "--out", str(tmp_path), "--json")
    pages = json.loads(result.output)["pages"]
    assert len(pages) == 193 + 1 and pages[-1].endswith("index.html")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr data-country=") == 193 and 'href="cote_divoire.html"' in index


def test_a_pdf_summary_never_hides_the_edition_scores(tmp_path):
    """A narrative-only PDF of Kyrgyzstan 2023 seen after the workbook must not stand
    for that edition in the views, movers, show or reports (it has no scores)."""
    from monitor.config.settings import Config
    from monitor.demo.narrative import narrative_for
    from monitor.ops.cycle import ingest
    from tests.helpers.pdfs import summary_pdf
    from tests.helpers.xlsx import demo_workbook

    blocks = []
    for section in narrative_for("Kyrgyzstan", 2023, paragraphs_per_section=1):
        blocks += [
            ("heading", section.title.upper()),
            *(("paragraph", p) for p in section.paragraphs),
        ]
    pdf = tmp_path / "ocindex_profile_kyrgyzstan_2023.pdf"
    pdf.write_bytes(summary_pdf(blocks))
    config = Config(None, tmp_path)
    url = "https://ocindex.net/assets/downloads/2023/english/ocindex_profile_kyrgyzstan_2023.pdf"
    with Store.open(config.database) as store:
        import_workbook(store, demo_workbook(tmp_path / "global_oc_index.xlsx"))
        (read,) = ingest(config, store, [pdf], url=url, kind_name="ocindex_pdf")
        assert read.status.value == "complete"  # it could stand for the edition, by status
        standing = {
            r["edition"]: r["source"]
            for r in store.db.query("SELECT * FROM edition_snapshots WHERE country = 'kyrgyzstan'")
        }
        latest = store.db.execute(
            "SELECT score FROM latest_scores WHERE country = 'kyrgyzstan' AND indicator = ?",
            ["criminality"],
        ).fetchone()
        moved = movers(store, 2021, 2023, top=0)
    assert standing == {2021: "ocindex_workbook", 2023: "ocindex_workbook"}
    assert latest == (5.32,)  # the 2023 workbook figure
    assert "kyrgyzstan" in moved.countries and len(moved.countries) == 5
    shown = invoke(tmp_path, "show", "kyrgyzstan", "--edition", "2023", "--json")
    assert json.loads(shown.output)["profile"]["composites"]["criminality"]["value"] == 5.32
    assert invoke(tmp_path, "report", "--all", "--out", str(tmp_path / "r")).exit_code == 0


def test_show_and_history_prefer_the_page_to_the_workbook(shared_dir, tmp_path):
    """The page (scores and narrative) stands for its edition, though the workbook was
    imported after it; history has one column per edition and says which source."""
    page = shared_dir / "corpus/ocindex-page-2021-kyrgyzstan.txt"
    url = "https://ocindex.net/2021/country/kyrgyzstan"
    assert invoke(tmp_path, "ingest", str(page), "--url", url).exit_code == 0
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, shared_dir / WORKBOOK)
    history = json.loads(invoke(tmp_path, "history", "Kyrgyzstan", "--json").output)
    columns = [(c["edition"], c["source"]) for c in history["columns"]]
    assert columns == [(2021, "ocindex_page"), (2023, "ocindex_workbook")]
    shown = json.loads(invoke(tmp_path, "show", "KGZ", "--edition", "2021", "--json").output)
    assert shown["kind"] == "ocindex_page" and shown["profile"]["sections"]
