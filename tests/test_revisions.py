"""Revisions are news, not moves (issue 16 item 3): a later release that changes a value
of an edition we hold gives a revision finding naming the index, edition, measure, both
values and both releases; deltas between editions use the revised values; the earlier
values stay in the database. The real CPI releases first: what the 2023 CSV changes in
2012–2022 is computed here with the csv module, independently of the importer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from monitor.config.settings import Config, FetchPolicy, SourceSpec
from monitor.errors import StoreError
from monitor.identity import lookup, territory
from monitor.notify.channels.webhook import digest_payload
from monitor.notify.deliver import preview
from monitor.notify.render import Templates
from monitor.ops.cycle import run_cycle
from monitor.ops.settings import load_config
from monitor.ops.workbook_import import import_workbook
from monitor.review.export import export_rows
from monitor.review.history import score_history
from monitor.sources import get_kind
from monitor.store import Store

CPI = "data/indices/cpi"
OLD, NEW = "CPI2022_GlobalResultsTrends.csv", "CPI2023_GlobalResultsTrends.csv"
NOW = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
# Each measure's header, as the publisher spells it (2012 and 2013 say "CPI Score").
MEASURES = {"score": "CPI score {}", "rank": "Rank {}", "standard_error": "Standard error {}"}


def table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CPI CSV: `;`-separated, title lines above the header."""
    lines = text.lstrip("\ufeff").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Country / Territory;"))
    header, *rows = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=";")
    return header, [r for r in rows if r and r[0].strip()]


def figures(text: str) -> dict[tuple[str, int, str], float]:
    """(country key, edition, measure) -> value, every figure of a CPI CSV."""
    header, rows = table(text)
    column = {h.casefold(): i for i, h in enumerate(header)}
    out = {}
    for row in rows:
        country = lookup(row[0]) or territory(row[0])
        assert country is not None, row[0]
        for year in range(2012, 2024):
            for key, name in MEASURES.items():
                at = column.get(name.format(year).casefold())
                cell = row[at].strip() if at is not None and at < len(row) else ""
                if cell and cell != "-":
                    out[(country.key, year, key)] = float(cell.replace(",", "."))
    return out


def revisions(report) -> set[tuple[str, int, str, float, float]]:
    found = set()
    for f in report.findings:
        if f.kind == "revision":
            measure = "rank" if f.key == "score_global" else f.key
            found.add((f.detail["country"], f.detail["edition"], measure, f.old, f.new))
    return found


def revised_copy(shared_dir: Path, folder: Path, country: str, header: str, by: int) -> Path:
    """The 2023 release as the publisher might correct it: one cell of one row changed."""
    text = (shared_dir / CPI / NEW).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    names, _ = table(text)
    at = names.index(header)
    row = next(i for i, line in enumerate(lines) if line.startswith(f"{country};"))
    cells = lines[row].split(";")
    cells[at] = str(int(cells[at]) + by)
    lines[row] = ";".join(cells)
    path = folder / "CPI2023_corrected.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text('data_dir = "data"\n', encoding="utf-8")
    return load_config(path)


def test_the_2023_release_revises_exactly_what_the_files_say(shared_dir, tmp_path):
    old_text = (shared_dir / CPI / OLD).read_text(encoding="utf-8-sig")
    new_text = (shared_dir / CPI / NEW).read_text(encoding="utf-8-sig")
    before, after = figures(old_text), figures(new_text)
    expected = {
        (country, year, key, value, after[(country, year, key)])
        for (country, year, key), value in before.items()
        if (country, year, key) in after
        and after[(country, year, key)] != value
        and key != "standard_error"  # an uncertainty: never a finding
    }
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, shared_dir / CPI / OLD, kind_name="cpi")
        report = import_workbook(store, shared_dir / CPI / NEW, kind_name="cpi")
    # Transparency International did not revise 2012-2022 in the 2023 release.
    assert revisions(report) == expected == set()
    assert {e.edition for e in report.editions if e.added} == {2023}


def test_one_corrected_past_value_is_one_revision_and_the_latest_value(
    shared_dir, tmp_path, config
):
    corrected = revised_copy(shared_dir, tmp_path, "Albania", "CPI score 2019", -1)
    with Store.open(config.database) as store:
        first = import_workbook(store, shared_dir / CPI / NEW, config=config, kind_name="cpi")
        again = import_workbook(store, corrected, config=config, kind_name="cpi")
        (finding,) = again.findings
        assert (finding.kind, finding.key) == ("revision", "score")
        assert (finding.old, finding.new) == (35, 34)
        assert again.added == 1
        detail = finding.detail
        assert (detail["index"], detail["country"], detail["edition"]) == ("cpi", "albania", 2019)
        assert detail["old_release"]["origin"] == str((shared_dir / CPI / NEW).resolve())
        assert detail["new_release"]["origin"] == str(corrected.resolve())
        assert detail["old_release"]["captured_at"] < detail["new_release"]["captured_at"]
        message = finding.message
        assert message.startswith("Corruption Perceptions Index 2019: CPI score revised")
        assert "35.00 → 34.00" in message
        assert f"was {NEW}," in message and "now CPI2023_corrected.csv," in message

        # The revised figure supersedes: history and export show it; the earlier stays.
        history = score_history(store, "albania", source="cpi")
        scores = {r.key: r for r in history.rows}["score"]
        editions = [c.edition for c in history.columns]
        assert scores.values[editions.index(2019)] == 34
        exported = {
            (r["edition"], r["indicator"]): r["score"]
            for r in export_rows(store)
            if r["country"] == "albania"
        }
        assert exported[(2019, "score")] == 34
        stored = store.db.execute(
            "SELECT sc.value FROM scores sc JOIN snapshots s ON s.id = sc.snapshot_id"
            " WHERE s.country_slug = 'albania' AND s.edition = 2019 AND sc.key = 'score'"
            " ORDER BY s.id"
        ).fetchall()
        assert stored == [(35,), (34,)]

        # The digest says it is a revision, with both values and both releases.
        digest = preview(store, config, None, now=NOW)
        text = Templates().text(digest)
        albania = text.split("== Albania", 1)[1].split("\n== ", 1)[0]
        assert "Revisions" in albania and "35.00 → 34.00" in albania
        assert NEW in albania and "CPI2023_corrected.csv" in albania
        html = Templates().html(digest)
        assert "Revisions</h3>" in html and "35.00 → 34.00" in html
        payload = digest_payload(digest, "key")
        (country,) = [c for c in payload["countries"] if c["country"] == "albania"]
        (item,) = [f for f in country["findings"] if f["kind"] == "revision"]
        assert (item["old"], item["new"]) == (35, 34)
        assert item["detail"]["new_release"]["origin"] == str(corrected.resolve())
    assert first.findings == ()  # a first import is a backfill


def test_a_release_adding_an_edition_measures_it_from_the_revised_values(shared_dir, tmp_path):
    """Albania 2022 corrected from 36 to 32 in the release that adds 2023 (37): the
    revision, and a move of +5 from the revised figure (+1 from the old one is none)."""
    corrected = revised_copy(shared_dir, tmp_path, "Albania", "CPI score 2022", -4)
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, shared_dir / CPI / OLD, kind_name="cpi")
        report = import_workbook(store, corrected, kind_name="cpi")
        albania = store.db.execute(
            "SELECT f.kind, f.key, s.edition, f.old, f.new FROM findings f"
            " JOIN snapshots s ON s.id = f.snapshot_id WHERE f.country_slug = 'albania'"
            " ORDER BY f.kind"
        ).fetchall()
    assert albania == [("revision", "score", 2022, 36, 32), ("score", "score", 2023, 32, 37)]
    assert [f.kind for f in report.findings].count("revision") == 1


def test_a_watched_release_revised_on_the_server_is_a_revision(
    shared_dir, tmp_path, httpserver: HTTPServer
):
    """`monitor run` of a dataset source: the release served by a loopback server, then
    a corrected one at the same URL."""
    httpserver.expect_request("/cpi.csv").respond_with_data(
        (shared_dir / CPI / NEW).read_bytes(), content_type="text/csv"
    )
    kind = get_kind("cpi", httpserver.url_for("/cpi.csv"))
    spec = SourceSpec("cpi:albania:2019", "cpi", "albania", 2019, kind.url("albania", 2019))
    config = Config(
        None,
        tmp_path,
        FetchPolicy(max_retries=0, respect_robots=False),  # our own loopback server
        1,
        sources=(spec,),
    )
    corrected = revised_copy(shared_dir, tmp_path, "Albania", "CPI score 2019", -1)
    with Store.open(config.database) as store:
        first = run_cycle(config, store)
        httpserver.clear()
        httpserver.expect_request("/cpi.csv").respond_with_data(
            corrected.read_bytes(), content_type="text/csv"
        )
        second = run_cycle(config, store)
    assert [r.change for r in (*first.results, *second.results)] == ["new_snapshot"] * 2
    (finding,) = second.findings
    assert (finding.kind, finding.key, finding.old, finding.new) == ("revision", "score", 35, 34)
    assert finding.detail["new_release"]["origin"] == httpserver.url_for("/cpi.csv")
    assert "35.00 → 34.00" in finding.message


def test_a_release_failing_midway_stores_nothing(shared_dir, tmp_path):
    """One transaction per release: SQLite refusing its 1000th snapshot (a trigger, as a
    full disk or a kill would stop it) leaves the database exactly as it was."""
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, shared_dir / CPI / OLD, kind_name="cpi")
        before = store.counts()
        store.db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON snapshots"
            f" WHEN (SELECT count(*) FROM snapshots) >= {before['snapshots'] + 100}"
            " BEGIN SELECT RAISE(ABORT, 'no room'); END"
        )
        corrected = revised_copy(shared_dir, tmp_path, "Albania", "CPI score 2019", -1)
        text = corrected.read_text(encoding="utf-8-sig").replace(";35;", ";36;")  # many rows
        corrected.write_text(text, encoding="utf-8-sig")
        with pytest.raises(StoreError, match="release not stored, nothing changed"):
            import_workbook(store, corrected, kind_name="cpi")
        assert store.counts() == before
        assert store.quick_check() == []
        store.db.execute("DROP TRIGGER refuse")
        report = import_workbook(store, corrected, kind_name="cpi")
        assert (
            report.added > 100 and store.counts()["snapshots"] == before["snapshots"] + report.added
        )
