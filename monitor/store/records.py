"""The values the store hands out and takes in, and their conversion to and from rows."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, is_dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import zstandard

from monitor.indices import find, higher_is_worse
from monitor.models import (
    Attempt,
    Extraction,
    Finding,
    Profile,
    Reason,
    Section,
    Status,
    extraction_from_dict,
    record_fields,
)
from monitor.store.profile_dictionary import PROFILE_DICTIONARY


class Outcome(StrEnum):
    """How a check ended, as recorded in `sources.last_outcome`.

    An extraction that is not complete is recorded by its status instead
    (`incomplete`, `not_a_profile`), so a glance at sources shows pages that need work.
    """

    NEW_SNAPSHOT = "new_snapshot"  # content not seen before for this source
    UNCHANGED = "unchanged"  # same content as the current snapshot
    REVERTED = "reverted"  # content seen before for this source, but not the current one
    # A capture older than the source's last successful one (an archived copy ingested
    # later): history, never what the URL serves now, never news.
    BACKFILLED = "backfilled"
    NOT_MODIFIED = "not_modified"  # the server answered 304
    FAILED = "failed"  # no usable response


@dataclass(frozen=True)
class SourceRecord:
    id: int
    key: str
    kind: str
    country_slug: str
    edition: int | None
    url: str
    etag: str | None
    last_modified: str | None
    created_at: str
    last_checked_at: str | None
    last_outcome: str | None
    last_error: str | None
    current_snapshot_id: int | None
    last_success_at: str | None
    consecutive_failures: int = 0
    last_failure_at: str | None = None


@dataclass(frozen=True)
class SavedCapture:
    snapshot_id: int
    outcome: Outcome  # NEW_SNAPSHOT, UNCHANGED, REVERTED or BACKFILLED
    new_raw_document: bool
    previous_snapshot_id: int | None  # the source's current snapshot before this save
    # The new snapshot as stored, when this save added one: assessed without a re-read.
    snapshot: StoredSnapshot | None = None


@dataclass(frozen=True)
class ReleaseRowCapture:
    """One source's row of a release, for `Store.save_release`."""

    key: str
    kind: str
    country: str
    edition: int | None
    url: str  # the row's address: the release's URL, the row as its fragment
    extraction: Extraction


@dataclass(frozen=True)
class SeenCheck:
    """A check that found the source's current snapshot still served: a 304
    (`NOT_MODIFIED`, validators kept) or the same bytes again (`UNCHANGED`, with the
    response's validators). Recorded in batches: such a check changes no content."""

    source_id: int
    snapshot_id: int | None
    checked_at: str
    attempts: tuple[Attempt, ...]
    outcome: str  # Outcome.NOT_MODIFIED, or what sources.last_outcome says of the capture
    validators: tuple[str | None, str | None] | None = None  # (etag, last_modified)


@dataclass(frozen=True)
class KnownReading:
    """The source's current snapshot, when it is of these bytes by this extractor."""

    snapshot_id: int
    status: Status
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class StoredSnapshot:
    id: int
    source_id: int
    raw_sha256: str
    captured_at: str
    last_seen_at: str
    country_slug: str
    country_name: str | None
    edition: int | None
    status: Status
    reasons: tuple[Reason, ...]
    extraction: Extraction
    index_id: str = "ocindex"  # the index the snapshot is of


def source_from_row(row: dict[str, Any]) -> SourceRecord:
    return SourceRecord(**row)


def snapshot_from_row(
    row: dict[str, Any],
    sections: list[dict[str, Any]],
    descriptions: Mapping[int, str],
    indicators: Mapping[str, dict[str, Any]],
) -> StoredSnapshot:
    """A stored snapshot from its row, its narrative (key, title, paragraphs' text per
    section), its indicators' descriptions by key and its indicators' `scores` rows (by
    key, as `indicator_from_row` gives them): the profile JSON names its sections and
    indicators, their text and scores are kept once (`sentences`, `descriptions`, `scores`)."""
    profile = unpack_json(row["profile"]) if row["profile"] is not None else None
    if profile is not None:
        profile["sections"] = sections
        profile["indicators"] = [
            _stored_indicator(i, descriptions, indicators) for i in profile.get("indicators", ())
        ]
    extraction = extraction_from_dict(
        {
            "status": row["status"],
            "profile": profile,
            "reasons": json.loads(row["reasons"]),
            "unparsed_lines": json.loads(row["unparsed_lines"]),
            "extractor": row["extractor"],
            "extractor_version": row["extractor_version"],
        }
    )
    return stored_snapshot(row, extraction)


def stored_snapshot(row: Mapping[str, Any], extraction: Extraction) -> StoredSnapshot:
    """A snapshot from its row and the extraction it holds (read back, or just written)."""
    return StoredSnapshot(
        id=row["id"],
        source_id=row["source_id"],
        raw_sha256=row["raw_sha256"],
        captured_at=row["captured_at"],
        last_seen_at=row["last_seen_at"],
        country_slug=row["country_slug"],
        country_name=row["country_name"],
        edition=row["edition"],
        status=extraction.status,
        reasons=extraction.reasons,
        extraction=extraction,
        index_id=row.get("index_id") or "ocindex",
    )


def snapshot_row(
    source: SourceRecord,
    raw_sha256: str,
    extraction: Extraction,
    captured_at: str,
    descriptions: dict[int, str],
) -> dict[str, Any]:
    """The `snapshots` row for a new capture; country and edition fall back to the source's.
    Its indicators' descriptions are added to `descriptions` (key -> text) for the caller
    to store once; their scores are its `scores` rows (`score_rows`)."""
    profile = extraction.profile
    country = profile.country if profile else None
    edition = profile.edition if profile and profile.edition is not None else source.edition
    return {
        "source_id": source.id,
        "raw_sha256": raw_sha256,
        "captured_at": captured_at,
        "last_seen_at": captured_at,
        "country_slug": country.slug if country else source.country_slug,
        "country_name": country.name if country else None,
        "edition": edition,
        "status": extraction.status.value,
        "reasons": _json(extraction.reasons),
        "unparsed_count": len(extraction.unparsed_lines),
        "unparsed_lines": _json(extraction.unparsed_lines),
        "extractor": extraction.extractor,
        "extractor_version": extraction.extractor_version,
        # Compressed: no SQL reads it (the views read the rows beside it).
        "profile": None if profile is None else pack_profile(stored_profile(profile, descriptions)),
        "index_id": profile.index if profile is not None else "ocindex",
    }


def stored_profile(profile: Profile, descriptions: dict[int, str]) -> dict[str, Any]:
    """`compact_profile` of a profile record, its fields left for `_json` to serialise:
    one pass straight to JSON text, no plain copy of the whole profile first (issue 16)."""
    # What the profile's `scores` rows will give back (score_rows stores these fields).
    from_rows = {
        i.key: indicator_from_row(
            i.name, i.pillar, i.score.value, i.score.change, i.score.new_this_edition
        )
        for i in profile.indicators
    }
    named = [{"key": s.key, "title": s.title} for s in profile.sections]
    indicators = [record_fields(i) for i in profile.indicators]
    return record_fields(profile) | {
        "sections": named,
        "indicators": _compact_indicators(indicators, descriptions, from_rows),
    }


def compact_profile(
    profile: dict[str, Any],
    descriptions: dict[int, str],
    from_rows: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    """The profile as stored in its snapshot row: its sections named, their text not
    repeated (it is in `narrative_sections` and `sentences`); each indicator by key, its
    description by `description_id` (NULL for none; the text added to `descriptions`,
    the same few texts every edition), and its name, pillar and score only where its
    `scores` row (`from_rows`, by key, as `indicator_from_row` gives it back) differs."""
    # The oldest profiles may lack either list.
    named = [{"key": s["key"], "title": s["title"]} for s in profile.get("sections", ())]
    indicators = _compact_indicators(profile.get("indicators", ()), descriptions, from_rows)
    return profile | {"sections": named, "indicators": indicators}


def _compact_indicators(
    indicators: Iterable[Mapping[str, Any]],
    descriptions: dict[int, str],
    from_rows: Mapping[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    compact = []
    for indicator in indicators:
        text = indicator.get("description", "")  # absent from the oldest profiles
        key = sentence_id(text) if text else None
        if key is not None:
            descriptions[key] = text
        row = from_rows.get(indicator["key"], {})
        kept = {
            name: value
            for name, value in indicator.items()
            if name == "key"
            or (
                name != "description"
                # Not even a call for its own row's name and pillar (the same objects).
                and (other := row.get(name)) is not value
                and not _same_json(value, other)
            )
        }
        compact.append(kept | {"description_id": key})
    return compact


def indicator_from_row(
    name: str, pillar: str | None, value: float, change: float | None, new_this_edition: int
) -> dict[str, Any]:
    """An indicator's fields as its `scores` row holds them (REAL columns: floats)."""
    score = {
        "value": float(value),
        "change": None if change is None else float(change),
        "new_this_edition": bool(new_this_edition),
    }
    return {"name": name, "pillar": pillar, "score": score}


def _stored_indicator(
    indicator: dict[str, Any],
    descriptions: Mapping[int, str],
    from_rows: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    """A stored indicator whole again: its `scores` row's fields, what the profile kept,
    its description's text (a profile stored before migration 16 has it all itself)."""
    if "description_id" not in indicator:
        return indicator
    kept = {k: v for k, v in indicator.items() if k != "description_id"}
    key = indicator["description_id"]
    text = descriptions[key] if key is not None else ""
    return from_rows.get(indicator["key"], {}) | kept | {"description": text}


# A composite's row name and pillar, and any score's direction (1: higher is worse).
ScoreFacts = tuple[str, str | None, int]
# What names a score's measure (`measures`), against its values (`score_values`).
MEASURE_FIELDS = ("key", "name", "kind", "pillar", "higher_is_worse")


def score_rows(
    snapshot_id: int, profile: Profile, facts: dict[tuple[str, str], ScoreFacts]
) -> list[dict[str, Any]]:
    """One row per score, with its measure's direction as the profile's index declares
    it; a composite's name is its measure's (pages print none). `facts` holds what the
    definition says of each (index, measure) for the caller's snapshots: a release asks
    once per measure, not once per score (WGI: 79,000 scores, 18 measures)."""

    def facts_of(key: str) -> ScoreFacts:
        at = (profile.index, key)
        found = facts.get(at)
        if found is None:
            found = facts[at] = _score_facts(profile.index, key)
        return found

    rows = []
    for key, score in profile.composites.items():
        name, pillar, worse = facts_of(key)
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "key": key,
                "name": name,
                "kind": "composite",
                "pillar": pillar,
                "value": score.value,
                "change": score.change,
                "new_this_edition": int(score.new_this_edition),
                "higher_is_worse": worse,
            }
        )
    rows += [
        {
            "snapshot_id": snapshot_id,
            "key": ind.key,
            "name": ind.name,
            "kind": "indicator",
            "pillar": ind.pillar,
            "value": ind.score.value,
            "change": ind.score.change,
            "new_this_edition": int(ind.score.new_this_edition),
            "higher_is_worse": facts_of(ind.key)[2],
        }
        for ind in profile.indicators
    ]
    return rows


def _score_facts(index_id: str, key: str) -> ScoreFacts:
    definition = find(index_id)
    measure = definition.measure(key) if definition else None
    # Composites carry no printed name: their measure's, else the key in words.
    name = getattr(measure, "name", None) or key.replace("_", " ").capitalize()
    pillar = key if definition and key in definition.pillars() else None
    return name, pillar, int(higher_is_worse(index_id, key))


def category_rows(snapshot_id: int, profile: Profile) -> list[dict[str, Any]]:
    """One row per category and membership, placed in its definition's levels."""
    definition = find(profile.index)
    rows = []
    for key, value in profile.levels().items():
        measure = definition.measure(key) if definition else None
        order = measure.ordered_levels if measure else ()
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "key": key,
                "name": measure.name if measure else key,
                "kind": "membership" if key in profile.memberships else "category",
                "value": value,
                "level": order.index(value) if value in order else None,
                "higher_is_worse": int(measure.higher_is_worse) if measure else None,
            }
        )
    return rows


def rank_rows(snapshot_id: int, profile: Profile) -> list[dict[str, Any]]:
    return [
        {
            "snapshot_id": snapshot_id,
            "composite": r.composite,
            "scope": r.scope,
            "rank": r.rank,
            "out_of": r.out_of,
            "group_name": r.group,
            "movement": r.movement,
        }
        for r in profile.ranks
    ]


# A sentence ends at ., ! or ? and the space after it; splitting there and joining the
# pieces gives the paragraph back exactly.
_SENTENCE_END = re.compile(r"(?<=[.!?]\s)")


def sentence_id(text: str) -> int:
    """A sentence's key: 64 bits of its SHA-256 (as SQLite's signed integer), so the
    same sentence in any edition is one row and its key is the table's rowid."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def split_sentences(paragraph: str) -> list[str]:
    return [piece for piece in _SENTENCE_END.split(paragraph) if piece]


def section_rows(
    snapshot_id: int, sections: Sequence[Section], sentences: dict[int, str]
) -> list[dict[str, Any]]:
    """`narrative_sections` rows, each paragraph a list of sentence keys; the sentences
    are added to `sentences` (key -> text) for the caller to store once."""
    rows = []
    for position, section in enumerate(sections):
        paragraphs = []
        for paragraph in section.paragraphs:
            keys = []
            for text in split_sentences(paragraph):
                key = sentence_id(text)
                sentences[key] = text
                keys.append(key)
            paragraphs.append(keys)
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "position": position,
                "key": section.key,
                "title": section.title,
                "sentences": json.dumps(paragraphs, separators=(",", ":")),
                "passage": passage_id(section.title, section.paragraphs),
            }
        )
    return rows


def passage_id(title: str, paragraphs: Sequence[str]) -> int:
    """A section's text's key (its title and paragraphs), as a sentence's: a section
    unchanged across editions is indexed for search once."""
    return sentence_id("\n".join([title, *paragraphs]))


# Keep non-ASCII text readable in the database (country names, narrative); records are
# written as their fields, as `Extraction.to_dict` gives them. One encoder for all: a
# release writes thousands of rows.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=record_fields)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


_EXACT = frozenset({str, int, bool, type(None)})


def _same_json(a: Any, b: Any) -> bool:
    """`_json(a) == _json(b)` without writing either: a release compares 52,000
    indicators' fields with their `scores` rows' (issue 16, import speed)."""
    if a is b:
        return True
    kind = type(a)
    if kind is type(b) and kind in _EXACT:
        return bool(a == b)
    if kind is float and type(b) is float:
        return repr(a) == repr(b)  # as JSON writes them: 0.0 == -0.0, but not as JSON
    if type(b) is dict and (kind is dict or is_dataclass(a)):
        fields = a if kind is dict else record_fields(a)
        # Leaves are mostly the same objects (`float(x)` of a float is x): no call for them.
        return list(fields) == list(b) and all(
            x is y or _same_json(x, y) for x, y in zip(fields.values(), b.values(), strict=True)
        )
    return _json(a) == _json(b)


# A narrative sentence finding's message as the rules word it and the `findings` view
# writes it back (migration 21): the sentence quoted up to this many characters, cut
# where `str.rstrip` would cut it (these are its whitespace characters).
QUOTED = 160
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def sentence_message(title: str, change: str, old: str, new: str) -> str:
    """A narrative sentence finding's message, as the `findings` view gives it."""
    quoted = new or old
    if len(quoted) > QUOTED:
        quoted = quoted[: QUOTED - 1].rstrip(WHITESPACE) + "…"
    return f"“{title}”: sentence {change}: “{quoted}”"


def finding_fields(
    kind: str, message: str, detail: Mapping[str, Any], sentences: dict[int, str]
) -> tuple[str | None, str, int | None, int | None]:
    """A finding's (message, detail, old_text, new_text) as `finding_rows` stores them.
    A narrative sentence's old and new text are kept by key (`sentences`' ids, the texts
    added to `sentences` for the caller to store once; "" is no key) and its message is
    left to the `findings` view (NULL), when the view gives back exactly this message and
    detail; any other finding is stored as it is."""
    old, new, title, change = (detail.get(k) for k in ("old", "new", "title", "change"))
    if not (
        kind == "narrative"
        and len(detail) > 2  # the view appends old and new to the rest's JSON object
        and list(detail)[-2:] == ["old", "new"]
        and type(old) is str
        and type(new) is str
        and type(title) is str
        and type(change) is str
        # The view quotes the texts with json_quote, which leaves DEL as it is (json.dumps
        # escapes it): such a text is stored as it is, its detail exact.
        and "\x7f" not in old + new
        and sentence_message(title, change, old, new) == message
    ):
        return message, json.dumps(detail, default=str), None, None
    try:  # the view's json_set reads the rest: no NaN, which SQLite's JSON refuses
        kept = json.dumps(
            {k: v for k, v in detail.items() if k not in ("old", "new")},
            default=str,
            allow_nan=False,
        )
    except ValueError:
        return message, json.dumps(detail, default=str), None, None
    old_key, new_key = (sentence_id(t) if t else None for t in (old, new))
    sentences.update({k: t for k, t in ((old_key, old), (new_key, new)) if k is not None})
    return None, kept, old_key, new_key


def finding_from_row(row: dict[str, Any]) -> Finding:
    return Finding(
        row["kind"],
        row["key"],
        row["severity"],
        row["message"],
        row["old"],
        row["new"],
        row["direction"],
        json.loads(row["detail"]),
    )


# What the comparisons table keeps of a comparison: what only its moment knew (the prior
# edition's revisions) and what costs a full narrative diff. The measures' deltas are
# recomputed from the pair's snapshots (`monitor.diff.compare.measured`).
STORED_DELTAS = ("sections", "revisions")


def pack_deltas(comparison: Mapping[str, Any]) -> bytes:
    """A comparison as stored: its `STORED_DELTAS` as JSON, zstd-compressed (a fifth
    of the text's size); one from before revisions were compared has none."""
    return pack_json({key: comparison.get(key, []) for key in STORED_DELTAS})


def pack_json(value: Any) -> bytes:
    """A value as JSON, zstd-compressed: a comparison's deltas, a snapshot's profile."""
    return zstandard.ZstdCompressor(level=3).compress(_json(value).encode())


# A stored profile compressed against `PROFILE_DICTIONARY` starts with this byte (a bare
# zstd frame starts with 0x28).
_PROFILE_DICTIONARY_1 = b"\x01"


@cache
def _profile_dictionary() -> zstandard.ZstdCompressionDict:
    dictionary = zstandard.ZstdCompressionDict(
        PROFILE_DICTIONARY, dict_type=zstandard.DICT_TYPE_RAWCONTENT
    )
    dictionary.precompute_compress(level=3)
    return dictionary


def pack_profile(value: Any) -> bytes:
    """A snapshot's profile as stored: its JSON zstd-compressed against a dictionary of
    profiles (~700 bytes for an OC Index page's 4.6 KB, 1.6 KB without it)."""
    packed = zstandard.ZstdCompressor(level=3, dict_data=_profile_dictionary())
    return _PROFILE_DICTIONARY_1 + packed.compress(_json(value).encode())


def unpack_json(stored: bytes | str) -> Any:
    """A value `pack_json` or `pack_profile` stored, back; plain JSON text as stored
    before (comparisons before migration 12, profiles before migration 20) reads as it
    is."""
    if isinstance(stored, bytes):
        if stored.startswith(_PROFILE_DICTIONARY_1):
            reader = zstandard.ZstdDecompressor(dict_data=_profile_dictionary())
            stored = reader.decompress(stored[1:])
        else:
            stored = zstandard.ZstdDecompressor().decompress(stored)
        stored = stored.decode()
    return json.loads(stored)


def unpack_deltas(stored: bytes | str) -> dict[str, Any]:
    """A stored comparison back (`pack_deltas`)."""
    return dict(unpack_json(stored))


def baselines_after_sql(baselines: str) -> str:
    """An UPDATE recording on each snapshot it selects (append a WHERE clause) the
    baselines `baselines` yields (a subquery of key, value rows that may name
    `snapshots`), as a JSON object of only what its own scores do not say: a key whose
    baseline is not its score, or (null) a key it scores that has no baseline. Most
    snapshots' baselines are their scores (36 of them, ~1 KB of JSON): `{}`.
    `baselines_after_of` reads it back."""
    # Both as objects in key order first: equal, as they mostly are, they need no key by
    # key comparison (a sixth of the cost for WGI's 4,394 first snapshots).
    return (
        "UPDATE snapshots SET baselines_after = CASE WHEN (SELECT json_group_object(key, value)"
        f" FROM (SELECT key, value FROM ({baselines}) ORDER BY key))"
        " = (SELECT json_group_object(key, value) FROM (SELECT key, value FROM scores"
        " WHERE snapshot_id = snapshots.id ORDER BY key)) THEN '{}'"
        " ELSE (SELECT json_group_object(key, value) FROM ("
        f" SELECT b.key AS key, b.value AS value FROM ({baselines}) AS b"
        " WHERE b.value IS NOT (SELECT sc.value FROM scores sc"
        " WHERE sc.snapshot_id = snapshots.id AND sc.key = b.key)"
        " UNION ALL SELECT sc.key, NULL FROM scores sc WHERE sc.snapshot_id = snapshots.id"
        f" AND sc.key NOT IN (SELECT key FROM ({baselines})))) END"
    )


def baselines_after_of(recorded: str, scores: Iterable[tuple[str, float]]) -> dict[str, float]:
    """The baselines `baselines_after_sql` recorded on a snapshot with these scores."""
    baselines = dict(scores)
    for key, value in json.loads(recorded).items():
        if value is None:
            del baselines[key]
        else:
            baselines[key] = value
    return dict(sorted(baselines.items()))


# A narrative sentence finding's key starts with its detail's section and change
# (`monitor.assess.rules`): the findings view writes them back into the detail.
_KEY_WORD = re.compile(r"[A-Za-z0-9_-]+")


def keyed_narrative_detail(key: str, detail: str) -> str:
    """A narrative sentence finding's stored detail (`finding_fields`) without the
    section and change its key starts with, when the findings view writes the same text
    back from the key; else the detail as it is."""
    parts = key.split(":")
    if len(parts) < 3 or not all(_KEY_WORD.fullmatch(p) for p in parts[:2]):
        return detail
    section, change = parts[:2]
    head, tail = f'{{"section": "{section}", ', f', "change": "{change}"}}'
    if detail.startswith(head) and detail.endswith(tail) and len(detail) > len(head + tail):
        return "{" + detail[len(head) : -len(tail)] + "}"
    return detail
