"""The HTML report, rendered by headless Chromium; history and show over ingested pages.

Pages are the demo's (publisher's figures, our narrative) ingested as 2021 then 2023,
with markup planted in Kyrgyzstan's 2023 narrative: it must reach the report as text.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from monitor.cli.main import cli
from monitor.config.settings import Config
from monitor.demo import load_figures
from monitor.models import Profile, Section
from monitor.ops.cycle import ingest
from monitor.review.chart import Point, line_chart
from monitor.review.report import write_reports
from monitor.store import Store
from tests.helpers.browser import rendered_dom, screenshot
from tests.helpers.notifying import ingest_editions, page

PLANTED = 'Officials deny it <img src=x onerror="alert(1)"> & <script>alert(2)</script> flatly.'
COMPOSITES = ("criminality", "criminal_markets", "criminal_actors", "resilience")


def plant_markup(profile: Profile) -> Profile:
    first = profile.sections[0]
    planted = Section(first.key, first.title, (*first.paragraphs, PLANTED))
    return replace(profile, sections=(planted, *profile.sections[1:]))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review-pages")
    config = Config(None, folder / "data")
    with Store.open(config.database) as store:
        ingest_editions(config, store, folder, ["kyrgyzstan", "kazakhstan"], edit=plant_markup)
    return config.data_dir


@pytest.fixture(scope="module")
def report_page(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    with Store.open(data_dir / "monitor.db") as store:
        pages = write_reports(store, out, ["kyrgyzstan"])
    assert [p.name for p in pages] == ["kyrgyzstan.html", "index.html"]
    return pages[0]


def invoke(data_dir: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def test_chromium_shows_the_chart_with_every_score(report_page: Path, tmp_path: Path):
    dom = LexborHTMLParser(rendered_dom(report_page, tmp_path / "chromium"))
    chart = dom.css_first("svg#chart-ocindex")
    assert chart is not None
    points = {
        (p.attributes["data-key"], int(p.attributes["data-edition"])): p.attributes["data-value"]
        for p in chart.css("circle.point")
    }
    editions = load_figures()["countries"]["kyrgyzstan"]["editions"]
    expected = {
        (key, edition): f"{editions[str(edition)]['scores'][key]:.2f}"
        for key in COMPOSITES
        for edition in (2021, 2023)
    }
    assert points == expected
    labels = [t.text() for t in chart.css("text.value")]
    assert sorted(labels) == sorted(expected.values())
    assert [t.text() for t in chart.css("text.x-label")] == ["2021", "2023"]
    assert len(chart.css("polyline")) == 4
    # Higher scores are drawn higher (smaller y), on one shared 1-10 axis.
    drawn = sorted(chart.css("circle.point"), key=lambda p: float(p.attributes["cy"]))
    values = [float(p.attributes["data-value"]) for p in drawn]
    assert values == sorted(values, reverse=True)
    png = screenshot(report_page, tmp_path / "report-kyrgyzstan.png", tmp_path / "chromium")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_fetched_markup_stays_text(report_page: Path, tmp_path: Path):
    html = report_page.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    dom = LexborHTMLParser(rendered_dom(report_page, tmp_path / "chromium"))
    assert dom.css("script") == [] and dom.css("img") == []
    added = [li.text() for li in dom.css("section.narrative li.added")]
    assert any("<script>alert(2)</script>" in text for text in added)


def test_the_narrative_changes_between_editions(report_page: Path):
    dom = LexborHTMLParser(report_page.read_text(encoding="utf-8"))
    narrative = dom.css_first("section.narrative")
    assert narrative.css_first("h3").text() == "2021 → 2023"
    changed = [h.text() for h in narrative.css("h4")]
    assert changed and all(re.search(r", magnitude [01]\.\d\d\)$", t) for t in changed)
    assert narrative.css("li.added") and narrative.css("li.removed")


def test_history_and_show_over_pages(data_dir: Path):
    history = json.loads(
        invoke(data_dir, "history", "kyrgyzstan", "--indicator", "Criminality", "--json").output
    )
    assert [(c["edition"], c["source"]) for c in history["columns"]] == [
        (2021, "ocindex_page"),
        (2023, "ocindex_page"),
    ]
    assert [r["key"] for r in history["rows"]] == ["criminality"]
    table = invoke(data_dir, "history", "kyrgyzstan").output
    # The source kind without its index's prefix: ocindex_page is `page` under the index.
    assert "Human trafficking" in table and " page " in table and "Organized Crime" in table
    shown = invoke(data_dir, "show", "kyrgyzstan", "--edition", "2021")
    assert "Kyrgyzstan — 2021" in shown.output and "Status: complete" in shown.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("history", "kyrgyzstan", "--indicator", "bogus"), 2, "'bogus' names no score"),
        (("history", "kyrgyzstan", "--source", "ocindex_pdf"), 1, "no snapshot of kyrgyzstan"),
        (("show", "atlantis"), 1, "unknown country 'atlantis': not one of the index's"),
        (("history", "KGZX"), 1, "unknown country 'KGZX'"),
        (("diff", "atlantis"), 1, "unknown country 'atlantis'"),
        (("report", "atlantis", "--out", "x"), 1, "unknown country 'atlantis'"),
        (("show", "kyrgyzstan", "--edition", "2025"), 1, "of the 2025 edition"),
        (("report", "--out", "x"), 2, "give a COUNTRY or --all"),
        (("report", "tuvalu", "--out", "x"), 1, "no complete snapshot of tuvalu"),
        (("report", "--all", "--out", "x", "--map", "bogus:score"), 1, "no index 'bogus'"),
        (("report", "--all", "--out", "x", "--map", "cpi:rank"), 1, "not a score of cpi"),
        (("report", "--all", "--out", "x", "--map-by", "size"), 2, "'size' is not one of"),
        (("movers", "--from", "2023", "--to", "2021"), 1, "must be an earlier edition"),
        (("movers", "--from", "2021", "--to", "2023", "--top", "-1"), 2, "not in the range"),
    ],
)
def test_clear_errors(data_dir: Path, args: tuple[str, ...], code: int, message: str, tmp_path):
    result = invoke(data_dir, *(str(tmp_path / a) if a == "x" else a for a in args))
    assert result.exit_code == code and message in result.output
    assert not (tmp_path / "x").exists()  # a failed report writes nothing


@pytest.mark.parametrize("editions", [(2021, 2023), (2021, 2023, 2025), (2023,)])
def test_value_labels_of_close_scores_do_not_overlap(editions: tuple[int, ...]):
    # Kyrgyzstan 2021: markets 4.40 and resilience 4.17 sit 7 px apart on the axis.
    scores = {"criminality": 5.33, "criminal_markets": 4.40, "criminal_actors": 6.25}
    chart = line_chart(
        {
            **{k: dict.fromkeys(editions, v) for k, v in scores.items()},
            "resilience": dict.fromkeys(editions, 4.17),
        }
    )
    char_width, height = 6.5, 11.0  # 11px digits: a generous box per label

    def box(p: Point) -> tuple[float, float, float, float]:
        width = char_width * len(f"{p.value:.2f}")
        left = {"start": p.label_x, "middle": p.label_x - width / 2, "end": p.label_x - width}
        return left[p.anchor], p.label_y - height, left[p.anchor] + width, p.label_y

    boxes = [box(p) for s in chart.series for p in s.points]
    assert len(boxes) == 4 * len(editions)
    for n, (l1, t1, r1, b1) in enumerate(boxes):
        assert l1 >= 0 and r1 <= chart.width and t1 >= 0 and b1 <= chart.bottom
        for l2, t2, r2, b2 in boxes[n + 1 :]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, "labels overlap"


def drop_resilience(profile: Profile) -> Profile:
    composites = {k: v for k, v in profile.composites.items() if k != "resilience"}
    return replace(profile, composites=composites)


def test_an_incomplete_latest_capture_is_said_on_the_page(data_dir: Path, tmp_path: Path):
    # A later capture of Kazakhstan's page lacks resilience: the page reports the
    # capture's problem while the scores still come from the complete 2023 snapshot.
    config = Config(None, tmp_path / "data")
    shutil.copytree(data_dir, config.data_dir)
    broken = tmp_path / "kazakhstan-broken.html"
    broken.write_bytes(page("kazakhstan", 2023, drop_resilience))
    with Store.open(config.database) as store:
        ingest(
            config,
            store,
            [broken],
            url="https://ocindex.net/country/kazakhstan",
            kind_name="ocindex_page",
            captured_at="2023-11-01T00:00:00Z",
        )
        write_reports(store, tmp_path / "out", ["kazakhstan"])
    dom = LexborHTMLParser((tmp_path / "out/kazakhstan.html").read_text(encoding="utf-8"))
    problems = [p.text() for p in dom.css("p.capture .problem")]
    assert "incomplete: the current capture is incomplete" in problems
    scores = {tr.attributes["data-key"] for tr in dom.css("section#index-ocindex tbody tr")}
    assert "resilience" in scores
