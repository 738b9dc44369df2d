"""The terminal as a reader sees it: `monitor run` a line per country (every finding with
--verbose), and without colour (CliRunner's output is not a terminal) directions in
words and word edits marked `[-…-]{+…+}` in `diff`, `movers` and `history`."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from rich.console import Console
from werkzeug import Request, Response

from monitor.cli import display
from monitor.cli.main import cli
from monitor.diff.snapshots import diff_snapshots
from monitor.models import Profile, Section
from monitor.store import Store
from tests.helpers.configs import site_config
from tests.helpers.notifying import page

COUNTRIES = ("kyrgyzstan", "kazakhstan")
OLD_WORDS, NEW_WORDS = "Kyrgyzstan", "The Kyrgyz Republic"


def reword(profile: Profile) -> Profile:
    """One sentence of the first section reworded in place: a word-level edit."""
    first = profile.sections[0]
    edited = (first.paragraphs[0].replace(OLD_WORDS, NEW_WORDS, 1), *first.paragraphs[1:])
    return replace(
        profile, sections=(Section(first.key, first.title, edited), *profile.sections[1:])
    )


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def two_editions(httpserver: HTTPServer, tmp_path: Path):
    """A site serving 2021 pages, then 2023: each call runs `monitor run` once more."""
    served = {"edition": 2021}

    def respond(request: Request) -> Response:
        slug = request.path.rsplit("/", 1)[-1]
        edit = reword if served["edition"] == 2023 else None
        return Response(page(slug, served["edition"], edit), content_type="text/html")

    for slug in COUNTRIES:
        httpserver.expect_request(f"/country/{slug}").respond_with_handler(respond)
    config = site_config(tmp_path, httpserver.url_for(""), COUNTRIES)

    def run(edition: int, *flags: str):
        served["edition"] = edition
        return invoke("--config", str(config), "run", *flags)

    return config, run


def test_run_says_a_line_per_country_and_each_note_once(two_editions):
    _, run = two_editions
    assert run(2021).exit_code == 0
    result = run(2023)
    assert result.exit_code == 0
    out = result.output
    lines = {
        name: [line for line in out.splitlines() if line.startswith(name)]
        for name in ("Kyrgyzstan", "Kazakhstan")
    }
    for name, found in lines.items():
        assert len(found) == 1, (name, out)  # one summary line, the country named
        assert re.search(r"\d+ scores? moved", found[0]) and "sentence" in found[0]
    assert "[low]" not in out and "[medium]" not in out  # no finding listed one by one
    # The 2023 methodology's new indicators concern both countries: noted once.
    assert len(re.findall(r"by the 2023 methodology", out)) == 1
    assert "Notes:" in out


def test_run_verbose_lists_every_finding_under_its_country(two_editions):
    config, run = two_editions
    run(2021)
    out = run(2023, "--verbose").output
    with Store.open(config.parent / "data" / "monitor.db") as store:
        stored = store.db.execute(
            "SELECT country_slug, message FROM findings WHERE kind != 'methodology'"
        ).fetchall()
    assert stored
    for country, message in stored:
        heading = out.index("Kyrgyzstan" if country == "kyrgyzstan" else "Kazakhstan")
        assert message[:60] in out[heading:], message
    assert len(re.findall(r"by the 2023 methodology", out)) == 1


def test_without_colour_directions_are_words_and_edits_are_marked(two_editions):
    config, run = two_editions
    run(2021)
    run(2023)
    args = ("--config", str(config))
    diff = invoke(*args, "diff", "kyrgyzstan").output
    assert f"[-{OLD_WORDS},-] {{+{NEW_WORDS},+}}" in " ".join(diff.split())  # unwrapped
    assert re.search(r"\b(worse|better)\b", diff)
    history = invoke(*args, "history", "kyrgyzstan").output
    assert re.search(r"[+-]\d\.\d\d (worse|better)", history)
    movers = invoke(*args, "movers", "--from", "2021", "--to", "2023").output
    assert re.search(r"[+-]\d\.\d\d (worse|better)", movers)
    for out in (diff, history, movers):
        assert "▲" not in out and "▼" not in out  # an arrow alone says neither
    # NO_COLOR is honoured even where a terminal would show colour.
    assert display.plain(Console(force_terminal=True, color_system="truecolor")) is False
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NO_COLOR", "1")
        assert display.plain(Console(force_terminal=True, color_system="truecolor")) is True


def test_with_colour_edits_are_struck_and_arrows_stay(two_editions):
    config, run = two_editions
    run(2021)
    run(2023)
    with Store.open(config.parent / "data" / "monitor.db") as store:
        old, new = (
            r[0]
            for r in store.db.execute(
                "SELECT id FROM snapshots WHERE country_slug = 'kyrgyzstan' ORDER BY id"
            )
        )
        comparison = diff_snapshots(store, old, new)
    console = Console(force_terminal=True, color_system="truecolor", width=200, record=True)
    console.print(display.comparison_view(comparison, plain=False))
    text = console.export_text()
    assert "[-" not in text and OLD_WORDS in text and NEW_WORDS in text
    assert "▲" in text or "▼" in text
