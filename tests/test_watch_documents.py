"""Watching PDF summaries and articles: configuration, and `run_cycle` end to end on a
real loopback server and a real SQLite file. Narrative and articles are our own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.cli.main import cli
from monitor.demo.narrative import narrative_for
from monitor.diff.text import section_deltas
from monitor.errors import ConfigError
from monitor.models import Status
from monitor.ops.cycle import run_cycle
from monitor.ops.settings import load_config
from monitor.store import Store
from monitor.store.records import unpack_deltas
from tests.helpers.articles import article_page
from tests.helpers.configs import site_config
from tests.helpers.pdfs import summary_pdf

PDF_PATH = "/assets/downloads/2025/english/ocindex_profile_{}_2025.pdf"
ARTICLE_PATH = "/reports/utopia-border-towns/"
TITLE = "Utopia's Border Towns: A Field Report"
PARAGRAPHS = [
    "Border towns in northern Utopia have changed quickly over the past two years. Trade "
    "across the river has doubled, and so has the number of unofficial crossings.",
    "Local officials describe a steady flow of cash through the bazaars. Few of the traders "
    "we met keep written records, and most of them pay no tax.",
    "Our interviews suggest that customs posts are understaffed at night. Several drivers "
    "told us they cross without inspection after dark.",
]
OLD_SENTENCE = "Few of the traders we met keep written records, and most of them pay no tax."
NEW_SENTENCE = "Few of the traders we met keep written records, and many of them pay no tax."


def nauru_pdf() -> bytes:
    blocks = []
    for section in narrative_for("Nauru", 2025, paragraphs_per_section=2):
        blocks.append(("heading", section.title.upper()))
        blocks += [("paragraph", p) for p in section.paragraphs]
    return summary_pdf(blocks)


@pytest.fixture
def served() -> Iterator[tuple[str, dict[str, Response]]]:
    """A loopback server answering each path from a dict the test may change."""
    routes: dict[str, Response] = {}
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_handler(lambda r: routes[r.path])
    server.start()
    yield server.url_for("").rstrip("/"), routes
    server.stop()


def write_config(tmp_path: Path, base: str) -> Path:
    # PDFs are keyed by country (countries of the index only); an article by its URL.
    article = f'[[watch]]\ncountry = "utopia"\nkinds = ["article"]\nurl = "{base}{ARTICLE_PATH}"\n'
    return site_config(
        tmp_path, base, ["nauru", "tuvalu"], kind="ocindex_pdf", editions=[2025], extra=article
    )


def test_a_cycle_stores_pdf_and_article_snapshots_and_a_changed_sentence(tmp_path, served):
    base, routes = served
    routes[PDF_PATH.format("nauru")] = Response(nauru_pdf(), content_type="application/pdf")
    # At Tuvalu's PDF URL the site serves an error page with 200.
    routes[PDF_PATH.format("tuvalu")] = Response(
        "<html><head><title>Maintenance</title></head><body><p>Back soon.</p></body></html>",
        content_type="text/html",
    )
    routes[ARTICLE_PATH] = Response(article_page(TITLE, PARAGRAPHS), content_type="text/html")
    config = load_config(write_config(tmp_path, base))
    pdf_key, tuvalu_key = "ocindex_pdf:nauru:2025", "ocindex_pdf:tuvalu:2025"
    article_key = f"article:utopia:{base.split('://')[1]}{ARTICLE_PATH.rstrip('/')}"
    assert [s.key for s in config.sources] == [pdf_key, tuvalu_key, article_key]

    with Store.open(config.database) as store:
        first = run_cycle(config, store)
        results = {r.key: r for r in first.results}
        assert {k: (r.change, r.status) for k, r in results.items()} == {
            pdf_key: ("new_snapshot", Status.COMPLETE),
            tuvalu_key: ("new_snapshot", Status.NOT_A_PROFILE),
            article_key: ("new_snapshot", Status.COMPLETE),
        }
        assert "an HTML page, not a PDF" in results[tuvalu_key].detail
        # Only the broken capture is news; narrative-only documents are healthy.
        assert [(f.kind, f.key) for f in first.findings] == [("source_health", "broken")]
        assert store.counts()["scores"] == 0
        pdf = store.snapshot(results[pdf_key].snapshot_id).extraction.profile
        written = narrative_for("Nauru", 2025, paragraphs_per_section=2)
        assert not any(d.text_changed for d in section_deltas(written, pdf.sections))
        article = store.snapshot(results[article_key].snapshot_id)
        assert article.country_slug == "utopia" and article.edition is None
        assert article.extraction.profile.document.title == TITLE
        sections = store.db.query(
            "SELECT key, title FROM sections WHERE snapshot_id = ?", [article.id]
        )
        assert list(sections) == [{"key": "article", "title": TITLE}]

        # Unchanged documents: no new snapshot, no finding again.
        second = run_cycle(config, store)
        assert {r.change for r in second.results} == {"unchanged"}
        assert second.findings == ()

        # The publisher edits one sentence of the article.
        edited = [p.replace(OLD_SENTENCE, NEW_SENTENCE) for p in PARAGRAPHS]
        routes[ARTICLE_PATH] = Response(article_page(TITLE, edited), content_type="text/html")
        third = run_cycle(config, store)
        changed = {r.key: r.change for r in third.results}
        assert changed == {pdf_key: "unchanged", tuvalu_key: "unchanged",
                           article_key: "new_snapshot"}  # fmt: skip
        # One sentence of ten: heard, as one low finding (a section barely changed).
        assert [(f.kind, f.severity, f.detail["change"]) for f in third.findings] == [
            ("narrative", "low", "reworded")
        ]
        [row] = store.db.query(
            "SELECT deltas FROM comparisons WHERE new_snapshot_id = ?",
            [{r.key: r for r in third.results}[article_key].snapshot_id],
        )
        [delta] = unpack_deltas(row["deltas"])["sections"]  # zstd-compressed JSON (issue 19)
        assert (delta["key"], delta["status"]) == ("article", "changed")
        assert [(e["old"], e["new"]) for e in delta["edited"]] == [(OLD_SENTENCE, NEW_SENTENCE)]
        assert delta["added"] == delta["removed"] == delta["moved"] == []
    # A country outside the index is known by the snapshots that carry it; others are not.
    args = ["--config", str(write_config(tmp_path, base))]
    shown = CliRunner().invoke(cli, [*args, "show", "nauru"])
    assert shown.exit_code == 0 and "Nauru — 2025" in shown.output
    assert "Scores" not in shown.output  # narrative only: no empty table
    unknown = CliRunner().invoke(cli, [*args, "show", "narnia"])
    assert unknown.exit_code == 1 and "unknown country 'narnia'" in unknown.output


@pytest.mark.parametrize(
    ("watch", "key", "words"),
    [
        ('country = "utopia"\nkinds = ["article"]', "watch[1].url", "needs url"),
        (
            'country = "utopia"\nurl = "https://example.org/a"',
            "watch[1].url",
            'kinds = ["article"]',
        ),
        (
            'country = "utopia"\nkinds = ["article"]\nurl = "https://example.org/a"\n'
            "editions = [2025]",
            "watch[1].editions",
            "no editions",
        ),
        ('country = "utopia"\nkinds = ["article"]\nurl = "example.org/a"', "watch[1].url", "http"),
        ('country = "nauru"\nkinds = ["ocindex_pdf"]', "watch[1].editions", "dated URLs only"),
        ('country = "utopia"\nkinds = ["ocindex_pdf"]', "watch[1].country", "unknown country"),
    ],
)
def test_config_errors_name_the_key(tmp_path, watch, key, words):
    path = tmp_path / "config.toml"
    path.write_text(f"[[watch]]\n{watch}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key and words in caught.value.problem


def test_two_articles_on_one_country_are_two_sources(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        "\n".join(
            f'[[watch]]\ncountry = "utopia"\nkinds = ["article"]\nurl = "https://example.org/{n}/"'
            for n in ("a", "b")
        ),
        encoding="utf-8",
    )
    sources = load_config(path).sources
    assert [(s.key, s.url, s.edition) for s in sources] == [
        ("article:utopia:example.org/a", "https://example.org/a/", None),
        ("article:utopia:example.org/b", "https://example.org/b/", None),
    ]


def test_monitor_kinds_documents_the_new_kinds():
    output = CliRunner().invoke(cli, ["kinds"], catch_exceptions=False).output
    assert "ocindex_pdf" in output and "narrative" in output
    assert "[kinds.ocindex_pdf] base_url" in output
    assert "article" in output and "trafilatura" in output
