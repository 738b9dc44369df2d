"""The snapshot database's schema: which migrations apply, and whether a file is ours.

The migrations themselves are `monitor.store.migrations`.

Every table is created with explicit column types: sqlite-utils would otherwise guess
types from the first row inserted, and a column first seen as None becomes TEXT.

Timestamps are ISO 8601 text, as the caller passes them (UTC). JSON columns hold text
produced by `json.dumps`.

The schema version is the number of migrations of the `profile-monitor` set recorded in
sqlite-utils' `_sqlite_migrations` table. A database that records a migration this code
does not know was written by a newer profile-monitor; opening it is refused rather than
risking writes the newer schema does not expect. A database with tables but no migration
of ours belongs to another application and is refused untouched.
"""

from __future__ import annotations

import secrets
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import StoreError
from monitor.store.migrations import STEPS

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

MIGRATION_SET = "profile-monitor"
SCHEMA_VERSION = len(STEPS)
MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils' `Migrations` records them
# Every migration's schema at once, generated from them by `monitor.store.schema_dump`.
SCHEMA_FILE = Path(__file__).with_name("schema.sql")


@cache
def migrations() -> Migrations:
    """This set's migrations, built on first use: a cycle whose database is current
    checks `applied` on the plain connection and does not load sqlite-utils (issue 19)."""
    from sqlite_utils import Migrations

    steps = Migrations(MIGRATION_SET)
    for step in STEPS:
        steps(name=step.__name__)(step)
    return steps


def applied(conn: sqlite3.Connection) -> list[str]:
    """The names of this set's migrations the database records, in the order applied
    (as `Migrations.applied` reads them)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    if not exists:
        return []
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
        [MIGRATION_SET],
    )
    return [name for (name,) in rows]


def schema_version(db: Database | sqlite3.Connection) -> int:
    """How many of this set's migrations the database records as applied."""
    return len(applied(db if isinstance(db, sqlite3.Connection) else db.conn))


def is_current(conn: sqlite3.Connection, path: str) -> bool:
    """Whether no migration is pending; refuses another application's database and one
    written by a newer schema. Reads only."""
    done = applied(conn)
    if not done and (foreign := _tables(conn) - {MIGRATIONS_TABLE}):
        # Tables, but no migration of ours: another program's file, which our tables
        # must not be added to (an empty file, or one left by a crash before migration 1
        # committed, is ours to set up).
        raise StoreError(
            f"{path} is not a profile-monitor database: it holds another application's "
            f"tables ({', '.join(sorted(foreign)[:3])}{', …' if len(foreign) > 3 else ''}) "
            "and was left untouched; check that --config and --data-dir point at the "
            "monitor's database"
        )
    known = {step.__name__ for step in STEPS}
    unknown = [name for name in done if name not in known]
    if unknown:
        raise StoreError(
            f"{path}: database schema is newer than this profile-monitor understands "
            f"(unknown migrations: {', '.join(unknown)}); upgrade profile-monitor"
        )
    return len(done) == len(STEPS)


def create_new(conn: sqlite3.Connection) -> bool:
    """Make an empty database current in one transaction from `schema.sql` (the 28
    migrations one by one cost ~35 ms of CPU, the file ~4 ms: issue 19, the cold cycle).
    True if it is current now; False if it was not empty, or if the file predates a
    migration (`migrate` then applies the rest)."""
    if applied(conn) or _tables(conn):
        return False
    # The write lock first, then a second look: another process opening the same new
    # file may have made it meanwhile (it is then current, or migrated on).
    conn.execute("BEGIN IMMEDIATE")
    if applied(conn) or _tables(conn):
        conn.rollback()
        return False
    try:
        statement = ""
        for line in SCHEMA_FILE.read_text(encoding="utf-8").splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                conn.execute(statement)
                statement = ""
        # m008_instance's row: the database's random id, not a part of the schema.
        conn.execute("INSERT INTO instance (id) VALUES (?)", [secrets.token_hex(8)])
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return len(applied(conn)) == len(STEPS)


def migrate(db: Database, path: str) -> None:
    """Apply pending migrations, after `is_current`'s refusals."""
    if not is_current(db.conn, path):
        migrations().apply(db)


def _tables(conn: sqlite3.Connection) -> set[str]:
    """The database's tables, SQLite's internal ones left out."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {name for (name,) in rows}
