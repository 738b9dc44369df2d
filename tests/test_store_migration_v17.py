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
from pathlib import Path

from monitor.store import Store
from monitor.store.schema import SCHEMA_VERSION, schema_version
from tests.fixtures.review_answers import as_recorded, review_answers

FIXTURES = Path(__file__).parent / "fixtures"
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
