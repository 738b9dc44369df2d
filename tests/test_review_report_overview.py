"""The report built from the publishers' own releases (the OC workbook 2021-2025 and the
CPI 2022 and 2023 CSVs): the overview's values equal the files read here independently,
the map and charts are there, and at 1000 and 400 px nothing is wider than the window
(Chromium lays the pages out; screenshots land in the test's tmp directory)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor.config.settings import Config, SourceSpec
from monitor.identity import lookup
from monitor.indices import shipped
from monitor.ops.workbook_import import import_workbook
from monitor.review.report import ReportOptions, write_reports
from monitor.review.shading import change_shade
from monitor.store import Store
from tests.helpers.browser import rendered_dom, screenshot
from tests.helpers.workbook import workbook_rows
from tests.test_indices_shipped import _cpi_file

WORKBOOK = "data/global_oc_index_2021_2025.xlsx"
OC_HEADLINES = ("criminality", "criminal_markets", "criminal_actors", "resilience")
WATCHED = "kyrgyzstan"

# Run in the page (a copy without the page's Content-Security-Policy, which forbids
# scripts): the viewport, the document's width, and every laid-out element whose box
# leaves the viewport, sent to the frame holding it (FRAME) for --dump-dom to return.
LAYOUT_PROBE = """<script>
const width = document.documentElement.clientWidth;
const outside = [];
for (const el of document.querySelectorAll("body *")) {
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) continue;  // not laid out (display: none)
  if (box.left < -0.5 || box.right > width + 0.5) {
    outside.push(`${el.tagName} ${el.getAttribute("class") || ""} ${box.left}-${box.right}`);
  }
}
parent.postMessage(JSON.stringify({
  viewport: window.innerWidth, width, scrollWidth: document.documentElement.scrollWidth,
  outside: outside.slice(0, 10), count: outside.length,
}), "*");
</script>"""
# Headless Chromium's window is at least 500 px wide: the page is laid out in a frame
# of the width under test, the window around it.
FRAME = """<!DOCTYPE html><html><body style="margin: 0">
<iframe src="{page}" style="width: {width}px; height: 1600px; border: 0"></iframe>
<pre id="layout-probe"></pre>
<script>
addEventListener("message", (e) => {{
  document.getElementById("layout-probe").textContent = e.data;
}});
</script></body></html>"""


@dataclass(frozen=True)
class Built:
    out: Path
    pages: list[Path]
    store_path: Path


@pytest.fixture(scope="module")
def built(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("report-real")
    watched = SourceSpec(
        f"ocindex_page:{WATCHED}:current",
        "ocindex_page",
        WATCHED,
        None,
        f"https://ocindex.net/country/{WATCHED}",
    )
    config = Config(None, folder / "data", sources=(watched,))
    cpi = shared_dir / "data/indices/cpi"
    with Store.open(config.database) as store:
        import_workbook(store, str(shared_dir / WORKBOOK), config=config)
        for name in ("CPI2022_GlobalResultsTrends.csv", "CPI2023_GlobalResultsTrends.csv"):
            import_workbook(store, str(cpi / name), config=config, kind_name="cpi")
        pages = write_reports(store, folder / "report", None, ReportOptions(config=config))
    return Built(folder / "report", pages, config.database)


def _oc_file(shared_dir: Path) -> dict[str, dict[int, dict[str, object]]]:
    """{country key: {edition: the workbook row}} for 2023 and 2025."""
    found: dict[str, dict[int, dict[str, object]]] = {}
    for edition in (2023, 2025):
        for name, row in workbook_rows(shared_dir / WORKBOOK, edition).items():
            identity = lookup(name)
            assert identity is not None, name
            found.setdefault(identity.key, {})[edition] = row
    return found


def _score(rows: dict[int, dict[str, object]], edition: int, key: str = "criminality") -> float:
    return round(float(str(rows[edition][key])), 2)


def _overview(built: Built) -> LexborHTMLParser:
    return LexborHTMLParser((built.out / "index.html").read_text(encoding="utf-8"))


def test_the_overview_holds_every_country_with_the_files_values(built: Built, shared_dir: Path):
    oc = _oc_file(shared_dir)
    cpi = _cpi_file(shared_dir / "data/indices/cpi/CPI2023_GlobalResultsTrends.csv", 2023)
    rows = _overview(built).css("table.overview tbody tr")
    countries = [r.attributes["data-country"] for r in rows]
    assert set(oc) <= set(countries) and len(countries) == len(set(countries))
    moves = []
    for row in rows:
        country = row.attributes["data-country"]
        cells = {
            (c.attributes["data-index"], c.attributes["data-key"]): c
            for c in row.css("td.headline")
        }
        if country in oc:
            for key in OC_HEADLINES:
                new, old = (_score(oc[country], e, key) for e in (2025, 2023))
                cell = cells["ocindex", key]
                assert cell.attributes["data-value"] == f"{new:.2f}", (country, key)
                change = cell.css_first("span.change").text()
                assert change.endswith(f"{round(new - old, 2) + 0.0:+.2f}".replace("+0.00", "0.00"))
                assert cell.css_first("svg.trend polyline") is not None  # three editions
            moves.append(round(abs(_score(oc[country], 2025) - _score(oc[country], 2023)), 2))
        cpi_cell = cells["cpi", "score"]
        if country in cpi:
            assert cpi_cell.attributes["data-value"] == str(cpi[country][0]), country
            assert cpi_cell.attributes["data-edition"] == "2023"
        else:  # not scored in 2023 (Brunei): an earlier edition's, saying which, or none
            assert int(cpi_cell.attributes.get("data-edition") or 0) < 2023, country
    # Biggest movers first: the criminality moves, largest first, as the files give them.
    assert moves == sorted(moves, reverse=True)
    watched = [r.attributes["data-country"] for r in rows if r.css_first("a.watched")]
    assert watched == [WATCHED]


def test_each_card_names_its_index(built: Built):
    # The audit: on a phone (cards) "Total score", "Total" and "Rank" said no index.
    html = _overview(built)
    headers = [th.text() for th in html.css("table.overview thead th")]
    names = [f"OC Index: {n}" for n in ("Criminality", "Criminal markets")]
    assert names[0] in headers and names[1] in headers and "CPI score" in headers
    assert headers[-1] == "OC Index: Criminality rank"
    row = html.css_first("table.overview tbody tr")
    labels = [td.attributes["data-label"] for td in row.css("td")[3:]]
    assert labels == headers[3:]


def test_the_map_colours_each_country_with_a_title(built: Built, shared_dir: Path):
    svg = _overview(built).css_first("svg#world-map")
    shapes = {s.attributes["data-iso3"]: s for s in svg.css(".country")}
    assert len(shapes) > 190
    kyrgyzstan = shapes["KGZ"]
    oc = _oc_file(shared_dir)["kyrgyzstan"]
    change = _score(oc, 2025) - _score(oc, 2023)
    assert kyrgyzstan.css_first("title").text() == (
        f"Kyrgyzstan: {_score(oc, 2025):.2f}, {change:+.2f} (better)"
    )
    # A move shows in colour, no data in grey; every shape names its country.
    assert kyrgyzstan.attributes["fill"].startswith("rgba(")
    assert shapes["GRL"].attributes["fill"] == "#e3e3e3"
    assert all(s.css_first("title").text() for s in shapes.values())
    assert "Natural Earth" in svg.parent.text()


def test_a_country_page_has_a_section_per_index(built: Built):
    page = LexborHTMLParser((built.out / "kyrgyzstan.html").read_text(encoding="utf-8"))
    sections = [s.attributes["data-index"] for s in page.css("section.index")]
    assert sections == ["ocindex", "cpi"]
    oc = page.css_first("section#index-ocindex")
    ranks = [li.text() for li in oc.css("ul.ranks li")]
    # 81st in 2023, 85th in 2025 (the workbook's ranking): further from the most criminal.
    assert (
        "Criminality, global: 85th of 193; 4 places further from 1st than in 2023 (81st), better"
        in ranks
    )
    assert any("ranking groups redefined" in li.text() for li in oc.css("ul.notes li"))
    links = {a.text(): a.attributes["href"] for a in oc.css("a.publisher")}
    assert links["Country page (2025)"] == "https://ocindex.net/2025/country/kyrgyzstan"
    assert links["PDF summary (2025)"].startswith("https://ocindex.net/assets/downloads/2025/")
    assert page.css_first("svg#chart-ocindex") and page.css_first("svg#chart-cpi")
    # Shaded by size: criminal actors moved -0.40, criminality -0.07.
    cells = {tr.attributes["data-key"]: tr.css_first("td.change") for tr in oc.css("tbody tr")}
    alpha = {
        k: float(re.findall(r"[\d.]+\)", cells[k].attributes["style"])[0][:-1])
        for k in ("criminality", "criminal_actors")
    }
    assert alpha["criminality"] < alpha["criminal_actors"] / 4


def test_a_small_move_is_a_faint_shade():
    faint, full = change_shade(-0.01, "improvement", 0.25), change_shade(1.0, "deterioration", 0.25)
    assert faint == "rgba(27,110,58,0.01)" and full == "rgba(180,35,24,0.55)"
    assert change_shade(0.0, "", 0.25) == "transparent"


def test_nothing_is_fetched_and_links_go_to_publishers(built: Built):
    publishers = {_site(d.home) for d in shipped().values()}
    publishers.add("https://ocindex.net")
    for page in built.pages:
        dom = LexborHTMLParser(page.read_text(encoding="utf-8"))
        assert not dom.css("script, img, link, iframe, object, embed"), page.name
        assert not [n for n in dom.css("[src]")], page.name
        for a in dom.css("[href]"):
            href = a.attributes["href"] or ""
            if re.match(r"(?i)https?:", href):
                assert _site(href) in publishers, href
                assert "publisher" in (a.attributes.get("class") or ""), href


def _site(url: str) -> str:
    return "{0.scheme}://{0.netloc}".format(urlsplit(url))


@pytest.mark.parametrize("page", ["index.html", "kyrgyzstan.html"])
@pytest.mark.parametrize("width", [1000, 400])
def test_chromium_lays_it_out_within_the_window(built: Built, page: str, width: int, tmp_path):
    html = (built.out / page).read_text(encoding="utf-8")
    csp = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')
    probed = tmp_path / page
    probed.write_text(csp.sub("", html).replace("</body>", LAYOUT_PROBE + "</body>"), "utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(page=page, width=width), "utf-8")
    window = f"{max(width, 500)},1600"
    dom = LexborHTMLParser(rendered_dom(frame, tmp_path / "chromium", size=window))
    layout = json.loads(dom.css_first("pre#layout-probe").text())
    assert layout["viewport"] == width
    assert layout["scrollWidth"] <= layout["width"], layout
    assert layout["count"] == 0, layout
    # The page itself, as shipped (scripts forbidden): what the checks are about is there.
    shown = LexborHTMLParser(rendered_dom(built.out / page, tmp_path / "chromium"))
    if page == "index.html":
        assert shown.css_first("table.overview tbody tr") and shown.css_first("svg#world-map")
    else:
        assert shown.css_first("svg#chart-ocindex circle.point")
    framed = tmp_path / "framed.html"  # the shipped page in the frame, for the screenshot
    framed.write_text(FRAME.format(page=(built.out / page).as_uri(), width=width), "utf-8")
    png = screenshot(framed, tmp_path / f"{page}-{width}.png", tmp_path / "chromium", size=window)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_a_capture_not_fetched_for_long_is_stale(built: Built, tmp_path: Path):
    # No watched source was fetched here (the figures are imported): a page source added
    # a month ago and never fetched since is stale on the country's page.
    copy = tmp_path / "monitor.db"
    shutil.copyfile(built.store_path, copy)  # the module's store stays as imported
    with Store.open(copy) as store, store.transaction():
        month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        store.db.execute(
            "INSERT INTO sources (key, kind, country_slug, edition, url, created_at,"
            " last_checked_at, last_outcome, last_error) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            [
                "ocindex_page:kyrgyzstan:current",
                "ocindex_page",
                "kyrgyzstan",
                "https://ocindex.net/country/kyrgyzstan",
                month_ago,
                month_ago,
                "failed",
                "connection refused",
            ],
        )
    with Store.open(copy) as store:
        write_reports(store, tmp_path, ["kyrgyzstan"])
    page = LexborHTMLParser((tmp_path / "kyrgyzstan.html").read_text(encoding="utf-8"))
    problems = [p.text() for p in page.css("p.capture .problem")]
    assert problems[0] == "failed: connection refused"
    assert problems[1].startswith("stale: not fetched since ")
