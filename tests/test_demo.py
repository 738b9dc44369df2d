"""`monitor demo` end to end: three real cycles on loopback, figures from the workbook."""

from __future__ import annotations

import email
import io
import socket
import struct
import time
from email import policy
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from monitor.cli.walkthrough import run_demo
from monitor.demo.server import PageSite, serve
from monitor.store import Store
from tests.helpers.workbook import scores as workbook_scores


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = io.StringIO()
    result = run_demo(tmp_path_factory.mktemp("demo"), Console(file=out, width=80))
    return result, out.getvalue()


def test_the_demo_stores_detects_no_change_then_the_new_edition(demo):
    result, output = demo
    first, second, third = result.cycles
    # Five profiles and the five countries' rows of the second index's release.
    assert [r.change for r in first.results] == ["new_snapshot"] * 10
    assert [r.change for r in second.results] == ["not_modified"] * 10
    assert [r.change for r in third.results] == ["new_snapshot"] * 10
    assert all(c.ok for c in result.cycles)
    with Store.open(result.data_dir / "monitor.db") as store:
        counts = store.counts()
        editions = {
            (src.kind, s.edition) for src in store.sources() for s in store.snapshots_for(src.id)
        }
    assert counts["snapshots"] == 20
    assert editions == {
        ("ocindex_page", 2021),
        ("ocindex_page", 2023),
        ("fiw", 2013),
        ("fiw", 2021),
    }
    assert "What moved from 2021 to 2023" in output and str(result.data_dir) in output


def test_the_demo_hints_are_whole_commands_at_80_columns(demo):
    # The audit: "Explore: monitor --data-dir … sources | sqlite3" broke mid-command.
    result, output = demo
    lines = output.splitlines()
    here = f"monitor --data-dir {result.data_dir}"
    assert f"  {here} sources" in lines and f"  sqlite3 {result.data_dir / 'monitor.db'}" in lines
    assert f"  {here} outbox" in lines
    assert lines[lines.index(f"  {here} sources") - 1] == "Explore:"


def test_the_demo_digest_shows_both_indices_under_each_country(demo, shared_dir):
    result, output = demo
    (delivery,) = result.digest.deliveries
    message = email.message_from_bytes(Path(delivery.where).read_bytes(), policy=policy.default)
    text = " ".join(message.get_body(("plain",)).get_content().split())
    # The demo rewrites every narrative: the email is the overview, the rest a full copy.
    full = Path(text.split("the details are in the full digest, file://", 1)[1].split()[0])
    html = full.read_text(encoding="utf-8")
    fiw = fiw_totals(shared_dir / "data/indices/fiw/All_data_FIW_2013-2024.xlsx")
    for name in ("Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan"):
        # One summary line per country naming both, Freedom House's totals as published.
        summary = text.split(f"- {name} — ", 1)[1].split(" (Central Asia", 1)[0]
        old, new = fiw[(name, 2013)], fiw[(name, 2021)]
        assert f"Freedom in the World {old[1]} → {new[1]}" in summary and "OC Index " in summary
        assert f"{name} — {summary}" in " ".join(output.split())  # the demo printed it too
        country = html.split(f'<div class="country" id="{name.lower()}"', 1)[1]
        country = country.split('<div class="country"', 1)[0]
        assert country.count('data-index="fiw"') == country.count('data-index="ocindex"') == 1
    # Kyrgyzstan's status fell, said as Freedom House names the levels (PF, NF in the file).
    assert "Freedom in the World 39 → 28, Partly Free → Not Free" in text


def fiw_totals(workbook: Path) -> dict[tuple[str, int], tuple[str, int]]:
    """(country, edition) -> (status, total), read from Freedom House's file directly."""
    rows = openpyxl.load_workbook(workbook, read_only=True)["FIW13-24"].iter_rows(values_only=True)
    header = next(rows)
    at = {h: n for n, h in enumerate(header)}
    return {
        (r[at["Country/Territory"]], r[at["Edition"]]): (r[at["Status"]], r[at["Total"]])
        for r in rows
    }


def test_the_demo_deltas_are_the_workbook_differences(demo, shared_dir):
    result, _ = demo
    workbook = shared_dir / "data/global_oc_index_2021_2023.xlsx"
    before = workbook_scores(workbook, 2021, "Kyrgyzstan")
    after = workbook_scores(workbook, 2023, "Kyrgyzstan")
    moved = {d.key: d.change for d in result.deltas["kyrgyzstan"] if d.kind == "moved"}
    expected = {
        k: round(after[k] - before[k], 2) for k in before if abs(after[k] - before[k]) > 1e-9
    }
    assert moved == pytest.approx(expected)


def test_monitor_diff_on_the_demo_database(demo, shared_dir):
    import json

    from click.testing import CliRunner

    from monitor.cli.main import cli

    result, _ = demo
    # The OC Index's profiles (the demo's second index is Freedom in the World).
    args = ["--data-dir", str(result.data_dir), "diff", "kyrgyzstan", "--source", "ocindex_page"]
    runner = CliRunner()
    default = runner.invoke(cli, [*args, "--json"])
    explicit = runner.invoke(cli, [*args, "--from", "2021", "--to", "2023", "--json"])
    assert default.exit_code == 0 and explicit.exit_code == 0
    data = json.loads(default.output)
    assert data == json.loads(explicit.output)
    assert (data["old_edition"], data["new_edition"]) == (2021, 2023)
    workbook = shared_dir / "data/global_oc_index_2021_2023.xlsx"
    before = workbook_scores(workbook, 2021, "Kyrgyzstan")
    after = workbook_scores(workbook, 2023, "Kyrgyzstan")
    moved = {d["key"]: d["new"] - d["old"] for d in data["scores"] if d["kind"] == "moved"}
    assert moved.keys() == {k for k in before if abs(after[k] - before[k]) > 1e-9}
    assert len(data["sections"]) == 11
    missing = runner.invoke(cli, [*args, "--from", "2019"])
    assert missing.exit_code == 1 and "no complete snapshot" in missing.output


def test_a_client_resetting_its_connection_is_no_traceback_from_the_demo_server(capfd):
    site = PageSite()
    with serve(site):
        host, port = site.base_url.removeprefix("http://").split(":")
        client = socket.create_connection((host, int(port)))
        client.sendall(b"GET /country/nowhere HTTP/1.1\r\nHost: demo\r\n\r\n")
        client.recv(1)  # answered; the rest of the reply stays unread
        # SO_LINGER 0: close with a reset (RST), as a client dropping its pool does
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        time.sleep(0.3)  # the handler thread reads the reset
    assert "Traceback" not in capfd.readouterr().err
