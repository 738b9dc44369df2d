"""`monitor daemon`: checks and digests on their schedules until SIGTERM or SIGINT.

APScheduler 3.x runs one job per distinct check schedule (the sources sharing it) and
one digest job. Jobs run one at a time (a single worker), each missed run is coalesced
into one, and every job takes the data directory's writer lock, so a cron `monitor run`
and the daemon take turns. On SIGTERM/SIGINT no new fetch starts; the sources already
fetched are stored, then the daemon exits.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.config.schedule import trigger
from monitor.config.settings import Config, SourceSpec
from monitor.errors import LockedError, MonitorError
from monitor.notify.deliver import NotifyReport, notify
from monitor.ops import last_cycle
from monitor.ops.cycle import CycleReport, run_cycle
from monitor.ops.lock import writing
from monitor.store import Store

log = logging.getLogger(__name__)
DIGEST_PERIODS = ("daily", "weekly")


class Daemon:
    def __init__(self, config: Config, *, lock_wait: float = 300.0) -> None:
        self.config = config
        self.lock_wait = lock_wait
        self.stop = threading.Event()
        settings = config.schedule
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(settings.misfire_grace),
            },
            timezone=settings.timezone,
        )

    def start(self) -> None:
        settings = self.config.schedule
        groups: dict[str, list[SourceSpec]] = defaultdict(list)
        for spec in self.config.sources:
            groups[spec.schedule or settings.check].append(spec)
        now = datetime.now(UTC)
        for expression, specs in groups.items():
            self.scheduler.add_job(
                self.check,
                trigger(expression, settings.timezone, jitter=settings.jitter or None),
                args=(tuple(specs),),
                id=f"check {expression}",
                name=f"check {len(specs)} source(s) {expression}",
                next_run_time=now,  # a first check at start, then on schedule
            )
        self.scheduler.add_job(
            self.digest, trigger(settings.digest, settings.timezone), id="digest", name="digest"
        )
        self.scheduler.start()
        for job in self.scheduler.get_jobs():
            log.info("scheduled %s; next run %s", job.name, job.next_run_time)

    def shutdown(self) -> None:
        """Stop: no new fetch, the job in hand finishes, then the scheduler stops."""
        self.stop.set()
        self.scheduler.shutdown(wait=True)

    def check(self, specs: tuple[SourceSpec, ...]) -> CycleReport | None:
        try:
            return self._check(specs)
        finally:
            give_back_memory()

    def _check(self, specs: tuple[SourceSpec, ...]) -> CycleReport | None:
        if self.stop.is_set():
            return None
        config = replace(self.config, sources=specs)
        started = time.monotonic()
        try:
            with self._store() as store:
                report = run_cycle(config, store, stop=self.stop)
                # Stopping: what is owed stays in the outbox for the next start.
                sent = NotifyReport((), ()) if self.stop.is_set() else self._notify(store, ("run",))
        except LockedError as exc:  # a cron run holds the data directory: next time
            log.error("check skipped: %s", exc)
            return None
        except MonitorError as exc:  # a damaged database, a full disk…: one line, no traceback
            log.error("check failed: %s", exc)
            last_cycle.record(self.config.data_dir, str(exc))
            return None
        last_cycle.record(self.config.data_dir, report.problem)
        self._log_cycle(report, sent, time.monotonic() - started)
        return report

    def digest(self) -> NotifyReport | None:
        if self.stop.is_set():
            return None
        try:
            with self._store() as store:
                sent = self._notify(store, DIGEST_PERIODS)
        except MonitorError as exc:
            log.error("digest skipped: %s", exc)
            return None
        finally:
            give_back_memory()
        log.info(
            "digest: %d composed, %d delivered",
            len(sent.composed),
            sum(d.status == "delivered" for d in sent.deliveries),
        )
        return sent

    def _store(self) -> AbstractContextManager[Store]:
        return writing(self.config, wait=self.lock_wait, command="monitor daemon", stop=self.stop)

    def _notify(self, store: Store, periods: tuple[str, ...]) -> NotifyReport:
        # Waits between tries end when stopping, and no further try starts.
        stop = self.stop
        return notify(
            store, self.config, now=datetime.now(UTC), periods=periods, sleep=stop.wait, stop=stop
        )

    @staticmethod
    def _log_cycle(report: CycleReport, sent: NotifyReport, seconds: float) -> None:
        if report.problem:
            log.error("cycle incomplete: %s", report.problem)
        kinds = ("new", "unchanged", "incomplete", "failed", "deferred")
        counts = {c: report.count(c) for c in kinds}
        delivered = sum(d.status == "delivered" for d in sent.deliveries)
        checked = len(report.results) - counts["deferred"]
        log.info(
            "cycle: %d checked, %d new, %d unchanged, %d incomplete, %d failed, %d deferred; "
            "%d finding(s), %d digest(s) delivered; %.1f s",
            checked,
            *counts.values(),
            report.finding_count,
            delivered,
            seconds,
            extra={
                "checked": checked,
                **counts,
                "findings": report.finding_count,
                "delivered": delivered,
                "seconds": round(seconds, 2),
            },
        )


def give_back_memory() -> None:
    """Between jobs, return what the job freed (issue 19, memory: RSS between 20 cycles
    ~220 MB without this, ~120 MB with it). A digest's findings stay in reference cycles
    (jinja2's render context, deepdiff's trees) until a full collection, which may be
    cycles away; and glibc keeps freed pages in the arena of each thread that used them
    (the fetch pool's) rather than hand them back."""
    gc.collect()
    if (trim := _malloc_trim()) is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`; None for another C library (musl, macOS), which has none."""
    import ctypes  # here: only the daemon needs it

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # the name only glibc's library has
    except (OSError, AttributeError):
        return None


def run_daemon(config: Config, *, lock_wait: float = 300.0) -> int:
    """Run until SIGTERM or SIGINT; the exit code (0: stopped cleanly)."""
    if not config.sources:
        raise MonitorError(f"{config.path}: the watch list is empty (add [[watch]] entries)")
    daemon = Daemon(config, lock_wait=lock_wait)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info(
            "received %s: finishing the source in hand, then stopping", signal.Signals(signum).name
        )
        daemon.stop.set()
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        daemon.start()
        log.info("daemon started: %d source(s), data in %s", len(config.sources), config.data_dir)
        while not stopping.wait(1.0):  # a timed wait: signal handlers run promptly
            pass
        daemon.shutdown()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    log.info("daemon stopped")
    return 0
