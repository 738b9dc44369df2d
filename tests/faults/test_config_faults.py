"""Config mistakes an unattended monitor must refuse at load: exit 2, the dotted key,
one line, no traceback; never a setting that later hangs or silently hears nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from monitor.cli.main import cli
from monitor.config.notify import DeliveryPolicy, SmtpSettings
from monitor.config.numbers import NUMBERS
from monitor.config.schedule import ScheduleSettings
from monitor.config.settings import FetchPolicy, HealthSettings, Thresholds
from monitor.ops.cycle import run_cycle
from monitor.ops.settings import load_config
from monitor.store import Store

DOCS = Path(__file__).parents[2] / "docs" / "config-safety.md"
# What the placeholders of NUMBERS stand for in the test configs, and what else the
# table needs to be valid.
PLACES = {
    "<pillar>": "resilience",
    "<key>": "criminality",
    "<name>": "hook",
    "<index>": "ocindex",
    "<measure>": "criminality_rank",  # a rank: its bound is the table's
}
NEEDS = {
    "notify.channels.hook": 'kind = "webhook"\nurl = "http://127.0.0.1:9/"\nsecret_env = "S"\n',
    "notify.smtp": 'host = "127.0.0.1"\n',
}


def refused(text: str, tmp_path: Path) -> tuple[int, str]:
    """The exit code and the whole output of `monitor run` with `text` as its config."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "run"])
    return result.exit_code, result.output


def assert_refused(text: str, key: str, tmp_path: Path, *also: str) -> str:
    code, output = refused(text, tmp_path)
    assert code == 2, output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert f"config.toml: {key}: " in lines[0], output
    for words in also:
        assert words in lines[0], output
    return lines[0]


def number_config(template: str, value: str) -> tuple[str, str]:
    """The config setting the NUMBERS key `template` to `value`, and its dotted key."""
    key = template
    for placeholder, name in PLACES.items():
        key = key.replace(placeholder, name)
    table, field = key.rsplit(".", 1)
    if table == "fetch" and field == "concurrency":
        return f"[fetch]\nconcurrency = {value}\n", key
    return f"[{table}]\n{NEEDS.get(table, '')}{field} = {value}\n", key


def too_large(template: str) -> str:
    limit = NUMBERS[template]
    return str(int(limit.high) + 1) if limit.whole else repr(limit.high * 2 + 1)


NUMBER_FAULTS = {"nan": "nan in the config", "inf": "inf in the config"}
OUT_OF_RANGE = "a number in the config out of its range"
BAD_NUMBERS = [
    pytest.param(
        template,
        value,
        id=f"{template}={value}",
        marks=pytest.mark.fault(NUMBER_FAULTS.get(value, OUT_OF_RANGE)),
    )
    for template in NUMBERS
    for value in ("nan", "inf", "-1", too_large(template))
]


@pytest.mark.parametrize(("template", "value"), BAD_NUMBERS)
def test_every_number_is_finite_and_in_range(template, value, tmp_path):
    text, key = number_config(template, value)
    line = assert_refused(text, key, tmp_path, NUMBERS[template].describe())
    assert value in line  # what was given, so the reader finds it


@pytest.mark.parametrize("template", NUMBERS)
def test_every_number_accepts_its_bounds(template, tmp_path):
    limit = NUMBERS[template]
    for bound in (limit.low + (1 if limit.above_low else 0), limit.high):
        if template == "health.expect_edition" and bound:
            continue  # an edition needs expect_by too: tested with the health settings
        value = str(int(bound)) if limit.whole else repr(float(bound))
        text, key = number_config(template, value)
        _, output = refused(text, tmp_path)
        assert f"{key}:" not in output


def test_every_numeric_setting_has_a_documented_range():
    """A number added to a settings class without a range here would escape the check."""
    sections = {
        "fetch": FetchPolicy,
        "notify.smtp": SmtpSettings,
        "notify.delivery": DeliveryPolicy,
        "schedule": ScheduleSettings,
        "health": HealthSettings,
        "thresholds": Thresholds,
    }
    for section, cls in sections.items():
        for field in dataclasses.fields(cls):
            value = getattr(cls(), field.name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                limit = NUMBERS[f"{section}.{field.name}"]
                assert limit.whole == isinstance(value, int), field.name
                assert limit.problem(value) is None, f"{section}.{field.name} default"


# Countries: every country of a country-keyed kind is one of the index's, and a name
# resolves to the same key for the source, its snapshots, its findings and the filters.

ARTICLE = '[[watch]]\ncountry = "utopia"\nkinds = ["article"]\nurl = "https://example.org/u"\n'
CHANNEL = '[notify.channels.x]\nkind = "email"\nto = ["a@b.c"]\n'


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[[watch]]\ncountries = ["france", "spian"]\n', "watch[1].countries[2]", "'spain'"),
        ('[[watch]]\ncountry = "kyrgyzstn"\n', "watch[1].country", "'kyrgyzstan'"),
        (
            '[[watch]]\ncountry = "utopia"\nkinds = ["ocindex_pdf"]\neditions = [2025]\n',
            "watch[1].country",
            "unknown country 'utopia': not one of the index's 193 countries",
        ),
        (
            f'{CHANNEL}countries = ["France", "Frnace"]\n',
            "notify.channels.x.countries[2]",
            "'france'",
        ),
        (
            f"{ARTICLE}{CHANNEL}countries = ['utopa']\n",
            "notify.channels.x.countries[1]",
            "'utopia'",
        ),
        ("[thresholds.countries.spian]\nrank = 3\n", "thresholds.countries.spian", "'spain'"),
    ],
)
@pytest.mark.fault("a misspelt country in the config")
def test_an_unknown_country_is_refused_with_a_suggestion(text, key, words, tmp_path):
    line = assert_refused(text, key, tmp_path, words)
    assert "did you mean" in line or "not one of" in line


def test_a_country_outside_the_index_is_known_by_the_article_watching_it(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f"{ARTICLE}{CHANNEL}countries = ['Utopia']\n[thresholds.countries.utopia]\n")
    config = load_config(path)
    assert [s.country for s in config.sources] == ["utopia"]
    assert config.notify.channel("x").countries == ("utopia",)


FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGE = "/2023/country/cote_divoire"


def one_key_config(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'data_dir = "data"\n'
        "[fetch]\nmax_retries = 0\nrespect_robots = false\nper_host_interval = 0\n"
        "[health]\nfailures = 1\n"
        f'[kinds.ocindex_page]\nbase_url = "{base}"\n'
        '[[watch]]\ncountry = "cote-d-ivoire"\neditions = [2023]\n'
        '[notify.channels.abidjan]\nkind = "email"\nto = ["desk@example.org"]\n'
        'countries = ["Ivory Coast"]\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.fault("one country under two spellings")
def test_one_key_for_source_snapshot_finding_and_channel(httpserver: HTTPServer, tmp_path):
    """`cote-d-ivoire` once keyed its source cote_d_ivoire while its profile said
    cote_divoire, so a channel filtering on either heard nothing about the other."""
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes()
    httpserver.expect_ordered_request(PAGE).respond_with_data(page, content_type="text/html")
    httpserver.expect_ordered_request(PAGE).respond_with_data("gone", status=404)
    config = load_config(one_key_config(tmp_path, httpserver.url_for("").rstrip("/")))
    [spec] = config.sources
    assert (spec.key, spec.country) == ("ocindex_page:cote_divoire:2023", "cote_divoire")
    assert spec.url.endswith(PAGE)
    assert config.notify.channel("abidjan").countries == ("cote_divoire",)
    with Store.open(config.database) as store:
        run_cycle(config, store)
        run_cycle(config, store)  # the 404: a broken-source finding, routed by country
        snapshots = {r["country_slug"] for r in store.db.query("SELECT * FROM snapshots")}
        found = list(store.db.query("SELECT id, country_slug FROM findings"))
        owed = {r["finding_id"] for r in store.db.query("SELECT * FROM outbox")}
        integrity = store.db.execute("PRAGMA integrity_check").fetchall()
    assert snapshots == {"cote_divoire"}
    assert found and {f["country_slug"] for f in found} == {"cote_divoire"}
    assert owed == {f["id"] for f in found}  # the channel filtering on the country hears it
    assert integrity == [("ok",)]


@pytest.mark.fault("one country under two spellings")
def test_history_under_an_old_source_key_is_found_under_the_one_key(tmp_path):
    """A database written when `cote-d-ivoire` keyed `cote_d_ivoire`: the migration
    renames the source, so its snapshots carry on under the key the config now uses."""
    database = tmp_path / "monitor.db"
    with Store.open(database) as store:
        old = store.ensure_source(
            key="ocindex_page:cote_d_ivoire:2023",
            kind="ocindex_page",
            country_slug="cote_d_ivoire",
            edition=2023,
            url="http://127.0.0.1:9/2023/country/cote_d_ivoire",
        )
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_one_country_key'")
        store.db.conn.commit()
    with Store.open(database) as store:
        renamed = store.source("ocindex_page:cote_divoire:2023")
        assert renamed is not None and renamed.id == old.id
        assert renamed.country_slug == "cote_divoire"
        assert store.source("ocindex_page:cote_d_ivoire:2023") is None
