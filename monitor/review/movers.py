"""`monitor movers`: the biggest score changes between two editions, across all countries.

Read from the `score_movers` view (each country's edition snapshots, as `monitor diff`
chooses them), so the command and a SQL query over the view always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from monitor.errors import MonitorError
from monitor.indices import get
from monitor.indices.catalogue import COMPOSITES
from monitor.indices.definition import IndexDefinition
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
    index: str  # the index whose moves these are
    index_name: str  # its short name (CPI, OC Index)
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
    index: str = "ocindex",
) -> Movers:
    """Moves of `index`'s composites (or, of the OC Index, of the scores of `pillars`:
    see `keys.PILLARS`) of the countries `where` matches, largest first; `top` 0 keeps
    them all."""
    if from_edition >= to_edition:
        raise MonitorError(f"--from {from_edition} must be an earlier edition than --to")
    definition = get(index)
    pillars = tuple(pillars)
    if index != "ocindex" and (pillars or where is not None):
        # Pillar names and --where's score names are the OC Index's.
        raise MonitorError(
            f"--pillar and --where are the OC Index's, not {definition.short_name}'s"
        )
    unknown = [p for p in pillars if p not in PILLARS]
    if unknown:
        raise MonitorError(f"unknown pillar {unknown[0]!r} (known: {', '.join(PILLARS)})")
    keys = frozenset().union(*(PILLARS[p] for p in pillars)) if pillars else _composites(definition)
    rows = store.db.query(
        "SELECT country, country_name, indicator, from_score, to_score, delta, direction"
        " FROM score_movers WHERE from_edition = ? AND to_edition = ? AND index_id = ?",
        [from_edition, to_edition, index],
    )
    by_country: dict[str, list[Mover]] = {}
    for r in rows:
        by_country.setdefault(r["country"], []).append(
            Mover(
                r["country"],
                r["country_name"],
                r["indicator"],
                _name(definition, r["indicator"]),
                r["from_score"],
                r["to_score"],
                r["delta"],
                r["direction"],
            )
        )
    if not by_country:
        raise MonitorError(
            f"no country has complete {definition.short_name} snapshots of both the"
            f" {from_edition} and the {to_edition} edition"
        )
    matching = sorted(
        country
        for country, moves in by_country.items()
        if where is None or where.matches({m.key: m.delta for m in moves})
    )
    chosen = [m for country in matching for m in by_country[country] if m.key in keys]
    chosen.sort(key=lambda m: (-abs(m.delta), m.country, sort_key(m.key)))
    return Movers(
        index,
        definition.short_name,
        from_edition,
        to_edition,
        where.text if where else None,
        pillars,
        tuple(matching),
        len(chosen),
        tuple(chosen[:top] if top else chosen),
    )


def _composites(definition: IndexDefinition) -> frozenset[str]:
    """The scores an index is summed up by: the OC Index's composites and pillars, any
    other index's composite-level scores (CPI's score, WGI's six estimates)."""
    if definition.id == "ocindex":
        return frozenset(COMPOSITES)
    return frozenset(m.key for m in definition.of_kind("score") if m.level == "composite")


def _name(definition: IndexDefinition, key: str) -> str:
    measure = definition.measure(key)
    return measure.name if measure is not None else key
