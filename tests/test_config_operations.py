"""`[schedule]`, `[health]` and `[[watch]] schedule`: bad values name the key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli

WATCH = '[[watch]]\ncountry = "kyrgyzstan"\n'


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[schedule]\ncheck = "every day"\n', "schedule.check"),
        ('[schedule]\ncheck = "every 0h"\n', "schedule.check"),
        ('[schedule]\ndigest = "61 8 * * *"\n', "schedule.digest"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone"),
        ("[schedule]\njitter = -1\n", "schedule.jitter"),
        ('[[watch]]\ncountry = "kyrgyzstan"\nschedule = "sometimes"\n', "watch[1].schedule"),
        ("[health]\nfailures = 0\n", "health.failures"),
        ("[health]\nexpect_edition = 2027\n", "health"),
        ('[health]\nexpect_edition = 2027\nexpect_by = "soon"\n', "health.expect_by"),
        ("[health]\nstale = 3\n", "health.stale"),
    ],
)
def test_bad_operations_config_names_the_key(tmp_path: Path, toml: str, key: str):
    path = tmp_path / "config.toml"
    path.write_text(toml if "[[watch]]" in toml else toml + WATCH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "status"])
    assert result.exit_code == 2, result.output
    assert f"{path}: {key}:" in result.output and "Traceback" not in result.output


def test_schedules_of_both_forms_are_accepted(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[schedule]\ncheck = "15 6 * * 1-5"\ntimezone = "Europe/Vienna"\n'
        '[[watch]]\ncountry = "kyrgyzstan"\nschedule = "every 30m"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(path), "status", "--json"])
    assert result.exit_code == 0, result.output
