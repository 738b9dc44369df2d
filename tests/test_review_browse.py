"""`monitor browse`: the Datasette command and metadata, then a real Datasette on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.config.settings import Config
from monitor.review.browse import QUERIES, browse_plan
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
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"Datasette did not start: {output}")
            time.sleep(0.2)
        params = {"indicator": "resilience", "from_edition": "2021", "to_edition": "2023"}
        rows = httpx.get(f"{base}/movers.json", params={**params, "_shape": "array"}).json()
        page = httpx.get(f"{base}/movers", params=params).text
    finally:
        server.terminate()
        server.wait(timeout=30)
    moved = {m.country: m.delta for m in expected.movers if m.key == "resilience"}
    assert {r["country"]: r["delta"] for r in rows} == moved and len(moved) == 3
    assert "Biggest movers between two editions" in page
