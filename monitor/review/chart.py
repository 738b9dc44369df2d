"""The geometry of a line chart of scores over editions, drawn as inline SVG by the report
template: no script, no font or file fetched, so a report opened offline shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from monitor.indices.catalogue import COMPOSITES, display_name

# The OC Index's scale, the default: a fixed axis keeps every country's chart comparable.
LOW, HIGH = 1.0, 10.0
INSET = 36.0  # pixels between the plot's edges and the first and last edition
LABEL_GAP = 13.0  # pixels between the baselines of two value labels (11px text)

# The composites, in the definition's order, in the Okabe-Ito palette, which colour-blind
# readers can tell apart, with a dash pattern each as well, since colour alone should
# not carry the meaning.
PALETTE = (("#d55e00", ""), ("#e69f00", "7 4"), ("#cc79a7", "2 4"), ("#0072b2", ""))
STYLES: dict[str, tuple[str, str]] = dict(zip(COMPOSITES, PALETTE, strict=False))


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    edition: int
    value: float
    label_x: float  # where its value is written,
    label_y: float
    anchor: str  # as SVG's text-anchor: start, middle or end


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    colour: str
    dash: str  # SVG stroke-dasharray; "" for a solid line
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        """The SVG `points` attribute joining the series' points."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[Series, ...]


def line_chart(
    values: Mapping[str, Mapping[int, float]],
    *,
    width: int = 640,
    height: int = 320,
    scale: tuple[float, float] = (LOW, HIGH),
    names: Mapping[str, str] | None = None,
) -> Chart:
    """A chart of `values` (score key -> edition -> score) on the measures' `scale`,
    with the editions evenly spaced along x; keys styled in `STYLES` come in its
    order, others after them, named by `names` (else the OC Index's catalogue)."""
    low, high = scale
    left, top, right, bottom = 48.0, 20.0, width - 24.0, height - 36.0
    # Points keep clear of the y axis and its labels; a single edition sits in the middle.
    first, last = left + INSET, right - INSET
    editions = sorted({e for by_edition in values.values() for e in by_edition})
    step = (last - first) / (len(editions) - 1) if len(editions) > 1 else 0.0
    x = {e: first + n * step if step else (first + last) / 2 for n, e in enumerate(editions)}

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    ordered = [k for k in STYLES if k in values] + [k for k in values if k not in STYLES]
    labels = {
        e: _labels(editions, e, x[e], {k: y(values[k][e]) for k in ordered if e in values[k]})
        for e in editions
    }
    series = tuple(
        Series(
            key,
            (names or {}).get(key) or display_name(key),
            *STYLES.get(key, ("#555555", "")),
            tuple(Point(x[e], y(v), e, v, *labels[e][key]) for e, v in sorted(values[key].items())),
        )
        for key in ordered
    )
    return Chart(
        width,
        height,
        left,
        top,
        right,
        bottom,
        x_ticks=tuple(Tick(x[e], str(e)) for e in editions),
        y_ticks=tuple(Tick(y(v), f"{v:g}") for v in _ticks(low, high)),
        series=series,
    )


def _ticks(low: float, high: float) -> list[float]:
    """Round values from low to high, at most eleven of them (1-10: every unit;
    0-100: every 10)."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if (high - low) / s <= 10)
    first = -(-low // step) * step  # the first multiple of step at or above low
    return [first + n * step for n in range(int((high - first) // step) + 1)]


def _labels(
    editions: list[int], edition: int, x: float, ys: Mapping[str, float]
) -> dict[str, tuple[float, float, str]]:
    """(x, y, anchor) of each value label at one edition: beside the points at the
    first and last edition (outside the lines), above them in between; stacked at
    least LABEL_GAP apart, top to bottom, so that close scores stay legible."""
    if len(editions) > 1 and edition == editions[0]:
        label_x, anchor, offset = x - 8, "end", 4.0
    elif len(editions) > 1 and edition == editions[-1]:
        label_x, anchor, offset = x + 8, "start", 4.0
    else:
        label_x, anchor, offset = x, "middle", -9.0
    placed: dict[str, tuple[float, float, str]] = {}
    floor = float("-inf")
    for key in sorted(ys, key=ys.__getitem__):
        floor = max(ys[key] + offset, floor + LABEL_GAP)
        placed[key] = (label_x, floor, anchor)
    return placed
