"""`monitor browse`: the Datasette command and metadata, then a real Datasette on loopback."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.config.settings import Config
from monitor.review.browse import HIDDEN, QUERIES, browse_plan
from monitor.review.movers import movers
from monitor.store import Store
from tests.helpers.notifying import ingest_editions

# Each test starts processes of its own (a monitor, a lock holder, Datasette).
pytestmark = pytest.mark.slow

VIEWS = ("snapshot_scores", "edition_snapshots", "score_history", "latest_scores", "score_movers")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review-browse")
    config = Config(None, folder / "data")
    with Store.open(config.database) as store:
        ingest_editions(config, store, folder, ["kyrgyzstan", "kazakhstan", "tajikistan"])
    return config.data_dir


def invoke(data_dir: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def test_dry_run_shows_the_command_and_metadata_and_writes_nothing(tmp_path: Path):
    missing = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "browse", "--dry-run"])
    assert missing.exit_code == 1 and "no snapshot database at" in missing.output
    database = tmp_path / "monitor.db"
    Store.open(database).close()  # an empty database
    result = invoke(tmp_path, "browse", "--dry-run", "--port", "8123")
    assert result.exit_code == 0
    assert f"-m datasette serve {database} --metadata" in result.output
    assert result.output.rstrip().endswith("--host 127.0.0.1 --port 8123")
    assert '"criminality_up_resilience_down"' in result.output
    assert not (tmp_path / "datasette-metadata.json").exists()


def test_metadata_describes_every_view_column_and_the_tables(data_dir: Path):
    plan = json.loads(invoke(data_dir, "browse", "--json").output)
    tables = plan["metadata"]["databases"]["monitor"]["tables"]
    with Store.open(data_dir / "monitor.db") as store:
        for view in VIEWS:
            columns = [c.name for c in store.db.view(view).columns]
            assert set(tables[view]["columns"]) == set(columns), view
            assert tables[view]["description"]
    # Table columns are described by the DDL's own comments.
    assert tables["scores"]["columns"]["change"] == "as printed beside the score; NULL if none"
    assert tables["sources"]["columns"]["last_modified"] == (
        "validators from the last 200 response, sent back for conditional GETs"
    )
    assert set(plan["metadata"]["databases"]["monitor"]["queries"]) == set(QUERIES)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_datasette(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            output = server.stdout.read().decode() if server.stdout else ""
            pytest.fail(f"Datasette did not start: {output}")
        time.sleep(0.2)


def test_datasette_serves_a_canned_query(data_dir: Path):
    pytest.importorskip("datasette", reason="the browse extra is not installed")
    port = free_port()
    with Store.open(data_dir / "monitor.db") as store:
        plan = browse_plan(store, port=port)
        expected = movers(store, 2021, 2023, top=0)
    plan.write_metadata()
    server = subprocess.Popen(plan.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/monitor"
    try:
        wait_for_datasette(base, server)
        params = {"indicator": "resilience", "from_edition": "2021", "to_edition": "2023"}
        rows = httpx.get(f"{base}/movers.json", params={**params, "_shape": "array"}).json()
        page = httpx.get(f"{base}/movers", params=params).text
    finally:
        server.terminate()
        server.wait(timeout=30)
    moved = {m.country: m.delta for m in expected.movers if m.key == "resilience"}
    assert {r["country"]: r["delta"] for r in rows} == moved and len(moved) == 3
    assert "Biggest movers between two editions" in page


# A sentence of the corpus page's narrative (Trade: counterfeit goods, 2025).
SENTENCE = "Key sectors affected include electronics, clothing and pharmaceuticals."


def test_browse_is_a_review_tool_and_stops_on_sigterm(tmp_path: Path, shared_dir: Path):
    """`monitor browse` as run: views listed first, bookkeeping hidden, the canned query
    answering a name or code, the narrative searchable; SIGTERM stops Datasette too."""
    pytest.importorskip("datasette", reason="the browse extra is not installed")
    for edition in (2021, 2025):  # 2021 complete (scores), 2025 incomplete (narrative)
        page = shared_dir / f"corpus/ocindex-page-{edition}-kyrgyzstan.txt"
        url = f"https://ocindex.net/{edition}/country/kyrgyzstan"
        ingested = invoke(tmp_path, "ingest", str(page), "--url", url)
        assert ingested.exit_code == 0, ingested.output
    port = free_port()
    command = [sys.executable, "-m", "monitor", "--data-dir", str(tmp_path), "browse"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}/monitor"
    try:
        wait_for_datasette(base, server)
        listing = httpx.get(base).text
        by_name = {
            country: httpx.get(
                f"{base}/country_scores.json", params={"country": country, "_shape": "array"}
            ).json()
            for country in ("Kyrgyzstan", "KGZ", "kyrgyzstan")
        }
        found = httpx.get(
            f"{base}/narrative.json", params={"_search": SENTENCE, "_shape": "array"}
        ).json()
        missing = httpx.get(
            f"{base}/narrative.json", params={"_search": "walnut snow leopard", "_shape": "array"}
        ).json()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code == 0
    # Datasette went with it: nothing answers on its port any more.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}.json", timeout=2)

    assert listing.index("score_history") < listing.index('id="tables"')
    assert "edition_snapshots</a>: The snapshot standing" in listing
    tables_part = listing[listing.index('id="tables"') :]
    for hidden in HIDDEN:
        assert f">{hidden}</a>" not in tables_part, hidden
    assert ">snapshots</a>" in tables_part
    rows = by_name["Kyrgyzstan"]
    assert rows and rows == by_name["KGZ"] == by_name["kyrgyzstan"]
    criminality = next(r for r in rows if r["indicator"] == "criminality")
    assert criminality["edition"] == 2021 and criminality["score"] == 5.33
    assert [(r["title"], r["edition"]) for r in found] == [("Trade", 2025)]
    assert SENTENCE in found[0]["text"] and found[0]["country"] == "kyrgyzstan"
    assert missing == []  # every word must be in one section
