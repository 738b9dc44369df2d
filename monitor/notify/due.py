"""When a daily or weekly channel's digest is due, read from `[schedule] digest`.

A daily channel is due when nothing was composed for it since the digest schedule's
first fire time of the day (in the schedule's time zone; on a day it does not fire, the
latest day it did); a weekly channel likewise per week, weeks starting on Monday. Fire
times, not hours elapsed: a 23-hour spring-forward day, or yesterday's digest composed
late, never skips a digest, and a schedule firing twice a day still sends one a day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.config.schedule import ScheduleSettings, interval, trigger

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(weeks=1)}
# How far back to look for a fire time: past any schedule's gap (29 February: 8 years).
LOOKBACK = timedelta(days=8 * 366)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

NextFire = Callable[[datetime], datetime | None]


def period_began(every: str, schedule: ScheduleSettings, now: datetime) -> datetime | None:
    """The fire time the current `every` period began with: the schedule's first fire
    time in the latest day (week) that has one at or before `now`; None if none has."""
    zone = ZoneInfo(schedule.timezone)
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=today.weekday()) if every == "weekly" else today
    start = datetime.combine(first_day, time(), zone)
    next_fire = _next_fire(schedule)
    step = PERIODS[every]
    for _ in range(LOOKBACK // step):
        fire = next_fire(start)
        if fire is not None and fire <= now:
            return fire
        start -= step  # wall-clock arithmetic: the previous local midnight, DST or not
    return None


def _next_fire(schedule: ScheduleSettings) -> NextFire:
    """The digest schedule's first fire time at or after a moment."""
    period = interval(schedule.digest)
    if period is not None:
        # The daemon counts an interval from its own start, unknown here: count it from
        # the epoch instead (the same period, so as many fire times a day).
        return lambda at: _EPOCH - (_EPOCH - at) // period * period
    cron = trigger(schedule.digest, schedule.timezone)
    return lambda at: cron.get_next_fire_time(None, at)
