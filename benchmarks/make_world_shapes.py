"""Write monitor/review/data/world.json: country outlines as SVG paths, keyed by ISO alpha-3.

Source: the npm package world-atlas 2.0.2 (`npm pack world-atlas@2.0.2`), its
countries-50m.json: Natural Earth's 1:50m admin-0 countries (public domain) as TopoJSON
(ISC licence). Run once, with the unpacked package's path; the report reads only the
output. Projection: equirectangular, Antarctica left out; coordinates rounded to whole
pixels of a 960-wide map (what a report can show), repeated points dropped. A country
too small to keep an outline at that size (Andorra, Tuvalu) keeps its centre, drawn as
a dot.

    python benchmarks/make_world_shapes.py /tmp/world-atlas/package/countries-50m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pycountry

WIDTH = 960
NORTH, SOUTH = 84.0, -58.0  # Antarctica and the empty far north left out
HEIGHT = round(WIDTH * (NORTH - SOUTH) / 360)
OUT = Path(__file__).parent.parent / "monitor/review/data/world.json"
# Natural Earth shapes without an ISO numeric code in world-atlas, by name.
BY_NAME = {"Kosovo": "XKX", "N. Cyprus": None, "Somaliland": None}


def point(lon: float, lat: float) -> tuple[int, int]:
    x = (lon + 180) / 360 * WIDTH
    y = (NORTH - max(SOUTH, min(NORTH, lat))) / (NORTH - SOUTH) * HEIGHT
    return round(x), round(y)


def decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indices: list[int]) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        for lon, lat in arc:
            p = point(lon, lat)
            if not points or points[-1] != p:
                points.append(p)
    return points


def _subpaths(points: list[tuple[int, int]]) -> str:
    """A ring as SVG path data; a ring crossing the antimeridian (Russia, Fiji) jumps
    across the map there, so each side becomes its own closed piece, and the pieces
    joined at the edges fill as one shape."""
    pieces: list[list[tuple[int, int]]] = [[]]
    for p in points:
        if pieces[-1] and abs(p[0] - pieces[-1][-1][0]) > WIDTH / 2:
            pieces.append([])
        pieces[-1].append(p)
    if len(pieces) > 1 and abs(pieces[0][0][0] - pieces[-1][-1][0]) <= WIDTH / 2:
        pieces[0] = pieces.pop() + pieces[0]  # the ring's start is mid-piece
    return "".join("M" + "L".join(f"{x},{y}" for x, y in p) + "Z" for p in pieces if p)


def main(source: Path) -> None:
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = decoded_arcs(topology)
    rings_of: dict[str, list[list[tuple[int, int]]]] = {}
    names: dict[str, str] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        country = (
            pycountry.countries.get(numeric=geometry.get("id", "")) if "id" in geometry else None
        )
        alpha3 = country.alpha_3 if country else BY_NAME.get(name)
        if alpha3 is None or alpha3 == "ATA":
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        # Some codes hold several shapes (Australia and Ashmore and Cartier Islands).
        rings_of.setdefault(alpha3, []).extend(ring(arcs, r) for p in polygons for r in p)
        names.setdefault(alpha3, name)
    shapes: dict[str, dict[str, object]] = {}
    for alpha3, rings in rings_of.items():
        kept = [r for r in rings if len(set(r)) >= 3]
        entry: dict[str, object] = {"name": names[alpha3]}
        if kept:
            entry["d"] = "".join(_subpaths(r) for r in kept)
        else:  # a dot at the centre of its points
            every = [p for r in rings for p in r]
            entry["dot"] = [
                round(sum(x for x, _ in every) / len(every)),
                round(sum(y for _, y in every) / len(every)),
            ]
        shapes[alpha3] = entry
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "width": WIDTH,
        "height": HEIGHT,
        "attribution": "Country outlines: Natural Earth 1:50m (public domain),"
        " via world-atlas 2.0.2 (ISC licence)",
        "countries": dict(sorted(shapes.items())),
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(shapes)} countries, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
