"""`country_key(text)` in Datasette's SQL: the store's key of the country a name, slug or
ISO code names (`Kyrgyzstan`, `kyrgyzstan`, `KGZ` -> `kyrgyzstan`), the identity every
`monitor` command resolves countries with."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from monitor.identity import canonical_slug


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("country_key", 1, _country_key, deterministic=True)


def _country_key(text: str | None) -> str | None:
    return canonical_slug(text) if text else None
