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
from pathlib import Path
from typing import Any

from monitor.store import Store
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


def _findings(path: Path) -> list[tuple[int, str, dict[str, Any], str]]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT id, message, detail FROM findings ORDER BY id").fetchall()
    return [(i, message, json.loads(detail), detail) for i, message, detail in rows]


def _bytes(path: Path, *names: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        query = f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({', '.join('?' * len(names))})"
        return int(conn.execute(query, names).fetchone()[0])


def test_findings_read_back_as_stored_from_fewer_bytes(tmp_path: Path) -> None:
    """Migration 18: every finding's message and detail read back as stored before (the
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
