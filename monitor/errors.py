"""The exceptions `monitor` raises; the CLI turns each into a clear message and exit code."""

from __future__ import annotations


class MonitorError(Exception):
    """Base class: anything the CLI reports without a traceback."""

    exit_code = 1


class ConfigError(MonitorError):
    """The config file is missing, unreadable or invalid; names the file and key."""

    exit_code = 2

    def __init__(self, path: str, key: str | None, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")


class FetchError(MonitorError):
    """A URL could not be fetched (after retries); the message says why."""


class NotAProfileError(MonitorError):
    """Input that holds no profile at all where one was required."""


class StoreError(MonitorError):
    """The snapshot database cannot be opened, read or written, or is from a newer
    version; the message names the file and what to do."""


class UnusableDatabaseError(StoreError):
    """Nothing more can be done with the database for now (damaged, or locked by another
    program past the wait): a cycle stops rather than fail every source alike."""


class DamagedDatabaseError(UnusableDatabaseError):
    """The database file is corrupt or not a database: it must be restored."""


class LockedError(MonitorError):
    """Another monitor process holds the data directory's writer lock."""

    exit_code = 3


class DeliveryError(MonitorError):
    """A notification could not be delivered (server down, refused, misconfigured)."""
