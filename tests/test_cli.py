"""The CLI as a user drives it: commands, JSON output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from monitor.cli.main import cli
from monitor.store import Store
from tests.helpers.configs import site_config

FIXTURES = Path(__file__).parent / "fixtures"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_extract_a_file_as_json_exits_0_when_complete():
    result = invoke("extract", str(FIXTURES / "ocindex-page-2023-cote-divoire.html"), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["status"] == "complete"
    assert data["profile"]["edition"] == 2023
    assert data["profile"]["country"]["name"] == "Côte d’Ivoire"


def test_extract_from_a_url_and_an_incomplete_capture_exits_1(httpserver: HTTPServer):
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text()
    cut = page[: page.index("Analysis")]  # the narrative is missing
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/2023/country/cote_divoire").respond_with_data(cut)
    result = invoke("extract", httpserver.url_for("/2023/country/cote_divoire"))
    assert result.exit_code == 1
    assert "incomplete" in result.output and "narrative sections not found" in result.output


def test_extract_of_a_missing_file_is_a_clear_error():
    result = invoke("extract", "/no/such/page.html")
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_run_then_sources_show_the_state(httpserver: HTTPServer, tmp_path):
    page = (FIXTURES / "ocindex-page-2023-tuvalu.html").read_bytes()
    httpserver.expect_request("/country/tuvalu").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/country/nauru").respond_with_data("no such country", status=404)
    config = site_config(tmp_path, httpserver.url_for(""), ["tuvalu", "nauru"])
    run = invoke("--config", str(config), "run", "--json")
    assert run.exit_code == 1  # nauru is a 404
    results = {r["key"]: r for r in json.loads(run.output)["results"]}
    assert results["ocindex_page:tuvalu:current"]["change"] == "new_snapshot"
    assert "404" in results["ocindex_page:nauru:current"]["detail"]
    listed = invoke("--config", str(config), "sources", "--json")
    state = {s["key"]: s for s in json.loads(listed.output)}
    assert state["ocindex_page:tuvalu:current"]["last_outcome"] == "new_snapshot"
    assert state["ocindex_page:nauru:current"]["last_outcome"] == "failed"
    assert (tmp_path / "data" / "monitor.db").exists()


def test_ingest_backfills_from_a_saved_file(tmp_path):
    saved = FIXTURES / "ocindex-page-2021-sao-tome-and-principe.txt"
    url = "https://ocindex.net/2021/country/sao_tome_and_principe"
    args = ("--data-dir", str(tmp_path), "ingest", str(saved), "--url", url)
    first = invoke(*args, "--captured-at", "2021-10-01")
    second = invoke(*args)
    assert first.exit_code == 0 and "new snapshot" in first.output
    assert "unchanged" in second.output


def test_kinds_lists_the_page_kind_with_its_options():
    result = invoke("kinds")
    assert "ocindex_page" in result.output and "base_url" in result.output


def test_fetched_text_that_looks_like_rich_markup_prints_as_written(tmp_path):
    """A country name is the publisher's text: `[/]` must neither crash a table nor
    restyle it, in tables, titles or error messages."""
    from dataclasses import replace

    from monitor.models import Country
    from tests.helpers.notifying import page

    name = "Kyrgyzstan [/] [red]x"

    def rename(profile):
        return replace(profile, country=Country("kyrgyzstan", name))

    data = ("--data-dir", str(tmp_path))
    for edition, when in ((2021, "2022-01-01"), (2023, "2024-01-01")):
        saved = tmp_path / f"{edition}.html"
        saved.write_bytes(page("kyrgyzstan", edition, rename))
        url = "https://ocindex.net/country/kyrgyzstan"
        ingested = invoke(*data, "ingest", str(saved), "--url", url, "--captured-at", when)
        assert ingested.exit_code == 0
    for command in (("movers", "--from", "2021", "--to", "2023"), ("history", "kyrgyzstan"),
                    ("show", "kyrgyzstan"), ("extract", str(tmp_path / "2023.html"))):  # fmt: skip
        result = invoke(*data, *command)
        assert result.exit_code == 0, (command, result.output)
        assert "[red]x" in result.output, command  # as written, not read as a style
    failed = CliRunner().invoke(cli, [*data, "show", "[/] [bold]"])
    assert failed.exit_code == 1 and "unknown country '[/] [bold]'" in failed.output


def test_read_only_commands_refuse_a_missing_database(tmp_path):
    """Run from the wrong directory, `status` must not report 'All well' on a database
    it just created empty: it says where it looked and exits 1."""
    data = ("--data-dir", str(tmp_path / "nowhere"))
    for command in (("status",), ("history", "kyrgyzstan"), ("diff", "kyrgyzstan"),
                    ("outbox",), ("digest",), ("backup", str(tmp_path / "copy.db"))):  # fmt: skip
        result = CliRunner().invoke(cli, [*data, *command])
        assert result.exit_code == 1, command
        assert "no snapshot database at" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "nowhere").exists()


def test_a_backup_that_cannot_be_written_is_one_line(tmp_path):
    data = ("--data-dir", str(tmp_path))
    Store.open(tmp_path / "monitor.db").close()
    result = CliRunner().invoke(cli, [*data, "backup", str(tmp_path / "no" / "such" / "x.db")])
    assert result.exit_code == 1 and "cannot write the backup" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_run_at_80_columns_prints_every_source_key_whole(httpserver: HTTPServer, tmp_path):
    # The longest keys of the 193 (and a 404's detail beside them) never cut with "…".
    # (The findings after the table are one line each, however long: a search finds them.)
    countries = ["bosnia_and_herzegovina", "st_vincent_and_the_grenadines", "tuvalu"]
    for country in countries:
        httpserver.expect_request(f"/country/{country}").respond_with_data("gone", status=404)
    config = site_config(tmp_path, httpserver.url_for(""), countries)
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})
    run = runner.invoke(cli, ["--config", str(config), "run"], catch_exceptions=False)
    assert run.exit_code == 1
    table = run.output[: run.output.index("Summary")].splitlines()
    assert all(len(line) <= 80 for line in table), [line for line in table if len(line) > 80]
    for country in countries:
        key = f"ocindex_page:{country}:current"
        assert any(key in line for line in table), key
    assert "…" not in "".join(table)
