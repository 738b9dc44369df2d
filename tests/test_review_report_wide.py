"""The overview of a database holding many indices (the audit's: OC Index, CPI, Freedom
in the World, FSI and WGI, thirteen headline columns) is laid out within the window at
1000 px: with more headline columns than fit, every country is a card, as on a phone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor.ops.settings import load_config
from monitor.ops.workbook_import import import_workbook
from monitor.review.report import ReportOptions, write_reports
from monitor.store import Store
from tests.helpers.browser import rendered_dom
from tests.test_review_report_overview import FRAME, LAYOUT_PROBE

MEASURES = [f"dimension_{n}" for n in range(1, 14)]  # thirteen headlines, like the audit's
COUNTRIES = ("Kyrgyzstan", "Kazakhstan", "Central African Republic")


def _definition() -> str:
    head = """\
id = "wideidx"
name = "Wide Governance Measures"
publisher = "Test"
home = "https://wide.example"
attribution = "Wide Governance Measures, Test"
editions = [2024, 2025]
cadence_months = 12

[source]
kind = "dataset"
format = "csv"

[mapping]
country = "Country"
edition = "Year"

[mapping.columns]
"""
    columns = "".join(f'{m} = "{m.replace("_", " ").title()}"\n' for m in MEASURES)
    measures = "".join(
        f"""
[[measures]]
key = "{m}"
name = "{m.replace("_", " ").title()} estimate"
kind = "score"
level = "composite"
direction = "higher_is_better"
scale = {{ min = 0, max = 100 }}
decimals = 1
significance = 5
headline = true
"""
        for m in MEASURES
    )
    return head + columns + measures


def _release() -> str:
    header = ",".join(["Country", "Year", *(m.replace("_", " ").title() for m in MEASURES)])
    lines = [header]
    for edition in (2024, 2025):
        for n, country in enumerate(COUNTRIES):
            values = [f"{40 + n * 7 + k + (edition - 2024) * (k % 3):.1f}" for k in range(13)]
            lines.append(",".join([f'"{country}"', str(edition), *values]))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("width", [1000, 400])
def test_many_headline_columns_stay_within_the_window(tmp_path: Path, width: int):
    (tmp_path / "indices").mkdir()
    (tmp_path / "indices" / "wideidx.toml").write_text(_definition(), encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        'data_dir = "data"\nindices_dir = "indices"\n', encoding="utf-8"
    )
    config = load_config(tmp_path / "config.toml")
    (tmp_path / "release.csv").write_text(_release(), encoding="utf-8")
    with Store.open(config.database) as store:
        import_workbook(store, str(tmp_path / "release.csv"), config=config, kind_name="wideidx")
        write_reports(store, tmp_path / "report", None, ReportOptions(config=config))
    html = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert html.count('data-index="wideidx"') == 13 * len(COUNTRIES)
    csp = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')
    probed = tmp_path / "index.html"
    probed.write_text(csp.sub("", html).replace("</body>", LAYOUT_PROBE + "</body>"), "utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(page="index.html", width=width), "utf-8")
    window = f"{max(width, 500)},1600"
    dom = LexborHTMLParser(rendered_dom(frame, tmp_path / "chromium", size=window))
    layout = json.loads(dom.css_first("pre#layout-probe").text())
    assert layout["viewport"] == width
    assert layout["scrollWidth"] <= layout["width"], layout
    assert layout["count"] == 0, layout
