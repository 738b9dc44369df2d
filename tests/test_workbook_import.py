"""Importing the dataset workbook: one snapshot per country and edition, nothing twice,
a revised cell is one new snapshot and a revision; bad documents store nothing."""

from __future__ import annotations

import json
import re
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from monitor.cli.main import cli
from monitor.config.settings import Config, FetchPolicy, SourceSpec
from monitor.diff.snapshots import diff_snapshots
from monitor.errors import FetchError, NotAProfileError
from monitor.identity import country_key
from monitor.models import Status
from monitor.ops.cycle import run_cycle
from monitor.ops.workbook_import import import_workbook
from monitor.review import resolve_snapshot
from monitor.sources import get_kind
from monitor.store import Store
from monitor.store.findings import findings
from tests.helpers.workbook import paired_names
from tests.helpers.workbook import scores as workbook_scores
from tests.helpers.xlsx import HEADERS, demo_rows, demo_workbook, sheet, write

WORKBOOK = "data/global_oc_index_2021_2023.xlsx"
KIND = "ocindex_workbook"


@pytest.fixture(scope="module")
def imported(shared_dir, tmp_path_factory):
    """The real workbook imported into a fresh database, then imported again."""
    path = shared_dir / WORKBOOK
    database = tmp_path_factory.mktemp("import") / "monitor.db"
    with Store.open(database) as store:
        first = import_workbook(store, path)
        counts = store.counts()
        again = import_workbook(store, path)
        counts_again = store.counts()
    return database, first, counts, again, counts_again


def test_the_real_workbook_gives_193_by_2_snapshots(imported):
    _, first, counts, _, _ = imported
    assert [(e.edition, e.added, e.unchanged, e.incomplete) for e in first.editions] == [
        (2021, 193, 0, 0),
        (2023, 193, 0, 0),
    ]
    assert counts["snapshots"] == counts["sources"] == 386
    assert counts["raw_documents"] == 1  # the document once, however many rows
    assert first.findings == ()  # a backfill: each source's first snapshot


def test_a_second_import_adds_nothing(imported):
    _, _, counts, again, counts_again = imported
    assert counts_again == counts
    assert [(e.added, e.unchanged) for e in again.editions] == [(0, 193), (0, 193)]
    assert again.findings == ()


def test_deltas_2021_to_2023_equal_the_workbook_differences(imported, shared_dir):
    database, *_ = imported
    path = shared_dir / WORKBOOK
    with Store.open(database) as store:
        for name_2021, name_2023 in paired_names(path):
            country = country_key(name_2023)
            old = resolve_snapshot(store, country, "2021")
            new = resolve_snapshot(store, country, "2023")
            comparison = diff_snapshots(store, old, new)
            before = workbook_scores(path, 2021, name_2021)
            after = workbook_scores(path, 2023, name_2023)
            moved = {d.key: d.change for d in comparison.scores if d.kind == "moved"}
            expected = {
                k: round(after[k] - before[k], 2)
                for k in before.keys() & after.keys()
                if round(after[k] - before[k], 2)
            }
            assert moved == expected, country
            added = {d.key for d in comparison.scores if d.kind == "added"}
            assert added == after.keys() - before.keys()  # the 2023 methodology's six


def test_a_revised_cell_is_one_new_snapshot_and_a_revision(shared_dir, tmp_path):
    original = shared_dir / WORKBOOK
    revised = tmp_path / "global_oc_index.xlsx"
    shutil.copy(original, revised)
    book = openpyxl.load_workbook(revised)
    rows = book["2023_dataset"].iter_rows(min_row=2)
    cell = next(r for r in rows if r[2].value == "Congo, Dem, Rep,")[3]  # Criminality avg,
    assert cell.value == 7.35
    # 7.36 stays within the rounding of mean(markets, actors) and ties with nobody, so
    # the row is still complete and no other row's ranks move.
    cell.value = 7.36
    book.save(revised)
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, original)
        before = store.counts()
        report = import_workbook(store, revised)
        after = store.counts()
        snapshot = store.snapshot(report.rows[0].snapshot_id)
    assert after["snapshots"] == before["snapshots"] + 1
    assert after["raw_documents"] == 2  # the re-published document is kept too
    [row] = [r for r in report.rows if r.change != "unchanged"]
    assert (row.country, row.edition, row.change) == ("congo_dem_rep", 2023, "new_snapshot")
    assert [(f.kind, f.key, f.old, f.new) for f in report.findings] == [
        ("revision", "criminality", 7.35, 7.36)
    ]
    assert "7.35 → 7.36" in report.findings[0].message
    assert snapshot.status is Status.COMPLETE


def test_revisions_are_never_score_alerts(tmp_path):
    # +1.0 / -1.0 keeps the markets mean; as a movement it would cross the 1.0 threshold.
    changes = {"human_trafficking": 1.0, "human_smuggling": -1.0}
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, demo_workbook(tmp_path / "a.xlsx"))
        report = import_workbook(store, demo_workbook(tmp_path / "b.xlsx", **changes))
        stored = findings(store)
        baseline = store.db.execute(
            "SELECT b.value FROM baselines b JOIN sources s ON s.id = b.source_id"
            " WHERE s.key = 'ocindex_workbook:kyrgyzstan:2023' AND b.key = 'human_trafficking'"
        ).fetchone()[0]
    assert report.added == 1
    assert {(f.kind, f.key, f.old, f.new) for f in stored} == {
        ("revision", "human_trafficking", 7.0, 8.0),
        ("revision", "human_smuggling", 5.5, 4.5),
    }
    assert baseline == 8.0  # the revised value is the edition's baseline now


def test_a_new_edition_sheet_in_a_later_workbook_is_news(tmp_path):
    """The first import is a backfill; a later workbook adding 2025 is measured against
    the 2023 held before it (as revised by that same workbook), like a page's new edition."""
    revised = {"human_trafficking": 0.5, "human_smuggling": -0.5}  # the 2023 row revised
    moved = {"human_trafficking": 1.5, "human_smuggling": -1.5}  # 2025 against 2023 as published
    later = {
        "2025_dataset": sheet(2025, demo_rows(2023, **moved)),
        "2023_dataset": sheet(2023, demo_rows(2023, **revised)),
        "2021_dataset": sheet(2021, demo_rows(2021)),
    }
    with Store.open(tmp_path / "monitor.db") as store:
        first = import_workbook(store, demo_workbook(tmp_path / "2023.xlsx"))
        report = import_workbook(store, write(tmp_path / "2025.xlsx", later))
        again = import_workbook(store, tmp_path / "2025.xlsx")
    assert first.findings == () and again.findings == ()
    assert [(e.edition, e.added) for e in report.editions] == [(2021, 0), (2023, 1), (2025, 5)]
    assert {(f.kind, f.key, f.old, f.new) for f in report.findings} == {
        ("revision", "human_trafficking", 7.0, 7.5),
        ("revision", "human_smuggling", 5.5, 5.0),
        ("score", "human_trafficking", 7.5, 8.5),
        ("score", "human_smuggling", 5.0, 4.0),
    }


def test_a_move_the_page_reported_is_not_reported_again_by_the_workbook(tmp_path):
    """Kyrgyzstan's page turned to 2023 and alerted; the workbook adding 2023 later
    alerts the other countries' moves, not Kyrgyzstan's again."""
    from tests.helpers.notifying import ingest_editions

    config = Config(None, tmp_path)
    only_2021 = write(tmp_path / "2021.xlsx", {"2021_dataset": sheet(2021, demo_rows(2021))})
    with Store.open(config.database) as store:
        import_workbook(store, only_2021)
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"])
        import_workbook(store, demo_workbook(tmp_path / "2023.xlsx"))
        rows = store.db.execute(
            "SELECT f.country_slug, src.kind, f.kind FROM findings f"
            " JOIN sources src ON src.id = f.source_id"
        ).fetchall()
    kinds = {(country, source): {kind for c, s, kind in rows if (c, s) == (country, source)}
             for country, source, _ in rows}  # fmt: skip
    assert {"score", "methodology"} <= kinds["kyrgyzstan", "ocindex_page"]
    assert ("kyrgyzstan", "ocindex_workbook") not in kinds  # every move was the page's
    assert {"score", "methodology"} <= kinds["kazakhstan", "ocindex_workbook"]


def test_a_blank_cell_filled_later_is_not_a_new_edition(tmp_path):
    """2023 held as an incomplete row (a blank cell) and completed by a re-published
    workbook: that edition is not news, so 2021 -> 2023 moves are not replayed."""
    column = HEADERS[2023].index("Human trafficking")

    def workbook(path, blank: bool):
        rows = demo_rows(2023)
        for row in rows:
            if blank and row[2] == "Kyrgyzstan":
                row[column] = None
        sheets = {"2023_dataset": sheet(2023, rows), "2021_dataset": sheet(2021, demo_rows(2021))}
        return write(path, sheets)

    with Store.open(tmp_path / "monitor.db") as store:
        first = import_workbook(store, workbook(tmp_path / "v1.xlsx", blank=True))
        fixed = import_workbook(store, workbook(tmp_path / "v2.xlsx", blank=False))
    assert [r.change for r in fixed.rows if r.country == "kyrgyzstan" and r.edition == 2023] == [
        "new_snapshot"
    ]
    assert {f.kind for f in first.findings} <= {"source_health"}
    assert {f.kind for f in fixed.findings} <= {"source_health"}  # recovered, no moves


def test_a_renamed_column_stores_nothing(tmp_path):
    headers = tuple("Criminality" if h == "Criminality avg," else h for h in HEADERS[2023])
    headers = tuple("Resilience score avg" if h == "Resilience avg," else h for h in headers)
    renamed = tuple("Heroin" if h == "Heroin trade" else h for h in headers)
    path = write(
        tmp_path / "renamed.xlsx",
        {
            "2023_dataset": sheet(2023, demo_rows(2023), renamed),
            "2021_dataset": sheet(2021, demo_rows(2021)),
        },
    )
    with Store.open(tmp_path / "monitor.db") as store:
        with pytest.raises(NotAProfileError, match=r"'Heroin trade'.*not recognised: 'Heroin'"):
            import_workbook(store, path)
        assert _stored(store) == {"sources": 0, "snapshots": 0, "scores": 0, "raw_documents": 0}


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"%PDF-1.7\n"])
def test_a_corrupt_file_stores_nothing(tmp_path, content):
    path = tmp_path / "global_oc_index.xlsx"
    path.write_bytes(content)
    with Store.open(tmp_path / "monitor.db") as store:
        with pytest.raises(NotAProfileError, match=r"nothing stored: not a (readable )?workbook"):
            import_workbook(store, path)
        assert _stored(store) == {"sources": 0, "snapshots": 0, "scores": 0, "raw_documents": 0}


def test_import_from_a_url_goes_through_the_fetcher_and_its_caps(httpserver: HTTPServer, tmp_path):
    body = demo_workbook(tmp_path / "wb.xlsx").read_bytes()
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/downloads/global_oc_index.xlsx").respond_with_data(body)
    url = httpserver.url_for("/downloads/global_oc_index.xlsx")
    with Store.open(tmp_path / "monitor.db") as store:
        capped = Config(None, tmp_path, FetchPolicy(max_bytes=1000, max_retries=0))
        with pytest.raises(FetchError, match="size cap"):
            import_workbook(store, url, config=capped)
        assert _stored(store)["snapshots"] == 0
        report = import_workbook(store, url)
        source = store.source("ocindex_workbook:kyrgyzstan:2023")
    assert report.added == 10 and report.source == url
    assert source.url == f"{url}#2023/kyrgyzstan"


def test_progress_is_reported_per_row(tmp_path):
    seen: list[tuple[int, int]] = []
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(
            store, demo_workbook(tmp_path / "wb.xlsx"), progress=lambda *a: seen.append(a)
        )
    assert seen == [(n, 10) for n in range(1, 11)]


def test_a_workbook_row_is_a_watchable_source(httpserver: HTTPServer, tmp_path):
    kind = get_kind(KIND, httpserver.url_for("/"))
    spec = SourceSpec(
        f"{KIND}:kyrgyzstan:2023", KIND, "kyrgyzstan", 2023, kind.url("kyrgyzstan", 2023)
    )
    config = Config(
        None,
        tmp_path,
        FetchPolicy(max_retries=0, respect_robots=False),  # our own loopback server
        1,
        sources=(spec,),
        kind_options={KIND: {"base_url": httpserver.url_for("/")}},
    )
    reports = []
    with Store.open(config.database) as store:
        for changes in ({}, {}, {"human_trafficking": 1.0, "human_smuggling": -1.0}):
            body = demo_workbook(tmp_path / "wb.xlsx", **changes).read_bytes()
            httpserver.clear()
            httpserver.expect_request("/assets/downloads/global_oc_index.xlsx").respond_with_data(
                body
            )
            reports.append(run_cycle(config, store))
    # Written anew each time, the file's bytes differ; only the third reads differently.
    assert [r.results[0].change for r in reports] == ["new_snapshot", "unchanged", "new_snapshot"]
    assert reports[0].results[0].status is Status.COMPLETE
    assert [f.kind for f in reports[2].findings] == ["revision", "revision"]


def test_the_cli_imports_and_prints_counts(tmp_path):
    path = str(demo_workbook(tmp_path / "wb.xlsx"))
    args = ["--data-dir", str(tmp_path / "data"), "import-workbook"]
    runner = CliRunner()
    first = runner.invoke(cli, [*args, path], catch_exceptions=False)
    second = runner.invoke(cli, [*args, path], catch_exceptions=False)
    assert first.exit_code == second.exit_code == 0
    assert "2021: 5 snapshot(s) added, 0 unchanged" in first.output
    assert "2023: 0 snapshot(s) added, 5 unchanged" in second.output
    assert "0 finding(s)" in second.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"<html>Service unavailable</html>")
    failed = runner.invoke(cli, [*args, str(broken)], catch_exceptions=False)
    assert failed.exit_code == 1
    assert "not a workbook (XLSX, XLS or ODS)" in failed.output and "Traceback" not in failed.output


def test_the_cli_says_what_a_file_is_not_without_blank_lines_or_mojibake(tmp_path):
    # The audit: an empty first line off the terminal, a BOM printed as "ï»¿", and a
    # file that is no table said to lack a header "in the CSV".
    args = ["--data-dir", str(tmp_path / "data"), "import-workbook"]
    runner = CliRunner()
    good = runner.invoke(cli, [*args, str(demo_workbook(tmp_path / "wb.xlsx"))])
    assert good.exit_code == 0 and good.stderr == "" and good.output.splitlines()[0].strip()
    page = tmp_path / "page.xlsx"
    page.write_bytes("\ufeff<html>Wartung – später</html>".encode())
    failed = runner.invoke(cli, [*args, str(page)])
    assert failed.exit_code == 1 and failed.stderr.startswith("Error: ")
    assert "it begins “<html>Wartung – später</html>”" in failed.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("just words\n", encoding="utf-8")
    failed = runner.invoke(cli, [*args, str(notes), "--kind", "cpi"])
    assert failed.exit_code == 1 and failed.stderr.startswith("Error: ")
    assert "neither a workbook (XLSX, XLS, ODS) nor a CSV; it begins “just words”" in " ".join(
        failed.stderr.split()
    )


def _stored(store: Store) -> dict[str, int]:
    counts = store.counts()
    return {t: counts[t] for t in ("sources", "snapshots", "scores", "raw_documents")}


def test_monitor_diff_compares_like_with_like(tmp_path, shared_dir):
    """Workbook rows and a page of one country in one store: `diff` compares the latest
    complete snapshot with the one before it from the same kind of source."""
    from click.testing import CliRunner

    from monitor.cli.main import cli

    data = ["--data-dir", str(tmp_path / "data")]
    runner = CliRunner()
    workbook = shared_dir / "data" / "global_oc_index_2021_2023.xlsx"
    assert runner.invoke(cli, [*data, "import-workbook", str(workbook)]).exit_code == 0
    page_2021 = shared_dir / "corpus" / "ocindex-page-2021-kyrgyzstan.txt"
    url = "https://ocindex.net/2021/country/kyrgyzstan"
    assert runner.invoke(cli, [*data, "ingest", str(page_2021), "--url", url]).exit_code == 0

    # The latest complete snapshot is the 2021 page; before it, no other page.
    alone = runner.invoke(cli, [*data, "diff", "KGZ", "--json"])
    assert alone.exit_code == 1 and "from ocindex_page" in alone.output
    rows = runner.invoke(
        cli, [*data, "diff", "Kyrgyzstan", "--source", "ocindex_workbook", "--json"]
    )
    assert rows.exit_code == 0, rows.output
    report = json.loads(rows.output)
    assert (report["old_edition"], report["new_edition"]) == (2021, 2023)
    across = runner.invoke(cli, [*data, "diff", "kyrgyzstan", "--from", "2023", "--json"])
    assert across.exit_code == 0, across.output  # an explicit edition: any kind with scores
    report = json.loads(across.output)
    assert (report["old_edition"], report["new_edition"]) == (2023, 2021)


def test_the_cli_names_the_country_of_each_finding(tmp_path):
    # A release concerns every country: a finding printed without its country's name
    # cannot be acted on (the audit saw "[medium] rank: … 101 → 115" twice, no name).
    args = ["--data-dir", str(tmp_path / "data"), "import-workbook"]
    runner = CliRunner(env={"COLUMNS": "80"})
    first = demo_workbook(tmp_path / "wb.xlsx")
    assert runner.invoke(cli, [*args, str(first)], catch_exceptions=False).exit_code == 0
    changes = {"human_trafficking": 1.0, "human_smuggling": -1.0}  # the mean kept
    revised = str(demo_workbook(tmp_path / "revised.xlsx", **changes))
    said = runner.invoke(cli, [*args, revised], catch_exceptions=False)
    assert said.exit_code == 0, said.output
    lines = said.output.splitlines()
    at = lines.index("Kyrgyzstan (medium)")
    assert "revision" in lines[at + 1] and "Human trafficking" in lines[at + 1], said.output
    again = demo_workbook(tmp_path / "again.xlsx", human_trafficking=2.0, human_smuggling=-2.0)
    as_json = runner.invoke(cli, [*args, str(again), "--json"], catch_exceptions=False)
    found = json.loads(as_json.output)["findings"]
    assert {(f["country"], f["kind"]) for f in found} == {("kyrgyzstan", "revision")}


def test_a_release_read_with_the_wrong_kind_says_which_kind_to_pass(tmp_path):
    args = ["--data-dir", str(tmp_path / "data"), "import-workbook"]
    release = tmp_path / "cpi.csv"
    release.write_text("Country;ISO3;CPI score 2023\nKazakhstan;KAZ;39\n", encoding="utf-8")
    runner = CliRunner()
    default = runner.invoke(cli, [*args, str(release)], catch_exceptions=False)
    assert default.exit_code == 1
    assert "nothing stored" in default.output and "needs --kind ID" in default.output
    misspelt = runner.invoke(cli, [*args, "--kind", "cpii", str(release)], catch_exceptions=False)
    assert misspelt.exit_code != 0
    # The index ids --kind takes are named, not only the source kinds (other tests'
    # configs may have registered more).
    named = re.search(r"; indices: ([^)]*)\)", misspelt.output)
    assert named, misspelt.output
    assert {"cpi", "fiw", "fsi", "wgi"} <= set(named.group(1).split(", "))
