"""`monitor status`: what needs attention, for people and for health checks.

First the database itself (`PRAGMA quick_check`: a damaged file is an error, exit 1).
Per source: last success, last failure and why, failures in a row, its conditions
(broken, stale, edition overdue) each with its reason in words, when it is checked next;
the outbox (pending, failed, waiting too long, findings not yet in a digest); how the
last cycle ended; the database's size and counts. `attention` lists what a person
should look at (the CLI exits 1 when it is not empty); `warnings`, what is worth knowing
but may sort itself out (a delivery round failed, to be retried).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config.schedule import next_check
from monitor.config.settings import Config
from monitor.errors import DamagedDatabaseError
from monitor.formatting import minute
from monitor.ops import last_cycle
from monitor.ops.last_cycle import LastCycle
from monitor.store import SourceRecord, Store
from monitor.store.faults import RESTORE
from monitor.store.health import all_conditions
from monitor.store.outbox import notifications, owed_counts


@dataclass(frozen=True)
class SourceStatus:
    key: str
    last_success_at: str | None
    last_failure_at: str | None
    last_error: str | None
    consecutive_failures: int
    conditions: dict[str, str]  # condition -> since
    next_check_at: str | None  # None: not in the config's watch list
    reasons: dict[str, str] = field(default_factory=dict)  # condition -> why, in words

    @property
    def watched(self) -> bool:
        return self.next_check_at is not None


@dataclass(frozen=True)
class StatusReport:
    sources: tuple[SourceStatus, ...]
    pending: int
    failed: int  # failed for good, on channels still configured
    unconfigured: int  # pending or failed, on channels no longer configured: kept
    owed: dict[str, int]  # channel -> findings not yet in a digest
    database_bytes: int
    counts: dict[str, int]
    retrying: int = 0  # pending after a failed delivery round, not yet overdue
    overdue: int = 0  # pending for longer than [notify] max_pending_age
    max_pending_age: float = 3600.0
    oldest_pending_at: str | None = None
    delivery_error: str | None = None  # the last error of a notification still waiting
    last_cycle: LastCycle | None = None

    @property
    def attention(self) -> list[str]:
        # A source dropped from the watch list is never checked again, so its last
        # condition could never clear: only watched sources count.
        needing = [s for s in self.sources if s.conditions and s.watched]
        found = [f"{s.key}: {reason}" for s in needing for reason in s.reasons.values()]
        if self.failed:
            found.append(f"{self.failed} notification(s) failed for good: monitor outbox")
        if self.overdue:
            found.append(
                f"{self.overdue} notification(s) waiting longer than "
                f"{_duration(self.max_pending_age)} (oldest since "
                f"{minute(self.oldest_pending_at)}){self._last_error}"
            )
        if self.last_cycle and self.last_cycle.problem:
            found.append(
                f"the last cycle ({minute(self.last_cycle.finished_at)}) failed: "
                f"{self.last_cycle.problem}"
            )
        return found

    @property
    def warnings(self) -> list[str]:
        if not self.retrying:
            return []
        return [
            f"{self.retrying} notification(s) not delivered yet, to be retried{self._last_error}"
        ]

    @property
    def _last_error(self) -> str:
        return f"; last error: {self.delivery_error}" if self.delivery_error else ""


def status(store: Store, config: Config, *, now: datetime) -> StatusReport:
    """The report; `DamagedDatabaseError` when SQLite's quick check finds damage."""
    if problems := store.quick_check():
        said = " ".join(" ".join(problems).replace("*** in database main ***", "").split())
        said = said if len(said) <= 160 else said[:157] + "..."  # one line, however bad
        raise DamagedDatabaseError(f"{store.path} is damaged (quick_check: {said}): {RESTORE}")
    watched = {spec.key: spec for spec in config.sources}
    conditions = all_conditions(store)
    channels = {c.name for c in config.notify.channels}
    waiting = [*notifications(store, status="pending"), *notifications(store, status="failed")]
    settings = config.schedule
    sources = []
    for record in store.sources():
        spec = watched.get(record.key)
        upcoming = None
        found = conditions.get(record.id, {})
        if spec is not None:
            last = (
                datetime.fromisoformat(record.last_checked_at) if record.last_checked_at else None
            )
            upcoming = (
                next_check(spec.schedule or settings.check, settings.timezone, last, now)
                .astimezone(UTC)
                .isoformat(timespec="seconds")
            )
        sources.append(
            SourceStatus(
                key=record.key,
                last_success_at=record.last_success_at,
                last_failure_at=record.last_failure_at,
                last_error=record.last_error,
                consecutive_failures=record.consecutive_failures,
                conditions={name: since for name, (since, _) in found.items()},
                next_check_at=upcoming,
                reasons={
                    name: _reason(name, since, detail, record)
                    for name, (since, detail) in found.items()
                },
            )
        )
    size = sum(
        p.stat().st_size
        for p in (config.database, config.database.with_name(config.database.name + "-wal"))
        if p.exists()
    )
    pending = [n for n in waiting if n.status == "pending" and n.channel in channels]
    max_age = config.notify.max_pending_age
    waited_since = now - timedelta(seconds=max_age)
    overdue = [n for n in pending if datetime.fromisoformat(n.created_at) < waited_since]
    errors = [n for n in pending if n.last_error]
    return StatusReport(
        retrying=len([n for n in errors if n not in overdue]),
        overdue=len(overdue),
        max_pending_age=max_age,
        oldest_pending_at=min((n.created_at for n in pending), default=None),
        delivery_error=max(errors, key=lambda n: n.next_attempt_at).last_error if errors else None,
        last_cycle=last_cycle.read(config.data_dir),
        sources=tuple(sources),
        pending=len(pending),
        failed=sum(n.channel in channels for n in waiting if n.status == "failed"),
        unconfigured=sum(n.channel not in channels for n in waiting),
        owed=owed_counts(store),
        database_bytes=size,
        counts=store.counts(),
    )


def _reason(name: str, since: str, detail: dict[str, Any], source: SourceRecord) -> str:
    """A condition with its reason, in words: what a person reads in `status`."""
    when = minute(since)
    if name == "broken":
        failures = source.consecutive_failures
        last = f", last: {source.last_error}" if source.last_error else ""
        if failures:
            return f"broken: {failures} failed check(s) in a row, broken since {when}{last}"
        what = str(detail.get("status", "not a complete profile")).replace("_", " ")
        return f"broken since {when}: what it serves is {what}, no scores are taken{last}"
    if name == "stale":
        last_ok = minute(source.last_success_at) or "never"
        return f"stale since {when}: nothing fetched successfully since {last_ok}"
    if name == "edition_overdue":
        return (
            f"edition overdue since {when}: the {detail.get('expected')} edition was "
            f"expected by {detail.get('by')}, it shows {detail.get('shows') or 'none'}"
        )
    return f"{name} since {when}"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
