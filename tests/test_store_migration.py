"""A database made by the schema-8 release (before index definitions) opens, migrates,
and answers `history`, `movers` and `export` as that release did over it.

`tests/fixtures/db-v8.sqlite` and the release's answers beside it were made by
`tests/fixtures/make_db_v8.py` run with that release's code.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitor.review.export import export_rows
from monitor.review.history import score_history
from monitor.review.movers import movers
from monitor.store import Store
from monitor.store.schema import SCHEMA_VERSION, schema_version
from tests.fixtures.review_answers import without_index

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = json.loads((FIXTURES / "db-v8-answers.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("v8") / "monitor.db"
    shutil.copyfile(FIXTURES / "db-v8.sqlite", path)
    with Store.open(path, create=False) as store:
        assert schema_version(store.db) == SCHEMA_VERSION
    return path


def test_the_fixture_is_a_schema_8_database():
    import sqlite3

    with sqlite3.connect(FIXTURES / "db-v8.sqlite") as db:
        applied = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert len(applied) == 8 and applied[-1] == "m008_instance"


def plain(data: object) -> object:
    """As the recorded answers were saved: JSON (tuples become lists)."""
    return json.loads(json.dumps(data, sort_keys=True))


def test_history_movers_and_export_answer_as_before(migrated):
    with Store.open(migrated, create=False) as store:
        for country, recorded in RECORDED["history"].items():
            answer = without_index(score_history(store, country).to_dict())
            assert plain(answer) == recorded
        for pair, recorded in RECORDED["movers"].items():
            a, b = (int(e) for e in pair.split("-"))
            answer = movers(store, a, b, top=0).to_dict()
            # The index they rank, named since movers took --index.
            assert (answer.pop("index"), answer.pop("index_name")) == ("ocindex", "OC Index")
            assert plain(answer) == recorded
        # The columns recorded then; later ones (names, ISO code, region) are added.
        recorded_columns = list(RECORDED["export"][0])
        exported = [{c: row[c] for c in recorded_columns} for row in export_rows(store)]
        assert plain(exported) == RECORDED["export"]


def test_every_row_is_keyed_by_the_oc_index_with_its_measures_direction(migrated):
    with Store.open(migrated, create=False) as store:
        db = store.db
        assert {r[0] for r in db.execute("SELECT DISTINCT index_id FROM snapshots")} == {"ocindex"}
        assert {r[0] for r in db.execute("SELECT DISTINCT index_id FROM findings")} == {"ocindex"}
        directions = dict(db.execute("SELECT DISTINCT key, higher_is_worse FROM scores"))
        assert directions["resilience"] == 0 and directions["law_enforcement"] == 0
        assert directions["criminality"] == 1 and directions["heroin_trade"] == 1
        assert {r[0] for r in db.execute("SELECT DISTINCT index_id FROM score_movers")} == {
            "ocindex"
        }
        # The findings the old release raised survive, and the store keeps working.
        keys = {r[0] for r in db.execute("SELECT key FROM findings WHERE kind = 'score'")}
        assert keys == {"human_trafficking", "human_smuggling"}
