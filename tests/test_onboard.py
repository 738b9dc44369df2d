"""From install to an answer: `monitor init`, `watch add|list|remove`, `check`, and the
config found from any directory (--config, $MONITOR_CONFIG, ./config.toml, user dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from monitor.cli.main import cli
from monitor.demo import demo_profiles
from monitor.demo.render import render_page

STARTER_COMMENT = "# What to watch: `monitor watch add"


def _serve_central_asia(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    for profile, layout in demo_profiles():
        if profile.edition == 2023:
            page = render_page(profile, layout=layout, fmt="html")
            path = f"/country/{profile.country.slug}"
            httpserver.expect_request(path).respond_with_data(page, content_type="text/html")


@pytest.mark.slow
def test_a_new_user_inits_watches_and_runs_from_another_directory(
    httpserver: HTTPServer, tmp_path: Path
):
    _serve_central_asia(httpserver)
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A user's own config directory, and no MONITOR_CONFIG: only platformdirs finds it.
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_CONFIG"}
    env |= {"XDG_CONFIG_HOME": str(home / ".config"), "HOME": str(home), "COLUMNS": "100"}

    def monitor(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "monitor", *args]
        return subprocess.run(
            command, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
        )

    init = monitor("init")
    assert init.returncode == 0, init.stderr
    config = home / ".config" / "profile-monitor" / "config.toml"
    assert config.is_file() and (config.parent / "data").is_dir()
    added = monitor("watch", "add", "kyrgyzstan", "kazakhstan")
    assert added.returncode == 0, added.stderr
    assert "kyrgyzstan, kazakhstan" in added.stdout
    # The user points the page kind at the publisher (here our loopback copy of it).
    text = config.read_text()
    config.write_text(text.replace("https://ocindex.net", httpserver.url_for("").rstrip("/")))
    run = monitor("run", "--json")
    assert run.returncode == 0, run.stderr
    results = {r["key"]: r["change"] for r in json.loads(run.stdout)["results"]}
    assert results == {
        "ocindex_page:kyrgyzstan:current": "new_snapshot",
        "ocindex_page:kazakhstan:current": "new_snapshot",
    }
    assert (config.parent / "data" / "monitor.db").is_file()
    assert not (elsewhere / "data").exists()  # data beside the config, not the cwd
    # The edits kept the starter's comments.
    assert STARTER_COMMENT in config.read_text()
    check = monitor("check", "KGZ", "--json")
    assert check.returncode == 0, check.stderr
    assert [r["key"] for r in json.loads(check.stdout)["results"]] == [
        "ocindex_page:kyrgyzstan:current"
    ]


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


def test_config_is_found_from_the_environment_before_the_current_directory(tmp_path, monkeypatch):
    invoke("init", str(tmp_path / "mine"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('data_dir = "here"\n')
    env = {"MONITOR_CONFIG": str(tmp_path / "mine" / "config.toml")}
    added = invoke("watch", "add", "Côte d’Ivoire", env=env)
    assert added.exit_code == 0
    listed = json.loads(invoke("watch", "list", "--json", env=env).output)
    assert [r["country"] for r in listed] == ["cote_divoire"]
    # Without the variable, ./config.toml is read: it watches nothing.
    assert json.loads(invoke("watch", "list", "--json").output) == []


def test_watch_remove_keeps_comments_and_refuses_what_is_not_watched(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        "# my notes\n[[watch]]\n# the region I cover\n"
        'countries = ["kyrgyzstan", "kazakhstan"]  # two\n'
    )
    args = ("--config", str(config), "watch")
    assert invoke(*args, "remove", "KAZ").exit_code == 0
    text = config.read_text()
    assert "# my notes" in text and "# the region I cover" in text
    assert "kazakhstan" not in text and "kyrgyzstan" in text
    missing = invoke(*args, "remove", "spain")
    assert missing.exit_code == 1 and "not watched: spain" in missing.output


def test_a_watch_edit_that_would_break_the_config_leaves_it_as_it_was(tmp_path):
    config = tmp_path / "config.toml"
    invoke("init", str(tmp_path))
    before = config.read_text()
    # PDF summaries have dated URLs only: "current" is refused by the reader.
    refused = invoke("--config", str(config), "watch", "add", "--kind", "ocindex_pdf", "KGZ")
    assert refused.exit_code == 2 and "editions" in refused.output
    assert config.read_text() == before
    typo = invoke("--config", str(config), "watch", "add", "spian")
    assert typo.exit_code == 1 and "did you mean 'spain'" in typo.output
    assert not list(tmp_path.glob(".config-*"))


def test_no_config_anywhere_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "MONITOR_CONFIG": ""}
    result = invoke("sources", env=env)
    assert result.exit_code == 2
    assert "monitor init" in result.output and str(tmp_path / "xdg") in result.output
