"""Comparing two stored snapshots: the comparison assessment saved, or computed afresh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from weakref import WeakKeyDictionary

from monitor.diff.compare import Comparison, compare, measured, with_stored_narrative
from monitor.diff.reconcile import prior_edition
from monitor.store import Store
from monitor.store.findings import latest_complete, stored_comparison
from monitor.store.records import StoredSnapshot

# The measures' deltas assessment computed, per open store and (old, new) snapshot pair:
# the digest composed after it needs them again (DeepDiff, ~0.5 ms a page; issue 19).
# Kept for the latest pairs only; an entry's store gone, its entries go with it.
KEPT_MEASURES = 1024
_measures: WeakKeyDictionary[Store, dict[tuple[int, int], Comparison]] = WeakKeyDictionary()


def remember_measures(store: Store, old_id: int, new_id: int, comparison: Comparison) -> None:
    """Keep what `measured` says of the stored pair, from the full `comparison` of it."""
    kept = _measures.setdefault(store, {})
    if len(kept) >= KEPT_MEASURES:
        del kept[next(iter(kept))]  # the oldest
    # `compare` is `measured` plus these two: the rest is the measures' part, exactly.
    kept[(old_id, new_id)] = replace(comparison, sections=(), revisions=())


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
    measures' deltas as assessment computed them in this process, else recomputed from
    the two snapshots, read by `snapshot`, default the store's), else computed afresh
    (a full narrative diff)."""
    stored = stored_comparison(store, old_id, new_id)
    if stored is None:
        return diff_snapshots(store, old_id, new_id)
    measures = _measures.get(store, {}).get((old_id, new_id))
    if measures is None:
        read = snapshot or store.snapshot
        measures = measured(read(old_id).extraction, read(new_id).extraction)
    return with_stored_narrative(measures, stored)
