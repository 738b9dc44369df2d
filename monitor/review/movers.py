"""`monitor movers`: the biggest score changes between two editions, across all countries.

Read from the `score_movers` view (each country's edition snapshots, as `monitor diff`
chooses them), so the command and a SQL query over the view always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from monitor.errors import MonitorError
from monitor.indices.catalogue import COMPOSITES, display_name
from monitor.review.keys import PILLARS, sort_key
from monitor.review.where import Where
from monitor.store import Store


@dataclass(frozen=True)
class Mover:
    country: str
    country_name: str | None
    key: str
    name: str
    from_score: float
    to_score: float
    delta: float
    direction: str  # deterioration / improvement / unchanged


@dataclass(frozen=True)
class Movers:
    from_edition: int
    to_edition: int
    where: str | None
    pillars: tuple[str, ...]
    countries: tuple[str, ...]  # countries holding both editions that match `where`
    moves: int  # their moves among the chosen scores, before `top`
    movers: tuple[Mover, ...]  # the biggest of those moves, largest first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def movers(
    store: Store,
    from_edition: int,
    to_edition: int,
    *,
    pillars: Iterable[str] = (),
    top: int = 20,
    where: Where | None = None,
) -> Movers:
    """Moves of the composites (or of the scores of `pillars`: see `keys.PILLARS`) of
    the countries `where` matches, largest first; `top` 0 keeps them all."""
    if from_edition >= to_edition:
        raise MonitorError(f"--from {from_edition} must be an earlier edition than --to")
    pillars = tuple(pillars)
    unknown = [p for p in pillars if p not in PILLARS]
    if unknown:
        raise MonitorError(f"unknown pillar {unknown[0]!r} (known: {', '.join(PILLARS)})")
    keys = frozenset().union(*(PILLARS[p] for p in pillars)) if pillars else set(COMPOSITES)
    rows = store.db.query(
        "SELECT country, country_name, indicator, from_score, to_score, delta, direction"
        " FROM score_movers WHERE from_edition = ? AND to_edition = ?",
        [from_edition, to_edition],
    )
    by_country: dict[str, list[Mover]] = {}
    for r in rows:
        by_country.setdefault(r["country"], []).append(
            Mover(
                r["country"],
                r["country_name"],
                r["indicator"],
                display_name(r["indicator"]),
                r["from_score"],
                r["to_score"],
                r["delta"],
                r["direction"],
            )
        )
    if not by_country:
        raise MonitorError(
            f"no country has complete snapshots of both the {from_edition} and the"
            f" {to_edition} edition"
        )
    matching = sorted(
        country
        for country, moves in by_country.items()
        if where is None or where.matches({m.key: m.delta for m in moves})
    )
    chosen = [m for country in matching for m in by_country[country] if m.key in keys]
    chosen.sort(key=lambda m: (-abs(m.delta), m.country, sort_key(m.key)))
    return Movers(
        from_edition,
        to_edition,
        where.text if where else None,
        pillars,
        tuple(matching),
        len(chosen),
        tuple(chosen[:top] if top else chosen),
    )
