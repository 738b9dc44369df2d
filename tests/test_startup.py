"""Start-up of `monitor run` (issue 19): a cycle in which every source answers 304
loads none of the heavy modules only a changed page, a digest or another command needs."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from monitor.cli.walkthrough import editions_as_pages
from monitor.demo.server import PageSite, serve
from tests.helpers.configs import site_config

# Each is tens of milliseconds to import.
HEAVY = (
    "pycountry",  # identity reads its shipped ISO table
    "rapidfuzz",  # suggestions for a name that matches nothing
    "deepdiff",  # comparing a new snapshot with the previous one
    "monitor.assess.findings",
    "jinja2",  # rendering a digest
    "monitor.notify.digest",
    "monitor.notify.render",
    "trafilatura",  # article kinds
    "pypdf",  # PDF kinds
    "openpyxl",  # workbooks
    "rich.progress",  # the progress bar, only when a terminal shows it
    "pygments",  # httpx's own command line imports it (and rich.progress): refused
    "apscheduler",  # the daemon's triggers; reading a config checks plain cron fields itself
)
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.M)


@pytest.mark.slow
def test_an_unchanged_run_imports_none_of_the_heavy_modules(tmp_path):
    pages = editions_as_pages()
    live = pages[min(pages)]
    site = PageSite()
    site.publish(live)
    countries = sorted(path.rsplit("/", 1)[1] for path in live)
    channel = '[notify.channels.desk]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
    channel += 'secret_env = "STARTUP_TEST_SECRET"\n'
    env = {**os.environ, "STARTUP_TEST_SECRET": "s3cret"}
    with serve(site):
        config = site_config(tmp_path, site.base_url, countries, extra=channel)
        run = [sys.executable, "-X", "importtime", "-m", "monitor", "--config", str(config), "run"]
        cold = subprocess.run(run, capture_output=True, text=True, env=env)
        unchanged = subprocess.run(run, capture_output=True, text=True, env=env)
    assert cold.returncode == 0, cold.stderr[-2000:]
    assert unchanged.returncode == 0, unchanged.stderr[-2000:]
    assert unchanged.stdout.count("not modified") == len(countries)
    # The first run stores new snapshots and compares them: it does load comparing.
    assert {"deepdiff", "monitor.assess.findings"} <= set(IMPORTED.findall(cold.stderr))
    assert sorted(set(IMPORTED.findall(unchanged.stderr)) & set(HEAVY)) == []
