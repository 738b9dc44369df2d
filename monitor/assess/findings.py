"""Assess stored snapshots: compare with history, apply the rules, store what matters.

A snapshot is compared with its source's previous complete snapshot (deltas, stored
for `monitor diff`); the printed changes are reconciled with our stored prior edition of
the same country, from any source; score thresholds are measured against baselines
(the value last alerted on, or the edition baseline), so slow drift is caught. Content a
source returns to (A → B → A) is not alerted again: `rebase` measures from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from monitor.assess.rules import Release, evaluate
from monitor.config.settings import Thresholds
from monitor.diff.compare import Comparison, compare
from monitor.diff.cross_source import Reading, disagreements
from monitor.diff.ranks import declared_regroupings
from monitor.diff.reconcile import prior_edition
from monitor.diff.snapshots import remember_measures
from monitor.models import Finding, Profile, Status
from monitor.sources import kind_class
from monitor.store import SourceRecord, Store, StoredSnapshot
from monitor.store.findings import (
    Route,
    baselines,
    baselines_after,
    country_findings,
    document_origin,
    edition_documents,
    editions_from_other_documents,
    editions_from_other_kinds,
    latest_complete,
    latest_complete_by_kind,
    methodology_noted,
    pending_snapshots,
    regrouped_groups,
    reported_elsewhere,
    save_assessment,
    save_first_assessments,
    sources_by_id,
    with_earlier_snapshots,
)
from monitor.store.records import STORED_DELTAS


def assess_pending(
    store: Store,
    thresholds: Thresholds,
    *,
    route: Route | None = None,
    written: Iterable[StoredSnapshot] = (),
) -> list[Finding]:
    """Assess every snapshot not assessed yet, oldest first; the new findings, each
    owed to the channels `route` names (config's `notify.route`). `written`: snapshots
    just stored (a release's), used as they are instead of read back and decoded."""
    return [
        f for found in assessing(store, thresholds, route=route, written=written) for f in found
    ]


def assessing(
    store: Store,
    thresholds: Thresholds,
    *,
    route: Route | None = None,
    written: Iterable[StoredSnapshot] = (),
) -> Iterator[list[Finding]]:
    """`assess_pending` one snapshot at a time: each snapshot's findings, stored, as it
    is assessed. A cycle counts them and keeps none: a new narrative edition brings
    ~55,000 findings, ~75 MB held at once as objects (issue 19, memory)."""
    known = {s.id: s for s in written}
    firsts = _first_of_history(store, list(known.values()))
    save_first_assessments(store, [s.id for s in firsts])
    done = {s.id for s in firsts}
    for source_id, snapshot_id in pending_snapshots(store):
        if snapshot_id in done:
            continue
        yield assess_snapshot(store, thresholds, source_id, snapshot_id, route=route, known=known)


def assess_snapshot(
    store: Store,
    thresholds: Thresholds,
    source_id: int,
    snapshot_id: int,
    *,
    route: Route | None = None,
    known: Mapping[int, StoredSnapshot] | None = None,
) -> list[Finding]:
    """Assess one snapshot; `known`: snapshots by id to use instead of reading them."""
    # Each snapshot read once: a `current` page's prior edition is often its previous
    # snapshot, read for the deltas already (issue 19, cycle CPU).
    known = dict(known or {})
    snapshot = _read(store, known, snapshot_id)
    source = store.source_by_id(source_id)
    previous = _previous_complete(store, known, source_id, snapshot) or (
        _prior_edition_in_dataset(store, known, source, snapshot)
    )
    new_edition = previous is None or previous.edition != snapshot.edition
    # The same edition again from a dataset of record (the workbook): its changed values
    # are revisions, and the revised values are the edition's new baseline.
    kind = kind_class(source.kind)
    republished = not new_edition and kind is not None and kind.revised_in_place
    comparison: Comparison | None = None
    if previous is not None:
        comparison = compare(
            previous.extraction, snapshot.extraction, prior=_prior_profile(store, known, snapshot)
        )
        # The digest composed next shows these deltas again (issue 19, the digest).
        remember_measures(store, previous.id, snapshot_id, comparison)
        base = {} if new_edition else baselines(store, source_id)
        releases = (_release(store, previous), _release(store, snapshot)) if republished else None
        findings = evaluate(comparison, thresholds, base, republished=releases)
        findings += _regrouping_note(store, comparison)
    elif snapshot.status != Status.COMPLETE:
        findings = evaluate(_alone(snapshot), thresholds)
    else:
        findings = []  # the first complete capture starts the history
    findings += _disagreements(store, known, source, snapshot)
    complete = snapshot.status == Status.COMPLETE
    scores = snapshot.extraction.profile.scores() if complete else {}  # type: ignore[union-attr]
    alerted = {f.key: scores[f.key] for f in findings if f.kind == "score" and f.key in scores}
    # The page and the workbook (or a dated and an undated page) show the same new
    # edition: a move another source reported already is not news twice.
    findings = [
        f
        for f in findings
        if not reported_elsewhere(store, source_id, snapshot.country_slug, snapshot.edition, f)
    ]
    save_assessment(
        store,
        source_id=source_id,
        snapshot_id=snapshot_id,
        base_snapshot_id=previous.id if previous else None,
        country=snapshot.country_slug,
        # Only the deltas stored, their records written to JSON as they are: no plain
        # copy of the whole comparison first (issue 19, cycle CPU round 4).
        comparison=(
            {key: getattr(comparison, key) for key in STORED_DELTAS}
            if comparison is not None
            else None
        ),
        against_incomplete=comparison is not None and comparison.against_incomplete,
        findings=findings,
        # A new edition (or the first capture) is the new baseline for every score.
        new_baselines=scores if complete and (new_edition or republished) else alerted,
        reset_baselines=complete and (new_edition or republished),
        route=route,
    )
    return findings


def _first_of_history(store: Store, written: list[StoredSnapshot]) -> list[StoredSnapshot]:
    """The snapshots just written whose assessment is known without comparing: complete,
    their source's first, with neither a prior edition of their kind read from another
    document to measure against (`_prior_edition_in_dataset`) nor another kind of
    source showing their edition (`_disagreements`). No finding; their scores are the
    baselines. A release imported into an empty database is all of these."""
    if not written:
        return []
    sources = sources_by_id(store, {s.source_id for s in written})
    continuing = with_earlier_snapshots(store, sources, min(s.id for s in written))
    elsewhere: dict[tuple[str, str], set[tuple[str, int]]] = {}
    other_kinds: dict[tuple[str, str], set[tuple[str, int]]] = {}
    firsts = []
    for snapshot in written:
        source = sources[snapshot.source_id]
        if snapshot.status != Status.COMPLETE or snapshot.extraction.profile is None:
            continue
        if source.id in continuing:
            continue
        index = snapshot.index_id
        kind = kind_class(source.kind)
        if kind is not None and kind.revised_in_place and source.edition is not None:
            prior = prior_edition(source.edition, index)
            at = (source.kind, snapshot.raw_sha256)
            if at not in elsewhere:
                elsewhere[at] = editions_from_other_documents(store, *at)
            if prior is not None and (source.country_slug, prior) in elsewhere[at]:
                continue
        if (source.kind, index) not in other_kinds:
            other_kinds[(source.kind, index)] = editions_from_other_kinds(store, source.kind, index)
        if (snapshot.country_slug, snapshot.edition) in other_kinds[(source.kind, index)]:
            continue
        firsts.append(snapshot)
    return firsts


def rebase(
    store: Store, source_id: int, snapshot_id: int, *, reading_of: int | None = None
) -> None:
    """Mark a snapshot assessed without findings: neither content a source returns to
    (A → B → A) nor a re-extraction of an old document is news.

    A return: the baselines become what they were once this content was first assessed,
    so a flip back is not alerted again while drift measured before it is kept (A 6.0,
    B 6.2, C 6.1, B again, D 6.4: D is +0.4 from 6.0). A re-extraction (`reading_of`,
    the snapshot whose document was read again) leaves the baselines as they are and
    takes over what that snapshot recorded.
    """
    snapshot = store.snapshot(snapshot_id)
    profile = snapshot.extraction.profile
    restored: dict[str, float] = {}
    if reading_of is None and snapshot.status == Status.COMPLETE and profile is not None:
        # Assessed before migration 7 recorded baselines: measure from its values.
        recorded = baselines_after(store, snapshot_id)
        restored = profile.scores() if recorded is None else recorded
    save_assessment(
        store,
        source_id=source_id,
        snapshot_id=snapshot_id,
        base_snapshot_id=None,
        country=snapshot.country_slug,
        comparison=None,
        findings=(),
        new_baselines=restored,
        reset_baselines=bool(restored),
        reading_of=reading_of,
    )


def _release(store: Store, snapshot: StoredSnapshot) -> Release:
    """The release a snapshot was read from: the file or URL its document came from
    (the row's URL for documents stored before origins were kept), when captured."""
    profile = snapshot.extraction.profile
    origin = document_origin(store, snapshot.raw_sha256) or (profile and profile.source_url)
    return Release(origin or "", snapshot.captured_at)


def _read(store: Store, known: dict[int, StoredSnapshot], snapshot_id: int) -> StoredSnapshot:
    """A snapshot from `known`, else read from the store and kept in `known`."""
    if (found := known.get(snapshot_id)) is None:
        found = known[snapshot_id] = store.snapshot(snapshot_id)
    return found


def _previous_complete(
    store: Store, known: dict[int, StoredSnapshot], source_id: int, snapshot: StoredSnapshot
) -> StoredSnapshot | None:
    # Like with like: a reading by the same extractor version first, then the latest
    # seen. Chosen in SQL: only that one snapshot is decoded.
    row = store.conn.execute(
        "SELECT id FROM snapshots WHERE source_id = ? AND id < ? AND status = ?"
        " ORDER BY extractor_version = ? DESC, last_seen_at DESC, id DESC LIMIT 1",
        [source_id, snapshot.id, Status.COMPLETE.value, snapshot.extraction.extractor_version],
    ).fetchone()
    return _read(store, known, row[0]) if row else None


def _prior_edition_in_dataset(
    store: Store,
    known: dict[int, StoredSnapshot],
    source: SourceRecord,
    snapshot: StoredSnapshot,
) -> StoredSnapshot | None:
    """A dataset of record (the workbook) keeps one source per edition, so a new
    edition's first row has no history of its own: it is measured against the country's
    prior edition from the same kind, if the store held that before this document came.
    A first import of a workbook holding several editions is a backfill, not news."""
    kind = kind_class(source.kind)
    if kind is None or not kind.revised_in_place or source.edition is None:
        return None  # a `current` source follows new editions in its own history
    if store.conn.execute(
        "SELECT 1 FROM snapshots WHERE source_id = ? AND id < ? LIMIT 1", [source.id, snapshot.id]
    ).fetchone():
        return None  # the edition was held already (as an incomplete row, say): not new
    prior = prior_edition(source.edition, snapshot.index_id)
    held = edition_documents(store, source.country_slug, prior, source.kind) if prior else []
    if all(sha == snapshot.raw_sha256 for _, sha in held):
        return None
    return _read(store, known, held[0][0])


def _prior_profile(
    store: Store, known: dict[int, StoredSnapshot], snapshot: StoredSnapshot
) -> Profile | None:
    if snapshot.edition is None:
        return None
    if (prior := prior_edition(snapshot.edition, snapshot.index_id)) is None:
        return None
    prior_id = latest_complete(
        store, snapshot.country_slug, prior, excluding=snapshot.id, index=snapshot.index_id
    )
    return _read(store, known, prior_id).extraction.profile if prior_id else None


def _disagreements(
    store: Store,
    known: dict[int, StoredSnapshot],
    source: SourceRecord,
    snapshot: StoredSnapshot,
) -> list[Finding]:
    """Values of this country's edition that other kinds of source print differently."""
    profile = snapshot.extraction.profile
    if snapshot.status != Status.COMPLETE or profile is None or snapshot.edition is None:
        return []
    others = []
    for other_id, key, kind in latest_complete_by_kind(
        store, snapshot.country_slug, snapshot.edition, snapshot.index_id
    ):
        other = _read(store, known, other_id).extraction.profile if kind != source.kind else None
        if other is not None:
            others.append(Reading(key, kind, other_id, other.scores()))
    if not others:
        return []
    this = Reading(source.key, source.kind, snapshot.id, profile.scores())
    reported = country_findings(store, snapshot.country_slug, "disagreement")
    return disagreements(this, others, edition=snapshot.edition, reported=reported)


def _regrouping_note(store: Store, c: Comparison) -> list[Finding]:
    """Ranking groups redefined by a new edition: one methodology note for the edition,
    naming every group redefined (seen in the data of all countries held, and declared
    by the index's definition), however many countries' ranks it touches."""
    if not c.regrouped or c.new_edition is None or c.old_edition is None:
        return []
    if methodology_noted(store, "groups_redefined", c.new_edition):
        return []
    groups = sorted(
        set(c.regrouped)
        | regrouped_groups(store, c.old_edition, c.new_edition)
        | declared_regroupings(c.old_edition, c.new_edition, c.index)
    )
    return [
        Finding(
            "methodology",
            "groups_redefined",
            "low",
            f"ranking groups redefined by the {c.new_edition} methodology: {', '.join(groups)}"
            f" (ranks in them are not compared with {c.old_edition})",
            detail={"edition": c.new_edition, "since": c.old_edition, "groups": groups},
        )
    ]


def _alone(snapshot: StoredSnapshot) -> Comparison:
    """A comparison with nothing: what the rules need to report a broken first capture."""
    return compare(snapshot.extraction, snapshot.extraction)
