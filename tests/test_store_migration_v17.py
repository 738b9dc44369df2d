"""A database written by the schema-17 code (the store as issue 19's second round found
it) migrates to the current schema, and every review command prints exactly what it
printed before.

`tests/fixtures/db-v17.sqlite` and the answers beside it were made by
`tests/fixtures/make_db_v12.py 17` with the schema-17 code (e28038a).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Any

from monitor.diff.compare import Comparison
from monitor.diff.snapshots import comparison_of
from monitor.store import Store
from monitor.store.findings import baselines_after
from monitor.store.records import unpack_deltas, unpack_json
from monitor.store.schema import SCHEMA_VERSION, schema_version
from tests.fixtures.review_answers import as_recorded, review_answers

FIXTURES = Path(__file__).parent / "fixtures"
# A narrative finding's changes that quote one sentence (its text stored by key).
SENTENCE_CHANGES = {"added", "removed", "reworded", "moved"}
RECORDED = json.loads((FIXTURES / "db-v17-answers.json").read_text(encoding="utf-8"))


def converted(tmp_path: Path) -> Path:
    """A copy of the schema-17 database, opened once (so migrated) by the current code."""
    path = tmp_path / "data" / "monitor.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "db-v17.sqlite", path)
    with Store.open(path, create=False) as store:
        assert schema_version(store.db) == SCHEMA_VERSION
    return path


def test_every_review_command_answers_as_before_the_migration(tmp_path: Path) -> None:
    path = converted(tmp_path)
    answers = json.loads(json.dumps(review_answers(path, tmp_path / "scratch")))
    assert set(answers) == set(RECORDED)
    for name, recorded in RECORDED.items():
        assert as_recorded(name, answers[name]) == as_recorded(name, recorded), name


def test_scores_are_stored_by_measure_and_read_as_before(tmp_path: Path) -> None:
    """Each measure's key, name, kind, pillar and direction stored once; the `scores`
    view gives the schema-17 table's rows, in its order; the values take a fraction of
    the table's pages (its two indexes gone with it)."""
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        rows_before = before.execute("SELECT * FROM scores").fetchall()
        names_before = before.execute(
            "SELECT DISTINCT key, name, kind, pillar, higher_is_worse FROM scores"
        ).fetchall()
    bytes_before = _bytes(
        FIXTURES / "db-v17.sqlite", "scores", "idx_scores_key", "sqlite_autoindex_scores_1"
    )
    path = converted(tmp_path)
    with sqlite3.connect(path) as after:
        assert after.execute("SELECT * FROM scores").fetchall() == rows_before
        measures = after.execute("SELECT key, name, kind, pillar, higher_is_worse FROM measures")
        assert sorted(measures.fetchall(), key=repr) == sorted(names_before, key=repr)
        assert len(names_before) * 5 < len(rows_before)  # measures repeat: worth keying
        index = "SELECT 1 FROM sqlite_master WHERE name = 'idx_scores_key'"
        assert not after.execute(index).fetchall()
    assert _bytes(path, "score_values", "measures", "measures_once") < bytes_before / 2


def test_comparisons_read_back_whole_from_their_narrative_and_their_snapshots(
    tmp_path: Path,
) -> None:
    """A comparison keeps its narrative deltas and revisions; read with its snapshots,
    it is the whole comparison the schema-17 table stored, in fewer bytes."""
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        rows = before.execute("SELECT old_snapshot_id, new_snapshot_id, deltas FROM comparisons")
        whole = {(old, new): unpack_deltas(deltas) for old, new, deltas in rows.fetchall()}
        (bytes_before,) = before.execute("SELECT sum(length(deltas)) FROM comparisons").fetchone()
    path = converted(tmp_path)
    with Store.open(path) as store:
        kept = store.db.execute("SELECT deltas FROM comparisons").fetchall()
        assert {tuple(unpack_deltas(d)) for (d,) in kept} == {("sections", "revisions")}
        (bytes_after,) = store.db.execute("SELECT sum(length(deltas)) FROM comparisons").fetchone()
        read = {pair: as_json(comparison_of(store, *pair)) for pair in whole}
    assert len(whole) > 5 and any(w["sections"] for w in whole.values())
    assert read == whole
    assert bytes_after < 0.7 * bytes_before  # the narrative-heavy demo; 0.27 in a cycle


def as_json(comparison: Comparison) -> object:
    """A comparison in the JSON the comparisons table stored (`dataclasses.asdict`)."""
    return json.loads(json.dumps(asdict(comparison), default=str))


def test_profiles_are_stored_compressed_and_read_as_before(tmp_path: Path) -> None:
    """Each profile's JSON zstd-compressed, the same JSON back, in under half the bytes."""
    query = "SELECT id, profile FROM snapshots WHERE profile IS NOT NULL"
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        texts = dict(before.execute(query).fetchall())
    path = converted(tmp_path)
    with sqlite3.connect(path) as after:
        packed = dict(after.execute(query).fetchall())
    assert {type(p) for p in packed.values()} == {bytes} and len(packed) > 10
    assert {i: unpack_json(p) for i, p in packed.items()} == {
        i: json.loads(t) for i, t in texts.items()
    }
    assert sum(map(len, packed.values())) < sum(len(t.encode()) for t in texts.values()) / 2


def _findings(path: Path) -> list[tuple[int, str, dict[str, Any], str]]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT id, message, detail FROM findings ORDER BY id").fetchall()
    return [(i, message, json.loads(detail), detail) for i, message, detail in rows]


def _bytes(path: Path, *names: str) -> int:
    """Bytes the tables and indexes hold (SQLite's dbstat)."""
    with closing(sqlite3.connect(path)) as conn:
        query = f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({', '.join('?' * len(names))})"
        return int(conn.execute(query, names).fetchone()[0])


def test_findings_read_back_as_stored_from_fewer_bytes(tmp_path: Path) -> None:
    """Migration 21: every finding's message and detail read back as stored before (the
    detail's text too where it is ASCII); each narrative sentence finding's text is kept
    by key; the findings' bytes (table and indexes) shrink by more than a third."""
    before = _findings(FIXTURES / "db-v17.sqlite")
    bytes_before = _bytes(
        FIXTURES / "db-v17.sqlite",
        "findings",
        "sqlite_autoindex_findings_1",
        "idx_findings_source",
        "idx_findings_country",
    )
    path = converted(tmp_path)
    after = _findings(path)
    assert [row[:3] for row in after] == [row[:3] for row in before]
    exact = [a[3] == b[3] for a, b in zip(after, before, strict=True) if a[3].isascii()]
    assert all(exact) and len(exact) > len(before) * 0.9
    with closing(sqlite3.connect(path)) as conn:
        by_key = conn.execute(
            "SELECT count(*) FROM finding_rows WHERE message IS NULL"
            " AND json_extract(detail, '$.old') IS NULL"
        ).fetchone()[0]
    sentences = [d for _, _, d, _ in before if d.get("change") in SENTENCE_CHANGES]
    assert by_key == len(sentences) > 200
    bytes_after = _bytes(
        path, "finding_rows", "sqlite_autoindex_finding_rows_1", "idx_findings_country"
    )
    assert bytes_after < bytes_before * 2 / 3, (bytes_before, bytes_after)


def test_findings_with_odd_details_migrate_and_read_back_as_written(tmp_path: Path) -> None:
    """A finding SQL (or an older release) wrote with a detail that is not JSON, not an
    object, or JSON worded otherwise than json.dumps words it does not stop migration 21
    (the database would not open): it reads back exactly as written."""
    path = tmp_path / "data" / "monitor.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "db-v17.sqlite", path)
    with closing(sqlite3.connect(path)) as conn, conn:
        source, snapshot, detail = conn.execute(
            "SELECT source_id, snapshot_id, detail FROM findings WHERE kind = 'narrative'"
            " AND json_extract(detail, '$.change') = 'added' ORDER BY id LIMIT 1"
        ).fetchone()
        compact = json.dumps(json.loads(detail), separators=(",", ":"))
        odd = {"": "score", "[]": "narrative", "not json": "narrative", '{"a":1}': "score"}
        odd[compact] = "narrative"
        for n, (text, kind) in enumerate(odd.items()):
            conn.execute(
                "INSERT INTO findings (source_id, snapshot_id, kind, key, severity, message,"
                " direction, detail, created_at) VALUES (?, ?, ?, ?, 'low', 'm', '', ?, 't')",
                [source, snapshot, kind, f"odd:{n}", text],
            )
        written = conn.execute(
            "SELECT id, message, detail FROM findings WHERE key LIKE 'odd:%' ORDER BY id"
        ).fetchall()
    with Store.open(path, create=False) as store:
        assert schema_version(store.db) == SCHEMA_VERSION
        rows = store.conn.execute(
            "SELECT id, message, detail FROM findings WHERE key LIKE 'odd:%' ORDER BY id"
        ).fetchall()
    assert rows == written


def test_each_passage_is_stored_once_and_the_views_and_search_answer_as_before(
    tmp_path: Path,
) -> None:
    views = {
        "sections": "SELECT * FROM sections ORDER BY snapshot_id, position",
        "narrative": "SELECT * FROM narrative ORDER BY section_id",
    }
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as db:
        before = {name: db.execute(sql).fetchall() for name, sql in views.items()}
        distinct = db.execute("SELECT count(DISTINCT passage) FROM narrative_sections").fetchone()
        indexed = db.execute("SELECT rowid FROM narrative_fts ORDER BY rowid").fetchall()
        # A section's sentence keys (JSON): for every snapshot, and for each passage once.
        keys = db.execute("SELECT sum(length(sentences)) FROM narrative_sections").fetchone()
        keys_once = db.execute(
            "SELECT sum(length(sentences)) FROM"
            " (SELECT DISTINCT passage, sentences FROM narrative_sections)"
        ).fetchone()
    path = converted(tmp_path)
    with sqlite3.connect(path) as db:
        after = {name: db.execute(sql).fetchall() for name, sql in views.items()}
        passages = db.execute("SELECT count(*) FROM passages").fetchone()
        ids = db.execute("SELECT id FROM passages ORDER BY id").fetchall()
        indexed_after = db.execute("SELECT rowid FROM narrative_fts ORDER BY rowid").fetchall()
        unfound = [
            section_id
            for section_id, text_id, text in db.execute(
                "SELECT section_id, text_id, text FROM narrative WHERE text <> ''"
            ).fetchall()
            if (text_id,)
            not in db.execute(
                "SELECT rowid FROM narrative_fts WHERE narrative_fts MATCH ?",
                [" ".join(f'"{w}"' for w in text.split(". ")[0].split())],
            ).fetchall()
        ]
        keys_after = db.execute("SELECT sum(length(sentences)) FROM passages").fetchone()
    assert len(before["sections"]) > 100 and after == before  # text_id included
    assert passages == distinct and len(ids) < len(before["sections"])
    # The index kept as it was: a passage's id is the row it was indexed under.
    assert indexed_after == indexed == ids
    assert not unfound, f"sections no search finds: {unfound}"
    assert keys_after == keys_once < keys


def test_baselines_after_are_kept_as_what_the_scores_do_not_say(tmp_path: Path) -> None:
    """Migration 24: every snapshot's recorded baselines read back as they were, stored
    as what its own scores do not say (a re-extraction's, a return's), in a fraction
    of the bytes."""
    query = "SELECT id, baselines_after FROM snapshots WHERE baselines_after IS NOT NULL"
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        recorded = {i: json.loads(text) for i, text in before.execute(query).fetchall()}
    path = converted(tmp_path)
    with Store.open(path) as store:
        kept = dict(store.conn.execute(query).fetchall())
        read = {i: baselines_after(store, i) for i in recorded}
    assert read == recorded and len(recorded) > 10
    assert set(kept) == set(recorded)
    assert sum(map(len, kept.values())) < sum(len(json.dumps(r)) for r in recorded.values()) / 5


def test_outbox_items_keep_their_times_without_a_copy_of_them(tmp_path: Path) -> None:
    """Migration 25: each outbox item is owed since its finding was stored, as before,
    with no copy of that time; the pending index holds only what is still owed."""
    query = "SELECT id, channel, finding_id, notification_id FROM outbox ORDER BY id"
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        items = before.execute(query).fetchall()
        times = before.execute("SELECT id, created_at FROM outbox ORDER BY id").fetchall()
        owed = before.execute("SELECT count(*) FROM outbox WHERE notification_id IS NULL")
        (owed_before,) = owed.fetchone()
    path = converted(tmp_path)
    with closing(sqlite3.connect(path)) as after:
        assert after.execute(query).fetchall() == items and len(items) > 10
        assert after.execute("SELECT count(created_at) FROM outbox").fetchone() == (0,)
        read = "SELECT o.id, coalesce(o.created_at, f.created_at) FROM outbox o"
        read += " JOIN findings f ON f.id = o.finding_id ORDER BY o.id"
        assert after.execute(read).fetchall() == times
        (pending,) = after.execute(
            "SELECT count(*) FROM dbstat WHERE name = 'idx_outbox_pending'"
        ).fetchone()
    assert owed_before < len(items) and pending <= 1


def test_narrative_details_keep_no_copy_of_their_key(tmp_path: Path) -> None:
    """Migration 26: a narrative sentence finding's stored detail drops the section and
    change its key starts with; the findings view gives every detail as before."""
    before = _findings(FIXTURES / "db-v17.sqlite")
    path = converted(tmp_path)
    assert [row[:3] for row in _findings(path)] == [row[:3] for row in before]
    with closing(sqlite3.connect(path)) as conn:
        stored = conn.execute(
            "SELECT key, detail FROM finding_rows WHERE message IS NULL"
        ).fetchall()
    keyed = [json.loads(d) for k, d in stored if "section" not in json.loads(d)]
    assert len(keyed) == len(stored) > 200
    assert all(set(d) == {"title", "magnitude"} for d in keyed)


def test_profiles_are_compressed_against_the_profile_dictionary(tmp_path: Path) -> None:
    """Migration 27: every profile recompressed against the dictionary of profiles, the
    same JSON back, in under a quarter of the text's bytes."""
    query = "SELECT id, profile FROM snapshots WHERE profile IS NOT NULL"
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        texts = dict(before.execute(query).fetchall())
    path = converted(tmp_path)
    with closing(sqlite3.connect(path)) as after:
        packed = dict(after.execute(query).fetchall())
    assert all(p.startswith(b"\x01") for p in packed.values()) and len(packed) > 10
    assert {i: unpack_json(p) for i, p in packed.items()} == {
        i: json.loads(t) for i, t in texts.items()
    }
    assert sum(map(len, packed.values())) < sum(len(t.encode()) for t in texts.values()) / 4


def test_baselines_are_kept_without_a_rowid(tmp_path: Path) -> None:
    """Migration 28: the same baselines, the table keyed by source and score alone (no
    second index repeating each key)."""
    query = "SELECT source_id, key, value, snapshot_id, set_at FROM baselines"
    with sqlite3.connect(FIXTURES / "db-v17.sqlite") as before:
        rows = sorted(before.execute(query).fetchall())
    path = converted(tmp_path)
    with closing(sqlite3.connect(path)) as after:
        assert sorted(after.execute(query).fetchall()) == rows and len(rows) > 50
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'baselines'"
        assert after.execute(indexes).fetchall() == []
        assert (
            "WITHOUT ROWID"
            in after.execute("SELECT sql FROM sqlite_master WHERE name = 'baselines'").fetchone()[0]
        )
