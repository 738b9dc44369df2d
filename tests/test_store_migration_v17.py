"""A database written by the schema-17 code (the store as issue 19's second round found
it) migrates to the current schema, and every review command prints exactly what it
printed before.

`tests/fixtures/db-v17.sqlite` and the answers beside it were made by
`tests/fixtures/make_db_v12.py 17` with the schema-17 code (e28038a).
"""

from __future__ import annotations

import json
import shutil
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
