"""Compose owed findings into digests and deliver them, channel by channel.

`notify` is what a run does after assessing: compose a digest for each channel that is
due (every run, or once a day / week) and deliver every pending notification that is
due. Delivery tries a few times with exponential waits; a round that fails leaves the
notification pending until a later run (waits doubling per failed round), and after
`rounds` failed rounds it is `failed`, kept for `monitor outbox retry`. Channels are
independent: whatever one channel does wrong is recorded against it alone.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config.notify import PERIODS as PERIOD_NAMES
from monitor.config.notify import ChannelSpec
from monitor.config.schedule import ScheduleSettings
from monitor.config.settings import Config
from monitor.errors import DeliveryError, MonitorError
from monitor.notify.channels import CHANNEL_KINDS, ChannelKind
from monitor.notify.due import period_began
from monitor.notify.feed import write_feeds
from monitor.redact import redact_text
from monitor.store import Store
from monitor.store.outbox import (
    Notification,
    OwedFinding,
    add_notification,
    last_composed_at,
    mark_attempt_failed,
    mark_delivered,
    notification,
    notifications,
    owed,
    requeue,
)

if TYPE_CHECKING:
    from monitor.notify.digest import Digest

MAX_ROUND_WAIT = timedelta(days=1)
MAX_RETRY_WAIT = 60.0  # seconds between two tries of one round, however many tries
# Doublings of round_backoff counted at most: any backoff is past MAX_ROUND_WAIT by then,
# and 2 ** rounds stays a number a float (and a timedelta) can hold.
MAX_DOUBLINGS = 64


@dataclass(frozen=True)
class Delivery:
    """One notification's delivery round: how it ended and where it went."""

    notification_id: int
    channel: str
    subject: str
    status: str  # delivered / pending (will be retried) / failed (for good)
    attempts: int
    where: str = ""
    error: str = ""


@dataclass(frozen=True)
class NotifyReport:
    composed: tuple[int, ...]
    deliveries: tuple[Delivery, ...]

    @property
    def ok(self) -> bool:
        return all(d.status == "delivered" for d in self.deliveries)


def notify(
    store: Store,
    config: Config,
    *,
    now: datetime,
    force: bool = False,
    periods: Collection[str] = PERIOD_NAMES,
    sleep: Callable[[float], object] = time.sleep,
    stop: threading.Event | None = None,
) -> NotifyReport:
    """Compose due digests of the channels with these `periods` (all of them, due or
    not, with `force`), then deliver every notification that is due. Once `stop` is set
    no further try starts: what is left stays pending for the next run. Every channel's
    Atom feed is then written afresh, whatever was due."""
    composed = compose_due(store, config, now=now, force=force, periods=periods)
    deliveries = deliver_due(store, config, now=now, sleep=sleep, stop=stop)
    write_feeds(store, config, now=now)
    return NotifyReport(tuple(composed), tuple(deliveries))


def channel_kind(config: Config, spec: ChannelSpec) -> ChannelKind:
    # Digests and templates (jinja2) are imported when a message is made: a run with
    # nothing to send never loads them (issue 19, start-up).
    from monitor.notify.render import Templates

    templates = Templates(config.notify.templates)
    return CHANNEL_KINDS[spec.kind](spec, config.notify, config.data_dir, templates)


def preview(store: Store, config: Config, channel: str | None, *, now: datetime) -> Digest:
    """The digest `channel` (default: the first) would get next, without composing it."""
    from monitor.notify.digest import build_digest  # see channel_kind

    spec = channel_named(config, channel)
    return build_digest(store, spec.name, owed(store, spec.name), now.isoformat())


def compose_due(
    store: Store,
    config: Config,
    *,
    now: datetime,
    force: bool = False,
    periods: Collection[str] = PERIOD_NAMES,
) -> list[int]:
    composed = []
    for spec in config.notify.channels:
        if spec.every not in periods:
            continue
        items = owed(store, spec.name)
        if not items or not (force or _due(store, spec, config.schedule, now)):
            continue
        from monitor.notify.digest import build_digest  # see channel_kind

        digest = build_digest(store, spec.name, items, now.isoformat())
        key = idempotency_key(store.instance_id, spec.name, items)
        message = channel_kind(config, spec).compose(digest, key)
        composed.append(
            add_notification(
                store,
                channel=spec.name,
                idempotency_key=key,
                subject=digest.subject,
                message=message,
                items=items,
                now=now.isoformat(),
            )
        )
    return composed


def deliver_due(
    store: Store,
    config: Config,
    *,
    now: datetime,
    sleep: Callable[[float], object] = time.sleep,
    stop: threading.Event | None = None,
) -> list[Delivery]:
    stop = stop or threading.Event()
    deliveries = []
    for n in notifications(store, due_by=now.isoformat()):
        if stop.is_set():
            break
        if config.notify.channel(n.channel) is None:
            continue  # a channel no longer configured: kept, it goes out if it comes back
        deliveries.append(_deliver(store, config, n.id, now, sleep, stop))
    return deliveries


def retry(
    store: Store,
    config: Config,
    ids: Sequence[int],
    *,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """Failed notifications (`ids`, or every failed one when empty) delivered again now."""
    chosen = list(ids) or [n.id for n in notifications(store, status="failed")]
    requeue(store, chosen, now.isoformat())
    never = threading.Event()
    return [_deliver(store, config, i, now, sleep, never) for i in chosen if _is_pending(store, i)]


def send_test(config: Config, spec: ChannelSpec, *, now: datetime) -> Delivery:
    """A test message through `spec`'s channel, sent once, now, outside the outbox (it
    is no news, so nothing is stored or retried); how it went."""
    from monitor.notify.digest import Digest  # see channel_kind

    kind = channel_kind(config, spec)
    digest = Digest(spec.name, now.isoformat(), (), (), test=True)
    # A key of its own each time: a receiver that drops repeats must not drop a test.
    key = f"{spec.name}-test-{now.strftime('%Y%m%dT%H%M%S%f')}"
    message = Notification(
        id=0,
        channel=spec.name,
        idempotency_key=key,
        subject=digest.subject,
        message=kind.compose(digest, key),
        status="pending",
        attempts=0,
        rounds=0,
        next_attempt_at=now.isoformat(),
        last_error=None,
        created_at=now.isoformat(),
        delivered_at=None,
    )
    try:
        where = kind.send(message)
    except Exception as exc:  # whatever a channel does wrong is reported, not raised
        error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        return Delivery(0, spec.name, digest.subject, "failed", 1, "", redact_text(error))
    return Delivery(0, spec.name, digest.subject, "delivered", 1, where)


def idempotency_key(instance: str, channel: str, items: Sequence[OwedFinding]) -> str:
    """Stable for one channel and set of findings of one database (`instance`, its own
    id: finding ids restart at 1 in each): a receiver can de-duplicate on it."""
    ids = ",".join(str(i.finding_id) for i in sorted(items, key=lambda i: i.finding_id))
    digest = hashlib.sha256(f"{instance}:{channel}:{ids}".encode()).hexdigest()[:24]
    return f"{channel}-{digest}"


def _deliver(
    store: Store,
    config: Config,
    notification_id: int,
    now: datetime,
    sleep: Callable[[float], object],
    stop: threading.Event,
) -> Delivery:
    current = notification(store, notification_id)
    assert current is not None
    policy = config.notify.delivery
    spec = config.notify.channel(current.channel)
    attempts, error = 0, ""
    for attempt in range(policy.attempts):
        if attempt:
            sleep(min(policy.retry_wait * 2 ** min(attempt - 1, MAX_DOUBLINGS), MAX_RETRY_WAIT))
            if stop.is_set():
                break  # stopping: this round ends with the tries made
        attempts += 1
        try:
            if spec is None:
                raise DeliveryError(f"channel {current.channel!r} is no longer configured")
            where = channel_kind(config, spec).send(current)
        except Exception as exc:  # one channel's failure must never stop the others
            error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            error = redact_text(error)  # a channel's bug may still print its URL
            continue
        mark_delivered(store, notification_id, attempts, now.isoformat())
        return Delivery(
            notification_id, current.channel, current.subject, "delivered", attempts, where
        )
    failed = current.rounds + 1 >= policy.rounds
    next_at = now + _round_wait(policy.round_backoff, current.rounds)
    mark_attempt_failed(store, notification_id, attempts, error, next_at.isoformat(), failed)
    status = "failed" if failed else "pending"
    return Delivery(notification_id, current.channel, current.subject, status, attempts, "", error)


def _round_wait(round_backoff: float, rounds: int) -> timedelta:
    """`round_backoff` doubled per failed round, at most MAX_ROUND_WAIT (capped in seconds:
    300 s doubled 39 times no longer fits a timedelta)."""
    seconds = round_backoff * 2 ** min(rounds, MAX_DOUBLINGS)
    return timedelta(seconds=min(seconds, MAX_ROUND_WAIT.total_seconds()))


def _due(store: Store, spec: ChannelSpec, schedule: ScheduleSettings, now: datetime) -> bool:
    """Every run, or once nothing was composed since the day's (week's) digest time."""
    if spec.every == "run":
        return True
    last = last_composed_at(store, spec.name)
    began = period_began(spec.every, schedule, now)
    return last is None or (began is not None and datetime.fromisoformat(last) < began)


def channel_named(config: Config, name: str | None) -> ChannelSpec:
    """The channel `name` (default: the first); an unknown name is an error naming the known."""
    if name is None:
        return config.notify.channels[0]
    spec = config.notify.channel(name)
    if spec is None:
        known = ", ".join(c.name for c in config.notify.channels)
        raise MonitorError(f"no channel {name!r} in the config (known: {known})")
    return spec


def _is_pending(store: Store, notification_id: int) -> bool:
    found = notification(store, notification_id)
    return found is not None and found.status == "pending"
