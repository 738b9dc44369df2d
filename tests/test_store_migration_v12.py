"""A database written by the schema-12 code (narrative in the profile JSON and in a
`sections` table, raw documents in zlib) migrates to the compact store, and every review
command prints exactly what it printed before.

`tests/fixtures/db-v12.sqlite` and the answers beside it were made by
`tests/fixtures/make_db_v12.py` with the schema-12 code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

from monitor.store import Store
from monitor.store.schema import SCHEMA_VERSION, schema_version
from tests.fixtures.review_answers import as_recorded, review_answers

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = json.loads((FIXTURES / "db-v12-answers.json").read_text(encoding="utf-8"))


def test_every_review_command_answers_as_before_the_migration(tmp_path):
    path = tmp_path / "data" / "monitor.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "db-v12.sqlite", path)
    with sqlite3.connect(path) as db:
        profile_bytes = db.execute("SELECT sum(length(profile)) FROM snapshots").fetchone()[0]
        before = db.execute("SELECT count(*) FROM sections").fetchone()[0]
    with Store.open(path, create=False) as store:
        assert schema_version(store.db) == SCHEMA_VERSION
        counts = store.counts()
        sentences = store.db.execute("SELECT count(*) FROM sentences").fetchone()[0]
        references = store.db.execute(
            # Per section of each snapshot: a passage's keys are stored once (migration 22).
            "SELECT count(*) FROM narrative_sections n JOIN passages ps ON ps.id = n.passage,"
            " json_each(ps.sentences) AS p, json_each(p.value)"
        ).fetchone()[0]
        profiles = store.db.execute("SELECT sum(length(profile)) FROM snapshots").fetchone()[0]
        raw = [r[0] for r in store.db.execute("SELECT sha256 FROM raw_documents")]
        bodies = {sha: hashlib.sha256(store.raw_content(sha)).hexdigest() for sha in raw}
        compressions = {r[0] for r in store.db.execute("SELECT compression FROM raw_documents")}
        deltas = {r[0] for r in store.db.execute("SELECT typeof(deltas) FROM comparisons")}
    answers = json.loads(json.dumps(review_answers(path, tmp_path / "scratch")))
    assert set(answers) == set(RECORDED)
    for name, recorded in RECORDED.items():
        assert as_recorded(name, answers[name]) == as_recorded(name, recorded), name
    assert counts["sections"] == before
    # Two editions of each page, a few sentences edited between them: most stored once.
    assert sentences < 0.7 * references
    assert profiles < 0.6 * profile_bytes  # the narrative left the profile JSON
    assert bodies == {sha: sha for sha in raw} and compressions == {"zstd"}
    assert deltas == {"blob"}  # zstd-compressed JSON; `diff` and digests read them above
