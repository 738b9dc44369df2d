"""A database written by the schema-14 code (indicator descriptions in every profile's
JSON, every narrative section indexed for search) migrates to the store that keeps each
once, and every review command prints exactly what it printed before.

`tests/fixtures/db-v14.sqlite` and the answers beside it were made by
`tests/fixtures/make_db_v12.py 14` with the schema-14 code.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from monitor.store import Store
from monitor.store.records import unpack_json
from tests.fixtures.review_answers import as_recorded, review_answers

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = json.loads((FIXTURES / "db-v14-answers.json").read_text(encoding="utf-8"))


def test_every_review_command_answers_as_before_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "data" / "monitor.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "db-v14.sqlite", path)
    with sqlite3.connect(path) as db:
        profile_bytes = db.execute("SELECT sum(length(profile)) FROM snapshots").fetchone()[0]
        texts = {
            json.loads(i)["description"]
            for (i,) in db.execute(
                "SELECT i.value FROM snapshots s, json_each(s.profile, '$.indicators') AS i"
            )
        } - {""}
        sections = db.execute("SELECT count(*) FROM narrative_sections").fetchone()[0]
        indexed_before = db.execute("SELECT count(*) FROM narrative_fts").fetchone()[0]
    with Store.open(path, create=False) as store:
        # As JSON text (stored zstd-compressed since migration 20).
        profiles = [
            r[0] and json.dumps(unpack_json(r[0]), ensure_ascii=False)
            for r in store.db.execute("SELECT profile FROM snapshots")
        ]
        stored = {r[0] for r in store.db.execute("SELECT text FROM descriptions")}
        distinct = store.db.execute(
            "SELECT count(DISTINCT passage) FROM narrative_sections"
        ).fetchone()[0]
        indexed = store.db.execute("SELECT count(*) FROM narrative_fts").fetchone()[0]
        # Each narrative section is still found by a sentence of its own text.
        unfound = [
            section_id
            for section_id, text in store.db.execute(
                "SELECT section_id, text FROM narrative WHERE text <> ''"
            ).fetchall()
            if section_id
            not in {
                r[0]
                for r in store.db.execute(
                    "SELECT section_id FROM narrative WHERE text_id IN"
                    " (SELECT rowid FROM narrative_fts WHERE narrative_fts MATCH ?)",
                    [" ".join(f'"{w}"' for w in text.split(". ")[0].split())],
                )
            }
        ]
    answers = json.loads(json.dumps(review_answers(path, tmp_path / "scratch")))
    assert set(answers) == set(RECORDED)
    for name, recorded in RECORDED.items():
        assert as_recorded(name, answers[name]) == as_recorded(name, recorded), name
    assert stored == texts and len(texts) > 10  # each description once, all of them
    # The profile JSON keys them (the demo's are short: a sixth of its bytes).
    assert not [t for t in texts for p in profiles if p and json.dumps(t)[1:-1] in p]
    assert sum(len(p or "") for p in profiles) < 0.9 * profile_bytes
    # Sections of an unchanged text (across editions, or page and PDF) indexed once.
    assert indexed_before == sections and indexed == distinct < sections
    assert not unfound, f"sections no search finds: {unfound}"
