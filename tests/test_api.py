"""The public API: `monitor` re-exports what a script needs, loaded on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

import monitor
from tests.helpers.configs import site_config

PAGE = (Path(__file__).parent / "fixtures" / "ocindex-page-2023-cote-divoire.html").read_bytes()


def test_every_public_name_resolves_to_what_its_module_defines():
    for name in monitor.__all__:
        assert getattr(monitor, name) is not None, name
    assert set(monitor.__all__) == {"__version__", *monitor._EXPORTS}
    assert dir(monitor) == sorted(monitor.__all__)


def test_importing_monitor_loads_no_stage():
    """`monitor --version` and `import monitor` must not pay for httpx or SQLite."""
    code = "import sys, monitor; print(sorted(m for m in sys.modules if m.startswith('monitor')))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "['monitor', 'monitor.version']"


def test_a_script_watches_extracts_and_reviews_through_monitor_alone(
    tmp_path, httpserver: HTTPServer
):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/2023/country/cote_divoire").respond_with_data(
        PAGE, content_type="text/html; charset=utf-8"
    )
    config_file = site_config(
        tmp_path,
        httpserver.url_for("/"),
        ["cote_divoire"],
        editions=[2023],
        fetch={"respect_robots": True},
    )
    extraction = monitor.extract_capture(PAGE, url="https://ocindex.net/2023/country/cote_divoire")
    assert extraction.status.value == "complete"

    config = monitor.load_config(config_file)
    with monitor.Store.open(config.database) as store:
        report = monitor.run_cycle(config, store)
        (result,) = report.results
        assert result.snapshot_id is not None
        history = monitor.score_history(store, "cote_divoire")
    criminality = next(row for row in history.rows if row.key == "criminality")
    assert criminality.values == (extraction.profile.composites["criminality"].value,)
