"""`monitor show`'s lead: one country across every index that holds it.

For each index, the edition standing latest (as `show` picks a snapshot: complete
first, then the richest) against the edition before it: the headline measures with
their change, the global ranks of those measures with the places moved, and the
categories and list memberships. Directions come from the index's definition (the OC
Index's rank 1 is the most criminal country, CPI's the least corrupt).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from monitor.diff.categories import category_deltas
from monitor.diff.ranks import RankDelta, declared_regroupings, regrouped
from monitor.diff.scores import measure_name, score_direction
from monitor.formatting import places_moved
from monitor.indices import find, level_name
from monitor.models import Profile
from monitor.review.snapshots import standing_snapshots
from monitor.store import Store


@dataclass(frozen=True)
class HeadlineScore:
    key: str
    name: str
    value: float
    previous: float | None  # in the edition before; None when it is not held
    change: float | None
    direction: str  # deterioration / improvement / unchanged; "" with no previous
    decimals: int  # as the index publishes it (CPI 26, OC Index 5.25)


@dataclass(frozen=True)
class HeadlineRank:
    key: str  # the measure ranked
    name: str
    rank: int
    out_of: int
    previous: int | None  # None: no rank before, or in a group since redefined
    direction: str

    @property
    def places(self) -> int | None:
        """Places moved towards 1st (positive) or away from it."""
        return None if self.previous is None else self.previous - self.rank

    @property
    def moved(self) -> str:
        """`up 9 places`, `down 1 place`, `unchanged`; "" with nothing to compare."""
        return "" if self.places is None else places_moved(self.places)


@dataclass(frozen=True)
class HeadlineLevel:
    key: str
    name: str
    kind: str  # category / membership
    value: str  # as published (`NF`)
    previous: str | None
    direction: str
    label: str = ""  # as the definition names it (`Not Free`)
    previous_label: str | None = None


@dataclass(frozen=True)
class Headline:
    index: str
    index_name: str
    edition: int | None
    previous_edition: int | None
    snapshot_id: int
    scores: tuple[HeadlineScore, ...]
    ranks: tuple[HeadlineRank, ...]
    levels: tuple[HeadlineLevel, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ranks"] = [asdict(r) | {"places": r.places, "moved": r.moved} for r in self.ranks]
        return data


def headline_keys(profile: Profile) -> tuple[str, ...]:
    """The measures that headline the profile's index: the tops of its hierarchy among
    those the definition marks (the OC Index's criminality and resilience, not the
    pillars under criminality; CPI's score)."""
    definition = find(profile.index)
    marked = definition.headline() if definition else ()
    chosen = [m.key for m in marked if m.parent is None] or [m.key for m in marked]
    return tuple(chosen) or tuple(profile.composites)


def country_headlines(store: Store, country: str) -> tuple[Headline, ...]:
    """Every index holding `country`, by name, each with its latest edition's headline."""
    editions: dict[str, list[tuple[int | None, int]]] = {}
    for (index, edition), snapshot_id in standing_snapshots(store, country).items():
        editions.setdefault(index, []).append((edition, snapshot_id))
    found = []
    for index, held in editions.items():
        held.sort(key=lambda e: (e[0] is not None, e[0] or 0))
        profiles = [(e, store.snapshot(i).extraction.profile, i) for e, i in held]
        usable = [(e, p, i) for e, p, i in profiles if p is not None and p.scores()]
        if usable:
            found.append(_headline(index, usable[-1], usable[-2] if len(usable) > 1 else None))
    return tuple(sorted(found, key=lambda h: h.index_name.casefold()))


def _headline(
    index: str,
    latest: tuple[int | None, Profile | None, int],
    before: tuple[int | None, Profile | None, int] | None,
) -> Headline:
    edition, new, snapshot_id = latest
    old = before[1] if before else None
    assert new is not None  # only profiles with scores are passed
    definition = find(index)
    keys = headline_keys(new)
    now, then = new.scores(), old.scores() if old else {}
    scores = []
    for key in keys:
        if key not in now:
            continue
        measure = definition.measure(key) if definition else None
        prior = then.get(key)
        change = None if prior is None else round(now[key] - prior, 2)
        scores.append(
            HeadlineScore(
                key,
                measure_name(key, index),
                now[key],
                prior,
                change,
                "" if change is None else score_direction(key, change, index),
                measure.decimals if measure else 2,
            )
        )
    return Headline(
        index,
        definition.name if definition else index,
        edition,
        before[0] if before else None,
        snapshot_id,
        tuple(scores),
        _ranks(new, old, keys),
        _levels(new, old),
    )


def _ranks(new: Profile, old: Profile | None, keys: tuple[str, ...]) -> tuple[HeadlineRank, ...]:
    """The global ranks of the headline measures, each against the edition before
    unless its group was redefined (then there is no move to speak of)."""
    before = {r.composite: r for r in (old.ranks if old else ()) if r.scope == "global"}
    declared = declared_regroupings(old.edition if old else None, new.edition, new.index)
    found = []
    for rank in new.ranks:
        if rank.scope != "global" or rank.composite not in keys:
            continue
        prior = before.get(rank.composite)
        if prior is not None and regrouped(prior, rank, declared):
            prior = None
        delta = RankDelta(
            rank.composite,
            rank.scope,
            rank.group,
            prior.rank if prior else rank.rank,
            rank.rank,
            rank.out_of,
            None,
            new.index,
        )
        found.append(
            HeadlineRank(
                rank.composite,
                _rank_name(new.index, rank.composite),
                rank.rank,
                rank.out_of,
                prior.rank if prior else None,
                delta.direction if prior else "",
            )
        )
    return tuple(found)


def _rank_name(index: str, key: str) -> str:
    """The rank of `key` as its index names it (`CPI rank`), else `<measure> rank`."""
    definition = find(index)
    ranks = definition.of_kind("rank") if definition else ()
    return next((m.name for m in ranks if m.of == key), f"{measure_name(key, index)} rank")


def _levels(new: Profile, old: Profile | None) -> tuple[HeadlineLevel, ...]:
    """Every category and list membership, with its direction when it changed."""
    before = old.levels() if old else {}
    changed = {d.key: d.direction for d in category_deltas(old, new)} if old else {}
    return tuple(
        HeadlineLevel(
            key,
            measure_name(key, new.index),
            "membership" if key in new.memberships else "category",
            value,
            before.get(key),
            changed.get(key, "unchanged" if key in before else ""),
            level_name(new.index, key, value),
            level_name(new.index, key, before[key]) if key in before else None,
        )
        for key, value in new.levels().items()
    )
