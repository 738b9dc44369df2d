"""Comparing two stored snapshots: the comparison assessment saved, or computed afresh."""

from __future__ import annotations

from monitor.diff.compare import Comparison, compare, comparison_from_dict
from monitor.diff.reconcile import prior_edition
from monitor.store import Store
from monitor.store.findings import latest_complete, stored_comparison


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


def comparison_of(store: Store, old_id: int, new_id: int) -> Comparison:
    """What assessment stored for the pair, else computed (a full narrative diff)."""
    stored = stored_comparison(store, old_id, new_id)
    return comparison_from_dict(stored) if stored else diff_snapshots(store, old_id, new_id)
