"""`monitor report`: a static HTML page per country and an overview, for reading without
the tool.

The overview (`index.html`) is a table of every country (region, latest edition, each
index's headline scores with their change and a trend line, rank; watched countries
marked; biggest movers first) under a world map coloured by one measure. A country page
has a section per index holding the country: a chart, every score with its change
shaded by the size of the move, ranks and which way they moved, methodology notes and
the publisher's links; then the state of its latest captures and what the narrative
says differently.

Scores come from the `score_history` view (each edition's snapshot, as `monitor diff`
chooses it), read once for every country; charts and the map are our own inline SVG
(`chart`, `worldmap`). Templates ship in the package and are autoescaped: fetched text
never becomes markup.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.config.settings import Config
from monitor.diff.scores import score_direction
from monitor.diff.text import SectionDelta, section_deltas
from monitor.errors import MonitorError
from monitor.formatting import arrow, minute, number, ordinal, word
from monitor.identity import lookup, territory
from monitor.indices import IndexDefinition, find
from monitor.models import Section
from monitor.notify.render import COLOURS
from monitor.review.chart import Chart, line_chart
from monitor.review.keys import sort_key
from monitor.review.shading import change_shade
from monitor.review.worldmap import Reading, WorldMap, world_map
from monitor.sources import SourceKind, get_kind
from monitor.store import Store

SHOWN_EDITIONS = 5  # edition columns of a score table; the chart shows them all
MAP_BY = ("change", "value")
PRIMARY = "ocindex"  # the index listed first and mapped by default


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
    composite: bool  # a headline, composite or pillar score (set in bold)
    values: tuple[float | None, ...]  # one per shown edition
    delta: float | None  # the latest edition's score minus the one before
    direction: str
    shade: str  # the change cell's background, as strong as the move
    decimals: int  # as the measure is published


@dataclass(frozen=True)
class RankLine:
    measure: str  # what is ranked, e.g. Criminality
    scope: str  # global / continental / regional
    group: str | None
    rank: int
    out_of: int
    previous: int | None  # the rank in the edition before, within the same group
    previous_edition: int | None
    direction: str  # deterioration / improvement / ""

    @property
    def moved(self) -> str:
        """`4 places nearer 1st than in 2023 (81st)`; "" for no earlier rank."""
        if self.previous is None:
            return ""
        places = self.previous - self.rank
        if places == 0:
            return f"unchanged since {self.previous_edition}"
        side = "nearer 1st" if places > 0 else "further from 1st"
        plural = "s" if abs(places) != 1 else ""
        return (
            f"{abs(places)} place{plural} {side} than in {self.previous_edition}"
            f" ({ordinal(self.previous)}), {word(self.direction)}"
        )


@dataclass(frozen=True)
class CategoryLine:
    name: str
    value: str
    previous: str | None
    direction: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class IndexSection:
    """What one index says of the country."""

    index: IndexDefinition
    editions: tuple[EditionSource, ...]
    shown: tuple[int, ...]  # the editions of the score table's columns
    chart: Chart | None
    scores: tuple[ScoreLine, ...]
    ranks: tuple[RankLine, ...]
    categories: tuple[CategoryLine, ...]
    notes: tuple[str, ...]  # methodology notes
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Capture:
    """The state of a watched source's latest capture."""

    key: str
    kind: str
    url: str
    checked_at: str
    outcome: str
    problems: tuple[str, ...]  # incomplete / failed / stale, each with why


@dataclass(frozen=True)
class NarrativeChange:
    from_edition: int
    to_edition: int
    sections: tuple[SectionDelta, ...]  # the sections that changed


@dataclass(frozen=True)
class CountryReport:
    country: str
    name: str
    alpha3: str
    region: str
    watched: bool
    indices: tuple[IndexSection, ...]
    captures: tuple[Capture, ...]
    narrative: tuple[NarrativeChange, ...]


@dataclass(frozen=True)
class Headline:
    """One headline score in the overview: its latest value, change and trend."""

    value: float | None
    delta: float | None
    direction: str
    shade: str
    decimals: int
    edition: int  # the latest edition holding the score (older than the index's: shown)
    trend: str  # SVG polyline points in a TREND_WIDTH x TREND_HEIGHT box; "" for none


@dataclass(frozen=True)
class OverviewRow:
    country: str
    name: str
    region: str
    watched: bool
    latest: int | None  # the mapped index's latest edition
    rank: RankLine | None
    headlines: tuple[Headline | None, ...]  # one per overview column
    move: float  # the mapped measure's move against its significance (sort order)


@dataclass(frozen=True)
class Column:
    index: str
    key: str
    name: str  # what the overview's header and each card call it: `FiW: Total score`
    latest: int  # the index's latest edition in the report


@dataclass(frozen=True)
class Overview:
    columns: tuple[Column, ...]
    rank_name: str  # the rank column's: `OC Index: Criminality rank`
    rows: tuple[OverviewRow, ...]
    map: WorldMap
    attributions: tuple[str, ...]
    generated_at: str


@dataclass(frozen=True)
class ReportOptions:
    """`measure`: the mapped measure as `index:key` (or a key of the OC Index); `by`:
    "change" or "value"; `config`: base URLs, watched countries and staleness."""

    measure: str = "ocindex:criminality"
    by: str = "change"
    config: Config | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


TREND_WIDTH, TREND_HEIGHT = 64, 18


def mapped_measure(text: str) -> tuple[IndexDefinition, str]:
    """`cpi:score`, `criminality` (the OC Index's) -> (definition, key); a clear error
    naming the choices otherwise."""
    index_id, _, key = text.rpartition(":")
    definition = find(index_id or PRIMARY)
    if definition is None:
        raise MonitorError(f"--map {text!r}: no index {index_id!r}")
    measure = definition.by_spelling(key)
    if measure is None or measure.kind != "score":
        known = ", ".join(m.key for m in definition.headline())
        raise MonitorError(f"--map {text!r}: not a score of {definition.id} (e.g. {known})")
    return definition, measure.key


class _Data:
    """Everything the report reads, each query once for every country."""

    def __init__(self, store: Store, countries: Sequence[str] | None) -> None:
        where = ""
        params: list[str] = []
        if countries is not None:
            where = f" WHERE country IN ({', '.join('?' * len(countries))})"
            params = list(countries)
        self.scores = _by_country(
            store,
            "SELECT country, country_name, edition, indicator, name, score, delta, source,"
            f" snapshot_id, captured_at, index_id FROM score_history{where}",
            params,
        )
        self.ranks = _by_country(
            store,
            "SELECT e.country, e.index_id, e.edition, r.composite, r.scope, r.group_name,"
            " r.rank, r.out_of FROM edition_snapshots e"
            f" JOIN ranks r ON r.snapshot_id = e.snapshot_id{where.replace('country', 'e.country')}"
            " ORDER BY e.edition",
            params,
        )
        self.categories = _by_country(
            store,
            "SELECT country, index_id, edition, measure, value, previous_value, direction"
            f" FROM category_history{where} ORDER BY edition",
            params,
        )
        self.sources = _by_country(
            store,
            "SELECT src.country_slug, src.key, src.kind, src.url, src.last_checked_at,"
            " src.last_outcome, src.last_error, src.last_success_at, src.created_at, s.status"
            " FROM sources src LEFT JOIN snapshots s ON s.id = src.current_snapshot_id"
            " ORDER BY src.key",
            [],
        )


def _by_country(store: Store, sql: str, params: Sequence[str]) -> dict[str, list[Any]]:
    """The rows of `sql`, by their first column (a country key)."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in store.db.execute(sql, params):
        grouped[row[0]].append(row)
    return grouped


def _index_order(index_id: str) -> tuple[int, str]:
    return (0 if index_id == PRIMARY else 1), index_id


def _measure_order(definition: IndexDefinition, key: str) -> tuple[int, str]:
    if definition.id == PRIMARY:
        return sort_key(key)
    keys = [m.key for m in definition.measures]
    return (keys.index(key) if key in keys else len(keys)), key


def country_report(
    store: Store, country: str, options: ReportOptions | None = None
) -> CountryReport:
    """One country's report (MonitorError when no complete snapshot holds its scores)."""
    options = options or ReportOptions()
    data = _Data(store, [country])
    return _country_report(store, data, country, options, _watched(options.config))


def _country_report(
    store: Store, data: _Data, country: str, options: ReportOptions, watched: set[str]
) -> CountryReport:
    rows = data.scores.get(country)
    if not rows:
        raise MonitorError(f"no complete snapshot of {country} holds scores: nothing to report")
    by_index: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_index[row[10]].append(row)
    sections = tuple(
        _index_section(country, index_id, by_index[index_id], data, options)
        for index_id in sorted(by_index, key=_index_order)
        if find(index_id) is not None
    )
    identity = lookup(country) or territory(country)
    return CountryReport(
        country,
        next((r[1] for r in reversed(rows) if r[1]), None) or country,
        identity.alpha3 if identity else "",
        _region(data.ranks.get(country, [])),
        country in watched,
        sections,
        tuple(_captures(data.sources.get(country, []), options)),
        tuple(_narrative_changes(store, country)),
    )


def _index_section(
    country: str, index_id: str, rows: list[Any], data: _Data, options: ReportOptions
) -> IndexSection:
    definition = find(index_id)
    assert definition is not None  # the caller keeps known indices only
    editions = {r[2]: EditionSource(r[2], r[7], r[8], r[9]) for r in rows}
    values: dict[str, dict[int, float]] = defaultdict(dict)
    names: dict[str, str] = {}
    deltas: dict[str, float | None] = {}
    last = max(editions)
    for r in rows:
        values[r[3]][r[2]] = r[5]
        measure = definition.measure(r[3])
        names[r[3]] = measure.name if measure else r[4]
        if r[2] == last:
            deltas[r[3]] = r[6]
    shown = tuple(sorted(editions))[-SHOWN_EDITIONS:]
    headline = {m.key for m in definition.headline()}
    scores = []
    for key in sorted(values, key=lambda k: _measure_order(definition, k)):
        measure = definition.measure(key)
        if measure is not None and measure.kind == "rank":
            continue  # ranks have their own table
        delta = deltas.get(key)
        direction = _direction(definition, key, delta)
        significance = measure.significance if measure else 0.0
        scores.append(
            ScoreLine(
                key,
                names[key],
                key in headline
                or (measure is not None and measure.level in ("composite", "pillar")),
                tuple(values[key].get(e) for e in shown),
                delta,
                direction,
                change_shade(delta, direction, significance),
                measure.decimals if measure else 2,
            )
        )
    charted = {k: v for k, v in values.items() if k in headline}
    return IndexSection(
        definition,
        tuple(editions[e] for e in sorted(editions)),
        shown,
        line_chart(charted, scale=_scale(definition, charted), names=names) if charted else None,
        tuple(scores),
        tuple(_ranks(definition, data.ranks.get(country, []), last)),
        tuple(_categories(definition, data.categories.get(country, []), last)),
        tuple(_notes(definition, sorted(editions))),
        tuple(_links(definition, country, last, options.config)),
    )


def _direction(definition: IndexDefinition, key: str, delta: float | None) -> str:
    return score_direction(key, delta, definition.id) if delta else ""


def _scale(definition: IndexDefinition, keys: Iterable[str]) -> tuple[float, float]:
    scales = [m.scale for k in keys if (m := definition.measure(k)) and m.scale]
    if not scales:
        return 1.0, 10.0
    return min(s.min for s in scales), max(s.max for s in scales)


def _ranks(definition: IndexDefinition, rows: list[Any], last: int) -> Iterable[RankLine]:
    mine = [r for r in rows if r[1] == definition.id]
    previous = max((r[2] for r in mine if r[2] < last), default=None)
    before = {(r[3], r[4], r[5]): r[6] for r in mine if r[2] == previous}
    for r in mine:
        if r[2] != last:
            continue
        ranked = definition.measure(r[3])
        earlier = before.get((r[3], r[4], r[5]))
        direction = ""
        if earlier is not None and earlier != r[6]:
            # Rank 1 is the highest score: nearer 1st is worse where higher is worse.
            nearer = r[6] < earlier
            worse = ranked is None or ranked.higher_is_worse
            direction = "deterioration" if nearer == worse else "improvement"
        yield RankLine(
            ranked.name if ranked else r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            earlier,
            previous if earlier is not None else None,
            direction,
        )


def _categories(definition: IndexDefinition, rows: list[Any], last: int) -> Iterable[CategoryLine]:
    for r in rows:
        if r[1] == definition.id and r[2] == last:
            measure = definition.measure(r[3])
            if measure is None:
                yield CategoryLine(r[3], r[4], r[5], r[6])
                continue
            previous = measure.level_name(r[5]) if r[5] is not None else None
            yield CategoryLine(measure.name, measure.level_name(r[4]), previous, r[6])


def _notes(definition: IndexDefinition, editions: list[int]) -> Iterable[str]:
    """The methodology changes between the country's first and last edition, and how to
    read the headline scores."""
    for m in definition.headline():
        if m.scale:
            better = "lower" if m.higher_is_worse else "higher"
            yield f"{m.name}: {m.scale.min:g} to {m.scale.max:g}, {better} is better."
    for edition in editions[1:]:
        added = definition.added_in(edition)
        if added:
            names = ", ".join(m.name for m in added)
            yield f"{edition}: new measures ({names}); earlier editions have none."
        removed = definition.removed_in(edition)
        if removed:
            yield f"{edition}: measures no longer published ({', '.join(m.name for m in removed)})."
        change = definition.change(edition)
        if change is None:
            continue
        if change.groups_redefined:
            yield (
                f"{edition}: ranking groups redefined ({', '.join(change.groups_redefined)});"
                " a regional rank across that break is not a move."
            )
        if change.scale_changed:
            yield f"{edition}: scale changed for {', '.join(change.scale_changed)}."
        if change.note:
            yield f"{edition}: {change.note}"


def _links(
    definition: IndexDefinition, country: str, edition: int, config: Config | None
) -> Iterable[Link]:
    if definition.id == PRIMARY:
        for kind, label in (("ocindex_page", "Country page"), ("ocindex_pdf", "PDF summary")):
            base = config.base_url(kind) if config else None
            try:
                yield Link(f"{label} ({edition})", get_kind(kind, base).url(country, edition))
            except MonitorError:
                continue  # a kind that cannot name this edition's document
    yield Link(f"{definition.publisher}: {definition.name}", definition.home)
    release = definition.source.get("url")
    if release and release != definition.home:
        yield Link("Data release", release)


def _region(rows: list[Any]) -> str:
    """The country's region as the primary index's latest ranks group it, else any's."""
    groups: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: (r[1] == PRIMARY, r[2])):  # latest primary last
        if r[5]:
            groups[r[4]] = r[5]
    return groups.get("regional") or groups.get("continental") or ""


def _captures(rows: list[Any], options: ReportOptions) -> Iterable[Capture]:
    """Sources fetched on their own (a shared document's rows are not captures)."""
    stale_days = options.config.health.stale_days if options.config else 14.0
    for key, kind, url, checked, outcome, error, success, created, status in (r[1:] for r in rows):
        if SourceKind.row_of(url) is not None:
            continue
        problems = []
        if status is not None and status != "complete":
            problems.append(f"incomplete: the current capture is {status.replace('_', ' ')}")
        if outcome == "failed":
            problems.append(f"failed: {error or 'the last check failed'}")
        last_ok = datetime.fromisoformat(success or created)
        if last_ok.tzinfo is None:
            last_ok = last_ok.replace(tzinfo=UTC)
        if options.now - last_ok > timedelta(days=stale_days):
            problems.append(f"stale: not fetched since {minute(success or created)}")
        yield Capture(key, kind, url, minute(checked), outcome or "never checked", tuple(problems))


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


def _watched(config: Config | None) -> set[str]:
    return {s.country for s in config.sources} if config else set()


def _of_index(definition: IndexDefinition, name: str) -> str:
    """A measure's name saying its index, as a card shows it alone: `FiW: Total score`,
    `FSI: Total`; `CPI score` says it already."""
    short = definition.short_name or definition.name
    return name if name.casefold().startswith(short.casefold()) else f"{short}: {name}"


def overview(reports: Sequence[CountryReport], options: ReportOptions) -> Overview:
    mapped, key = mapped_measure(options.measure)
    if options.by not in MAP_BY:
        raise MonitorError(f"--map-by {options.by!r}: one of {', '.join(MAP_BY)}")
    present = sorted({s.index.id for r in reports for s in r.indices}, key=_index_order)
    definitions = [d for i in present if (d := find(i)) is not None]
    latest = {
        i: max(s.editions[-1].edition for r in reports for s in r.indices if s.index.id == i)
        for i in present
    }
    columns = tuple(
        Column(d.id, m.key, _of_index(d, m.name), latest[d.id])
        for d in definitions
        for m in d.headline()
    )
    measure = mapped.measure(key)
    assert measure is not None  # mapped_measure checked it
    significance = measure.significance
    readings: dict[str, Reading] = {}
    rows = []
    for report in reports:
        sections = {s.index.id: s for s in report.indices}
        headlines = tuple(_headline(sections.get(c.index), c.key) for c in columns)
        own = sections.get(mapped.id)
        line = next((s for s in own.scores if s.key == key), None) if own else None
        if line is not None and report.alpha3:
            readings[report.alpha3] = Reading(
                report.name, line.values[-1], line.delta, line.direction
            )
        rank = next((r for r in own.ranks if r.scope == "global"), None) if own else None
        move = abs(line.delta) / significance if line and line.delta and significance else 0.0
        rows.append(
            OverviewRow(
                report.country,
                report.name,
                report.region,
                report.watched,
                own.editions[-1].edition if own else None,
                rank,
                headlines,
                move,
            )
        )
    rows.sort(key=lambda r: (-r.move, r.name))
    ranked = next((r.rank.measure for r in rows if r.rank), None)
    scale = measure.scale
    return Overview(
        columns,
        _of_index(mapped, f"{ranked} rank" if ranked else "Rank"),
        tuple(rows),
        world_map(
            readings,
            measure=f"{mapped.name}, {measure.name}",
            by=options.by,
            significance=significance,
            scale=(scale.min, scale.max) if scale else (0.0, 1.0),
        ),
        tuple(d.attribution for d in definitions),
        minute(options.now.isoformat()),
    )


def _headline(section: IndexSection | None, key: str) -> Headline | None:
    line = next((s for s in section.scores if s.key == key), None) if section else None
    if section is None or line is None:
        return None
    measure = section.index.measure(key)
    low, high = (measure.scale.min, measure.scale.max) if measure and measure.scale else (0, 1)
    history = [
        v for e in section.editions for v in [_value_at(section, key, e.edition)] if v is not None
    ]
    return Headline(
        line.values[-1],
        line.delta,
        line.direction,
        line.shade,
        line.decimals,
        section.editions[-1].edition,
        _trend(history, low, high),
    )


def _value_at(section: IndexSection, key: str, edition: int) -> float | None:
    chart = section.chart
    series = next((s for s in chart.series if s.key == key), None) if chart else None
    point = next((p for p in series.points if p.edition == edition), None) if series else None
    return point.value if point else None


def _trend(values: list[float], low: float, high: float) -> str:
    """A sparkline's points on the measure's own scale, so trends compare across rows."""
    if len(values) < 2 or high <= low:
        return ""
    step = (TREND_WIDTH - 4) / (len(values) - 1)
    return " ".join(
        f"{2 + n * step:.1f},{TREND_HEIGHT - 2 - (v - low) / (high - low) * (TREND_HEIGHT - 4):.1f}"
        for n, v in enumerate(values)
    )


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
    env.filters["ordinal"] = ordinal
    env.filters["word"] = word
    env.globals["colours"] = COLOURS
    env.globals["trend_size"] = (TREND_WIDTH, TREND_HEIGHT)
    return env


def write_reports(
    store: Store,
    out_dir: Path,
    countries: Iterable[str] | None = None,
    options: ReportOptions | None = None,
) -> list[Path]:
    """One `<country>.html` per country (every country with a complete snapshot when
    `countries` is None) and an `index.html` of them all; returns the pages written."""
    options = options or ReportOptions()
    mapped_measure(options.measure)  # a bad --map fails before anything is read
    chosen = None if countries is None else list(countries)
    data = _Data(store, chosen)
    if chosen is None:
        chosen = sorted(data.scores)
    watched = _watched(options.config)
    reports = [_country_report(store, data, c, options, watched) for c in chosen]  # errors first
    summary = overview(reports, options)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _environment()
    page = env.get_template("report.html.j2")
    written = []
    for report in reports:
        path = out_dir / f"{report.country}.html"
        path.write_text(page.render(report=report), encoding="utf-8")
        written.append(path)
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html.j2").render(overview=summary), encoding="utf-8")
    return [*written, index]
