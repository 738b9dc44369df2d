"""Which snapshots to show or compare: by country, edition, source kind or id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from monitor.errors import MonitorError
from monitor.identity import known_country_key, lookup, territory
from monitor.models import Profile
from monitor.store import Store, StoredSnapshot
from monitor.store.findings import KIND_FILTER, latest_complete


def country_slug(store: Store, text: str) -> str:
    """The country key any spelling names (`Kyrgyzstan`, `cabo-verde`, `CPV`, a territory:
    `Hong Kong`, `HKG`); the text itself when it names none of them but snapshots carry
    it (an article's country, say); UnknownCountryError when it is neither."""
    # A territory outside the 193 (Hong Kong, Kosovo) by its name or code, as publishers
    # name it: `show "Hong Kong"` found nothing though the CPI holds it as hong_kong.
    found = lookup(text) or territory(text)
    if found is not None:
        return found.key
    if store.db.execute("SELECT 1 FROM snapshots WHERE country_slug = ?", [text]).fetchone():
        return text
    return known_country_key(text)  # raises, naming the text and a likely country


@dataclass(frozen=True)
class ChosenSnapshot:
    snapshot: StoredSnapshot
    source_key: str
    source_kind: str


# Of two snapshots of one edition, the richer first: scores, then narrative (a page
# holds both, the workbook only scores, a PDF summary only narrative).
RICHEST = (
    "EXISTS (SELECT 1 FROM scores x WHERE x.snapshot_id = s.id) DESC,"
    " EXISTS (SELECT 1 FROM sections x WHERE x.snapshot_id = s.id) DESC"
)


def standing_snapshots(
    store: Store, country: str, *, kind: str | None = None, index: str | None = None
) -> dict[tuple[str, int | None], int]:
    """The snapshot standing for each (index, edition) of `country`, as `latest_snapshot`
    would choose it: complete first, then the richest, then the most recently seen."""
    pick = (
        "SELECT s.id FROM snapshots s JOIN sources src ON src.id = s.source_id"
        " WHERE s.country_slug = e.country_slug AND s.edition IS e.edition"
        " AND s.index_id = e.index_id AND (:kind IS NULL OR src.kind = :kind)"
        f" ORDER BY s.status = 'complete' DESC, {RICHEST}, s.last_seen_at DESC, s.id DESC"
        " LIMIT 1"
    )
    rows = store.db.execute(
        f"SELECT e.index_id, e.edition, ({pick}) FROM (SELECT DISTINCT country_slug, edition,"
        " index_id FROM snapshots WHERE country_slug = :country"
        " AND (:index IS NULL OR index_id = :index)) e",
        {"country": country, "kind": kind, "index": index},
    )
    return {(row[0], row[1]): row[2] for row in rows if row[2] is not None}


def previous_profile(store: Store, country: str, index: str, edition: int | None) -> Profile | None:
    """The profile with scores standing for `country`'s edition of `index` before
    `edition` (as `show`'s lead compares it); None when no earlier one is held."""
    held = standing_snapshots(store, country, index=index)
    earlier = sorted(
        (e, i)
        for (_, e), i in held.items()
        if e is not None and edition is not None and e < edition
    )
    for _, snapshot_id in reversed(earlier):
        profile = store.snapshot(snapshot_id).extraction.profile
        if profile is not None and profile.scores():
            return profile
    return None


def latest_snapshot(
    store: Store,
    country: str,
    *,
    edition: int | None = None,
    kind: str | None = None,
    index: str | None = None,
) -> ChosenSnapshot:
    """What `monitor show` shows: the latest edition's richest snapshot with a profile,
    complete ones first (an incomplete capture only when nothing better exists, since it
    is still what we hold); of an edition one with scores before a narrative-only one (a
    PDF summary), then one with narrative before one without (the page before the
    workbook), then the most recently seen."""
    row = store.db.execute(
        "SELECT s.id, src.key, src.kind FROM snapshots s JOIN sources src ON src.id = s.source_id"
        " WHERE s.country_slug = ? AND s.profile IS NOT NULL"
        " AND (? IS NULL OR s.edition = ?) AND (? IS NULL OR src.kind = ?)"
        " AND (? IS NULL OR s.index_id = ?)"
        " ORDER BY s.status = 'complete' DESC, s.edition DESC,"
        f" {RICHEST},"
        " s.last_seen_at DESC, s.id DESC"
        " LIMIT 1",
        [country, edition, edition, kind, kind, index, index],
    ).fetchone()
    if row is None:
        wanted = "".join(
            (
                f" of the {index} index" if index else "",
                f" of the {edition} edition" if edition else "",
                f" from {kind}" if kind else "",
            )
        )
        raise MonitorError(f"no snapshot of {country}{wanted} holds a profile")
    return ChosenSnapshot(store.snapshot(row[0]), row[1], row[2])


def resolve_snapshot(
    store: Store,
    country: str,
    ref: str | None,
    *,
    other_than: int | None = None,
    kind: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> int:
    """A snapshot id from `ref`: an edition year (its latest complete snapshot), a
    snapshot id, or None: the most recently seen complete snapshot other than
    `other_than` (so that `--from` defaults to what preceded `--to`); from sources of
    `kind` only, when given. With `warn`, an edition with no complete capture falls back
    to its latest incomplete one with scores (as `show` does), and `warn` says so."""
    if ref is not None and ref.isdigit() and 2000 <= int(ref) <= 2100:
        found = latest_complete(store, country, int(ref), excluding=other_than, kind=kind)
        if found is None and warn is not None:
            found = _latest_incomplete(store, country, int(ref), other_than, kind)
            if found is not None:
                warn(
                    f"no complete snapshot of {country} for the {ref} edition: comparing its"
                    f" incomplete capture (snapshot {found}); values it lacks are not compared"
                )
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
        " AND id IS NOT ?" + KIND_FILTER + " ORDER BY last_seen_at DESC, id DESC LIMIT 1",
        [country, other_than, kind, kind],
    ).fetchone()
    if row is None:
        what = f"other than snapshot {other_than}" if other_than else "at all"
        what += f" from {kind}" if kind else ""
        raise MonitorError(f"no complete snapshot of {country} {what}")
    return row[0]


def _latest_incomplete(
    store: Store, country: str, edition: int, other_than: int | None, kind: str | None
) -> int | None:
    row = store.db.execute(
        "SELECT id FROM snapshots WHERE country_slug = ? AND edition = ?"
        " AND status = 'incomplete' AND id IS NOT ?"
        " AND EXISTS (SELECT 1 FROM scores x WHERE x.snapshot_id = snapshots.id)"
        + KIND_FILTER
        + " ORDER BY last_seen_at DESC, id DESC LIMIT 1",
        [country, edition, other_than, kind, kind],
    ).fetchone()
    return row[0] if row else None


def snapshot_kind(store: Store, snapshot_id: int) -> str:
    row = store.db.execute(
        "SELECT src.kind FROM snapshots s JOIN sources src ON src.id = s.source_id WHERE s.id = ?",
        [snapshot_id],
    ).fetchone()
    return row[0]
