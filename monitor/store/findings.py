"""Comparisons, findings and baselines in the snapshot database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.models import Finding
from monitor.store.outbox import enqueue
from monitor.store.records import (
    SourceRecord,
    baselines_after_of,
    baselines_after_sql,
    finding_fields,
    finding_from_row,
    keyed_narrative_detail,
    pack_deltas,
    source_from_row,
    unpack_deltas,
)
from monitor.store.store import Store

# Snapshots from sources of one kind, or any kind when the parameter (given twice) is NULL.
# A lookup of each candidate's source by its key, not a scan of every source of the kind
# per query (a release's thousands of rows each asked it: issue 16, import speed).
KIND_FILTER = (
    " AND (? IS NULL OR EXISTS (SELECT 1 FROM sources src"
    " WHERE src.id = source_id AND src.kind = ?))"
)

# Records on a snapshot its source's baselines as they now stand (`baselines_after_sql`).
_AFTER_FROM_BASELINES = baselines_after_sql(
    "SELECT key, value FROM baselines WHERE source_id = snapshots.source_id"
)

# Which channels owe their readers a finding about a country (config's notify routing).
Route = Callable[[Finding, str | None], Iterable[str]]


def baselines(store: Store, source_id: int) -> dict[str, float]:
    rows = store.query("SELECT key, value FROM baselines WHERE source_id = ?", [source_id])
    return {r["key"]: r["value"] for r in rows}


def save_assessment(
    store: Store,
    *,
    source_id: int,
    snapshot_id: int,
    base_snapshot_id: int | None,
    country: str | None,
    comparison: Mapping[str, Any] | None,
    against_incomplete: bool = False,
    findings: Sequence[Finding],
    new_baselines: Mapping[str, float],
    reset_baselines: bool = False,
    route: Route | None = None,
    reading_of: int | None = None,
) -> int:
    """Store one assessment in one transaction; returns how many findings were new.

    Each new finding enters the outbox of the channels `route` names, in the same
    transaction. Idempotent: the same comparison or finding stored again is ignored.
    The snapshot records the source's baselines as they now stand, or, as a new reading
    of snapshot `reading_of`'s document, what that snapshot recorded.
    """
    now = datetime.now(UTC).isoformat()
    # Statements on the connection itself, inside the transaction: an import assesses
    # thousands of snapshots, and sqlite-utils' execute() costs more than these.
    db = store.conn
    with store.transaction():
        if comparison is not None and base_snapshot_id is not None:
            db.execute(
                "INSERT OR IGNORE INTO comparisons (source_id, old_snapshot_id, new_snapshot_id,"
                " against_incomplete, deltas, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    source_id,
                    base_snapshot_id,
                    snapshot_id,
                    int(against_incomplete),
                    pack_deltas(comparison),
                    now,
                ],
            )
        added = 0
        for f in findings:
            added += _insert(
                store, f, source_id, snapshot_id, base_snapshot_id, country, now, route
            )
        _record_baselines(
            store,
            now,
            [(source_id, snapshot_id, new_baselines)],
            reset=reset_baselines,
            after=reading_of is None,
        )
        recorded = None if reading_of is None else baselines_after(store, reading_of)
        if recorded is not None:
            # Recorded against this snapshot's own scores, which may read differently.
            db.execute(
                baselines_after_sql("SELECT key, value FROM json_each(:recorded)")
                + " WHERE id = :id",
                {"recorded": json.dumps(recorded), "id": snapshot_id},
            )
    return added


def save_first_assessments(store: Store, snapshot_ids: Sequence[int]) -> None:
    """Record many assessments that start a source's history: complete snapshots with
    nothing to compare and no finding, each assessed with its scores as the baselines.
    What `save_assessment` records for each, a statement per table for them all (a
    first import of WGI has 4,394), the baselines copied from their `scores` rows in
    SQL rather than bound one value at a time (79,000 for WGI)."""
    now = datetime.now(UTC).isoformat()
    ids = json.dumps(list(snapshot_ids))
    of_them = "SELECT value FROM json_each(?)"
    db = store.conn
    with store.transaction():
        db.execute(f"UPDATE snapshots SET assessed_at = ? WHERE id IN ({of_them})", [now, ids])
        db.execute(
            "DELETE FROM baselines WHERE source_id IN"
            f" (SELECT source_id FROM snapshots WHERE id IN ({of_them}))",
            [ids],
        )
        db.execute(
            "INSERT OR REPLACE INTO baselines (source_id, key, value, snapshot_id, set_at)"
            " SELECT sn.source_id, sc.key, sc.value, sc.snapshot_id, ? FROM snapshots sn"
            f" JOIN scores sc ON sc.snapshot_id = sn.id WHERE sn.id IN ({of_them})",
            [now, ids],
        )
        db.execute(f"{_AFTER_FROM_BASELINES} WHERE id IN ({of_them})", [ids])


def _record_baselines(
    store: Store,
    now: str,
    assessed: Sequence[tuple[int, int, Mapping[str, float]]],
    *,
    reset: bool,
    after: bool,
) -> None:
    """Mark snapshots (source id, snapshot id, new baselines) assessed and set their
    sources' baselines (`reset`: only these); with `after`, each snapshot records its
    source's baselines as they now stand."""
    db = store.conn
    db.executemany(
        "UPDATE snapshots SET assessed_at = ? WHERE id = ?", [(now, s) for _, s, _ in assessed]
    )
    if reset:
        db.executemany(
            "DELETE FROM baselines WHERE source_id = ?", [(source,) for source, _, _ in assessed]
        )
    db.executemany(
        "INSERT OR REPLACE INTO baselines (source_id, key, value, snapshot_id, set_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (source, key, value, snapshot, now)
            for source, snapshot, values in assessed
            for key, value in values.items()
        ],
    )
    if after:
        db.executemany(
            f"{_AFTER_FROM_BASELINES} WHERE id = ?", [(snapshot,) for _, snapshot, _ in assessed]
        )


def sources_by_id(store: Store, ids: Iterable[int]) -> dict[int, SourceRecord]:
    rows = store.query(
        "SELECT * FROM sources WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(ids))],
    )
    return {r["id"]: source_from_row(r) for r in rows}


def with_earlier_snapshots(store: Store, source_ids: Iterable[int], before: int) -> set[int]:
    """Which of these sources hold a snapshot older than snapshot id `before`."""
    rows = store.conn.execute(
        "SELECT DISTINCT source_id FROM snapshots WHERE id < ?"
        " AND source_id IN (SELECT value FROM json_each(?))",
        [before, json.dumps(list(source_ids))],
    )
    return {r[0] for r in rows}


def editions_from_other_documents(store: Store, kind: str, sha256: str) -> set[tuple[str, int]]:
    """(country, edition) of complete snapshots from sources of `kind` read from a
    document other than `sha256` (`edition_documents` for every country at once)."""
    rows = store.conn.execute(
        "SELECT DISTINCT country_slug, edition FROM snapshots WHERE status = 'complete'"
        " AND raw_sha256 != ?" + KIND_FILTER,
        [sha256, kind, kind],
    )
    return {(r[0], r[1]) for r in rows}


def editions_from_other_kinds(store: Store, kind: str, index: str) -> set[tuple[str, int]]:
    """(country, edition) of an index's complete snapshots from sources of another
    kind than `kind` (`latest_complete_by_kind` for every country at once)."""
    rows = store.conn.execute(
        "SELECT DISTINCT s.country_slug, s.edition FROM snapshots s JOIN sources src"
        " ON src.id = s.source_id WHERE s.status = 'complete' AND s.index_id = ?"
        " AND src.kind != ?",
        [index, kind],
    )
    return {(r[0], r[1]) for r in rows}


def baselines_after(store: Store, snapshot_id: int) -> dict[str, float] | None:
    """The source's baselines as they stood once `snapshot_id` was assessed; None for a
    snapshot assessed before they were recorded."""
    row = store.conn.execute(
        "SELECT baselines_after FROM snapshots WHERE id = ?", [snapshot_id]
    ).fetchone()
    if row is None or row[0] is None:
        return None
    scores = store.conn.execute(
        "SELECT key, value FROM scores WHERE snapshot_id = ?", [snapshot_id]
    )
    return baselines_after_of(row[0], scores)


def pending_snapshots(store: Store) -> list[tuple[int, int]]:
    """(source_id, snapshot_id) of snapshots not assessed yet, oldest first."""
    rows = store.query("SELECT source_id, id FROM snapshots WHERE assessed_at IS NULL ORDER BY id")
    return [(r["source_id"], r["id"]) for r in rows]


def latest_complete(
    store: Store,
    country: str,
    edition: int,
    *,
    excluding: int | None = None,
    kind: str | None = None,
    index: str = "ocindex",
) -> int | None:
    """The most recently seen complete snapshot of a country's edition, from any source
    with scores (or from sources of `kind`): a narrative-only one (a PDF summary) cannot
    stand for the edition's figures, against which printed changes are reconciled."""
    row = store.conn.execute(
        "SELECT id FROM snapshots WHERE country_slug = ? AND edition = ? AND status ="
        " 'complete' AND index_id = ? AND id IS NOT ? AND EXISTS (SELECT 1 FROM scores WHERE"
        " scores.snapshot_id = snapshots.id)"
        + KIND_FILTER
        + " ORDER BY last_seen_at DESC, id DESC LIMIT 1",
        [country, edition, index, excluding, kind, kind],
    ).fetchone()
    return row[0] if row else None


def edition_documents(store: Store, country: str, edition: int, kind: str) -> list[tuple[int, str]]:
    """(snapshot id, raw document sha256) of a country's complete snapshots of an
    edition from sources of `kind`, most recently seen first."""
    rows = store.conn.execute(
        "SELECT id, raw_sha256 FROM snapshots WHERE country_slug = ? AND edition = ?"
        " AND status = 'complete'" + KIND_FILTER + " ORDER BY last_seen_at DESC, id DESC",
        [country, edition, kind, kind],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def document_origin(store: Store, sha256: str) -> str | None:
    """The URL or file a raw document was first read from (None if not recorded)."""
    row = store.conn.execute("SELECT origin FROM raw_documents WHERE sha256 = ?", [sha256])
    return (row.fetchone() or (None,))[0]


def latest_complete_by_kind(
    store: Store, country: str, edition: int, index: str = "ocindex"
) -> list[tuple[int, str, str]]:
    """(snapshot id, source key, kind) of the most recently seen complete snapshot of a
    country's edition from each kind of source (page, PDF, workbook…)."""
    rows = store.query(
        "SELECT s.id, src.key, src.kind FROM snapshots s JOIN sources src ON src.id ="
        " s.source_id WHERE s.country_slug = ? AND s.edition = ? AND s.status = 'complete'"
        " AND s.index_id = ? ORDER BY s.last_seen_at DESC, s.id DESC",
        [country, edition, index],
    )
    latest: dict[str, tuple[int, str, str]] = {}
    for r in rows:
        latest.setdefault(r["kind"], (r["id"], r["key"], r["kind"]))
    return list(latest.values())


# Findings about an edition's values, the same whichever source shows them.
EDITION_MOVES = frozenset({"score", "rank", "category", "membership", "methodology"})


def reported_elsewhere(
    store: Store, source_id: int, country: str, edition: int | None, finding: Finding
) -> bool:
    """Whether another source already reported this move of the country's edition: the
    same kind and key reaching the same value (within the two decimals printed)."""
    if finding.kind not in EDITION_MOVES or edition is None:
        return False
    row = store.conn.execute(
        "SELECT 1 FROM findings f JOIN snapshots s ON s.id = f.snapshot_id"
        # (the country's index leaves narrative findings out)
        " WHERE f.country_slug = ? AND s.edition = ? AND f.kind = ? AND f.kind != 'narrative'"
        " AND f.key = ?"
        " AND f.source_id != ? AND (f.new IS NULL AND ? IS NULL OR abs(f.new - ?) < 0.005)"
        " LIMIT 1",
        [country, edition, finding.kind, finding.key, source_id, finding.new, finding.new],
    ).fetchone()
    return row is not None


def methodology_noted(store: Store, key: str, edition: int) -> bool:
    """Whether a methodology note `key` was reported for `edition` already (any country)."""
    row = store.conn.execute(
        "SELECT 1 FROM findings f JOIN snapshots s ON s.id = f.snapshot_id"
        " WHERE f.kind = 'methodology' AND f.key = ? AND s.edition = ? LIMIT 1",
        [key, edition],
    ).fetchone()
    return row is not None


def regrouped_groups(store: Store, old_edition: int, new_edition: int) -> set[str]:
    """Ranking groups whose membership changed between two editions, from the data held:
    a country ranked in differently named groups, or a group of a different size."""
    rows = store.conn.execute(
        "SELECT e.country, e.edition, r.composite, r.scope, r.group_name, r.out_of"
        " FROM edition_snapshots e JOIN ranks r ON r.snapshot_id = e.snapshot_id"
        " WHERE e.edition IN (?, ?) AND r.group_name IS NOT NULL",
        [old_edition, new_edition],
    ).fetchall()
    groups: dict[tuple[str, str, str], dict[int, str]] = {}
    sizes: dict[tuple[str, str], dict[int, int]] = {}
    for country, edition, composite, scope, group, out_of in rows:
        groups.setdefault((country, composite, scope), {})[edition] = group
        sizes.setdefault((scope, group), {})[edition] = out_of
    changed = {
        name
        for held in groups.values()
        if len(held) == 2 and len(set(held.values())) == 2
        for name in held.values()
    }
    resized = {g for (_, g), n in sizes.items() if len(n) == 2 and len(set(n.values())) == 2}
    return changed | resized


def country_findings(store: Store, country: str, kind: str) -> list[Finding]:
    """A country's findings of one kind (not narrative: the country's index leaves them
    out), oldest first."""
    rows = store.query(
        "SELECT * FROM findings WHERE country_slug = ? AND kind = ? AND kind != 'narrative'"
        " ORDER BY id",
        [country, kind],
    )
    return [finding_from_row(r) for r in rows]


def findings(store: Store, *, snapshot_id: int | None = None) -> list[Finding]:
    where, params = ("WHERE snapshot_id = ?", [snapshot_id]) if snapshot_id else ("", [])
    rows = store.query(f"SELECT * FROM findings {where} ORDER BY id", params)
    return [finding_from_row(r) for r in rows]


def latest_finding_id(store: Store) -> int:
    """The newest finding's id (0 when none): findings after it are a run's own."""
    row = store.conn.execute("SELECT MAX(id) FROM findings").fetchone()
    return int(row[0] or 0)


def findings_after(store: Store, finding_id: int) -> list[tuple[str | None, Finding]]:
    """Findings stored after `finding_id`, oldest first, each with its country."""
    rows = store.query("SELECT * FROM findings WHERE id > ? ORDER BY id", [finding_id])
    return [(r["country_slug"], finding_from_row(r)) for r in rows]


def stored_comparison(store: Store, old_id: int, new_id: int) -> dict[str, Any] | None:
    """The comparison assessment stored for this pair of snapshots (as saved), if any."""
    row = store.conn.execute(
        "SELECT deltas FROM comparisons WHERE old_snapshot_id = ? AND new_snapshot_id = ?",
        [old_id, new_id],
    ).fetchone()
    return unpack_deltas(row[0]) if row else None


def save_source_findings(
    store: Store,
    source: SourceRecord,
    findings: Sequence[Finding],
    now: str,
    route: Route | None = None,
) -> None:
    """Findings about a source itself (no snapshot), owed to the channels `route` names;
    call inside a transaction."""
    for f in findings:
        _insert(store, f, source.id, None, None, source.country_slug, now, route)


def _insert(
    store: Store,
    f: Finding,
    source_id: int,
    snapshot_id: int | None,
    base_snapshot_id: int | None,
    country: str | None,
    now: str,
    route: Route | None,
) -> int:
    """Insert a finding (ignored if already stored) and owe it to `route`'s channels.
    A narrative sentence's text is stored once, in `sentences` (`finding_fields`)."""
    sentences: dict[int, str] = {}
    message, detail, old_text, new_text = finding_fields(f.kind, f.message, f.detail, sentences)
    if message is None:
        detail = keyed_narrative_detail(f.key, detail)
    if sentences:
        store.conn.executemany(
            "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
        )
    cursor = store.conn.execute(
        "INSERT OR IGNORE INTO finding_rows (source_id, snapshot_id, base_snapshot_id,"
        " country_slug, kind, key, severity, message, old, new, direction, detail,"
        " old_text, new_text, created_at, index_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        # A finding is of its snapshot's index (a CPI move is not the OC Index's).
        " COALESCE((SELECT index_id FROM snapshots WHERE id = ?), 'ocindex'))",
        [
            source_id,
            snapshot_id,
            base_snapshot_id,
            country,
            f.kind,
            f.key,
            f.severity,
            message,
            f.old,
            f.new,
            f.direction,
            detail,
            old_text,
            new_text,
            now,
            snapshot_id,
        ],
    )
    if cursor.rowcount and route is not None:
        assert cursor.lastrowid is not None
        enqueue(store, cursor.lastrowid, route(f, country))
    return cursor.rowcount


def latest_comparison_pair(store: Store, source_key: str) -> tuple[int, int] | None:
    """(old, new) snapshot ids of the latest comparison stored for a source."""
    row = store.conn.execute(
        "SELECT c.old_snapshot_id, c.new_snapshot_id FROM comparisons c"
        " JOIN sources s ON s.id = c.source_id WHERE s.key = ?"
        " ORDER BY c.new_snapshot_id DESC LIMIT 1",
        [source_key],
    ).fetchone()
    return (row[0], row[1]) if row else None


def published_region(store: Store, country: str) -> str | None:
    """The region (else the continent) the publisher ranks `country` in, latest first."""
    row = store.conn.execute(
        "SELECT r.group_name FROM ranks r JOIN snapshots s ON s.id = r.snapshot_id"
        " WHERE s.country_slug = ? AND r.scope IN ('regional', 'continental')"
        " AND r.group_name IS NOT NULL"
        " ORDER BY r.scope = 'regional' DESC, r.snapshot_id DESC LIMIT 1",
        [country],
    ).fetchone()
    return row[0] if row else None
