"""`monitor report`: a static HTML page per country, for reading without the tool.

Scores come from the `score_history` view (each edition's snapshot, as `monitor diff`
chooses it); the chart is our own inline SVG (`chart`); narrative changes are
`monitor.diff.text` section deltas between the latest narrative of consecutive editions.
Templates ship in the package and are autoescaped: fetched text never becomes markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.diff.scores import score_direction
from monitor.diff.text import SectionDelta, section_deltas
from monitor.errors import MonitorError
from monitor.formatting import arrow, number
from monitor.indices.catalogue import COMPOSITE_NAMES, display_name
from monitor.models import Section
from monitor.notify.render import COLOURS
from monitor.review.chart import Chart, line_chart
from monitor.review.keys import sort_key
from monitor.store import Store


@dataclass(frozen=True)
class EditionSource:
    """Which snapshot stands for an edition in the report."""

    edition: int
    source: str
    snapshot_id: int
    captured_at: str


@dataclass(frozen=True)
class ScoreLine:
    key: str
    name: str
    composite: bool
    values: tuple[float | None, ...]  # one per edition of the report
    delta: float | None  # the latest edition's score minus the one before
    direction: str


@dataclass(frozen=True)
class NarrativeChange:
    from_edition: int
    to_edition: int
    sections: tuple[SectionDelta, ...]  # the sections that changed


@dataclass(frozen=True)
class CountryReport:
    country: str
    name: str
    editions: tuple[EditionSource, ...]
    chart: Chart
    scores: tuple[ScoreLine, ...]
    narrative: tuple[NarrativeChange, ...]


def country_report(store: Store, country: str) -> CountryReport:
    rows = list(
        store.db.query("SELECT * FROM score_history WHERE country = ? ORDER BY edition", [country])
    )
    if not rows:
        raise MonitorError(f"no complete snapshot of {country} holds scores: nothing to report")
    editions = {
        r["edition"]: EditionSource(r["edition"], r["source"], r["snapshot_id"], r["captured_at"])
        for r in rows
    }
    values: dict[str, dict[int, float]] = {}
    for r in rows:
        values.setdefault(r["indicator"], {})[r["edition"]] = r["score"]
    last = rows[-1]["edition"]
    deltas = {r["indicator"]: r["delta"] for r in rows if r["edition"] == last}
    scores = tuple(
        ScoreLine(
            key,
            display_name(key),
            key in COMPOSITE_NAMES,
            tuple(values[key].get(e) for e in editions),
            delta := deltas.get(key),
            "" if delta is None else score_direction(key, delta),
        )
        for key in sorted(values, key=sort_key)
    )
    return CountryReport(
        country,
        rows[-1]["country_name"] or country,
        tuple(editions.values()),
        line_chart({k: v for k, v in values.items() if k in COMPOSITE_NAMES}),
        scores,
        tuple(_narrative_changes(store, country)),
    )


def _narrative_changes(store: Store, country: str) -> Iterable[NarrativeChange]:
    """Section deltas between consecutive editions' latest complete narratives (a
    workbook snapshot, which has none, is skipped rather than read as all removed)."""
    rows = store.db.execute(
        "SELECT s.edition, s.id FROM snapshots s WHERE s.country_slug = ?"
        " AND s.status = 'complete' AND s.edition IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM sections x WHERE x.snapshot_id = s.id)"
        " ORDER BY s.edition, s.last_seen_at, s.id",
        [country],
    ).fetchall()
    by_edition = dict(rows)  # the last row of an edition is its latest
    for (old_edition, old_id), (new_edition, new_id) in pairwise(sorted(by_edition.items())):
        deltas = section_deltas(_sections(store, old_id), _sections(store, new_id))
        changed = tuple(d for d in deltas if d.status != "same")
        yield NarrativeChange(old_edition, new_edition, changed)


def _sections(store: Store, snapshot_id: int) -> list[Section]:
    rows = store.db.execute(
        "SELECT key, title, paragraphs FROM sections WHERE snapshot_id = ? ORDER BY position",
        [snapshot_id],
    )
    return [Section(key, title, tuple(json.loads(text))) for key, title, text in rows]


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.review", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = number
    env.filters["arrow"] = lambda v: "" if v is None else arrow(v)
    env.globals["colours"] = COLOURS
    return env


def write_reports(
    store: Store, out_dir: Path, countries: Iterable[str] | None = None
) -> list[Path]:
    """One `<country>.html` per country (every country with a complete snapshot when
    `countries` is None) and an `index.html` linking them; returns the pages written."""
    if countries is None:
        countries = [
            r[0]
            for r in store.db.execute(
                "SELECT DISTINCT country FROM edition_snapshots ORDER BY country"
            )
        ]
    reports = [country_report(store, country) for country in countries]  # errors first
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _environment()
    page = env.get_template("report.html.j2")
    written = []
    for report in reports:
        path = out_dir / f"{report.country}.html"
        path.write_text(page.render(report=report), encoding="utf-8")
        written.append(path)
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html.j2").render(reports=reports), encoding="utf-8")
    return [*written, index]
