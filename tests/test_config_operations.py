"""`[schedule]`, `[health]` and `[[watch]] schedule`: bad values name the key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli.main import cli

WATCH = '[[watch]]\ncountry = "kyrgyzstan"\n'


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[schedule]\ncheck = "every day"\n', "schedule.check"),
        ('[schedule]\ncheck = "every 0h"\n', "schedule.check"),
        ('[schedule]\ndigest = "61 8 * * *"\n', "schedule.digest"),
        ('[schedule]\ndigest = "0 8 * * 8"\n', "schedule.digest"),
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
    result = CliRunner().invoke(cli, ["--config", str(path), "sources", "--json"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("weekdays", "fires"),
    [
        ("1", ["Mon"]),
        ("1-5", ["Tue", "Wed", "Thu", "Fri", "Mon"]),  # from Monday noon: not Saturday
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("sat-sun", ["Sat", "Sun"]),
        ("*/2", ["Tue", "Thu", "Sat", "Sun"]),  # cron's 0,2,4,6
        ("mon,wed", ["Wed", "Mon"]),
    ],
)
def test_cron_weekdays_count_as_cron_does(weekdays: str, fires: list[str]):
    """Cron's 0 and 7 are Sunday; APScheduler 3 alone would read 1 as Tuesday."""
    from datetime import UTC, datetime, timedelta

    from monitor.config.schedule import trigger

    cron = trigger(f"0 8 * * {weekdays}", "UTC")
    moment = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday, after 08:00
    seen = []
    for _ in range(len(fires)):
        moment = cron.get_next_fire_time(None, moment)
        seen.append(f"{moment:%a}")
        moment += timedelta(minutes=1)
    assert seen == fires


def test_jitter_applies_to_cron_schedules_too():
    from monitor.config.schedule import trigger

    assert trigger("15 */6 * * *", "UTC", jitter=60).jitter == 60
    assert trigger("every 6h", "UTC", jitter=60).jitter == 60
