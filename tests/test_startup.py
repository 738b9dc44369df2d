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
    "rich",  # printed to a pipe with no finding to word, the run's lines are plain text
    "rich.progress",  # the progress bar, only when a terminal shows it
    "pygments",  # httpx's own command line imports it (and rich.progress): refused
    "apscheduler",  # the daemon's triggers; reading a config checks plain cron fields itself
    "sqlite_utils",  # the store runs on sqlite3; migrations and review build a Database
    "platformdirs",  # the user config directory, looked in only without --config
    # Kinds the config does not read (only ocindex_page's module is imported), and their
    # extractors: a kind is imported when a source of it is looked up.
    "monitor.sources.article",
    "monitor.sources.country_list",
    "monitor.sources.dataset",
    "monitor.sources.ocindex_pdf",
    "monitor.sources.ocindex_workbook",
    "monitor.extract.article",
    "monitor.extract.country_list",
    "monitor.extract.ocindex_pdf",
    "monitor.extract.workbook",
)
# `monitor ARGS...`, saying at exit whether the shipped index definitions were read.
DEFINITIONS_READ = """
import atexit, sys
from monitor import indices
atexit.register(lambda: print("definitions read:", indices.shipped.cache_info().currsize,
                              file=sys.stderr))
sys.argv[0] = "monitor"
from monitor.cli.main import main
main()
"""
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
        again = subprocess.run(
            [sys.executable, "-c", DEFINITIONS_READ, "--config", str(config), "run"],
            capture_output=True,
            text=True,
            env=env,
        )
    assert cold.returncode == 0, cold.stderr[-2000:]
    assert unchanged.returncode == 0, unchanged.stderr[-2000:]
    assert unchanged.stdout.count("not modified") == len(countries)
    # The first run creates the database and stores new snapshots: it does load
    # assessment, but not DeepDiff (a first capture has nothing to compare with: ~60 ms
    # of a cold cycle) nor sqlite-utils (the database is made from schema.sql, not by
    # the migrations, and the captures are written on sqlite3: ~40 ms).
    first = set(IMPORTED.findall(cold.stderr))
    assert "monitor.assess.findings" in first
    assert not {"deepdiff", "sqlite_utils"} & first
    assert sorted(set(IMPORTED.findall(unchanged.stderr)) & set(HEAVY)) == []
    # Nor does it read the index definitions (the OC Index catalogue is built on first use).
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stderr.splitlines()[-1] == "definitions read: 0"


def test_a_kind_looked_up_by_name_imports_its_module_only_and_listing_finds_them_all():
    probe = (
        "import sys\n"
        "from monitor.sources import KINDS, kind_class\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith('monitor.sources.'))\n"
        "print(kind_class('ocindex_page').__name__, loaded())\n"
        "print('nothing' in KINDS, 'dataset_table' in KINDS, loaded())\n"
        "print(sorted(KINDS), sorted({k.__module__ for k in KINDS.values()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "OcindexPage ['monitor.sources.ocindex_page']"
    # A name no module bears imports nothing; a helper module is no kind.
    assert out[1] == "False False ['monitor.sources.dataset_table', 'monitor.sources.ocindex_page']"
    kinds = [
        "article",
        "country_list",
        "dataset",
        "ocindex_page",
        "ocindex_pdf",
        "ocindex_workbook",
    ]
    assert out[2] == f"{kinds} {[f'monitor.sources.{k}' for k in kinds]}"


def test_a_kind_of_the_package_must_live_in_the_module_named_after_it():
    from monitor.sources import SourceKind, register

    misplaced = type("Misplaced", (SourceKind,), {"name": "misplaced"})
    misplaced.__module__ = "monitor.sources.dataset_table"
    with pytest.raises(ValueError, match=r"must be defined in monitor\.sources\.misplaced"):
        register(misplaced)
