"""Channels hear what they follow: by default the watched countries, `countries = "all"`
widens, a list narrows; each channel sets its minimum severity and its indices."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from monitor import load_config
from monitor.errors import ConfigError
from monitor.ops.workbook_import import import_workbook
from monitor.store import Store
from monitor.store.outbox import owed

WORKBOOK = "data/global_oc_index_2021_2023.xlsx"
WATCHED = ["Kyrgyzstan", "Kazakhstan", "Tajikistan", "Uzbekistan", "Turkmenistan"]
CONFIG = """
[[watch]]
countries = {countries}
kinds = ["ocindex_page"]

[notify.channels.analysts]
kind = "email"
to = ["analyst@example.org"]

[notify.channels.desk]
kind = "email"
to = ["desk@example.org"]
countries = "all"

[notify.channels.urgent]
kind = "email"
to = ["urgent@example.org"]
countries = "all"
min_severity = "high"

[notify.channels.other_index]
kind = "email"
to = ["other@example.org"]
countries = ["Kyrgyzstan"]
indices = []
"""


def _config(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, data_dir=tmp_path / "data")


def test_a_channel_without_a_filter_hears_the_watched_countries_of_a_193_country_import(
    tmp_path, shared_dir
):
    config = _config(tmp_path, CONFIG.format(countries=WATCHED))
    # The 2021 edition first (a backfill, no news), then the workbook adding 2023: a new
    # edition for 193 countries at once.
    book = openpyxl.load_workbook(shared_dir / WORKBOOK)
    del book["2023_dataset"]
    book.save(tmp_path / "2021.xlsx")
    with Store.open(config.database) as store:
        import_workbook(store, tmp_path / "2021.xlsx", config=config)
        report = import_workbook(store, shared_dir / WORKBOOK, config=config)
        heard = {name: owed(store, name) for name in ("analysts", "desk", "urgent", "other_index")}
    everywhere = {f.country for f in heard["desk"]}
    assert len(everywhere) > 150 and len(heard["desk"]) == len(report.findings)
    watched = {"kyrgyzstan", "kazakhstan", "tajikistan", "uzbekistan", "turkmenistan"}
    assert {f.country for f in heard["analysts"]} == watched
    assert len(heard["analysts"]) == sum(1 for f in heard["desk"] if f.country in watched)
    assert heard["urgent"] and {f.finding.severity for f in heard["urgent"]} == {"high"}
    # Following no index: no score, rank or revision; what is about the country remains.
    assert {f.finding.kind for f in heard["other_index"]} <= {"methodology", "narrative"}


def test_a_channel_names_indices_it_can_follow(tmp_path):
    text = CONFIG.format(countries=WATCHED).replace("indices = []", 'indices = ["nope"]')
    with pytest.raises(ConfigError, match=r"notify\.channels\.other_index\.indices"):
        _config(tmp_path, text)
    with pytest.raises(ConfigError, match=r"notify\.channels\.desk\.countries"):
        _config(tmp_path, CONFIG.format(countries=WATCHED).replace('"all"', '"some"', 1))
