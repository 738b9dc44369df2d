"""The shipped CPI and Freedom in the World definitions read the publishers' own releases
(`../shared/data/indices/`): values equal the files, read independently here, and the
findings are exactly the moves computed here from the files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from monitor.identity import lookup, territory
from monitor.indices import get
from monitor.ops.workbook_import import import_workbook
from monitor.sources.dataset import read_table
from monitor.store import Store


def _key(name: str) -> str:
    found = lookup(name) or territory(name)
    assert found is not None, name
    return found.key


def _cpi_file(path: Path, edition: int) -> dict[str, tuple[int, int]]:
    """{country key: (score, rank)} of one edition, read with nothing of the monitor's
    reader: the header is the line starting `Country / Territory`."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Country / Territory;"))
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[start:])), delimiter=";"))
    return {
        _key(r["Country / Territory"]): (int(r[f"CPI score {edition}"]), int(r[f"Rank {edition}"]))
        for r in rows
        if r[f"CPI score {edition}"]
    }


def _latest_edition_rows(store: Store, edition: int) -> dict[str, tuple[float, int]]:
    rows = store.db.execute(
        "SELECT s.country_slug, sc.score, r.rank FROM snapshots s"
        " JOIN latest_scores sc ON sc.snapshot_id = s.id AND sc.indicator = 'score'"
        " JOIN ranks r ON r.snapshot_id = s.id"
        " WHERE s.index_id = 'cpi' AND s.edition = ?",
        (edition,),
    ).fetchall()
    return {country: (score, rank) for country, score, rank in rows}


@pytest.fixture
def indices(shared_dir: Path) -> Path:
    return shared_dir / "data" / "indices"


def test_cpi_2022_then_2023_stores_the_file_and_reports_exactly_the_moves(indices, tmp_path):
    cpi = indices / "cpi"
    with Store.open(tmp_path / "monitor.db") as store:
        first = import_workbook(store, cpi / "CPI2022_GlobalResultsTrends.csv", kind_name="cpi")
        assert first.warnings == () and first.findings == ()  # a history starts: no moves
        assert {e.edition for e in first.editions} == set(range(2012, 2023))
        second = import_workbook(store, cpi / "CPI2023_GlobalResultsTrends.csv", kind_name="cpi")
        # Only 2023 is new: the earlier editions it repeats read the same.
        assert {e.edition for e in second.editions if e.added} == {2023}

        y2022 = _cpi_file(cpi / "CPI2022_GlobalResultsTrends.csv", 2022)
        y2023 = _cpi_file(cpi / "CPI2023_GlobalResultsTrends.csv", 2023)
        assert len(y2023) == 180
        assert _latest_edition_rows(store, 2023) == y2023
        assert y2023["kazakhstan"] == (39, 93)  # as the press reported it

        # CPI's thresholds: 3 points of score, 10 places of rank (out of 180 both years).
        both = set(y2022) & set(y2023)
        expected = {("score", c) for c in both if abs(y2023[c][0] - y2022[c][0]) >= 3} | {
            ("rank", c) for c in both if abs(y2023[c][1] - y2022[c][1]) >= 10
        }
        found = store.db.execute(
            "SELECT f.kind, f.country_slug, s.edition FROM findings f"
            " JOIN snapshots s ON s.id = f.snapshot_id WHERE f.index_id = 'cpi'"
        ).fetchall()
        assert {e for _, _, e in found} == {2023}
        assert {(k, c) for k, c, _ in found} == expected
        assert len(found) == len(expected)  # one finding each
        assert len(expected) > 10

        # The same release as the publisher's workbook: the same snapshots, nothing added.
        workbook = import_workbook(store, cpi / "CPI2023_Results.xlsx", kind_name="cpi")
        assert workbook.added == 0 and workbook.findings == ()
        assert len(workbook.rows) == len(second.rows)


def _fiw_rows(path: Path) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(book["FIW13-24"].iter_rows(values_only=True))
    book.close()
    return rows


def _statuses(rows: list[tuple[object, ...]]) -> dict[tuple[str, int], object]:
    header = list(rows[0])
    name, edition, status = (header.index(h) for h in ("Country/Territory", "Edition", "Status"))
    return {(_key(str(r[name])), int(str(r[edition]))): r[status] for r in rows[1:] if r[name]}


def _changes(statuses: dict[tuple[str, int], object], editions: range) -> set[tuple]:
    """(country, edition, "PF → NF") for each status unlike the edition before's."""
    return {
        (country, edition, f"{before} → {now}")
        for (country, edition), now in statuses.items()
        if edition in editions
        and (before := statuses.get((country, edition - 1))) is not None
        and before != now
    }


def test_freedom_in_the_world_every_edition_and_each_status_change(indices, tmp_path):
    path = indices / "fiw" / "All_data_FIW_2013-2024.xlsx"
    rows = _fiw_rows(path)
    statuses = _statuses(rows)
    assert {e for _, e in statuses} == set(range(2013, 2025))
    # The release before 2024's, as a workbook of the same layout: 2013-2023.
    earlier = openpyxl.Workbook(write_only=True)
    sheet = earlier.create_sheet("FIW13-23")
    edition = list(rows[0]).index("Edition")
    for row in rows:
        if row[edition] != 2024:
            sheet.append(row)
    earlier.save(tmp_path / "fiw-2023.xlsx")
    with Store.open(tmp_path / "monitor.db") as store:
        backfill = import_workbook(store, tmp_path / "fiw-2023.xlsx", kind_name="fiw")
        assert backfill.findings == ()  # a first import holding many editions is history
        report = import_workbook(store, path, kind_name="fiw")
        assert report.warnings == ()
        assert all(r.status.value == "complete" for r in report.rows)
        stored = store.db.execute(
            "SELECT country, edition, value FROM snapshot_categories"
            " WHERE index_id = 'fiw' AND measure = 'status'"
        ).fetchall()
        assert {(c, e): v for c, e, v in stored} == statuses  # every (country, edition)

        # Between consecutive editions, as the store compares them, and as findings for
        # the edition the new release brought.
        history = store.db.execute(
            "SELECT country, edition, previous_value, value FROM category_history"
            " WHERE index_id = 'fiw' AND measure = 'status' AND previous_value != value"
        ).fetchall()
        assert {(c, e, f"{a} → {b}") for c, e, a, b in history} == _changes(
            statuses, range(2014, 2025)
        )
        found = store.db.execute(
            "SELECT f.country_slug, s.edition, f.message FROM findings f"
            " JOIN snapshots s ON s.id = f.snapshot_id"
            " WHERE f.index_id = 'fiw' AND f.kind = 'category'"
        ).fetchall()
        expected = _changes(statuses, range(2024, 2025))
        # The message names the levels as Freedom House does; the detail keeps the codes.
        words = {"F": "Free", "PF": "Partly Free", "NF": "Not Free"}
        named = {(c, e, " → ".join(words[v] for v in s.split(" → "))) for c, e, s in expected}
        assert {(c, e, m.split(": ", 1)[1].split(" (")[0]) for c, e, m in found} == named
        details = store.db.execute(
            "SELECT json_extract(detail, '$.from') || ' → ' || json_extract(detail, '$.to')"
            " FROM findings WHERE index_id = 'fiw' AND kind = 'category'"
        ).fetchall()
        assert {d for (d,) in details} == {s for _, _, s in expected}
        assert len(found) == len(expected) >= 3  # Ecuador, Thailand, Nagorno-Karabakh
        # Territories are kept under their own keys, never merged into a country.
        assert {"hong_kong", "somaliland", "eastern_donbas", "taiwan"} <= {c for c, _ in statuses}


def test_a_name_matching_nothing_is_reported_once_with_its_row():
    text = (
        "Corruption Perceptions Index 2099: Global scores;;;\n;;;\n"
        "Country / Territory;ISO3;CPI score 2023;Rank 2023;Standard error 2023\n"
        "Atlantis;ATL;50;1\nKYRGYZ REPUBLIC;KGZ;26,0;2\nAtlantis;ATL;40;3\n"
        "Korea, South;KOR;63;3\nKosovo*;XKX;41;4\nTürkiye;TUR;34;5\nSwaziland;SWZ;30;6\n"
    ).encode()
    reading = read_table(b"\xef\xbb\xbf" + text, get("cpi"))
    assert [(w.code, w.detail["row"]) for w in reading.warnings] == [("unknown_country", 4)]
    assert "'Atlantis'" in reading.warnings[0].message
    assert set(reading.rows) == {
        (c, 2023) for c in ("kyrgyzstan", "korea_rep", "kosovo", "turkey", "eswatini")
    }
    assert reading.rows[("kyrgyzstan", 2023)].profile.composites["score"].value == 26


def test_a_cpi_release_cut_off_mid_row_stores_nothing(indices, tmp_path):
    # A download cut short: its rows would be stored as a release of a dozen countries,
    # their ranks "of 13", replacing the full release's (seen in the audit).
    from monitor.errors import NotAProfileError

    whole = (indices / "cpi/CPI2023_GlobalResultsTrends.csv").read_bytes()
    cut = tmp_path / "CPI2023_cut.csv"
    cut.write_bytes(whole[:3000])
    assert not whole[:3000].endswith(b"\n")
    last = whole[:3000].decode("utf-8-sig").splitlines()
    said = f"ends mid-row: row {len(last)} has {len(last[-1].split(';'))} of its"
    with Store.open(tmp_path / "monitor.db") as store:
        with pytest.raises(NotAProfileError, match=said):
            import_workbook(store, str(cut), kind_name="cpi")
        assert store.db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0
        # The same rows ending with the line's end are a (small) release: read.
        (tmp_path / "small.csv").write_bytes(whole[: whole.rindex(b"\n", 0, 3000) + 1])
        assert import_workbook(store, str(tmp_path / "small.csv"), kind_name="cpi").rows


def test_a_cpi_release_cut_inside_its_last_value_stores_nothing(indices, tmp_path):
    # The audit: a release cut inside its last value, every column present, stored the
    # partial value (`4,3` read as 4). TI's file ends without a line end, so that alone
    # cannot refuse it: the last value must have its column's usual form.
    from monitor.errors import NotAProfileError

    whole = (indices / "cpi/CPI2023_GlobalResultsTrends.csv").read_bytes()
    assert whole.endswith(b";4,3") and not whole.endswith(b"\n")
    with Store.open(tmp_path / "monitor.db") as store:
        for cut in (whole[:-1], whole[:-2]):  # `4,` and `4`
            (tmp_path / "cut.csv").write_bytes(cut)
            value = cut.rsplit(b";", 1)[1].decode()
            said = f"ends without a line end on {value!r}"
            with pytest.raises(NotAProfileError, match=said):
                import_workbook(store, str(tmp_path / "cut.csv"), kind_name="cpi")
        assert store.db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0
        # Ended with a line end, the same bytes are a file said to be whole: read.
        (tmp_path / "ended.csv").write_bytes(whole[:-2] + b"\n")
        assert import_workbook(store, str(tmp_path / "ended.csv"), kind_name="cpi").rows


def test_a_release_whose_edition_column_was_renamed_says_so(indices):
    # The header of the release's own edition renamed: every 2023 row lacks its score.
    # Without a word the import said only "180 incomplete".
    whole = (indices / "cpi/CPI2023_GlobalResultsTrends.csv").read_text(encoding="utf-8-sig")
    renamed = whole.replace("CPI score 2023", "CPI Score (2023)", 1).encode()
    reading = read_table(renamed, get("cpi"))
    said = [w.message for w in reading.warnings if w.code == "edition_column_missing"]
    assert said == [
        "CSV (';'): no column for CPI score 2023 (there is one for 2022): renamed?"
        " its 2023 rows are incomplete"
    ]
    as_published = read_table(whole.encode(), get("cpi")).warnings
    assert not [w for w in as_published if w.code == "edition_column_missing"]


def test_movers_of_cpi_are_the_files_biggest_moves(indices, tmp_path):
    # The audit: `movers` only covered the OC Index and had no --index.
    import json

    from click.testing import CliRunner

    from monitor.cli.main import cli

    cpi = indices / "cpi"
    with Store.open(tmp_path / "monitor.db") as store:
        import_workbook(store, cpi / "CPI2022_GlobalResultsTrends.csv", kind_name="cpi")
        import_workbook(store, cpi / "CPI2023_GlobalResultsTrends.csv", kind_name="cpi")
    y2022 = _cpi_file(cpi / "CPI2022_GlobalResultsTrends.csv", 2022)
    y2023 = _cpi_file(cpi / "CPI2023_GlobalResultsTrends.csv", 2023)
    expected = {c: (y2022[c][0], y2023[c][0]) for c in set(y2022) & set(y2023)}

    def run(*args: str):
        return CliRunner().invoke(
            cli, ["--data-dir", str(tmp_path), "movers", "--from", "2022", "--to", "2023", *args]
        )

    result = run("--index", "cpi", "--top", "0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["index"] == "cpi" and data["index_name"] == "CPI"
    got = {m["country"]: (m["from_score"], m["to_score"]) for m in data["movers"]}
    assert got == expected
    assert {m["key"] for m in data["movers"]} == {"score"}
    deltas = [abs(m["delta"]) for m in data["movers"]]
    assert deltas == sorted(deltas, reverse=True)
    biggest = max(expected, key=lambda c: abs(expected[c][1] - expected[c][0]))
    assert abs(deltas[0]) == abs(expected[biggest][1] - expected[biggest][0])

    table = run("--index", "cpi", "--top", "3")
    assert "CPI movers 2022 → 2023" in table.output
    assert f"{y2022['kazakhstan'][0]}.00" not in run("--index", "cpi", "--top", "0").output
    # Without --index: the OC Index's, and it says so (this store holds none of it).
    default = run()
    assert default.exit_code == 1 and "no country has complete OC Index snapshots" in default.output


def test_a_nan_cell_is_a_missing_value_not_a_refused_release(indices, tmp_path):
    # SQLite stores NaN as NULL: one `NaN` (or an infinity) taken as a score refused the
    # whole release on the scores table's NOT NULL value.
    whole = (indices / "cpi/CPI2023_GlobalResultsTrends.csv").read_text(encoding="utf-8-sig")
    assert "\nAlbania;ALB;ECA;37;98;7;1,56;" in whole
    spoilt = whole.replace("\nAlbania;ALB;ECA;37;98;7;1,56;", "\nAlbania;ALB;ECA;37;98;7;NaN;")
    spoilt = spoilt.replace("\nAngola;AGO;SSA;33;121;7;", "\nAngola;AGO;SSA;inf;121;7;")
    assert "\nAngola;AGO;SSA;inf;" in spoilt
    (tmp_path / "nan.csv").write_text(spoilt, encoding="utf-8")
    with Store.open(tmp_path / "monitor.db") as store:
        report = import_workbook(store, str(tmp_path / "nan.csv"), kind_name="cpi")
        stored = dict(
            store.db.execute(
                "SELECT s.country_slug || ':' || sc.key, sc.value FROM scores sc"
                " JOIN snapshots s ON s.id = sc.snapshot_id WHERE s.edition = 2023"
                " AND s.country_slug IN ('albania', 'angola')"
            ).fetchall()
        )
    assert len(report.rows) > 2000
    assert stored["albania:score"] == 37 and "albania:standard_error" not in stored
    assert "angola:score" not in stored
