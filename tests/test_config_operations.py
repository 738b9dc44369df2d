"""`[schedule]`, `[health]` and `[[watch]] schedule`: bad values name the key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Numbers near the fields' bounds (0-59, 0-23, 1-31, 1-12, weekdays 0-7) more often.
_NUM = st.one_of(
    st.sampled_from([0, 1, 6, 7, 8, 11, 12, 13, 23, 24, 30, 31, 32, 59, 60]), st.integers(0, 70)
)
_PART = st.one_of(
    st.sampled_from(["*", "last", "mon", "jan", "1-5/2", "5/2", "-1", "01", "x"]),
    _NUM.map(str),
    _NUM.map(lambda n: f"*/{n}"),
    st.tuples(_NUM, _NUM).map(lambda r: f"{r[0]}-{r[1]}"),
)
_FIELD = st.lists(_PART, min_size=1, max_size=3).map(",".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.just("*"), _FIELD), min_size=5, max_size=5).map(" ".join))
def test_a_schedule_checked_without_apscheduler_is_one_apscheduler_accepts(expression: str):
    """Reading a config checks plain cron fields itself (no APScheduler import); whatever
    it passes, the trigger the daemon builds accepts too."""
    from monitor.config.schedule import plainly_valid, trigger

    if plainly_valid(expression):
        trigger(expression, "UTC")  # raises ValueError if the check let a bad one through


def test_each_field_at_its_bounds_is_checked_as_apscheduler_checks_it():
    from monitor.config.schedule import plainly_valid, trigger

    values = [-1, 0, 1, 6, 7, 8, 11, 12, 13, 23, 24, 30, 31, 32, 58, 59, 60]
    parts = [str(n) for n in values] + [f"*/{n}" for n in values] + ["0-59", "1-31", "5-1"]
    for position in range(5):
        for part in parts:
            fields = ["0", "8", "*", "*", "*"]
            fields[position] = part
            expression = " ".join(fields)
            try:
                trigger(expression, "UTC")
            except ValueError:
                assert not plainly_valid(expression), expression


def test_the_default_schedules_are_checked_without_apscheduler():
    from monitor.config.schedule import ScheduleSettings, plainly_valid

    assert plainly_valid(ScheduleSettings.check) and plainly_valid(ScheduleSettings.digest)
    assert plainly_valid("15 6 * * 1-5") and not plainly_valid("61 8 * * *")
    assert not plainly_valid("0 8 * *") and not plainly_valid("every 0h")
