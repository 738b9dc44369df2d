"""Config mistakes an unattended monitor must refuse at load: exit 2, the dotted key,
one line, no traceback; never a setting that later hangs or silently hears nothing."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.assess.health import HealthSettings
from monitor.cli.main import cli
from monitor.config.numbers import NUMBERS
from monitor.config.reader import Thresholds
from monitor.fetch.client import FetchPolicy
from monitor.notify.settings import DeliveryPolicy, SmtpSettings
from monitor.ops.schedule import ScheduleSettings

DOCS = Path(__file__).parents[2] / "docs" / "config-safety.md"
# What the placeholders of NUMBERS stand for in the test configs, and what else the
# table needs to be valid.
PLACES = {
    "<pillar>": "resilience",
    "<key>": "criminality",
    "<name>": "hook",
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


BAD_NUMBERS = [
    pytest.param(template, value, id=f"{template}={value}")
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


def test_the_docs_table_is_the_ranges_table():
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([^|]+?) \|$", DOCS.read_text(), re.M))
    assert rows == {key: limit.describe() for key, limit in NUMBERS.items()}
