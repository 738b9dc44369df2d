"""A digest: the findings owed to one channel, grouped for reading, with their context.

Findings decide what is in a digest; the stored snapshots supply the context around
them (a country's headline scores, as its index's definition names them, and ranks
old → new, the sentences behind a narrative finding; a status or list membership that
changed). A country's findings from every index it is in are grouped under it: one
summary line ("Kyrgyzstan — CPI 27 → 26; Freedom in the World 27 → 26, NF; OC Index
resilience 3.83 → 3.79"), then a section per index. Countries are grouped by region and
ordered by severity, with an overview first, so a new edition published for 193
countries at once reads as one message.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from monitor.config.notify import SEVERITIES
from monitor.diff.compare import Comparison
from monitor.diff.scores import measure_name
from monitor.diff.snapshots import comparison_of
from monitor.diff.text import EditedSentence, SectionDelta
from monitor.identity import lookup
from monitor.indices import IndexDefinition, find
from monitor.models import Finding, Profile
from monitor.sources import kind_label
from monitor.store import Store
from monitor.store.findings import latest_comparison_pair, published_region
from monitor.store.outbox import OwedFinding

SHOWN_SENTENCES = 5  # per list in a narrative change; the rest are counted
# Countries shown in full, most severe first; the rest get one summary row each, so a
# new edition for 193 countries stays a message a mail client will show whole.
DETAILED_COUNTRIES = 10
MOVES = ("score", "rank", "category", "membership")
STATUSES = ("category", "membership")
# Kinds with a section of their own; the rest are listed with source health.
HANDLED = {"score", "rank", "revision", "narrative", "source_health", "methodology", *STATUSES}


@dataclass(frozen=True)
class ScoreLine:
    key: str
    name: str
    old: float | None
    new: float | None
    direction: str

    @property
    def change(self) -> float | None:
        return None if self.old is None or self.new is None else round(self.new - self.old, 2)


@dataclass(frozen=True)
class RankLine:
    name: str  # "Criminality, Central Asia"
    old: int
    new: int
    out_of: int
    direction: str

    @property
    def places(self) -> int:
        return self.old - self.new  # up the table is a lower number


@dataclass(frozen=True)
class Trimmed:
    """A list cut to what a reader will read, with a count of the rest."""

    shown: tuple[str, ...]
    more: int = 0

    @classmethod
    def of(cls, items: Sequence[str]) -> Trimmed:
        return cls(tuple(items[:SHOWN_SENTENCES]), max(0, len(items) - SHOWN_SENTENCES))


@dataclass(frozen=True)
class NarrativeChange:
    key: str
    title: str
    status: str  # changed / renamed / added / removed
    magnitude: float
    added: Trimmed
    removed: Trimmed
    edited: tuple[EditedSentence, ...]
    edited_more: int
    moved: Trimmed = Trimmed(())


@dataclass(frozen=True)
class IndexDigest:
    """One index's part of a country's findings, with the context of its latest
    comparison."""

    index: str  # the definition's id
    name: str  # its short name ("CPI")
    severity: str
    old_edition: int | None
    new_edition: int | None
    incomplete: bool  # its context involves a capture that is not complete
    headline: tuple[ScoreLine, ...]
    ranks: tuple[RankLine, ...]
    moved: tuple[ScoreLine, ...]
    methodology: tuple[ScoreLine, ...]  # indicators added or removed by a methodology
    statuses: tuple[Finding, ...]  # a category level changed, a list membership gained or lost
    revisions: tuple[Finding, ...]
    narrative: tuple[NarrativeChange, ...]
    summary: str  # "CPI 27 → 26", "Freedom in the World 27 → 26, NF"
    items: tuple[OwedFinding, ...] = field(repr=False)
    links: tuple[tuple[str, str], ...] = ()  # (what, URL): the publisher's documents
    snapshots: tuple[int, ...] = ()  # our stored copies compared, old then new


@dataclass(frozen=True)
class CountryDigest:
    country: str
    name: str
    region: str
    severity: str  # the highest of its findings
    indices: tuple[IndexDigest, ...]  # most severe first, then by name
    health: tuple[Finding, ...]
    other: tuple[Finding, ...]  # kinds this digest has no section for
    items: tuple[OwedFinding, ...] = field(repr=False)
    detailed: bool = True  # shown in full, or as one summary row

    @property
    def summary(self) -> str:
        """One line across its indices: "Kyrgyzstan — CPI 27 → 26; OC Index …"."""
        said = "; ".join(i.summary for i in self.indices if i.summary)
        return f"{self.name} — {said}" if said else self.name

    @property
    def lead(self) -> IndexDigest | None:
        """The index whose findings weigh most: its editions speak for the country."""
        return self.indices[0] if self.indices else None

    @property
    def old_edition(self) -> int | None:
        return self.lead.old_edition if self.lead else None

    @property
    def new_edition(self) -> int | None:
        return self.lead.new_edition if self.lead else None

    @property
    def incomplete(self) -> bool:
        return any(i.incomplete for i in self.indices)

    @property
    def headline(self) -> tuple[ScoreLine, ...]:
        return tuple(line for i in self.indices for line in i.headline)

    @property
    def moved(self) -> tuple[ScoreLine, ...]:
        return tuple(line for i in self.indices for line in i.moved)

    @property
    def narrative(self) -> tuple[NarrativeChange, ...]:
        return tuple(n for i in self.indices for n in i.narrative)

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        return tuple(dict.fromkeys(link for i in self.indices for link in i.links))

    @property
    def moved_anything(self) -> bool:
        return any(i.finding.kind in MOVES for i in self.items)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.finding.kind == kind)


@dataclass(frozen=True)
class RegionSummary:
    region: str
    countries: tuple[str, ...]  # names
    severities: dict[str, int]  # findings per severity


@dataclass(frozen=True)
class Digest:
    channel: str
    created_at: str
    countries: tuple[CountryDigest, ...]
    regions: tuple[RegionSummary, ...]
    full_copy: str = ""  # where the whole digest is, when this one is cut to fit an inbox
    test: bool = False  # `monitor notify test`'s message: no findings, said to be a test

    @property
    def overview(self) -> tuple[CountryDigest, ...]:
        """Every country, most severe first: the table a digest opens with."""
        return tuple(sorted(self.countries, key=lambda c: (-SEVERITIES.index(c.severity), c.name)))

    def cut(self, full_copy: str) -> Digest:
        """The overview alone, pointing at the whole digest written elsewhere."""
        brief = tuple(replace(c, detailed=False) for c in self.countries)
        return replace(self, countries=brief, full_copy=full_copy)

    @property
    def items(self) -> tuple[OwedFinding, ...]:
        return tuple(i for c in self.countries for i in c.items)

    @property
    def brief(self) -> tuple[CountryDigest, ...]:
        """The countries shown as one summary row each."""
        return tuple(c for c in self.countries if not c.detailed)

    @property
    def severities(self) -> dict[str, int]:
        counts = Counter(i.finding.severity for i in self.items)
        return {s: counts[s] for s in reversed(SEVERITIES) if counts[s]}

    @property
    def subject(self) -> str:
        return digest_subject(self)


def build_digest(store: Store, channel: str, items: Sequence[OwedFinding], now: str) -> Digest:
    pair = cache(lambda source_key: latest_comparison_pair(store, source_key))
    region = cache(lambda country: published_region(store, country))
    url = cache(lambda source_key: _source_link(store, source_key))
    by_country: dict[str, list[OwedFinding]] = defaultdict(list)
    for item in items:
        by_country[item.country or item.source_key].append(item)
    countries = []
    for slug, found in by_country.items():
        # Each country's snapshots and comparisons are its own: read for it alone, and
        # let go before the next (a new edition's 193 comparisons with their narrative
        # deltas held at once were ~35 MB; issue 19, the digest's memory).
        comparison, profile = _readers(store)
        countries.append(_country(slug, found, comparison, profile, pair, region, url))
    by_weight = sorted(countries, key=lambda c: (-SEVERITIES.index(c.severity), -len(c.items)))
    brief = {c.country for c in by_weight[DETAILED_COUNTRIES:]}
    countries = [replace(c, detailed=c.country not in brief) for c in countries]
    countries.sort(key=lambda c: (c.region, -SEVERITIES.index(c.severity), c.name))
    return Digest(channel, now, tuple(countries), _regions(countries))


def _readers(
    store: Store,
) -> tuple[Callable[[int, int], Comparison], Callable[[int], Profile | None]]:
    """Comparisons and profiles by snapshot id: what assessment stored (recomputing costs
    a full narrative diff per country). Each snapshot read once, for both; without the
    narrative, which the stored comparison holds the deltas of (issue 19, cycle CPU)."""
    snapshot = cache(store.snapshot_measures)
    comparison = cache(lambda old, new: comparison_of(store, old, new, snapshot))
    profile = cache(lambda snapshot_id: snapshot(snapshot_id).extraction.profile)
    return comparison, profile


def _country(
    slug: str,
    items: list[OwedFinding],
    comparison: Callable[[int, int], Comparison],
    profile: Callable[[int], Profile | None],
    latest_pair: Callable[[str], tuple[int, int] | None],
    published_region: Callable[[str], str | None],
    link: Callable[[str], tuple[str, str] | None],
) -> CountryDigest:
    # Context: the comparison a finding is about; for findings about a source itself
    # (source health), that source's latest comparison. Each index's findings are read
    # against its own latest comparison.
    by_index: dict[str | None, list[tuple[OwedFinding, tuple[int, int] | None]]]
    by_index = defaultdict(list)
    for item in items:
        about = (
            (item.base_snapshot_id, item.snapshot_id)
            if item.snapshot_id is not None and item.base_snapshot_id is not None
            else latest_pair(item.source_key)
        )
        index = comparison(*about).index if about else None
        by_index[index].append((item, about))
    sections = [
        _index_section(index, found, comparison, profile, link)
        for index, found in by_index.items()
        if index is not None
    ]
    sections.sort(key=lambda i: (-SEVERITIES.index(i.severity), i.name))
    findings = [i.finding for i in items]
    latest = max((s.snapshots[-1] for s in sections if s.snapshots), default=None)
    current = profile(latest) if latest is not None else None
    return CountryDigest(
        country=slug,
        name=current.country.name if current and current.country else _name(slug),
        region=_region(current) or published_region(slug) or "Region not published",
        severity=max((f.severity for f in findings), key=SEVERITIES.index),
        indices=tuple(sections),
        health=tuple(f for f in findings if f.kind == "source_health"),
        other=tuple(f for f in findings if f.kind not in HANDLED),
        items=tuple(items),
    )


def _index_section(
    index: str,
    found: list[tuple[OwedFinding, tuple[int, int] | None]],
    comparison: Callable[[int, int], Comparison],
    profile: Callable[[int], Profile | None],
    link: Callable[[str], tuple[str, str] | None],
) -> IndexDigest:
    items = [item for item, _ in found]
    base, latest = max((pair for _, pair in found if pair), key=lambda pair: pair[1])
    context = comparison(base, latest)
    findings = [i.finding for i in items]
    scores = {f.key: f for f in findings if f.kind == "score"}
    narrative = {f.detail.get("section", f.key) for f in findings if f.kind == "narrative"}
    headline = _headline(context)
    shown = {line.key for line in headline} | _headline_keys(index)
    definition = find(index)
    statuses = tuple(f for f in findings if f.kind in STATUSES)
    return IndexDigest(
        index=index,
        name=(definition.short_name or definition.name) if definition else index,
        severity=max((f.severity for f in findings), key=SEVERITIES.index),
        old_edition=context.old_edition,
        new_edition=context.new_edition,
        incomplete=context.against_incomplete,
        headline=headline,
        ranks=_ranks(context),
        moved=tuple(
            ScoreLine(f.key, measure_name(f.key, index), f.old, f.new, f.direction)
            for f in scores.values()
            if f.key not in shown
        ),
        methodology=tuple(
            ScoreLine(d.key, d.name, d.old, d.new, d.kind)
            for d in context.scores
            if d.kind in ("added", "removed")
        ),
        statuses=statuses,
        revisions=tuple(f for f in findings if f.kind == "revision"),
        narrative=tuple(_narrative(s) for s in context.sections if s.key in narrative),
        summary=_summary(
            definition,
            headline,
            [i.finding for i, pair in found if pair == (base, latest)],
            profile(latest),
        ),
        items=tuple(items),
        links=tuple(dict.fromkeys(found for i in items if (found := link(i.source_key)))),
        snapshots=(base, latest),
    )


def _summary(
    definition: IndexDefinition | None,
    headline: tuple[ScoreLine, ...],
    latest: list[Finding],
    current: Profile | None,
) -> str:
    """An index's part of a country's summary line, of its latest comparison (a first
    import of a long release has findings for many editions): the headline scores
    alerted (else those that changed), old → new as the findings say, then its category
    levels as the definition names them ("Not Free", or "Partly Free → Not Free" when it
    changed) and list changes."""
    if definition is None:
        return ""
    scores = {f.key: f for f in latest if f.kind == "score"}
    statuses = [f for f in latest if f.kind in STATUSES]
    alerted = [line for line in headline if line.key in scores]
    lines = alerted or [line for line in headline if line.change]
    named = len(definition.headline()) > 1  # one headline measure: the index's name says it
    parts = []
    for line in lines:
        finding = scores.get(line.key)
        old, new = (finding.old, finding.new) if finding else (line.old, line.new)
        label = f"{line.name.lower()} " if named else ""
        measure = definition.measure(line.key)
        places = measure.decimals if measure and measure.decimals is not None else 2
        parts.append(f"{label}{old:.{places}f} → {new:.{places}f}")
    changed = {f.key: f.detail for f in statuses if f.kind == "category"}
    for measure in definition.of_kind("category"):
        if measure.key in changed:
            was, now = changed[measure.key]["from"], changed[measure.key]["to"]
            parts.append(f"{measure.level_name(was)} → {measure.level_name(now)}")
        elif current is not None and measure.key in current.categories:
            parts.append(measure.level_name(current.categories[measure.key]))
    # "added to the list: Watch list", its direction left to the section below
    parts += [f.message.rsplit(" (", 1)[0] for f in statuses if f.kind == "membership"]
    return f"{definition.short_name or definition.name} {', '.join(parts)}" if parts else ""


def _source_link(store: Store, source_key: str) -> tuple[str, str] | None:
    """(what it is, URL) of a source's document, e.g. ("profile page", "https://…")."""
    source = store.source(source_key)
    if source is None or not source.url.startswith(("http://", "https://")):
        return None
    return (kind_label(source.kind), source.url)


def _name(slug: str) -> str:
    known = lookup(slug)
    return known.name if known else slug.replace("_", " ").title()


def _headline_keys(index: str) -> set[str]:
    definition = find(index)
    return {m.key for m in definition.headline()} if definition else set()


def _headline(context: Comparison | None) -> tuple[ScoreLine, ...]:
    """The index's headline measures both captures show: a value a broken capture lacks
    is no news."""
    if context is None or (definition := find(context.index)) is None:
        return ()
    deltas = {d.key: d for d in context.scores if d.change is not None}
    return tuple(
        ScoreLine(m.key, m.name, deltas[m.key].old, deltas[m.key].new, deltas[m.key].direction)
        for m in definition.headline()
        if m.key in deltas
    )


def _ranks(context: Comparison | None) -> tuple[RankLine, ...]:
    return tuple(
        RankLine(
            f"{measure_name(r.composite, r.index)}, {r.group or 'global'}",
            r.old,
            r.new,
            r.out_of,
            r.direction,
        )
        for r in (context.ranks if context else ())
    )


def _narrative(s: SectionDelta) -> NarrativeChange:
    return NarrativeChange(
        key=s.key,
        title=s.new_title or s.old_title or measure_name(s.key),
        status=s.status,
        magnitude=s.magnitude,
        added=Trimmed.of(s.added),
        removed=Trimmed.of(s.removed),
        edited=s.edited[:SHOWN_SENTENCES],
        edited_more=max(0, len(s.edited) - SHOWN_SENTENCES),
        moved=Trimmed.of(s.moved),
    )


def _region(profile: Profile | None) -> str | None:
    """The regional rank group (e.g. Central Asia), else the continental one."""
    groups = {r.scope: r.group for r in (profile.ranks if profile else ()) if r.group}
    return groups.get("regional") or groups.get("continental")


def _regions(countries: Sequence[CountryDigest]) -> tuple[RegionSummary, ...]:
    grouped: dict[str, list[CountryDigest]] = defaultdict(list)
    for c in countries:
        grouped[c.region].append(c)
    summaries = []
    for region, members in grouped.items():
        counts = Counter(i.finding.severity for c in members for i in c.items)
        severities = {s: counts[s] for s in reversed(SEVERITIES) if counts[s]}
        summaries.append(RegionSummary(region, tuple(c.name for c in members), severities))
    return tuple(summaries)


def digest_subject(digest: Digest) -> str:
    """What moved, e.g. "2 countries moved — Kyrgyzstan criminality 5.32 → 5.25"."""
    if digest.test:
        return f"Test message from profile-monitor: channel {digest.channel!r} works"
    movers = [c for c in digest.countries if c.moved_anything]
    ranked = sorted(movers or digest.countries, key=lambda c: -SEVERITIES.index(c.severity))
    if not ranked:
        return "No findings"
    top = ranked[0]
    editions = {c.new_edition for c in digest.countries if c.new_edition != c.old_edition}
    edition = max((e for e in editions if e), default=None)
    if movers:
        line = _top_move(top)
        if edition is not None:  # a new edition is news in itself: named first
            n = len(movers)
            head = f"{edition} edition published: {n} of your countries moved"
            return f"{head} — {top.name} {line}"
        head = f"{len(movers)} countries moved" if len(movers) > 1 else f"{top.name} moved"
        lead = f"{top.name} {line}" if len(movers) > 1 else line
        return f"{head} — {lead}"
    count = len(digest.items)
    first = top.items[0].finding.message
    return f"{count} finding{'s' * (count != 1)} — {top.name}: {first}"[:200]


def _top_move(country: CountryDigest) -> str:
    """The alerted score to name first: composites before indicators, biggest first."""
    for index in country.indices:  # the most severe index first
        alerted = {i.finding.key for i in index.items if i.finding.kind == "score"}
        # Which index, when the country is in more than one ("Freedom in the World total…").
        named = f"{index.name} " if len(country.indices) > 1 else ""
        for lines in (index.headline, index.moved):
            moved = [line for line in lines if line.key in alerted and line.change]
            if moved:
                line = max(moved, key=lambda m: abs(m.change or 0))
                return f"{named}{line.name.lower()} {line.old:.2f} → {line.new:.2f}"
    rank = next((f for i in country.items if (f := i.finding).kind == "rank"), None)
    return rank.message if rank else country.items[0].finding.message
