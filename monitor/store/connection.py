"""The store's connection: opening the file, its transactions and batches, and the
reads every part of the store builds on (`_one`, `query`), backups and counts.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from monitor.errors import StoreError
from monitor.files import private_dir, private_opener, touch_private
from monitor.store.faults import translate
from monitor.store.schema import create_new, is_current, migrate

if TYPE_CHECKING:
    from sqlite_utils import Database

# Passages to index for search: id -> hash, title, text.
Unindexed = dict[int, tuple[int, str, str]]

BUSY_TIMEOUT_MS = 10_000
WAL_CHECKPOINT_PAGES = 8_000  # 32 MB of 4 KB pages
WAL_KEPT_BYTES = 4 * 1024 * 1024
TABLES = (
    "sources",
    "fetch_attempts",
    "raw_documents",
    "snapshots",
    "scores",
    "ranks",
    "sections",
)


class StoreConnection:
    """The open database and its write transactions (one at a time, or batched)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn  # public so reporting modules can run read queries
        self.path = path
        self._batch: _Batch | None = None
        self._writing = False  # inside `transaction()`: a nested one joins it

    @cached_property
    def db(self) -> Database:
        """The connection as a sqlite-utils `Database` (migrations, review, writes built
        on it), made on first use: a cycle that finds nothing new runs on `conn` alone
        and does not load sqlite-utils (~40 ms of its start-up, issue 19)."""
        from sqlite_utils import Database

        return Database(self.conn)

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, read_only: bool = False) -> Self:
        """Open the database at `path` (creating it, unless `create` is false: commands
        that only read refuse a missing one rather than report on an empty one) and bring
        its schema up to date.

        `read_only` opens it for reading only (SQLite's `mode=ro`), beside any writer; the
        one write such an open may make is the schema upgrade after installing a newer
        profile-monitor, done once in a separate read-write open.
        """
        path = Path(path)
        if (read_only or not create) and not path.exists():
            raise StoreError(
                f"no snapshot database at {path}: nothing was stored there yet. Run "
                "`monitor run` (or import-workbook, ingest) first, or point --config or "
                "--data-dir at the one you use"
            )
        if read_only:
            with cls._connect(path, read_only=True) as store:
                current = is_current(store.conn, str(path))
            if not current:
                cls._connect(path, read_only=False).close()  # upgrade the schema once
            return cls._connect(path, read_only=True)
        return cls._connect(path, read_only=False)

    @classmethod
    def _connect(cls, path: Path, *, read_only: bool) -> Self:
        try:
            if read_only:
                conn = _read_only(path)
            else:
                private_dir(path.parent)
                touch_private(path)
                conn = sqlite3.connect(path)
        except OSError as e:
            raise StoreError(f"{path}: cannot open the snapshot database: {e}") from e
        except sqlite3.Error as e:
            raise translate(path, e) from None
        store = cls(conn, path)
        try:
            # Connection settings, each outside any transaction: SQLite ignores
            # foreign_keys and refuses journal_mode changes inside one.
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # As sqlite-utils' `Database` sets it: triggers fire alike whichever made it.
            conn.execute("PRAGMA recursive_triggers = ON")
            if not read_only:
                # A database not ours, or newer, is refused before the first write:
                # switching to WAL mode is one.
                current = is_current(conn, str(path))
                conn.execute("PRAGMA foreign_keys = ON")
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL cannot corrupt the database on a crash; only the
                # last commits may be lost on power failure. It halves each commit's cost.
                conn.execute("PRAGMA synchronous = NORMAL")
                # Statement journals (an INSERT inside a transaction that may need undoing)
                # went to temporary files: ~160 MB of writes in a changed cycle of 193
                # pages. They are small and short-lived: memory is where they belong.
                conn.execute("PRAGMA temp_store = MEMORY")
                # A checkpoint copies every page in the WAL into the database: after each
                # 4 MB (the default) an index page changed by every batch was copied again
                # and again. After 32 MB a changed cycle checkpoints about once; the WAL
                # is cut back to 4 MB after each, so an idle daemon does not keep 32.
                conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
                conn.execute(f"PRAGMA journal_size_limit = {WAL_KEPT_BYTES}")
                # A new database is made in one step, an existing one migrated step by step.
                if not current and not create_new(conn):
                    migrate(store.db, str(path))
        except sqlite3.Error as e:
            conn.close()
            raise translate(path, e) from None
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        # Whatever read or wrote through this store: its SQLite error becomes words.
        if isinstance(exc, sqlite3.Error):
            raise translate(self.path, exc) from None

    def quick_check(self) -> list[str]:
        """SQLite's `PRAGMA quick_check`: the problems found, [] when the file is sound."""
        try:
            rows = [r[0] for r in self.conn.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.Error as e:
            if type(e) is sqlite3.DatabaseError:  # "malformed": damage too bad to list
                return [str(e)]
            raise translate(self.path, e) from None
        return [] if rows == ["ok"] else rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: everything inside commits together or not at all;
        a SQLite error other than a refused row comes out as a `StoreError`.

        BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a
        transaction that reads before it writes cannot fail halfway with SQLITE_BUSY.
        Inside another one, it is part of that one (an import's assessments commit
        together, not one by one). Inside `batched` it is a savepoint of the batch's
        transaction instead: all or nothing still, but durable only once the batch
        commits.
        """
        if self._writing:
            yield
            return
        if self._batch is not None:
            with self._savepoint(self._batch):
                yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self._writing = True
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            finally:
                self._writing = False
        except sqlite3.IntegrityError:
            raise  # a row this code built was refused: the caller knows which
        except sqlite3.Error as e:
            # A full disk, a damaged page, a lock held past busy_timeout: rolled back,
            # and said in words so a cycle can fail this source and go on.
            raise translate(self.path, e) from None

    @contextmanager
    def batched(self, *, writes: int, seconds: float, auto: bool = False) -> Iterator[None]:
        """Transactions inside become savepoints of one transaction, committed by
        `commit_if_due` once it holds `writes` of them or is `seconds` old (or by each
        transaction that finds it due, with `auto`), and on leaving. Each commit rewrites
        the pages it touched into the WAL once, however many captures share them: per
        capture commits wrote each index page again for every source. A crash loses
        the open batch only, whole transactions of it, never part of one.
        """
        if self._batch is not None:
            raise RuntimeError("batches do not nest")
        self._batch = _Batch(writes, seconds, auto)
        try:
            yield
        except BaseException:
            # What completed is whole: kept, unless the database refuses even that.
            with suppress(StoreError):
                self.commit_batch()
            raise
        else:
            self.commit_batch()
        finally:
            self._batch = None

    @property
    def batch_open(self) -> bool:
        """Whether writes wait in an uncommitted batch."""
        return self._batch is not None and self._batch.opened is not None

    def commit_if_due(self) -> None:
        """Commit the open batch if it is full or old enough (see `batched`)."""
        if self._batch is not None and self._batch.due():
            self.commit_batch()

    def commit_batch(self) -> None:
        """Commit the open batch now. A StoreError means none of it was stored: a
        transaction of it failed in a way that rolled the whole batch back, or the
        commit itself failed (rolled back then)."""
        batch = self._batch
        if batch is None:
            return
        lost, batch.lost = batch.lost, None
        opened, batch.opened = batch.opened, None
        unindexed, batch.unindexed = batch.unindexed, {}
        batch.writes = 0
        if lost is not None:
            raise lost
        if opened is None:
            return
        try:
            # In the batch's transaction: a crash before COMMIT loses these passages and
            # their index entries together, and a re-run stores and indexes them again.
            self._index(unindexed)
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise translate(self.path, e) from None

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextmanager
    def _savepoint(self, batch: _Batch) -> Iterator[None]:
        if batch.lost is not None:
            raise batch.lost  # the batch is gone: nothing more joins it until reported
        if batch.opened is None:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise translate(self.path, e) from None
            batch.opened = time.monotonic()
        batch.depth += 1
        try:
            self.conn.execute("SAVEPOINT write")
            try:
                yield
                self.conn.execute("RELEASE write")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK TO write")
                    self.conn.execute("RELEASE write")
                else:
                    # SQLite rolled the whole transaction back (a full disk, an I/O
                    # error can): the batch's earlier writes are lost with this one.
                    batch.opened = None
                    batch.lost = StoreError(
                        f"{self.path}: a batch of checks was not stored: the database"
                        " rolled it back"
                    )
                raise
        except sqlite3.IntegrityError:
            raise  # as in `transaction`
        except sqlite3.Error as e:
            error = translate(self.path, e)
            if batch.lost is not None:
                batch.lost = error  # says why
            raise error from None
        finally:
            batch.depth -= 1
        if batch.depth:
            return  # part of an outer transaction: counted, and committed, with it
        batch.writes += 1
        if batch.auto and batch.due():
            self.commit_batch()

    def _index(self, unindexed: Unindexed) -> None:
        """Index passages for search in one statement, the text as stored here. A passage
        a rolled-back savepoint of the batch stored is no longer in `passages` (or its id
        is another's now): only those still stored as they were are indexed."""
        if not unindexed:
            return
        self.conn.execute(
            "INSERT INTO narrative_fts (rowid, title, text)"
            " SELECT p.id, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j"
            " JOIN passages p ON p.id = j.value ->> 0 AND p.hash = j.value ->> 1",
            [json.dumps([[i, *entry] for i, entry in unindexed.items()], ensure_ascii=False)],
        )

    def backup(self, destination: Path) -> None:
        """A consistent copy of the database while others keep writing (SQLite's online
        backup API: it restarts a step if a writer changed a page it had copied)."""
        try:
            # Made here, 0600 and only if new: a backup holds all the database does.
            os.close(private_opener(str(destination), os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            raise StoreError(f"{destination} exists; back up to a new file") from None
        except OSError as exc:
            raise StoreError(f"cannot write the backup {destination}: {exc.strerror}") from None
        try:
            target = sqlite3.connect(destination)
            try:
                self.conn.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the backup {destination}: {exc}") from None

    @cached_property
    def instance_id(self) -> str:
        """This database's own random id (migration 8)."""
        row = self._one("SELECT id FROM instance", [])
        if row is None:
            raise StoreError(f"{self.path}: the instance id is missing")
        return str(row["id"])

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        # By SQL: `sections` is a view of the narrative since migration 11.
        return {
            name: self.conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES
        }

    def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        # On the connection itself: sqlite-utils' query() costs more than the lookup,
        # and an import or its assessment asks thousands of them (issue 16).
        cursor = self.conn.execute(sql, params)
        row = cursor.fetchone()
        return dict(zip((d[0] for d in cursor.description), row, strict=True)) if row else None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row as a dict, as sqlite-utils' `query` gives them, on the connection
        itself: the reads of a cycle that finds nothing new need no sqlite-utils."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


@dataclass
class _Batch:
    """An open `Store.batched`: its limits, and the transaction it holds."""

    max_writes: int
    seconds: float
    auto: bool
    writes: int = 0
    depth: int = 0  # savepoints open: a nested transaction is part of the outer one
    opened: float | None = None  # monotonic time of its BEGIN; None before a write
    lost: StoreError | None = None  # rolled back by SQLite: owed to the next commit
    unindexed: Unindexed = field(default_factory=dict)  # passages to index at COMMIT

    def due(self) -> bool:
        if self.opened is None:
            return self.lost is not None
        return self.writes >= self.max_writes or time.monotonic() - self.opened >= self.seconds


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection. A reader of a WAL database needs the -shm file, which
    SQLite creates beside the database (0600, like it) if missing; on a read-only file
    system it cannot, and with no -wal left to read (closed cleanly, and no writer can
    be at work there) the file alone is the whole database: open it as immutable."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if os.access(path.parent, os.W_OK) or (wal.exists() and wal.stat().st_size):
            raise
        conn.close()
        conn = sqlite3.connect(f"{uri}&immutable=1", uri=True)
    return conn
