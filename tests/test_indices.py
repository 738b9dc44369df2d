"""Index definitions: the format, its checks (naming the key at fault), the shipped OC
Index definition against the published structure, and `monitor indices`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.indices import get, load_definition, registry, shipped
from monitor.ops.settings import load_config

# A small index of our own: a score hierarchy, a category and a membership.
TOY = """
id = "toy"
name = "Toy Freedom Index"
publisher = "Toy Foundation"
home = "https://toy.example"
attribution = "Toy Freedom Index, Toy Foundation"
editions = [2024, 2025]
cadence_months = 12

[[measures]]
key = "total"
name = "Total score"
kind = "score"
level = "composite"
direction = "higher_is_better"
arithmetic = "sum"
scale = { min = 0, max = 100 }
decimals = 0
tolerance = 0
significance = 5
headline = true

[[measures]]
key = "rights"
name = "Political rights"
kind = "score"
parent = "total"
direction = "higher_is_better"
scale = { min = 0, max = 40 }
decimals = 0

[[measures]]
key = "liberties"
name = "Civil liberties"
kind = "score"
parent = "total"
direction = "higher_is_better"
scale = { min = 0, max = 60 }
decimals = 0

[[measures]]
key = "status"
name = "Status"
kind = "category"
levels = ["Free", "Partly Free", "Not Free"]
direction = "higher_is_worse"
headline = true

[[measures]]
key = "watchlist"
name = "Watch list"
kind = "membership"
direction = "higher_is_worse"
"""


def write(tmp_path: Path, text: str, name: str = "toy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_oc_index_definition_holds_the_published_structure():
    oc = get("ocindex")
    assert oc.editions == (2021, 2023, 2025) and oc.cadence_months == 24

    def indicators(pillar: str, edition: int) -> int:
        return sum(m.in_edition(edition) for m in oc.children(pillar))

    assert [indicators("criminal_markets", e) for e in (2021, 2023)] == [10, 15]
    assert [indicators("criminal_actors", e) for e in (2021, 2023)] == [4, 5]
    assert indicators("resilience", 2025) == 12
    assert [m.key for m in oc.children("criminality")] == ["criminal_markets", "criminal_actors"]
    assert {m.arithmetic for m in oc.measures if m.level in ("composite", "pillar")} == {"mean"}
    assert oc.measure("resilience").higher_is_worse is False
    assert oc.measure("heroin_trade").higher_is_worse is True
    assert oc.measure("heroin_trade").step == 0.5
    assert [m.key for m in oc.added_in(2023)] == [
        "extortion_and_protection_racketeering",
        "trade_in_counterfeit_goods",
        "illicit_trade_in_excisable_goods",
        "cyber_dependent_crimes",
        "financial_crimes",
        "private_sector_actors",
    ]
    assert oc.by_spelling("Cybercrime").key == "cyber_dependent_crimes"
    # The digest's headline: the composite and its three pillars.
    assert [m.key for m in oc.headline()] == [
        "criminality",
        "criminal_markets",
        "criminal_actors",
        "resilience",
    ]
    assert "Caribbean" in oc.change(2025).groups_redefined
    assert (oc.measure("criminality").significance, oc.measure("fauna_crimes").significance) == (
        0.25,
        1.0,
    )


def test_a_definition_with_every_kind_of_measure_loads(tmp_path):
    toy = load_definition(write(tmp_path, TOY))
    assert [m.kind for m in toy.measures] == ["score", "score", "score", "category", "membership"]
    assert toy.measure("status").levels == ("Free", "Partly Free", "Not Free")
    assert [m.key for m in toy.children("total")] == ["rights", "liberties"]
    assert toy.measure("total").significance == 5 and toy.measure("rights").significance == 1.0


def test_a_categorys_levels_are_named_as_its_definition_says(tmp_path):
    named = TOY.replace(
        'levels = ["Free", "Partly Free", "Not Free"]',
        'levels = ["F", "PF", "NF"]\nlevel_names = { F = "Free", NF = "Not Free" }',
    )
    status = load_definition(write(tmp_path, named)).measure("status")
    assert status.levels == ("F", "PF", "NF")  # the order and the stored values: as published
    assert [status.level_name(v) for v in status.levels] == ["Free", "PF", "Not Free"]
    fiw = shipped()["fiw"].measure("status")
    assert [fiw.level_name(v) for v in fiw.levels] == ["Free", "Partly Free", "Not Free"]


def test_the_oc_index_says_criminality_and_resilience_are_its_composites():
    oc = shipped()["ocindex"]
    assert [m.key for m in oc.measures if m.level == "composite"] == ["criminality", "resilience"]
    assert [m.key for m in oc.measures if m.level == "pillar"] == [
        "criminal_markets",
        "criminal_actors",
    ]
    # Resilience still groups its 12 indicators: stored rows keep their pillar.
    assert oc.pillars() == {"criminal_markets", "criminal_actors", "resilience"}
    indicators = oc.children("resilience")
    assert len(indicators) == 12 and {oc.pillar_of(m.key) for m in indicators} == {"resilience"}
    assert oc.pillar_of("resilience") == "resilience" and oc.pillar_of("criminality") is None
    # An index without pillars has none by that rule (FSI: indicators under its total).
    assert shipped()["fsi"].pillars() == frozenset() and shipped()["fsi"].pillar_of("c1") is None


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            "scale = { min = 0, max = 40 }",
            "scale = { min = 40, max = 0 }",
            "measures[2].scale.max",
            "must be greater than scale.min",
        ),
        ('kind = "category"', 'kind = "grade"', "measures[4].kind", "must be one of"),
        (
            'parent = "total"\ndirection',
            'parent = "totl"\ndirection',
            "measures[2].parent",
            "'totl' is no score measure",
        ),
        (
            'levels = ["Free", "Partly Free", "Not Free"]',
            'levels = ["Free"]',
            "measures[4].levels",
            "at least two",
        ),
        (
            'levels = ["Free", "Partly Free", "Not Free"]',
            'levels = ["F", "PF", "NF"]\nlevel_names = { F = "Free", N = "Not Free" }',
            "measures[4].level_names.N",
            "'N' is none of the levels (F, PF, NF)",
        ),
        (
            'levels = ["Free", "Partly Free", "Not Free"]',
            'levels = ["F", "NF"]\nlevel_names = { F = "Free", NF = "Free" }',
            "measures[4].level_names",
            "two levels one name",
        ),
        (
            'levels = ["Free", "Partly Free", "Not Free"]',
            'levels = ["F", "NF"]\nlevel_names = { F = 1 }',
            "measures[4].level_names.F",
            "non-empty string",
        ),
        ("editions = [2024, 2025]", "editions = [2025, 2024]", "editions", "increasing"),
        ('key = "liberties"', 'key = "rights"', "measures[3].key", "also measures[2]"),
        ('home = "https://toy.example"', 'home = "toy.example"', "home", "http"),
        (
            "decimals = 0\ntolerance",
            "decimals = 0\ncolour = 1\ntolerance",
            "measures[1].colour",
            "unknown key",
        ),
    ],
)
def test_a_bad_definition_names_the_key_at_fault(tmp_path, old, new, key, problem):
    assert old in TOY
    path = write(tmp_path, TOY.replace(old, new, 1))
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    assert raised.value.key == key and problem in raised.value.problem
    assert str(path) in str(raised.value)


def monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_indices_check_exits_2_naming_the_key(tmp_path):
    bad = write(tmp_path, TOY.replace("max = 40", "max = -1"))
    done = monitor("indices", "check", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert f"{bad}: measures[2].scale.max: must be greater than scale.min" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    good = monitor("indices", "check", str(write(tmp_path, TOY, "good.toml")), cwd=tmp_path)
    assert good.returncode == 0 and "toy (Toy Freedom Index) is a valid definition" in good.stdout


def test_indices_lists_the_shipped_and_the_configs_own(tmp_path):
    own = tmp_path / "indices"
    own.mkdir()
    write(own, TOY)
    config = write(tmp_path, 'indices_dir = "indices"\n', "config.toml")
    done = monitor("--config", str(config), "indices", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = {d["id"]: [m["key"] for m in d["measures"]] for d in json.loads(done.stdout)}
    assert listed["toy"] == ["total", "rights", "liberties", "status", "watchlist"]
    assert "heroin_trade" in listed["ocindex"]
    assert load_config(config).indices_dir == own.resolve()
    assert set(registry(own)) == {*shipped(), "toy"}
    assert {"ocindex", "cpi", "fiw", "fsi", "wgi", "fatf", "eu_high_risk"} <= set(shipped())


def test_a_bad_definition_in_indices_dir_fails_the_config_naming_its_file(tmp_path):
    own = tmp_path / "indices"
    own.mkdir()
    bad = write(own, TOY.replace('kind = "membership"', 'kind = "list"'))
    config = write(tmp_path, 'indices_dir = "indices"\n', "config.toml")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert raised.value.path == str(bad) and raised.value.key == "measures[5].kind"


def test_a_user_definition_may_not_take_a_shipped_id(tmp_path):
    own = tmp_path / "indices"
    own.mkdir()
    path = write(own, TOY.replace('id = "toy"', 'id = "ocindex"'))
    with pytest.raises(ConfigError) as raised:
        registry(own)
    assert raised.value.path == str(path) and raised.value.key == "id"
