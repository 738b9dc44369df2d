"""The conditions sources are in (`source_conditions`), as `monitor.assess.health` records them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from monitor.store.store import Store


def all_conditions(store: Store) -> dict[int, dict[str, tuple[str, dict[str, Any]]]]:
    """source id -> {condition: (since, detail)}, for `monitor status`."""
    found: dict[int, dict[str, tuple[str, dict[str, Any]]]] = {}
    rows = store.query("SELECT source_id, condition, since, detail FROM source_conditions")
    for r in rows:
        detail = json.loads(r["detail"])
        found.setdefault(r["source_id"], {})[r["condition"]] = (r["since"], detail)
    return found


def set_conditions(
    store: Store, source_id: int, current: Mapping[str, dict[str, Any]], now: datetime
) -> None:
    """Make the recorded conditions `current`; call inside a transaction. A condition
    that lasts keeps its `since`."""
    placeholders = ", ".join("?" for _ in current)
    keep = f" AND condition NOT IN ({placeholders})" if current else ""
    store.conn.execute(
        f"DELETE FROM source_conditions WHERE source_id = ?{keep}", [source_id, *current]
    )
    for name, detail in current.items():
        store.conn.execute(
            "INSERT OR IGNORE INTO source_conditions (source_id, condition, since, detail)"
            " VALUES (?, ?, ?, ?)",
            [source_id, name, now.isoformat(), json.dumps(detail, default=str)],
        )
