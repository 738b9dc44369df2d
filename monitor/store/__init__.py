"""SQLite snapshot storage; see `schema` for the data model and `Store` for the API."""

from monitor.store.records import Outcome, SavedCapture, SourceRecord, StoredSnapshot
from monitor.store.schema import SCHEMA_VERSION, schema_version
from monitor.store.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "Outcome",
    "SavedCapture",
    "SourceRecord",
    "Store",
    "StoredSnapshot",
    "schema_version",
]
