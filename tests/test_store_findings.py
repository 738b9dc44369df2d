"""Findings as stored (migration 21): a narrative sentence's text kept once, by key in
`sentences`, and its message written by the `findings` view; every reader gets back
exactly the finding the rules made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.models import Finding
from monitor.store import Store
from monitor.store.findings import findings, save_source_findings
from monitor.store.records import WHITESPACE

NOW = "2026-01-01T06:00:00+00:00"
# Longer than the 160 characters quoted, whitespace (not only spaces) where it is cut.
LONG = "word " * 31 + "\u00a0 \u2009\u3000" + "and the sentence goes on."


def _sentence(change: str, old: str, new: str, message: str | None = None) -> Finding:
    """A narrative sentence finding worded as the rules word it (unless `message`)."""
    quoted = new or old
    if len(quoted) > 160:
        quoted = quoted[:159].rstrip() + "…"
    detail = {"section": "drugs", "title": "Drugs", "magnitude": 0.056}
    return Finding(
        "narrative",
        f"drugs:{change}:{len(old)}-{len(new)}",
        "low",
        message or f"“Drugs”: sentence {change}: “{quoted}”",
        detail={**detail, "change": change, "old": old, "new": new},
    )


COMPACT = [
    _sentence("added", "", "Pills are diverted from pharmacies."),
    _sentence("removed", LONG, ""),  # quoted up to 160 characters, cut at odd whitespace
    _sentence("reworded", "Côte d’Ivoire’s “hub”.", "Côte d’Ivoire’s hub grew."),
    _sentence("moved", "", 'He said "no" \\ then\tleft.'),
]
AS_THEY_ARE = [
    Finding(
        "narrative",
        "drugs:section_removed",
        "medium",
        "section “Drugs” removed (2 sentences)",
        detail={"section": "drugs", "title": "Drugs", "magnitude": 1.0, "change": "x"},
    ),
    _sentence("added", "", "Worded otherwise.", message="an older wording"),
    Finding("score", "criminality", "high", "Criminality 5.00 → 6.50", 5.0, 6.5, "deterioration"),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data" / "monitor.db") as s:
        yield s


def test_a_narrative_sentence_is_stored_by_key_and_read_back_as_made(store: Store) -> None:
    source = store.ensure_source(
        key="ocindex_page:kyrgyzstan",
        kind="ocindex_page",
        country_slug="kyrgyzstan",
        edition=None,
        url="https://ocindex.net/country/kyrgyzstan",
    )
    with store.transaction():
        save_source_findings(store, source, COMPACT + AS_THEY_ARE, NOW)

    assert findings(store) == COMPACT + AS_THEY_ARE
    rows = store.db.execute("SELECT message, detail FROM finding_rows ORDER BY id").fetchall()
    stored = [message for message, _ in rows]
    assert stored == [None] * len(COMPACT) + [f.message for f in AS_THEY_ARE]
    assert all('"old"' not in detail for _, detail in rows[: len(COMPACT)])
    # SQL users read the columns as before: the message, and the detail as json.dumps
    # wrote it (byte for byte where its text is ASCII).
    view = store.db.execute("SELECT message, detail FROM findings ORDER BY id").fetchall()
    assert [m for m, _ in view] == [f.message for f in COMPACT + AS_THEY_ARE]
    for (_, detail), f in zip(view, COMPACT + AS_THEY_ARE, strict=True):
        assert json.loads(detail) == f.detail
        if detail.isascii():
            assert detail == json.dumps(f.detail)
    assert view[1][0].endswith(" word…”")
    # Each sentence is one row however many findings quote it.
    with store.transaction():
        save_source_findings(store, source, [_again(f) for f in COMPACT], NOW)
    texts = [t for f in COMPACT for t in (f.detail["old"], f.detail["new"]) if t]
    held = store.db.execute(
        "SELECT count(*) FROM sentences WHERE text IN (SELECT value FROM json_each(?))",
        [json.dumps(texts)],
    ).fetchone()[0]
    assert held == len(texts)


def _again(f: Finding) -> Finding:
    return Finding(f.kind, f.key + ":2", f.severity, f.message, detail=f.detail)


def test_sql_still_inserts_into_and_deletes_from_findings(store: Store) -> None:
    source = store.ensure_source(
        key="ocindex_page:ghana",
        kind="ocindex_page",
        country_slug="ghana",
        edition=None,
        url="https://ocindex.net/country/ghana",
    )
    store.db.execute(
        "INSERT INTO findings (id, source_id, country_slug, kind, key, severity, message,"
        " direction, detail, created_at) VALUES (7, ?, 'ghana', 'score', 'criminality',"
        " 'medium', 'm', '', '{}', ?)",
        [source.id, NOW],
    )
    assert findings(store) == [Finding("score", "criminality", "medium", "m", direction="")]
    store.db.execute("DELETE FROM findings WHERE id = 7")
    assert findings(store) == []


def test_an_ascii_detail_reads_back_byte_for_byte_with_any_ascii_character(
    store: Store,
) -> None:
    # json.dumps escapes DEL (\x7f), which SQLite's json_quote leaves as it is.
    source = store.ensure_source(
        key="ocindex_page:ghana",
        kind="ocindex_page",
        country_slug="ghana",
        edition=None,
        url="https://ocindex.net/country/ghana",
    )
    made = [_sentence("added", "", "A stray \x7f character."), *COMPACT[:1]]
    with store.transaction():
        save_source_findings(store, source, made, NOW)
    view = store.db.execute("SELECT detail FROM findings ORDER BY id").fetchall()
    assert [detail for (detail,) in view] == [json.dumps(f.detail) for f in made]


def test_sql_updates_findings_through_the_view(store: Store) -> None:
    # As it could the table: a column set anew, the rest read back as it was (a narrative
    # sentence's message and detail too, until SQL sets one of them).
    source = store.ensure_source(
        key="ocindex_page:ghana",
        kind="ocindex_page",
        country_slug="ghana",
        edition=None,
        url="https://ocindex.net/country/ghana",
    )
    with store.transaction():
        save_source_findings(store, source, COMPACT + AS_THEY_ARE, NOW)
    before = store.db.execute("SELECT * FROM findings ORDER BY id").fetchall()
    store.db.execute("UPDATE findings SET severity = 'high'")
    after = store.db.execute("SELECT * FROM findings ORDER BY id").fetchall()
    assert after == [(*row[:7], "high", *row[8:]) for row in before]
    first = before[0][0]
    store.db.execute("UPDATE findings SET message = 'reworded' WHERE id = ?", [first])
    message, detail = store.db.execute(
        "SELECT message, detail FROM findings WHERE id = ?", [first]
    ).fetchone()
    assert (message, detail) == ("reworded", before[0][12])


def test_the_view_cuts_a_quote_where_str_rstrip_would() -> None:
    # The view's rtrim strips WHITESPACE; the rules cut a long quote with str.rstrip().
    assert set(WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}
