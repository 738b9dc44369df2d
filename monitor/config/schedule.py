"""When the daemon checks sources and sends digests: `[schedule]` and its triggers.

A schedule is `every <n><s|m|h|d>` (an interval, e.g. `every 6h`) or a five-field cron
expression (`15 6 * * *`), read in the configured time zone. `[[watch]] schedule`
overrides `check` for its sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

_EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class ScheduleSettings:
    check: str = "every 6h"  # sources without their own schedule
    digest: str = "0 8 * * *"  # daily and weekly channels' digests
    timezone: str = "UTC"
    jitter: float = 60.0  # seconds of random delay per check, so runs don't align
    misfire_grace: float = 3600.0  # a run missed by less than this (a suspend) still runs


def trigger(expression: str, timezone: str, *, jitter: float | None = None) -> BaseTrigger:
    """The APScheduler trigger for a schedule expression; ValueError names the problem."""
    # Imported here: reading a config must not pay for the scheduler (~0.1 s).
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    zone = ZoneInfo(timezone)
    if match := _EVERY.match(expression.strip()):
        amount, unit = int(match[1]), _UNITS[match[2]]
        if amount < 1:
            raise ValueError("an interval must be at least 1")
        return IntervalTrigger(**{unit: amount}, timezone=zone, jitter=jitter)
    try:
        fields = expression.split()
        if len(fields) != 5:
            raise ValueError(f"Wrong number of fields; got {len(fields)}, expected 5")
        minute, hour, day, month, weekdays = fields
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekdays(weekdays),
            timezone=zone,
            jitter=jitter,
        )
    except ValueError as exc:
        raise ValueError(
            f"{expression!r} is neither 'every <n><s|m|h|d>' nor a cron expression ({exc})"
        ) from None


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekdays(field: str) -> str:
    """Cron's day-of-week field as APScheduler 3 reads it. Cron counts 0 (or 7) as
    Sunday, APScheduler 0 as Monday (its from_crontab runs `1-5` Tuesday to Saturday),
    so the days are spelled out by name: `1-5` -> `mon,tue,wed,thu,fri`."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            low, high = 0, 6
        else:
            first, _, last = span.partition("-")
            low, high = _day(first), _day(last or first)
            if high < low and high == 0:
                high = 7  # `sat-sun`: Sunday closing a range is day 7
        if high < low or (step and not step.isdigit()) or step == "0":
            raise ValueError(f"{part!r} is not a day-of-week range")
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(_DAYS[d] for d in sorted(days))


def _day(text: str) -> int:
    name = text.strip().lower()
    if name.isdigit() and int(name) <= 7:
        return int(name)
    if name in _DAYS:
        return _DAYS.index(name)
    raise ValueError(f"{text!r} is not a day of the week (0-7 or sun-sat)")


def interval(expression: str) -> timedelta | None:
    """The period of an `every …` schedule (None for cron): what counts as overdue."""
    match = _EVERY.match(expression.strip())
    return timedelta(**{_UNITS[match[2]]: int(match[1])}) if match else None


def read_schedule(table: Any, reader: Any) -> ScheduleSettings:
    """Validate `[schedule]` with config's reader (errors name the file and key)."""
    settings: ScheduleSettings = reader.dataclass_table(table, "schedule", ScheduleSettings)
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.fail("schedule.timezone", f"unknown time zone {settings.timezone!r}") from None
    for key in ("check", "digest"):
        check_expression(getattr(settings, key), settings.timezone, reader, f"schedule.{key}")
    return settings


def check_expression(expression: Any, timezone: str, reader: Any, key: str) -> None:
    if not isinstance(expression, str):
        raise reader.fail(key, "must be a string: 'every 6h' or a cron expression")
    if plainly_valid(expression):
        return  # every config read (each `monitor run`) need not import APScheduler
    try:
        trigger(expression, timezone)
    except ValueError as exc:
        raise reader.fail(key, str(exc)) from None


# Cron's minute, hour, day-of-month and month fields: their bounds in APScheduler 3.
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12))
_PLAIN_PART = re.compile(r"^(?:\*(?:/(\d+))?|(\d+)(?:-(\d+))?)$")


def plainly_valid(expression: str) -> bool:
    """True when `trigger` surely accepts the expression: an interval, or a cron
    expression of plain numbers, ranges and `*`/`*/n` only (and any day-of-week field
    `_weekdays` reads). False means "not sure": `trigger` then decides, and its error
    names the problem. Checking here keeps APScheduler (~30-90 ms to import) out of
    reading a config (issue 19, start-up); tests compare the two on many fields."""
    if match := _EVERY.match(expression.strip()):
        return int(match[1]) >= 1
    fields = expression.split()
    if len(fields) != 5:
        return False
    for field, (low, high) in zip(fields, _BOUNDS, strict=False):
        for part in field.split(","):
            plain = _PLAIN_PART.match(part)
            if plain is None:
                return False
            step, first, last = plain.groups()
            if step is not None and not 1 <= int(step) <= high - low:
                return False
            if first is not None and not low <= int(first) <= int(last or first) <= high:
                return False
    try:
        _weekdays(fields[4])
    except ValueError:
        return False
    return True


def next_check(
    expression: str, timezone: str, last_checked: datetime | None, now: datetime
) -> datetime:
    """When a source on this schedule is checked next (by a daemon running now)."""
    period = interval(expression)
    if period is not None:
        return max(now, last_checked + period) if last_checked else now
    fire = trigger(expression, timezone).get_next_fire_time(None, now)
    assert fire is not None  # a cron expression always fires again
    return fire
