"""The outbox in the snapshot database: findings owed per channel, composed notifications.

A finding enters the outbox in the transaction that stores it (`enqueue`, called by
`save_assessment`). Composing a digest stores the rendered message and claims its items
in one transaction; delivery marks it delivered, or records the failed attempt and when
to try again. So a crash or an outage delays a notification but never loses one, and a
retry re-sends the very message first composed, under the same idempotency key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from monitor.models import Finding
from monitor.redact import redact_text
from monitor.store.records import finding_from_row
from monitor.store.store import Store


@dataclass(frozen=True, slots=True)  # ~55,000 held at once by a new edition's digest
class OwedFinding:
    """A finding waiting in a channel's outbox, with where it came from."""

    outbox_id: int
    finding_id: int
    finding: Finding
    country: str | None
    source_key: str
    source_kind: str
    snapshot_id: int | None  # None: a finding about the source itself
    base_snapshot_id: int | None
    created_at: str
    index: str = "ocindex"  # the index the finding is of (its snapshot's)


@dataclass(frozen=True)
class Notification:
    id: int
    channel: str
    idempotency_key: str
    subject: str
    message: dict[str, Any]  # the rendered parts, as the channel kind composed them
    status: str  # pending / delivered / failed
    attempts: int
    rounds: int
    next_attempt_at: str
    last_error: str | None
    created_at: str
    delivered_at: str | None


def enqueue(store: Store, finding_id: int, channels: Iterable[str]) -> None:
    """Owe a finding to channels; call inside the transaction that stores the finding
    (the item's time is the finding's: its `created_at` is left NULL)."""
    for channel in channels:
        store.conn.execute(
            "INSERT OR IGNORE INTO outbox (channel, finding_id) VALUES (?, ?)",
            [channel, finding_id],
        )


def owed(store: Store, channel: str) -> list[OwedFinding]:
    """The channel's findings not yet composed into a notification, oldest first."""
    return _owed_findings(store, "o.channel = ? AND o.notification_id IS NULL", [channel])


def heard(store: Store, channel: str, limit: int) -> list[OwedFinding]:
    """The channel's newest `limit` findings, in a digest already or still waiting."""
    return _owed_findings(store, "o.channel = ?", [channel], newest=limit)


def _owed_findings(
    store: Store, where: str, params: list[Any], *, newest: int = 0
) -> list[OwedFinding]:
    # Row by row off the cursor, not as a list of row dicts first: a new edition owes
    # ~55,000 findings, and the rows and the findings made of them would be two full
    # copies at once (issue 19, the digest's memory). The few distinct values most
    # findings repeat (their source, country, time, kind…) are held once each.
    order = f"o.id DESC LIMIT {int(newest)}" if newest else "o.id"
    cursor = store.conn.execute(
        "SELECT o.id AS outbox_id, coalesce(o.created_at, f.created_at) AS owed_at, f.*,"
        " s.key AS source_key,"
        " s.kind AS source_kind FROM outbox o JOIN findings f ON f.id = o.finding_id"
        f" JOIN sources s ON s.id = f.source_id WHERE {where} ORDER BY {order}",
        params,
    )
    names = [d[0] for d in cursor.description]
    once: dict[Any, Any] = {}  # texts and None only: numbers would merge (1 == 1.0 == True)
    held = once.setdefault
    owed = []
    for row in cursor:
        r = dict(zip(names, row, strict=True))
        for name in _REPEATED:
            r[name] = held(r[name], r[name])
        finding = finding_from_row(r)
        detail = {
            held(key, key): held(value, value) if type(value) is str else value
            for key, value in finding.detail.items()
        }
        owed.append(
            OwedFinding(
                outbox_id=r["outbox_id"],
                finding_id=r["id"],
                finding=replace(finding, detail=detail),
                country=r["country_slug"],
                source_key=r["source_key"],
                source_kind=r["source_kind"],
                snapshot_id=r["snapshot_id"],
                base_snapshot_id=r["base_snapshot_id"],
                created_at=r["owed_at"],
                index=r["index_id"] or "ocindex",
            )
        )
    return owed


# Text columns whose values repeat across findings; a narrative finding's message and
# sentences do not (held as read).
_REPEATED = frozenset(
    {"owed_at", "created_at", "source_key", "source_kind", "country_slug", "index_id"}
    | {"kind", "key", "severity", "direction"}
)


def owed_counts(store: Store) -> dict[str, int]:
    rows = store.query(
        "SELECT channel, count(*) AS n FROM outbox WHERE notification_id IS NULL GROUP BY channel"
    )
    return {r["channel"]: r["n"] for r in rows}


def add_notification(
    store: Store,
    *,
    channel: str,
    idempotency_key: str,
    subject: str,
    message: dict[str, Any],
    items: Sequence[OwedFinding],
    now: str,
) -> int:
    """Store a composed notification and claim its outbox items, in one transaction."""
    with store.transaction():
        cursor = store.conn.execute(
            "INSERT INTO notifications (channel, idempotency_key, subject, message, status,"
            " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
            [channel, idempotency_key, subject, json.dumps(message), now, now],
        )
        notification_id = cursor.lastrowid
        assert notification_id is not None
        for item in items:
            store.conn.execute(
                "UPDATE outbox SET notification_id = ? WHERE id = ? AND notification_id IS NULL",
                [notification_id, item.outbox_id],
            )
    return notification_id


def last_composed_at(store: Store, channel: str) -> str | None:
    row = store.conn.execute(
        "SELECT max(created_at) FROM notifications WHERE channel = ?", [channel]
    ).fetchone()
    return row[0]


def notifications(
    store: Store, *, status: str | None = None, due_by: str | None = None, limit: int = 0
) -> list[Notification]:
    """Notifications, newest first; `due_by`: pending ones due by then, oldest first."""
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if due_by:
        where.append("status = 'pending' AND next_attempt_at <= ?")
        params.append(due_by)
    sql = "SELECT * FROM notifications" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY id" + ("" if due_by else " DESC") + (f" LIMIT {int(limit)}" if limit else "")
    return [_notification(r) for r in store.query(sql, params)]


def notification(store: Store, notification_id: int) -> Notification | None:
    rows = store.query("SELECT * FROM notifications WHERE id = ?", [notification_id])
    return _notification(rows[0]) if rows else None


def mark_delivered(store: Store, notification_id: int, attempts: int, now: str) -> None:
    with store.transaction():
        store.conn.execute(
            "UPDATE notifications SET status = 'delivered', attempts = attempts + ?,"
            " delivered_at = ?, last_error = NULL WHERE id = ?",
            [attempts, now, notification_id],
        )


def mark_attempt_failed(
    store: Store, notification_id: int, attempts: int, error: str, next_at: str, failed: bool
) -> None:
    """Record a failed round: retry at `next_at`, or, `failed`, give up until retried."""
    with store.transaction():
        store.conn.execute(
            "UPDATE notifications SET attempts = attempts + ?, rounds = rounds + 1,"
            " last_error = ?, next_attempt_at = ?, status = ? WHERE id = ?",
            [
                attempts,
                redact_text(error),
                next_at,
                "failed" if failed else "pending",
                notification_id,
            ],
        )


def requeue(store: Store, notification_ids: Sequence[int], now: str) -> int:
    """Failed notifications back to pending, due now; how many were failed."""
    changed = 0
    with store.transaction():
        for notification_id in notification_ids:
            cursor = store.conn.execute(
                "UPDATE notifications SET status = 'pending', next_attempt_at = ?, rounds = 0"
                " WHERE id = ? AND status = 'failed'",
                [now, notification_id],
            )
            changed += cursor.rowcount
    return changed


def _notification(row: dict[str, Any]) -> Notification:
    return Notification(**{**row, "message": json.loads(row["message"])})
