"""Reading the dataset workbook: every sheet, every row checked; bad documents refused."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlwt

from monitor.extract.workbook import read_workbook
from monitor.identity import country_key
from monitor.models import Status
from monitor.sources import get_kind
from tests.helpers.workbook import scores as workbook_scores
from tests.helpers.workbook import workbook_rows
from tests.helpers.xlsx import (
    EXPECTED,
    HEADERS,
    demo_rows,
    demo_workbook,
    fixture_scores,
    row,
    sheet,
    write,
)

WORKBOOK = "data/global_oc_index_2021_2023.xlsx"
COTE_DIVOIRE = "ocindex-page-2023-cote-divoire.txt"


@pytest.fixture(scope="module")
def real(shared_dir):
    return read_workbook((shared_dir / WORKBOOK).read_bytes())


def test_every_row_of_both_sheets_is_complete_with_the_published_values(real, shared_dir):
    assert real.errors == [] and sorted(real.sheets) == [2021, 2023]
    for edition, sheet_read in real.sheets.items():
        assert len(sheet_read.rows) == 193 and sheet_read.warnings == ()
        for name in workbook_rows(shared_dir / WORKBOOK, edition):
            extraction = sheet_read.rows[country_key(name)]
            assert extraction.status is Status.COMPLETE, (name, extraction.reasons)
            # Independently read values: every header, under both sheets' spellings.
            assert extraction.profile.scores() == workbook_scores(
                shared_dir / WORKBOOK, edition, name
            )
            assert extraction.profile.edition == edition


def test_ranks_are_the_published_ones(real):
    # The fixture page's ranks were checked against the published 2023 page.
    expected = [
        {k: v for k, v in r.items() if k not in ("movement", "direction")}
        for r in EXPECTED[COTE_DIVOIRE]["ranks"]
    ]
    profile = real.extraction("cote_divoire", 2023, url=None).profile
    assert [
        {
            "composite": r.composite,
            "scope": r.scope,
            "rank": r.rank,
            "out_of": r.out_of,
            "group": r.group,
        }
        for r in profile.ranks
    ] == expected


def test_ties_share_a_rank_and_skip_the_next(tmp_path):
    africa = {"continent": "Africa", "region": "West Africa"}
    scores = fixture_scores(COTE_DIVOIRE)
    rows = [row(2023, {**africa, "country": name}, scores) for name in ("Ghana", "Togo", "Benin")]
    rows[2][HEADERS[2023].index("Resilience avg,")] = 9.99  # mean off: incomplete, still ranked
    path = write(tmp_path / "ties.xlsx", {"2023_dataset": sheet(2023, rows)})
    reading = read_workbook(path.read_bytes())
    ranks = {
        key: {(r.composite, r.scope): r.rank for r in e.profile.ranks}
        for key, e in reading.sheets[2023].rows.items()
    }
    assert [ranks[k][("criminality", "global")] for k in ("ghana", "togo", "benin")] == [1, 1, 1]
    assert [ranks[k][("resilience", "regional")] for k in ("ghana", "togo", "benin")] == [2, 2, 1]
    assert reading.sheets[2023].rows["benin"].status is Status.INCOMPLETE


def test_a_later_edition_sheet_is_read_by_its_name(tmp_path):
    path = write(
        tmp_path / "wb.xlsx",
        {
            "2025_dataset": sheet(2025, demo_rows(2023)),
            "2023_dataset": sheet(2023, demo_rows(2023)),
        },
    )
    reading = read_workbook(path.read_bytes())
    assert sorted(reading.sheets) == [2023, 2025]
    latest = reading.extraction("kyrgyzstan", None, url=None)
    assert latest.status is Status.COMPLETE and latest.profile.edition == 2025


def test_a_renamed_column_refuses_the_sheet_naming_the_column(tmp_path):
    headers = tuple("Human traffic" if h == "Human trafficking" else h for h in HEADERS[2023])
    path = write(tmp_path / "renamed.xlsx", {"2023_dataset": sheet(2023, demo_rows(2023), headers)})
    reading = read_workbook(path.read_bytes())
    [problem] = reading.errors
    assert problem.code == "missing_column"
    assert "'Human trafficking'" in problem.message and "'Human traffic'" in problem.message
    assert reading.sheets[2023].rows == {}  # nothing read as scores
    extraction = get_kind("ocindex_workbook").extract(
        path.read_bytes(), url=get_kind("ocindex_workbook").url("kyrgyzstan", 2023)
    )
    assert extraction.status is Status.NOT_A_PROFILE and extraction.profile is None
    assert "Human trafficking" in extraction.reasons[0].message


def test_a_missing_column_is_named(tmp_path):
    keep = [i for i, h in enumerate(HEADERS[2021]) if h != "Country"]
    rows = [[r[i] for i in keep] for r in demo_rows(2021)]
    headers = tuple(HEADERS[2021][i] for i in keep)
    path = write(tmp_path / "no-country.xlsx", {"2021_dataset": sheet(2021, rows, headers)})
    [problem] = read_workbook(path.read_bytes()).errors
    assert "required column(s) not found: 'Country'" in problem.message


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "not_a_workbook", "empty"),
        (b"<!DOCTYPE html><html><title>Not found</title>", "not_a_workbook", "<!DOCTYPE html>"),
        ("Continent,Region,Country", "not_a_workbook", "Continent,Region"),
    ],
)
def test_a_document_that_is_no_workbook_is_refused_with_a_reason(content, code, words):
    [problem] = read_workbook(content).errors
    assert problem.code == code and words in problem.message


def test_a_corrupt_or_truncated_xlsx_is_refused_with_a_reason(tmp_path):
    whole = demo_workbook(tmp_path / "wb.xlsx").read_bytes()
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)  # an .xls header, nothing in it
    for broken in (whole[: len(whole) // 2], _without(whole, "xl/workbook.xml"), ole2):
        [problem] = read_workbook(broken).errors
        assert problem.code == "corrupt_workbook"
        assert problem.message.startswith("not a readable workbook: ")


def test_the_workbook_saved_as_legacy_xls_reads_the_same(tmp_path):
    """The publisher's workbook saved as .xls (OLE2), as a spreadsheet program would:
    every row of every sheet as the .xlsx gives it."""
    xlsx = demo_workbook(tmp_path / "wb.xlsx").read_bytes()
    book = xlwt.Workbook()
    for title, table in (("Global_OC_Index", [[None, "GLOBAL ORGANIZED CRIME INDEX"]]),):
        _xls_sheet(book, title, table)
    for edition in (2023, 2021):
        _xls_sheet(book, f"{edition}_dataset", sheet(edition, demo_rows(edition)))
    book.save(str(tmp_path / "wb.xls"))
    xls = (tmp_path / "wb.xls").read_bytes()
    assert xls.startswith(b"\xd0\xcf\x11\xe0")
    old, new = read_workbook(xlsx), read_workbook(xls)
    assert new.errors == [] and sorted(new.sheets) == sorted(old.sheets) == [2021, 2023]
    for edition, sheet_read in old.sheets.items():
        assert new.sheets[edition].rows == sheet_read.rows and len(sheet_read.rows) == 5


def _xls_sheet(book: xlwt.Workbook, title: str, table: list[list[object]]) -> None:
    ws = book.add_sheet(title)
    for r, cells in enumerate(table):
        for c, value in enumerate(cells):
            if value is not None:
                ws.write(r, c, value)


def test_a_workbook_without_dataset_sheets_is_refused(tmp_path):
    path = write(tmp_path / "other.xlsx", {"Sheet2": [["a", "b"]]})
    [problem] = read_workbook(path.read_bytes()).errors
    assert problem.code == "no_dataset_sheet" and "'Sheet2'" in problem.message


def test_blank_and_unreadable_cells_make_the_row_incomplete(tmp_path):
    rows = demo_rows(2023)
    rows[0][HEADERS[2023].index("Heroin trade")] = None
    rows[1][HEADERS[2023].index("Prevention")] = "seven"
    path = write(tmp_path / "gaps.xlsx", {"2023_dataset": sheet(2023, rows)})
    got = read_workbook(path.read_bytes()).sheets[2023].rows
    first, second = got["kyrgyzstan"], got["kazakhstan"]
    assert first.status is second.status is Status.INCOMPLETE
    assert "heroin_trade" in first.reasons[0].message  # named, with its implied value
    assert second.reasons[0].code == "unreadable_cells"
    assert "Prevention = “seven”" in second.reasons[0].message
    assert got["tajikistan"].status is Status.COMPLETE


def test_unknown_and_repeated_countries_are_problems_other_rows_still_read(tmp_path):
    rows = demo_rows(2023)
    name = HEADERS[2023].index("Country")
    rows[0][name] = "Atlantis"
    rows[1][name] = "Tajikistan"  # Tajikistan twice
    path = write(tmp_path / "names.xlsx", {"2023_dataset": sheet(2023, rows)})
    reading = read_workbook(path.read_bytes())
    assert [p.code for p in reading.errors] == ["unknown_country", "duplicate_country"]
    assert "“Atlantis”" in reading.errors[0].message
    assert sorted(reading.sheets[2023].rows) == ["tajikistan", "turkmenistan", "uzbekistan"]


def test_the_kind_addresses_rows_by_url_fragment(tmp_path):
    kind = get_kind("ocindex_workbook")
    url = kind.url("cote_divoire", 2023)
    assert url == "https://ocindex.net/assets/downloads/global_oc_index.xlsx#2023/cote_divoire"
    assert kind.locate(url) == ("cote_divoire", 2023)
    assert kind.locate(kind.url("kyrgyzstan", None)) == ("kyrgyzstan", None)
    assert kind.locate(f"{url.split('#')[0]}#2021/KGZ") == ("kyrgyzstan", 2021)
    content = demo_workbook(tmp_path / "wb.xlsx").read_bytes()
    assert kind.extract(content, url=kind.url("kyrgyzstan", 2021)).profile.edition == 2021
    unnamed = kind.extract(content, url=url.split("#")[0])
    assert unnamed.status is Status.NOT_A_PROFILE
    assert "fragment" in unnamed.reasons[0].message


def _without(xlsx: bytes, member: str) -> bytes:
    """The archive with one part left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != member:
                dst.writestr(item, src.read(item))
    return out.getvalue()
