"""Migration 15: where a raw document came from. Never edited once shipped."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database


def m015_document_origin(db: Database) -> None:
    """`raw_documents.origin`: the URL or file a document was first read from, so that a
    revision can name the release it came in (an imported file keeps its row URLs the
    publisher's). Documents stored before say nothing (NULL)."""
    db.execute("ALTER TABLE raw_documents ADD COLUMN origin TEXT")
