"""Errors that say what is wrong: unknown ids and kinds, JSON for scripts, and a diff
that falls back to an incomplete capture with a warning."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.config.settings import FetchPolicy
from monitor.errors import MonitorError
from monitor.fetch.client import Fetcher, Outcome
from monitor.indices import SHIPPED_DIR as SHIPPED
from monitor.review.snapshots import resolve_snapshot
from monitor.store import Store
from tests.helpers.configs import site_config

FIXTURES = Path(__file__).parent / "fixtures"
CIV_2023 = "https://ocindex.net/2023/country/cote_divoire"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_retrying_an_unknown_notification_is_an_error(tmp_path):
    result = invoke("--data-dir", str(tmp_path), "outbox", "retry", "999")
    assert result.exit_code == 1
    assert "no notification with id 999" in result.output


@pytest.mark.parametrize("command", ["show", "history", "diff"])
def test_an_unknown_source_kind_is_a_usage_error(tmp_path, command):
    result = invoke("--data-dir", str(tmp_path), command, "KGZ", "--source", "page")
    assert result.exit_code == 2
    assert "unknown source kind 'page'" in result.output and "ocindex_page" in result.output


def test_kinds_as_json():
    kinds = json.loads(invoke("kinds", "--json").output)
    assert "ocindex_page" in {k["name"] for k in kinds["source"]}
    assert "webhook" in {k["name"] for k in kinds["channel"]}
    # A generic kind lists the index ids it reads: what `[[watch]] kinds` names.
    reads = {k["name"]: k.get("indices") for k in kinds["source"]}
    assert reads["dataset"] == ["cpi", "fiw", "fsi", "wgi"]
    assert reads["country_list"] == ["eu_high_risk", "fatf"]
    assert reads["ocindex_page"] is None


def test_kinds_lists_a_users_index_under_its_kind(tmp_path):
    own = tmp_path / "indices"
    own.mkdir()
    toy = (SHIPPED / "cpi.toml").read_text(encoding="utf-8").replace('id = "cpi"', 'id = "toy"')
    (own / "toy.toml").write_text(toy, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('indices_dir = "indices"\n', encoding="utf-8")
    text = " ".join(invoke("--config", str(config), "kinds").output.split())
    assert "Indices read by it (watch each by its id): cpi, fiw, fsi, toy, wgi" in text


def test_diff_json_carries_change_and_direction(tmp_path):
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text()
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(page)
    # The same page republished with human trafficking a point higher (7.00 -> 8.00).
    second.write_text(page.replace("7.000.50", "8.000.50", 1))
    for path, when in ((first, "2023-10-01"), (second, "2023-11-01")):
        result = invoke(
            "--data-dir", str(tmp_path), "ingest", str(path), "--url", CIV_2023,
            "--captured-at", when,
        )  # fmt: skip
        assert result.exit_code == 0
    with Store.open(tmp_path / "monitor.db", read_only=True) as store:
        ids = [r[0] for r in store.db.execute("SELECT id FROM snapshots ORDER BY id")]
    args = ("diff", "CIV", "--from", str(ids[0]), "--to", str(ids[1]), "--json")
    data = json.loads(invoke("--data-dir", str(tmp_path), *args).output)
    moved = next(d for d in data["scores"] if d["key"] == "human_trafficking")
    assert moved["change"] == 1.0 and moved["direction"] == "deterioration"
    for delta in data["scores"]:
        assert "change" in delta and "direction" in delta
        if delta["old"] is not None and delta["new"] is not None:
            assert delta["change"] == round(delta["new"] - delta["old"], 2)


def test_an_edition_with_only_an_incomplete_capture_is_compared_with_a_warning(tmp_path):
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text()
    cut = tmp_path / "cut.txt"
    cut.write_text(page[: page.index("Analysis")])  # scores, no narrative
    result = invoke("--data-dir", str(tmp_path), "ingest", str(cut), "--url", CIV_2023)
    assert "incomplete" in result.output
    warnings: list[str] = []
    with Store.open(tmp_path / "monitor.db", read_only=True) as store:
        with pytest.raises(MonitorError, match="no complete snapshot"):
            resolve_snapshot(store, "cote_divoire", "2023")
        found = resolve_snapshot(store, "cote_divoire", "2023", warn=warnings.append)
        assert store.snapshot_status(found).value == "incomplete"
    assert len(warnings) == 1 and f"snapshot {found}" in warnings[0]


def test_offline_the_first_error_is_the_network_failure(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = site_config(tmp_path, f"http://127.0.0.1:{port}", fetch={"respect_robots": True})
    result = invoke("--config", str(config), "check", "kyrgyzstan", "--json")
    detail = json.loads(result.output)["results"][0]["detail"]
    assert detail.startswith(f"network failure reaching 127.0.0.1:{port}: could not connect")
    assert not detail.startswith("disallowed")


def test_debug_logging_shows_requests_redirects_and_robots_decisions(httpserver, caplog):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /no\n")
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/page?token=s3cret"}
    )
    httpserver.expect_request("/page").respond_with_data("hello")
    policy = FetchPolicy(max_retries=0, per_host_interval=0)
    with caplog.at_level(logging.DEBUG, logger="monitor.fetch"), Fetcher(policy) as fetcher:
        assert fetcher.fetch(httpserver.url_for("/old")).outcome is Outcome.OK
        assert fetcher.fetch(httpserver.url_for("/no")).outcome is Outcome.FAILED
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("monitor.")]
    base = httpserver.url_for("")
    assert f"GET {base}robots.txt -> 200, 28 bytes" in "\n".join(lines)
    assert f"robots.txt: {base}old allowed" in lines
    assert f"redirect: HTTP 301 {base}old -> {base}page?token=***" in lines
    assert any(line.startswith(f"GET {base}page?token=*** -> 200, 5 bytes, ") for line in lines)
    assert f"robots.txt: {base}no disallowed by robots.txt of {httpserver.host}:" in (
        "\n".join(lines)
    )
    assert "s3cret" not in "\n".join(lines)
