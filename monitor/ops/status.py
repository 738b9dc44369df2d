"""`monitor status`: what needs attention, for people and for health checks.

Per source: last success, last failure and why, failures in a row, its conditions
(broken, stale, edition overdue), when it is checked next; the outbox (pending, failed,
findings not yet in a digest); the database's size and counts. `attention` lists what
a person should look at; the CLI exits 1 when it is not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.config.reader import Config
from monitor.config.schedule import next_check
from monitor.store import Store
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

    @property
    def attention(self) -> list[str]:
        # A source dropped from the watch list is never checked again, so its last
        # condition could never clear: only watched sources count.
        needing = [s for s in self.sources if s.conditions and s.watched]
        found = [f"{s.key}: {', '.join(s.conditions)}" for s in needing]
        if self.failed:
            found.append(f"{self.failed} notification(s) failed for good: monitor outbox")
        return found


def status(store: Store, config: Config, *, now: datetime) -> StatusReport:
    watched = {spec.key: spec for spec in config.sources}
    conditions = all_conditions(store)
    channels = {c.name for c in config.notify.channels}
    waiting = [*notifications(store, status="pending"), *notifications(store, status="failed")]
    settings = config.schedule
    sources = []
    for record in store.sources():
        spec = watched.get(record.key)
        upcoming = None
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
                conditions=conditions.get(record.id, {}),
                next_check_at=upcoming,
            )
        )
    size = sum(
        p.stat().st_size
        for p in (config.database, config.database.with_name(config.database.name + "-wal"))
        if p.exists()
    )
    return StatusReport(
        sources=tuple(sources),
        pending=sum(n.channel in channels for n in waiting if n.status == "pending"),
        failed=sum(n.channel in channels for n in waiting if n.status == "failed"),
        unconfigured=sum(n.channel not in channels for n in waiting),
        owed=owed_counts(store),
        database_bytes=size,
        counts=store.counts(),
    )
