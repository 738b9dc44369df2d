"""Reading the store back: which snapshots to compare, and their comparison."""

from __future__ import annotations

from monitor.diff.compare import Comparison, compare
from monitor.diff.reconcile import prior_edition
from monitor.errors import MonitorError
from monitor.store import Store
from monitor.store.findings import latest_complete


def resolve_snapshot(
    store: Store, country: str, ref: str | None, *, other_than: int | None = None
) -> int:
    """A snapshot id from `ref`: an edition year (its latest complete snapshot), a
    snapshot id, or None: the most recently seen complete snapshot other than
    `other_than` (so that `--from` defaults to what preceded `--to`)."""
    if ref is not None and ref.isdigit() and 2000 <= int(ref) <= 2100:
        found = latest_complete(store, country, int(ref), excluding=other_than)
        if found is None:
            raise MonitorError(f"no complete snapshot of {country} for the {ref} edition")
        return found
    if ref is not None:
        if not ref.isdigit():
            raise MonitorError(f"{ref!r} is neither an edition year nor a snapshot id")
        row = store.db.execute("SELECT country_slug FROM snapshots WHERE id = ?", [int(ref)])
        match = row.fetchone()
        if match is None or match[0] != country:
            raise MonitorError(f"snapshot {ref} is not a snapshot of {country}")
        return int(ref)
    row = store.db.execute(
        "SELECT id FROM snapshots WHERE country_slug = ? AND status = 'complete'"
        " AND id IS NOT ? ORDER BY last_seen_at DESC, id DESC LIMIT 1",
        [country, other_than],
    ).fetchone()
    if row is None:
        what = f"other than snapshot {other_than}" if other_than else "at all"
        raise MonitorError(f"no complete snapshot of {country} {what}")
    return row[0]


def diff_snapshots(store: Store, old_id: int, new_id: int) -> Comparison:
    old, new = store.snapshot(old_id), store.snapshot(new_id)
    prior = None
    if new.edition is not None and (edition := prior_edition(new.edition)) is not None:
        prior_id = latest_complete(store, new.country_slug, edition, excluding=new.id)
        prior = store.snapshot(prior_id).extraction.profile if prior_id else None
    return compare(old.extraction, new.extraction, prior=prior)
