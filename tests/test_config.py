"""config.toml: the shipped example loads; every bad value names its key; exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.ops.settings import load_config

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_config_watches_central_asia():
    config = load_config(ROOT / "config.toml")
    assert {s.country for s in config.sources} == {
        "kyrgyzstan",
        "kazakhstan",
        "tajikistan",
        "uzbekistan",
        "turkmenistan",
    }
    assert all(s.url == f"https://ocindex.net/country/{s.country}" for s in config.sources)
    assert config.data_dir == ROOT / "snapshots"
    assert config.database.name == "monitor.db"


def test_data_dir_option_overrides_and_groups_expand(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        """
        data_dir = "data"
        [fetch]
        read_timeout = 5
        concurrency = 2
        [kinds.ocindex_page]
        base_url = "http://127.0.0.1:9"
        [[watch]]
        countries = ["cabo-verde", "nauru"]
        editions = ["current", 2021]
        """
    )
    config = load_config(path)
    assert config.data_dir == tmp_path / "data"
    assert load_config(path, data_dir=tmp_path / "x").data_dir == tmp_path / "x"
    assert config.fetch.read_timeout == 5.0 and config.concurrency == 2
    urls = {s.key: s.url for s in config.sources}
    assert urls["ocindex_page:cabo_verde:2021"] == "http://127.0.0.1:9/2021/country/cabo_verde"
    assert urls["ocindex_page:nauru:current"] == "http://127.0.0.1:9/country/nauru"
    assert len(urls) == 4


def test_countries_by_any_name_resolve_to_their_slug(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        """
        [thresholds.countries.cabo-verde]
        composite = 0.1
        [thresholds.countries.KGZ]
        indicator = 0.5
        [thresholds.countries.utopia]  # not in the index, but watched
        rank = 3
        [[watch]]
        countries = ["Kyrgyz Republic", "cabo_verde"]
        [[watch]]
        country = "utopia"
        kinds = ["article"]
        url = "https://example.org/utopia"
        """
    )
    config = load_config(path)
    assert {s.country for s in config.sources} == {"kyrgyzstan", "cabo_verde", "utopia"}
    assert config.thresholds.for_country("cabo_verde").composite == 0.1
    assert config.thresholds.for_country("kyrgyzstan").indicator == 0.5
    assert config.thresholds.for_country("utopia").rank == 3
    assert config.thresholds.for_country("nauru") == config.thresholds  # no override


BAD = {
    "data_dir = 3": "data_dir",
    "colour = 'blue'": "colour",
    "[fetch]\nread_timeout = 'soon'": "fetch.read_timeout",
    "[fetch]\nconcurrency = 0": "fetch.concurrency",
    "[fetch]\nmax_retries = -1": "fetch.max_retries",
    "[thresholds]\nindicator = true": "thresholds.indicator",
    "[kinds.rss]": "kinds.rss",
    "[kinds.ocindex_page]\nbase_url = 'file:///etc'": "kinds.ocindex_page.base_url",
    "[[watch]]\ncountries = []": "watch[1].countries",
    "[[watch]]\ncountry = 'Republic of Atlantis'": "watch[1].country",
    "[thresholds.countries.kyrgyzstn]\ncomposite = 0.1": "thresholds.countries.kyrgyzstn",
    "[[watch]]\ncountry = 'nauru'\neditions = [2019]": "watch[1].editions",
    "[[watch]]\ncountry = 'nauru'\nkinds = ['tweets']": "watch[1].kinds",
    "[[watch]]\ncountry = 'a'\ncountries = ['b']": "watch[1]",
    "[[watch]]\ncountry = 'nauru'\ntoken = 'abc'": "watch[1].token",
    "[thresholds.indices.nope]\ncriminality = 1": "thresholds.indices.nope",
    "[thresholds.indices.ocindex]\nheroin = 1": "thresholds.indices.ocindex.heroin",
    "[thresholds.indices.ocindex]\nheroin_trade = nan": "thresholds.indices.ocindex.heroin_trade",
    "[thresholds.indices.ocindex]\nheroin_trade = 12": "thresholds.indices.ocindex.heroin_trade",
    "[thresholds.indices]\nocindex = 1": "thresholds.indices.ocindex",
    "x = [": None,  # not TOML at all
}


@pytest.mark.parametrize("text", BAD)
def test_a_bad_config_names_the_key(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == BAD[text]
    assert str(path) in str(caught.value)


def test_a_secret_in_the_file_is_refused_with_advice(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[[watch]]\ncountry = 'nauru'\napi_key = 'abc'\n")
    with pytest.raises(ConfigError, match="environment variable"):
        load_config(path)


def test_the_cli_prints_the_problem_and_exits_2_without_traceback(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[fetch]\nread_timeout = 'soon'\n")
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(path), "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "fetch.read_timeout" in done.stderr and str(path) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_missing_config_file_exits_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(tmp_path / "nope.toml"), "sources"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "file not found" in done.stderr


def test_thresholds_per_index_and_measure_override_the_definition(tmp_path):
    from monitor.assess.rules import rank_limit, score_limit

    path = tmp_path / "config.toml"
    path.write_text(
        "[thresholds.indices.ocindex]\nheroin_trade = 2.5\ncriminality_rank = 3\n"
        "[thresholds.countries.nauru.indices.ocindex]\nresilience = 0.5\n"
    )
    rules = load_config(path).thresholds
    assert score_limit(rules, "heroin_trade") == 2.5
    assert score_limit(rules, "arms_trafficking") == 1.0  # the definition's significance
    assert score_limit(rules, "resilience") == 0.25
    assert rank_limit(rules, "criminality") == 3 and rank_limit(rules, "resilience") == 10
    nauru = rules.for_country("nauru")
    assert score_limit(nauru, "resilience") == 0.5 and score_limit(nauru, "heroin_trade") == 2.5
