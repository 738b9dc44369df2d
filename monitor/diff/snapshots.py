"""Comparing two stored snapshots: the comparison assessment saved, or computed afresh."""

from __future__ import annotations

from collections.abc import Callable

from monitor.diff.compare import Comparison, compare, measured, with_stored_narrative
from monitor.diff.reconcile import prior_edition
from monitor.store import Store
from monitor.store.findings import latest_complete, stored_comparison
from monitor.store.records import StoredSnapshot


def diff_snapshots(store: Store, old_id: int, new_id: int) -> Comparison:
    """Compare two snapshots now, reconciling published changes with the prior edition."""
    old, new = store.snapshot(old_id), store.snapshot(new_id)
    prior = None
    edition = prior_edition(new.edition, new.index_id) if new.edition is not None else None
    if edition is not None:
        prior_id = latest_complete(
            store, new.country_slug, edition, excluding=new.id, index=new.index_id
        )
        prior = store.snapshot(prior_id).extraction.profile if prior_id else None
    return compare(old.extraction, new.extraction, prior=prior)


def comparison_of(
    store: Store,
    old_id: int,
    new_id: int,
    snapshot: Callable[[int], StoredSnapshot] | None = None,
) -> Comparison:
    """What assessment stored for the pair (its narrative deltas and revisions, the
    measures' deltas recomputed from the two snapshots, read by `snapshot`, default the
    store's), else computed afresh (a full narrative diff)."""
    stored = stored_comparison(store, old_id, new_id)
    if stored is None:
        return diff_snapshots(store, old_id, new_id)
    read = snapshot or store.snapshot
    return with_stored_narrative(measured(read(old_id).extraction, read(new_id).extraction), stored)
