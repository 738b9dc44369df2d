"""The shipped FSI and WGI definitions read the publishers' own releases
(`../shared/data/indices/`): values equal the files, read here with openpyxl alone, and
the FSI findings are exactly the moves computed here. WGI is wide, two header rows
(years over measure names) and a sheet per dimension; a legacy .xls of that shape,
written here with xlwt, reads the same way."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlwt

from monitor.errors import ConfigError
from monitor.identity import lookup, territory
from monitor.indices import get, load_definition, register
from monitor.ops.workbook_import import ImportReport, import_workbook
from monitor.sources.dataset import read_table
from monitor.store import Store
from monitor.store.findings import baselines_after

FSI_INDICATORS = ("c1", "c2", "c3", "e1", "e2", "e3", "p1", "p2", "p3", "s1", "s2", "x1")
# The WGI workbook's sheet titles and the dimension each holds.
WGI_SHEETS = {
    "VoiceandAccountability": "voice_and_accountability",
    "Political StabilityNoViolence": "political_stability",
    "GovernmentEffectiveness": "government_effectiveness",
    "RegulatoryQuality": "regulatory_quality",
    "RuleofLaw": "rule_of_law",
    "ControlofCorruption": "control_of_corruption",
}
# The measures kept of the six per year, and the suffix of their keys.
WGI_MEASURES = {"Estimate": "", "Rank": "_percentile", "StdErr": "_standard_error"}
WGI_EDITIONS = {1996, 1998, 2000, *range(2002, 2020)}


def _key(name: str) -> str:
    found = lookup(name) or territory(name)
    assert found is not None, name
    return found.key


@pytest.fixture(scope="module")
def indices() -> Path:
    """The real releases; in CI their absence fails, elsewhere it skips (as shared_dir)."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "indices"
    if not all((path / sub).is_dir() for sub in ("fsi", "wgi")):
        message = f"real-data tests need {path}/fsi and {path}/wgi"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _fsi_file(path: Path, edition: int) -> dict[str, dict[str, float]]:
    """{country key: {measure: value}}: the Total and indicators at their one published
    decimal (the file has float noise), the rank from its ordinal (`3rd`)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if any(r)]
    book.close()
    header = [str(h) for h in rows[0]]
    found = {}
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=True))
        year = cells["Year"]
        assert (year.year if isinstance(year, datetime | date) else year) == edition
        values = {h.split(":")[0].lower(): round(cells[h], 1) for h in header[4:16]}
        values |= {"total": round(cells["Total"], 1), "rank": int(cells["Rank"][:-2])}
        found[_key(str(cells["Country"]))] = values
    return found


def _stored(store: Store, index: str) -> dict[tuple[str, int, str], float]:
    rows = store.db.execute(
        "SELECT country, edition, indicator, score FROM snapshot_scores WHERE index_id = ?",
        (index,),
    ).fetchall()
    return {(c, e, k): v for c, e, k, v in rows}


def test_fsi_2021_then_2022_stores_the_files_and_reports_exactly_the_moves(indices, tmp_path):
    y2021 = _fsi_file(indices / "fsi" / "fsi-2021.xlsx", 2021)
    y2022 = _fsi_file(indices / "fsi" / "fsi-2022-download.xlsx", 2022)  # Year as a date
    with Store.open(tmp_path / "monitor.db") as store:
        first = import_workbook(store, indices / "fsi" / "fsi-2021.xlsx", kind_name="fsi")
        second = import_workbook(store, indices / "fsi" / "fsi-2022-download.xlsx", kind_name="fsi")
        for report in (first, second):  # every name resolves; every row is whole
            assert report.warnings == ()
            assert all(r.status.value == "complete" for r in report.rows)
        assert first.findings == ()
        scores = _stored(store, "fsi")
        ranks = dict(
            store.db.execute(
                "SELECT s.country_slug || ' ' || s.edition, r.rank FROM snapshots s"
                " JOIN ranks r ON r.snapshot_id = s.id WHERE s.index_id = 'fsi'"
            ).fetchall()
        )
        for edition, published in ((2021, y2021), (2022, y2022)):
            assert len(published) == 179
            stored = {
                c: {k: v for (c2, e, k), v in scores.items() if c2 == c and e == edition}
                | {"rank": ranks[f"{c} {edition}"]}
                for c in published
            }
            assert stored == published
        assert y2022["palestine"]["total"] and y2022["eswatini"]  # `Swaziland` resolves

        # The thresholds FSI declares: Total 2 points, an indicator 1, rank 10 places.
        expected = set()
        for country in set(y2021) & set(y2022):
            before, after = y2021[country], y2022[country]
            for key in ("total", *FSI_INDICATORS):
                size = 2 if key == "total" else 1
                if round(abs(after[key] - before[key]), 6) >= size:
                    expected.add((key, country))
            if abs(after["rank"] - before["rank"]) >= 10:
                expected.add(("total_global", country))
        found = store.db.execute(
            "SELECT f.key, f.country_slug, s.edition FROM findings f"
            " JOIN snapshots s ON s.id = f.snapshot_id WHERE f.index_id = 'fsi'"
        ).fetchall()
        assert {e for _, _, e in found} == {2022}
        assert {(k, c) for k, c, _ in found} == expected
        assert len(found) == len(expected) > 20  # one finding each


def test_a_first_import_records_each_snapshot_as_the_start_of_its_history(indices, tmp_path):
    """A first import's rows are assessed in bulk: each assessed, with no comparison and
    no finding, its scores its source's baselines and recorded on the snapshot; the
    next release's rows are compared with them."""
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, indices / "fsi" / "fsi-2021.xlsx", kind_name="fsi")
        db = store.db
        assert (
            db.execute("SELECT count(*) FROM snapshots WHERE assessed_at IS NULL").fetchone()[0]
            == 0
        )
        assert db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM findings").fetchone()[0] == 0
        snapshots = db.execute("SELECT id, source_id, baselines_after FROM snapshots").fetchall()
        assert len(snapshots) == 179
        for snapshot_id, source_id, after in snapshots:
            scores = dict(
                db.execute(
                    "SELECT key, value FROM scores WHERE snapshot_id = ?", [snapshot_id]
                ).fetchall()
            )
            baselines = dict(
                db.execute(
                    "SELECT key, value FROM baselines WHERE source_id = ? AND snapshot_id = ?",
                    [source_id, snapshot_id],
                ).fetchall()
            )
            assert len(scores) == 13  # Total and the 12 indicators
            assert baselines == scores == baselines_after(store, snapshot_id)
            assert after == "{}"  # its scores say it all
        second = import_workbook(store, indices / "fsi" / "fsi-2022-download.xlsx", kind_name="fsi")
        compared = db.execute(
            "SELECT count(*) FROM comparisons c JOIN snapshots s ON s.id = c.new_snapshot_id"
            " WHERE s.edition = 2022"
        ).fetchone()[0]
        assert compared == second.added == 179


def _wgi_file(path: Path) -> dict[tuple[str, int, str], float]:
    """Every number kept, by (country key, year, measure key), at two decimals: each
    dimension's sheet, the years in the row above the measure names."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    found = {}
    for title, dimension in WGI_SHEETS.items():
        rows = list(book[title].iter_rows(values_only=True))
        at = next(n for n, r in enumerate(rows) if r[0] == "Country/Territory")
        years, names = rows[at - 1], rows[at]
        for row in rows[at + 1 :]:
            if not row[0]:
                continue
            for year, name, value in zip(years, names, row, strict=True):
                if name in WGI_MEASURES and isinstance(value, int | float):
                    key = dimension + WGI_MEASURES[name]
                    found[(_key(row[0]), int(year), key)] = round(value, 2)
    book.close()
    return found


@pytest.fixture(scope="module")
def wgi(indices, tmp_path_factory) -> tuple[Store, ImportReport]:
    database = tmp_path_factory.mktemp("wgi") / "monitor.db"
    with Store.open(database) as store:
        report = import_workbook(store, indices / "wgi" / "wgidataset.xlsx", kind_name="wgi")
        yield store, report


# Slow: 4394 (country, edition) rows imported, then checked against the file.
@pytest.mark.slow
def test_wgi_holds_every_edition_of_each_dimension_as_published(indices, wgi):
    store, report = wgi
    assert report.warnings == ()  # every name resolves, dependencies included
    assert report.findings == ()  # a first import holding many editions is history
    stored = _stored(store, "wgi")
    assert stored == _wgi_file(indices / "wgi" / "wgidataset.xlsx")
    definition = get("wgi")
    for measure in definition.measures:
        editions = {e for (_, e, k) in stored if k == measure.key}
        assert editions == WGI_EDITIONS, measure.key
    # Territories keep their own keys: never dropped, never merged into a country.
    countries = {c for c, _, _ in stored}
    assert {"kosovo", "hong_kong", "palestine", "taiwan", "macao", "aruba"} <= countries
    assert stored[("kosovo", 2019, "rule_of_law")] != stored[("serbia", 2019, "rule_of_law")]


def _write_wgi_xls(path: Path, rows: list[tuple[object, ...]]) -> None:
    """A legacy .xls shaped like the WGI workbook: a title, then years over measures."""
    book = xlwt.Workbook()
    for title in ("Introduction", *WGI_SHEETS):
        sheet = book.add_sheet(title)
        sheet.write(0, 0, "Worldwide Governance Indicators")
        if title == "Introduction":
            continue
        for n, year in enumerate((2018, 2019)):
            for m, measure in enumerate(("Estimate", "StdErr", "Rank")):
                sheet.write(2, 2 + 3 * n + m, year)
                sheet.write(3, 2 + 3 * n + m, measure)
        sheet.write(3, 0, "Country/Territory")
        sheet.write(3, 1, "Code")
        for r, row in enumerate(rows, start=4):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.save(str(path))


def test_a_legacy_xls_reads_with_its_two_row_header_and_every_sheet(tmp_path):
    path = tmp_path / "wgi.xls"
    _write_wgi_xls(
        path,
        [
            ("Kyrgyz Republic", "KGZ", -0.5, 0.2, 30.5, -0.456, 0.21, 29.81),
            ("Atlantis", "ATL", 1.0, 0.1, 90.0, 1.0, 0.1, 90.0),
            ("Kosovo", "XKX", "#N/A", "#N/A", "#N/A", 0.1, 0.3, 55.0),
        ],
    )
    content = path.read_bytes()
    assert content.startswith(b"\xd0\xcf\x11\xe0")  # OLE2: the old binary format
    reading = read_table(content, get("wgi"))
    assert reading.errors == []
    # A name that is nothing we know: once for the release (not once per sheet), its row.
    assert [(w.code, w.detail["row"]) for w in reading.warnings] == [("unknown_country", 6)]
    # Kosovo has no 2018 values (`#N/A` in every sheet): no row of that edition.
    assert set(reading.rows) == {("kyrgyzstan", 2018), ("kyrgyzstan", 2019), ("kosovo", 2019)}
    kyrgyzstan = reading.rows[("kyrgyzstan", 2019)].profile
    assert {k: s.value for k, s in kyrgyzstan.composites.items()} == dict.fromkeys(
        WGI_SHEETS.values(), -0.46
    )
    indicators = {i.key: i.score.value for i in kyrgyzstan.indicators}
    assert indicators["rule_of_law_percentile"] == 29.81
    assert indicators["rule_of_law_standard_error"] == 0.21
    assert all(r.status.value == "complete" for r in reading.rows.values())


TOY_WIDE = """
id = "toywide"
name = "Toy wide"
publisher = "Us"
home = "https://toy.example"
attribution = "Toy"
editions = [2018, 2019]

[mapping]
country = "Country"
layout = "wide"

[[mapping.sheets]]
sheet = "^Gov"
[mapping.sheets.columns]
estimate = "{edition} Estimate"

[[mapping.sheets]]
sheet = "^Gov"
[mapping.sheets.columns]
error = "{edition} StdErr"

[[measures]]
key = "estimate"
name = "Estimate"
kind = "score"
level = "composite"
direction = "higher_is_better"
scale = { min = -4, max = 4 }

[[measures]]
key = "error"
name = "Standard error"
kind = "score"
direction = "higher_is_worse"
scale = { min = 0, max = 2 }
"""


def test_the_year_above_is_read_only_when_the_header_needs_it(tmp_path):
    """The same figures with one header row (`2019 Estimate`) or two (`2019` over
    `Estimate`) read the same: the second row is detected, not assumed."""
    one = "Country;2019 Estimate;2019 StdErr\nChad;-1,2;0,3\n"
    two = "Governance;;\n;2019;2019\nCountry;Estimate;StdErr\nChad;-1,2;0,3\n"
    (tmp_path / "toywide.toml").write_text(TOY_WIDE)
    definition = load_definition(tmp_path / "toywide.toml")
    register({definition.id: definition})  # its rows are checked with it, by id
    first, second = (read_table(t.encode(), definition) for t in (one, two))
    assert set(first.rows) == set(second.rows) == {("chad", 2019)}
    assert first.rows[("chad", 2019)].profile == second.rows[("chad", 2019)].profile


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('layout = "wide"', 'layout = "wide"\nsheet = "x"', "mapping.sheet", "each"),
        ('sheet = "^Gov"', 'sheet = "^Gov("', "mapping.sheets[1].sheet", "not a pattern"),
        (
            'error = "{edition}',
            'estimate = "{edition}',
            "mapping.sheets[2].columns.estimate",
            "also",
        ),
        (
            'estimate = "{edition} Estimate"',
            'estimate = "Estimate"',
            "mapping.sheets[1].columns.estimate",
            "{edition}",
        ),
        (
            'sheet = "^Gov"\n[mapping.sheets.columns]\nerror',
            'sheet = "^Gov"\ncolour = 1\n[mapping.sheets.columns]\nerror',
            "mapping.sheets[2].colour",
            "unknown key",
        ),
        (
            'error = "{edition} StdErr"',
            'nothing = "{edition} StdErr"',
            "mapping.sheets[2].columns.nothing",
            "no measure",
        ),
    ],
)
def test_a_bad_sheet_mapping_names_the_file_and_key(tmp_path, old, new, key, problem):
    assert old in TOY_WIDE
    path = tmp_path / "toywide.toml"
    path.write_text(TOY_WIDE.replace(old, new, 1))
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    assert raised.value.key == key and problem in raised.value.problem
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    "content", [b"PK\x03\x04 a zip, no workbook" * 50, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 80]
)
def test_a_damaged_workbook_is_one_error_and_no_rows(content):
    reading = read_table(content, get("wgi"))
    assert [r.code for r in reading.errors] == ["corrupt_workbook"]
    assert "not a readable workbook" in reading.errors[0].message
    assert reading.rows == {}
