"""A new database is made in one step from `schema.sql`, which is generated from the
migrations: the file must be what running every migration gives, and a database made
from it must be the one the migrations make."""

from __future__ import annotations

import sqlite3
import threading

from monitor.store import Store
from monitor.store.migrations import STEPS
from monitor.store.schema import SCHEMA_FILE, applied, migrations
from monitor.store.schema_dump import render, statements


def test_schema_sql_is_what_every_migration_gives():
    # Fails after a migration is added until `python -m monitor.store.schema_dump` is run.
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render()


def _contents(conn: sqlite3.Connection) -> dict[str, object]:
    tables = [
        name
        for _, name, kind, *_ in conn.execute("PRAGMA table_list")
        if kind in ("table", "virtual", "shadow") and not name.startswith("sqlite_")
    ]
    return {
        "schema": statements(conn),
        "migrations": applied(conn),
        "rows": {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
        },
        "fts": conn.execute("SELECT * FROM narrative_fts_config").fetchall(),
    }


def test_a_new_database_is_the_one_the_migrations_make(tmp_path):
    with Store.open(tmp_path / "new.db") as store:
        one_step = _contents(store.conn)
        instance = store.conn.execute("SELECT id FROM instance").fetchall()
    stepwise = sqlite3.connect(tmp_path / "stepwise.db")
    from sqlite_utils import Database

    migrations().apply(Database(stepwise))
    assert one_step == _contents(stepwise)
    assert one_step["migrations"] == [step.__name__ for step in STEPS]
    # Its own random id, as m008_instance gives every database.
    assert len(instance) == 1 and len(instance[0][0]) == 16
    with Store.open(tmp_path / "other.db") as other:
        assert other.conn.execute("SELECT id FROM instance").fetchall() != instance


def test_a_partly_migrated_database_still_migrates_step_by_step(tmp_path):
    path = tmp_path / "old.db"
    from sqlite_utils import Database

    migrations().apply(Database(sqlite3.connect(path)), stop_before=STEPS[10].__name__)
    with Store.open(path) as store:
        assert applied(store.conn) == [step.__name__ for step in STEPS]
        # Recorded one by one by sqlite-utils as they ran (microseconds), none by the
        # file's one step (milliseconds).
        stamps = [r[0] for r in store.conn.execute("SELECT applied_at FROM _sqlite_migrations")]
        assert all(len(stamp) == len("2026-12-07 09:16:01.479940+00:00") for stamp in stamps)


def test_opening_one_new_file_from_several_threads_at_once_makes_it_once(tmp_path):
    path, ready = tmp_path / "shared.db", threading.Barrier(4)
    errors: list[BaseException] = []

    def open_it() -> None:
        ready.wait()
        try:
            Store.open(path).close()
        except BaseException as e:  # reported below: a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(path) as store:
        assert applied(store.conn) == [step.__name__ for step in STEPS]
        assert store.conn.execute("SELECT count(*) FROM instance").fetchone() == (1,)
