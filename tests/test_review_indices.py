"""One country across every index: CPI, Freedom in the World and the OC Index imported
into one database from the publishers' files, then reviewed with `show`, `history`,
`export` and the other review commands at 80 columns.

Expected values are read from the files here (csv and openpyxl directly, no production
code), so that a reader that misread a column would fail.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.indices import index_ids
from monitor.review.report import country_report
from monitor.store import Store
from tests.helpers.configs import site_config
from tests.helpers.workbook import NEW_IN_2023, scores

CPI = {
    edition: f"data/indices/cpi/CPI{edition}_GlobalResultsTrends.csv" for edition in (2022, 2023)
}
FIW = "data/indices/fiw/All_data_FIW_2013-2024.xlsx"
OC = "data/global_oc_index_2021_2025.xlsx"
WIDTH = 80


@pytest.fixture(scope="module")
def data_dir(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("review-indices")
    for target, kind in (
        (CPI[2022], "cpi"),
        (CPI[2023], "cpi"),
        (FIW, "fiw"),
        (OC, "ocindex_workbook"),
    ):
        imported = invoke(data, "import-workbook", str(shared_dir / target), "--kind", kind)
        assert imported.exit_code == 0, imported.output
    return data


def invoke(data_dir: Path, *args: str, width: int = WIDTH):
    runner = CliRunner(env={"COLUMNS": str(width), "NO_COLOR": "1"})
    return runner.invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def cpi_row(path: Path, country: str) -> dict[str, str]:
    """The country's row of a CPI release: `;`-separated, a BOM, title lines above."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Country / Territory;"))
    return next(
        r
        for r in csv.DictReader(lines[start:], delimiter=";")
        if r["Country / Territory"] == country
    )


def cpi(path: Path, country: str, column: str) -> float:
    return float(cpi_row(path, country)[column].replace(",", "."))


def fiw_rows(path: Path, country: str) -> dict[int, dict[str, object]]:
    """Edition -> the country's row of the Freedom House workbook."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = book["FIW13-24"].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    found = {
        int(row[header.index("Edition")]): dict(zip(header, row, strict=False))
        for row in rows
        if row[0] == country
    }
    book.close()
    return found


def test_show_leads_with_each_index_headline_and_change(data_dir, shared_dir):
    shown = json.loads(invoke(data_dir, "show", "kyrgyzstan", "--json").output)
    headlines = {h["index"]: h for h in shown["headlines"]}
    assert set(headlines) == {"cpi", "fiw", "ocindex"}

    cpi_2023, cpi_2022 = shared_dir / CPI[2023], shared_dir / CPI[2022]
    (score,) = headlines["cpi"]["scores"]
    assert (headlines["cpi"]["edition"], headlines["cpi"]["previous_edition"]) == (2023, 2022)
    assert score["value"] == cpi(cpi_2023, "Kyrgyzstan", "CPI score 2023") == 26
    assert score["previous"] == cpi(cpi_2022, "Kyrgyzstan", "CPI score 2022") == 27
    assert (score["change"], score["direction"]) == (-1, "deterioration")  # higher is better
    (rank,) = headlines["cpi"]["ranks"]
    assert rank["rank"] == cpi(cpi_2023, "Kyrgyzstan", "Rank 2023")
    assert rank["previous"] == cpi(cpi_2022, "Kyrgyzstan", "Rank 2022")
    assert rank["moved"] == "down 1 place" and rank["direction"] == "deterioration"

    fiw = fiw_rows(shared_dir / FIW, "Kyrgyzstan")
    (total,) = headlines["fiw"]["scores"]
    assert headlines["fiw"]["edition"] == 2024
    assert (total["value"], total["previous"]) == (fiw[2024]["Total"], fiw[2023]["Total"])
    (status,) = headlines["fiw"]["levels"]
    assert status["value"] == fiw[2024]["Status"] and status["previous"] == fiw[2023]["Status"]
    assert status["value"] == "NF" and status["label"] == "Not Free"  # as Freedom House says it

    oc = {h["key"]: h for h in headlines["ocindex"]["scores"]}
    assert set(oc) == {"criminality", "resilience"} and headlines["ocindex"]["edition"] == 2025
    for key, measure in oc.items():
        now, then = (scores(shared_dir / OC, e, "Kyrgyzstan")[key] for e in (2025, 2023))
        assert (measure["value"], measure["previous"]) == (now, then)
        assert measure["change"] == round(now - then, 2)
    assert oc["resilience"]["direction"] == "deterioration"  # 3.83 -> 3.79: lower is worse
    # The OC Index's rank 1 is the most criminal country: moving down is better.
    ranks = {r["key"]: r for r in headlines["ocindex"]["ranks"]}
    assert ranks["criminality"]["moved"].startswith("down")
    assert ranks["criminality"]["direction"] == "improvement"


def test_show_in_words_at_80_columns(data_dir):
    text = invoke(data_dir, "show", "kyrgyzstan").output
    lead = text[: text.index("Kyrgyzstan — ")]  # the headlines, before the detail
    flat = " ".join(lead.split())
    assert "Corruption Perceptions Index 2023: CPI score 26, down 1 from 27 in 2022 (worse)" in flat
    assert "CPI rank 141 of 180, down 1 place (worse)" in flat
    assert "Freedom in the World 2024: Total score 27" in flat and "Status: Not Free" in flat
    assert "Resilience 3.79, down 0.04 from 3.83 in 2023 (worse)" in flat
    assert "Criminality rank 85 of 193, down 4 places (better)" in flat
    assert max(map(len, text.splitlines())) <= WIDTH


def test_show_of_a_workbook_snapshot_computes_its_changes_and_says_so(data_dir, shared_dir):
    # The audit: the workbook prints no change, so the detail's change and moved columns
    # were empty under a lead that had them. Computed from the 2023 edition, as the lead.
    text = invoke(data_dir, "show", "kyrgyzstan", "--index", "ocindex").output
    detail = text[text.index("Kyrgyzstan — 2025") :]
    cells = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in detail.splitlines()
        if line.count("│") >= 4
    }
    now, then = (scores(shared_dir / OC, e, "Kyrgyzstan") for e in (2025, 2023))
    for key, name in (("criminality", "Criminality"), ("resilience", "Resilience")):
        change = round(now[key] - then[key], 2)
        assert cells[name] == [f"{now[key]:.2f}", f"{change:+.2f}"]
    assert cells["criminality 85"] == ["193", "world", "down 4 places (better)"]
    assert "Changes computed from the 2023 edition: this source prints none." in detail


def test_a_standard_error_moves_neither_better_nor_worse(data_dir, shared_dir):
    # The audit: history called CPI's falling standard error "better". It is the
    # publisher's uncertainty about the score, declared `direction = "uncertainty"`.
    history = json.loads(
        invoke(data_dir, "history", "kyrgyzstan", "--index", "cpi", "--json").output
    )
    error = next(r for r in history["rows"] if r["key"] == "standard_error")
    first = cpi(shared_dir / CPI[2022], "Kyrgyzstan", "Standard error 2012")
    last = cpi(shared_dir / CPI[2023], "Kyrgyzstan", "Standard error 2023")
    assert error["delta"] == round(last - first, 2) != 0
    assert error["direction"] == "neutral"
    text = invoke(data_dir, "history", "kyrgyzstan", "--index", "cpi").output
    (change,) = [line for line in text.splitlines() if line.startswith("first → last")]
    assert f"{last - first:+.2f}" in change
    assert change.count("better") + change.count("worse") == 1  # the score's alone


def test_diff_names_the_2023_indicators_added_only_from_an_edition_before_them(data_dir):
    # The audit saw six indicators "added by methodology" in a 2023 -> 2025 diff. The
    # 2023 edition holds them: only a diff from 2021 may say so (docs/reviewing.md).
    def added(start: str) -> set[str]:
        args = ("diff", "kyrgyzstan", "--from", start, "--to", "2025", "--json")
        result = json.loads(invoke(data_dir, *args).output)
        return {d["key"] for d in result["scores"] if d["kind"] in ("added", "removed")}

    assert added("2023") == set()
    assert added("2021") == NEW_IN_2023


def test_history_of_one_index_lists_the_file_editions(data_dir, shared_dir):
    history = json.loads(
        invoke(data_dir, "history", "kyrgyzstan", "--index", "cpi", "--json").output
    )
    assert [c["edition"] for c in history["columns"]] == list(range(2012, 2024))
    assert {c["index"] for c in history["columns"]} == {"cpi"}
    row = next(r for r in history["rows"] if r["key"] == "score")
    path = shared_dir / CPI[2023]
    expected = [
        cpi(path, "Kyrgyzstan", f"CPI {'Score' if e < 2014 else 'score'} {e}")
        for e in range(2012, 2024)
    ]
    assert list(row["values"]) == expected
    text = invoke(data_dir, "history", "kyrgyzstan", "--index", "cpi").output
    assert "Corruption Perceptions Index" in text and "Freedom" not in text
    assert all(f"{e} cpi" in text for e in range(2012, 2024))


def test_export_of_one_index_and_country_gives_the_file_rows(data_dir, shared_dir):
    result = invoke(data_dir, "export", "--index", "fiw", "--country", "kyrgyzstan")
    rows = list(csv.DictReader(result.output.splitlines()))
    fiw = fiw_rows(shared_dir / FIW, "Kyrgyzstan")
    assert {r["index_id"] for r in rows} == {"fiw"} and {r["iso3"] for r in rows} == {"KGZ"}
    exported = {(int(r["edition"]), r["indicator"]): r["score"] for r in rows}
    columns = {
        "total": "Total",
        "political_rights": "PR",
        "civil_liberties": "CL",
        "pr_rating": "PR rating",
        "cl_rating": "CL rating",
        "status": "Status",
    }
    expected = {
        (edition, key): str(row[column]) if key == "status" else str(float(row[column]))
        for edition, row in fiw.items()
        for key, column in columns.items()
    }
    assert exported == expected
    # The level as published, and its name beside it (a score has none).
    named = {r["score"]: r["level_name"] for r in rows if r["indicator"] == "status"}
    words = {"F": "Free", "PF": "Partly Free", "NF": "Not Free"}
    assert named == {level: words[level] for level in named} and "NF" in named
    assert {r["level_name"] for r in rows if r["indicator"] == "total"} == {""}


def test_history_names_each_status_level(data_dir, shared_dir):
    history = json.loads(
        invoke(data_dir, "history", "kyrgyzstan", "--index", "fiw", "--json").output
    )
    (status,) = history["statuses"]
    fiw = fiw_rows(shared_dir / FIW, "Kyrgyzstan")
    assert status["values"] == [fiw[c["edition"]]["Status"] for c in history["columns"]]
    words = {"F": "Free", "PF": "Partly Free", "NF": "Not Free"}
    assert status["names"] == [words[v] for v in status["values"]]
    text = invoke(data_dir, "history", "kyrgyzstan", "--index", "fiw").output
    words_shown = set(re.findall(r"[A-Za-z]+", text))  # a narrow table wraps "Not Free"
    assert {"Not", "Free"} <= words_shown and not {"NF", "PF"} & words_shown


@pytest.mark.parametrize("command", ["history", "export", "show"])
def test_an_unknown_index_is_a_usage_error(data_dir, command):
    args = [command] + (["kyrgyzstan"] if command != "export" else []) + ["--index", "cpl"]
    result = invoke(data_dir, *args)
    assert result.exit_code == 2
    # Every id the process knows: other tests' configs register their indices too.
    known = ", ".join(index_ids())
    assert f"no index definition 'cpl' (known: {known})" in result.output


def measure_names(data_dir: Path) -> set[str]:
    with Store.open(data_dir / "monitor.db") as store:
        return {r[0] for r in store.db.execute("SELECT DISTINCT name FROM scores")}


def test_review_commands_fit_80_columns_and_cut_nothing(data_dir):
    """Every line within 80 columns, no ellipsis, every measure name's words and every
    source key whole."""
    with Store.open(data_dir / "monitor.db") as store:
        keys = [r.key for r in store.sources() if r.country_slug == "kyrgyzstan"]
    for command in (
        ("show", "kyrgyzstan"),
        ("history", "kyrgyzstan"),
        ("status", "--all"),
        ("movers", "--from", "2023", "--to", "2025"),
        ("diff", "kyrgyzstan"),
    ):
        result = invoke(data_dir, *command)
        assert result.exit_code == 0, (command, result.output)
        lines = result.output.splitlines()
        assert max(map(len, lines)) <= WIDTH, command
        assert "…" not in result.output, command
        words = set(re.findall(r"[\w’'-]+", result.output))
        if command[0] == "history":
            for name in measure_names(data_dir):
                assert set(re.findall(r"[\w’'-]+", name)) <= words, name
        if command[0] == "status":
            assert all(key in lines or any(key in line.split() for line in lines) for key in keys)


def test_every_review_command_answers_in_json(data_dir, tmp_path):
    config = site_config(tmp_path, "http://127.0.0.1:9/", ["kyrgyzstan"], data_dir=data_dir)
    commands = {
        "show": ("show", "kyrgyzstan"),
        "history": ("history", "kyrgyzstan"),
        "diff": ("diff", "kyrgyzstan"),
        "movers": ("movers", "--from", "2023", "--to", "2025"),
        "export": ("export", "--country", "kyrgyzstan"),
        "status": ("status",),
        "outbox": ("outbox",),
        "kinds": ("kinds",),
        "digest": ("digest",),
        "indices": ("indices",),
        "watch list": ("watch", "list"),
        "sources": ("sources",),
    }
    for name, args in commands.items():
        runner = CliRunner(env={"COLUMNS": str(WIDTH)})
        result = runner.invoke(cli, ["--config", str(config), *args, "--json"])
        assert result.exit_code in (0, 1), (name, result.output)
        assert json.loads(result.output) is not None, name


def test_the_reports_status_line_names_the_levels(data_dir, shared_dir):
    fiw = fiw_rows(shared_dir / FIW, "Kyrgyzstan")
    with Store.open(data_dir / "monitor.db") as store:
        report = country_report(store, "kyrgyzstan")
    section = next(s for s in report.indices if s.index.id == "fiw")
    (status,) = section.categories
    words = {"F": "Free", "PF": "Partly Free", "NF": "Not Free"}
    assert (status.value, status.previous) == tuple(words[fiw[e]["Status"]] for e in (2024, 2023))


@pytest.mark.parametrize("spelling", ["Hong Kong", "HKG", "hong_kong"])
def test_a_territory_is_named_as_its_publishers_name_it(data_dir, spelling):
    # Kept under its own key (hong_kong), it answered only to that key.
    shown = invoke(data_dir, "show", spelling, "--json")
    assert shown.exit_code == 0, shown.output
    assert ":hong_kong:" in json.loads(shown.output)["source"]


def test_a_misspelt_country_is_answered_with_a_suggestion(data_dir):
    result = invoke(data_dir, "history", "kyrgystan")
    assert result.exit_code == 1
    assert "unknown country 'kyrgystan'" in result.output
    assert "(did you mean 'kyrgyzstan'?)" in result.output
