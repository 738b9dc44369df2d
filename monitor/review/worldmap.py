"""A world map coloured by one measure (its value or its latest change), as inline SVG.

The outlines ship with the package (`data/world.json`, made by
benchmarks/make_world_shapes.py from Natural Earth's public-domain 1:50m countries):
nothing is fetched, so the report's map works offline. Countries are keyed by ISO
alpha-3; a country too small to draw at this size is a dot, one with no outline at all
(Tuvalu) is named under the map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from monitor.formatting import number, word
from monitor.review.shading import FULL_AT, NO_DATA, change_shade, level_shade


@dataclass(frozen=True)
class Reading:
    """One country's figures for the map: the measure's latest value and its change."""

    name: str
    value: float | None
    delta: float | None
    direction: str


@dataclass(frozen=True)
class Shape:
    alpha3: str
    title: str  # the country and its figure, shown on hover (SVG <title>)
    fill: str
    path: str  # SVG path data; "" for a dot
    dot: tuple[int, int] | None
    has_data: bool


@dataclass(frozen=True)
class LegendEntry:
    fill: str
    label: str


@dataclass(frozen=True)
class WorldMap:
    width: int
    height: int
    caption: str
    shapes: tuple[Shape, ...]
    legend: tuple[LegendEntry, ...]
    undrawn: tuple[str, ...]  # names of countries with data but no outline
    attribution: str


@cache
def _outlines() -> dict[str, Any]:
    text = resources.files("monitor.review").joinpath("data/world.json").read_text("utf-8")
    outlines: dict[str, Any] = json.loads(text)
    return outlines


def world_map(
    readings: Mapping[str, Reading],
    *,
    measure: str,
    by: str,
    significance: float,
    scale: tuple[float, float],
) -> WorldMap:
    """Every outline, filled by `readings` (ISO alpha-3 -> figures): by "change" (the
    direction's colour, as strong as the move against `significance`) or by "value"
    (darker the higher on `scale`)."""
    outlines = _outlines()
    shapes = []
    for alpha3, outline in outlines["countries"].items():
        reading = readings.get(alpha3)
        fill, title = _fill(reading, by, significance, scale), outline["name"]
        if reading is not None:
            title = f"{reading.name}: {_figure(reading, by)}"
        dot = outline.get("dot")
        shapes.append(
            Shape(
                alpha3,
                title,
                fill,
                outline.get("d", ""),
                (dot[0], dot[1]) if dot else None,
                reading is not None and fill != NO_DATA,
            )
        )
    undrawn = tuple(sorted(r.name for a, r in readings.items() if a not in outlines["countries"]))
    caption = f"{measure}: {'latest change' if by == 'change' else 'latest value'}"
    return WorldMap(
        outlines["width"],
        outlines["height"],
        caption,
        tuple(shapes),
        _legend(by, significance, scale),
        undrawn,
        outlines["attribution"],
    )


def _fill(reading: Reading | None, by: str, significance: float, scale: tuple[float, float]) -> str:
    if reading is None:
        return NO_DATA
    if by == "value":
        return level_shade(reading.value, *scale)
    if reading.delta is None:
        return NO_DATA
    shade = change_shade(reading.delta, reading.direction, significance)
    return "#ffffff" if shade == "transparent" else shade


def _figure(reading: Reading, by: str) -> str:
    if by == "value":
        return number(reading.value)
    if reading.delta is None:
        return f"{number(reading.value)}, no earlier edition"
    return (
        f"{number(reading.value)}, {number(reading.delta, signed=True)} ({word(reading.direction)})"
    )


def _legend(by: str, significance: float, scale: tuple[float, float]) -> tuple[LegendEntry, ...]:
    no_data = LegendEntry(NO_DATA, "no data")
    if by == "value":
        low, high = scale
        steps = [low + (high - low) * n / 4 for n in range(5)]
        return (*(LegendEntry(level_shade(v, low, high), f"{v:g}") for v in steps), no_data)
    full, half = FULL_AT * significance, significance
    return (
        LegendEntry(change_shade(full, "deterioration", significance), f"worse by {full:g}+"),
        LegendEntry(change_shade(half, "deterioration", significance), f"worse by {half:g}"),
        LegendEntry("#ffffff", "no change"),
        LegendEntry(change_shade(half, "improvement", significance), f"better by {half:g}"),
        LegendEntry(change_shade(full, "improvement", significance), f"better by {full:g}+"),
        no_data,
    )
