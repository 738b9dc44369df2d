"""Evidence: `monitor capture` gives back the stored bytes as captured, and `monitor
export` names countries and measures and filters its rows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = {
    "https://ocindex.net/2023/country/cote_divoire": "ocindex-page-2023-cote-divoire.html",
    "https://ocindex.net/2021/country/sao_tome_and_principe": (
        "ocindex-page-2021-sao-tome-and-principe.txt"
    ),
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _ingested(data: Path) -> None:
    for url, name in PAGES.items():
        result = invoke("--data-dir", str(data), "ingest", str(FIXTURES / name), "--url", url)
        assert result.exit_code == 0, result.output


def test_capture_writes_the_bytes_whose_sha256_is_the_stored_one(tmp_path):
    _ingested(tmp_path)
    with Store.open(tmp_path / "monitor.db", read_only=True) as store:
        row = store.db.execute(
            "SELECT s.id, s.raw_sha256 FROM snapshots s WHERE s.country_slug = 'cote_divoire'"
        ).fetchone()
    snapshot_id, stored_sha = row
    out = tmp_path / "as-captured.html"
    result = invoke("--data-dir", str(tmp_path), "capture", str(snapshot_id), "--out", str(out))
    assert result.exit_code == 0
    written = out.read_bytes()
    assert hashlib.sha256(written).hexdigest() == stored_sha
    assert (
        written == (FIXTURES / PAGES["https://ocindex.net/2023/country/cote_divoire"]).read_bytes()
    )
    assert f"sha256:         {stored_sha}" in result.output
    assert "https://ocindex.net/2023/country/cote_divoire" in result.output
    facts = json.loads(
        invoke(
            "--data-dir", str(tmp_path), "capture", str(snapshot_id), "--out", str(out), "--json"
        ).output
    )
    assert facts["sha256"] == stored_sha and facts["size"] == len(written)
    assert facts["captured_at"].startswith("20")


def test_capture_of_an_unknown_snapshot_is_an_error(tmp_path):
    _ingested(tmp_path)
    result = invoke("--data-dir", str(tmp_path), "capture", "999", "--out", str(tmp_path / "x"))
    assert result.exit_code == 1 and "no snapshot with id 999" in result.output
    assert not (tmp_path / "x").exists()


def test_export_names_countries_and_measures_and_filters(tmp_path):
    _ingested(tmp_path)
    every = list(csv.DictReader(io.StringIO(invoke("--data-dir", str(tmp_path), "export").output)))
    assert {r["iso3"] for r in every} == {"CIV", "STP"}
    chosen = invoke("--data-dir", str(tmp_path), "export", "--country", "CIV", "--json")
    rows = json.loads(chosen.output)
    assert rows and {r["country"] for r in rows} == {"cote_divoire"}
    first = next(r for r in rows if r["indicator"] == "human_trafficking")
    assert first["country_name"] == "Côte d'Ivoire" and first["iso3"] == "CIV"
    assert first["indicator_name"] == "Human trafficking"
    assert first["region"] == "West Africa" and first["index_id"] == "ocindex"
    by_edition = invoke("--data-dir", str(tmp_path), "export", "--edition", "2021", "--json")
    assert {r["country"] for r in json.loads(by_edition.output)} == {"sao_tome_and_principe"}
    later = invoke("--data-dir", str(tmp_path), "export", "--since", "2999-01-01", "--json")
    assert json.loads(later.output) == []
    bad = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "export", "--since", "soon"])
    assert bad.exit_code == 2 and "not an ISO date" in bad.output
