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

from sqlite_utils import Database, Migrations

from monitor.errors import StoreError
from monitor.store.migrations import STEPS

MIGRATION_SET = "profile-monitor"
SCHEMA_VERSION = len(STEPS)

_migrations = Migrations(MIGRATION_SET)
for _step in STEPS:
    _migrations(name=_step.__name__)(_step)


def schema_version(db: Database) -> int:
    """How many of this set's migrations the database records as applied."""
    return len(_migrations.applied(db))


def migrate(db: Database, path: str, *, read_only: bool = False) -> bool:
    """Apply pending migrations (`read_only`: only say whether some are pending); refuse
    another application's database and one written by a newer schema. True when the
    schema is (now) current."""
    known = {step.__name__ for step in STEPS}
    applied = _migrations.applied(db)
    if not applied and (foreign := _tables(db) - {_migrations.migrations_table}):
        # Tables, but no migration of ours: another program's file, which our tables
        # must not be added to (an empty file, or one left by a crash before migration 1
        # committed, is ours to set up).
        raise StoreError(
            f"{path} is not a profile-monitor database: it holds another application's "
            f"tables ({', '.join(sorted(foreign)[:3])}{', …' if len(foreign) > 3 else ''}) "
            "and was left untouched; check that --config and --data-dir point at the "
            "monitor's database"
        )
    unknown = [m.name for m in applied if m.name not in known]
    if unknown:
        raise StoreError(
            f"{path}: database schema is newer than this profile-monitor understands "
            f"(unknown migrations: {', '.join(unknown)}); upgrade profile-monitor"
        )
    if read_only:
        return len(applied) == len(STEPS)
    _migrations.apply(db)
    return True


def _tables(db: Database) -> set[str]:
    """The database's tables, SQLite's internal ones left out."""
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {name for (name,) in rows}
