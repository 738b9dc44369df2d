"""Rich renderings of the pipeline's records for the terminal. Presentation only."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import click
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from monitor.cli import plaintext
from monitor.config.notify import SEVERITIES
from monitor.formatting import (
    DIRECTION_STYLE,
    arrow,
    minute,
    number,
    places_moved,
    word,
    word_edit,
)
from monitor.identity import lookup
from monitor.indices import catalogue, find, higher_is_worse, level_name
from monitor.models import Extraction, Finding, Profile, Rank, Score, Status

if TYPE_CHECKING:  # types only: `monitor run` needs none of these before its first request
    from monitor.diff import ScoreDelta
    from monitor.diff.compare import Comparison
    from monitor.notify.deliver import Delivery
    from monitor.ops.cycle import CycleReport
    from monitor.ops.status import StatusReport
    from monitor.review.headlines import Headline
    from monitor.store import SourceRecord
    from monitor.store.outbox import Notification


def terminal(*, stderr: bool = False) -> Console:
    """A console for the CLI. Markup is off: fetched text (a country name, a page title
    quoted in an error) prints as written, never read as Rich markup; styles go through
    `Text`."""
    return Console(stderr=stderr, emoji=False, markup=False)


def plain(console: Console) -> bool:
    """Whether `console` prints without colour (NO_COLOR set, or not a terminal: a pipe,
    a file), so that what colour says must be said in words and markers."""
    return (
        bool(os.environ.get("NO_COLOR"))  # read now: the console was made at import
        or console.no_color
        or not console.is_terminal
        or console.color_system is None
    )


STATUS_STYLE = {
    Status.COMPLETE: "green",
    Status.INCOMPLETE: "yellow",
    Status.NOT_A_PROFILE: "red",
}


def _change(value: float | None, new: bool) -> str:
    if new:
        return "new"
    return "" if value is None else number(value, signed=True)


def measure_label(index_id: str | None, key: str) -> str:
    """A measure as its index names it (`status` -> `Status`), else its key."""
    definition = find(index_id or "ocindex")
    measure = definition.measure(key) if definition else None
    return measure.name if measure is not None else key


def _stepped(change: float, decimals: int) -> str:
    """`up 1`, `down 0.04`, `unchanged`: a change's way in words, at the index's precision."""
    if round(change, decimals) == 0:
        return "unchanged"
    return f"{'up' if change > 0 else 'down'} {abs(change):.{decimals}f}"


def headlines_view(headlines: Sequence[Headline]) -> Group:
    """One line per index holding the country (wrapped, never cut): its latest edition,
    each headline value and its change from the edition before, its ranks with the
    places moved, its categories and list memberships, directions in words."""
    lines = []
    for h in headlines:
        line = Text.assemble((f"{h.index_name} {h.edition or '(edition unknown)'}:", "bold"))
        parts: list[tuple[str, str]] = []
        for s in h.scores:
            said = f"{s.name} {s.value:.{s.decimals}f}"
            if s.previous is not None and s.change is not None:
                said += f", {_stepped(s.change, s.decimals)} from {s.previous:.{s.decimals}f}"
                said += f" in {h.previous_edition}" if h.previous_edition else ""
                said += f" ({word(s.direction)})" if s.direction != "unchanged" else ""
            parts.append((said, s.direction))
        for r in h.ranks:
            said = f"{r.name} {r.rank} of {r.out_of}"
            if r.moved:
                said += f", {r.moved}" + (f" ({word(r.direction)})" if r.places else "")
            parts.append((said, r.direction))
        for level in h.levels:
            said = f"{level.name}: {level.label}"
            if level.previous is not None and level.previous != level.value:
                said += f", was {level.previous_label} ({word(level.direction)})"
            parts.append((said, level.direction))
        for n, (said, direction) in enumerate(parts):
            line.append(";" if n else "")
            line.append(" ")
            line.append(said, style=DIRECTION_STYLE.get(direction, ""))
        lines.append(line)
    return Group(*lines)


def extraction_view(extraction: Extraction, previous: Profile | None = None) -> Group:
    """Header, scores by pillar, ranks, sections, then the validation verdict. A source
    printing no change (the publisher's workbook) has its changes computed against
    `previous`, the edition before, as `show`'s lead does, and says so."""
    parts: list[object] = []
    profile = extraction.profile
    style = STATUS_STYLE[extraction.status]
    if profile is not None:
        name = profile.country.name if profile.country else "unknown country"
        parts.append(Text(f"{name} — {profile.edition or 'edition unknown'}", style="bold"))
        facts = ", ".join(
            f"{k.replace('_', ' ')}: {v:,}" if isinstance(v, int | float) else f"{k}: {v}"
            for k, v in vars(profile.facts).items()
            if v is not None
        )
        if facts:
            parts.append(Text(facts, style="dim"))
        if (doc := profile.document) is not None:
            byline = ", ".join(doc.authors) or "no author stated"
            parts.append(Text(f"{doc.title} — {byline}, {doc.published or 'undated'}"))
        before = previous.scores() if previous is not None else {}
        computed: list[bool] = []

        def change(key: str, score: Score) -> str:
            if score.new_this_edition or score.change is not None or key not in before:
                return _change(score.change, score.new_this_edition)
            computed.append(True)
            return _change(round(score.value - before[key], 2), False)

        scores = Table("", "score", "change", title="Scores", title_justify="left")
        for key, label in catalogue.COMPOSITE_NAMES.items():
            if key in profile.composites:
                s = profile.composites[key]
                scores.add_row(Text(label, style="bold"), f"{s.value:.2f}", change(key, s))
            if key in catalogue.PILLARS:
                for i in (i for i in profile.indicators if i.pillar == key):
                    scores.add_row(f"  {i.name}", f"{i.score.value:.2f}", change(i.key, i.score))
        # Another index's scores (CPI, Freedom in the World, …), by its own names.
        shown = set(catalogue.COMPOSITE_NAMES) | {
            i.key for i in profile.indicators if i.pillar in catalogue.PILLARS
        }
        for key, value in profile.scores().items():
            if key not in shown:
                scores.add_row(measure_label(profile.index, key), number(value), "")
        if scores.row_count:  # a PDF summary or an article is narrative only
            parts.append(scores)
        if levels := profile.levels():
            table = Table("", "level", title="Status and lists", title_justify="left")
            for key, level in levels.items():
                table.add_row(
                    measure_label(profile.index, key), level_name(profile.index, key, level)
                )
            parts.append(table)
        if profile.ranks:
            # Here, not above: `monitor run` loads this module before its first request.
            from monitor.diff.ranks import declared_regroupings, regrouped

            prior = {(r.composite, r.scope): r for r in previous.ranks} if previous else {}
            declared = declared_regroupings(
                previous.edition if previous else None, profile.edition, profile.index
            )
            ranks = Table("rank", "of", "in", "moved", title="Ranks", title_justify="left")
            for r in profile.ranks:
                where = r.group or "world"
                was = prior.get((r.composite, r.scope))
                comparable = was is not None and not regrouped(was, r, declared)
                if r.published_change is None and r.movement is None and was and comparable:
                    computed.append(True)
                    moved = _rank_moved(r.rank - was.rank, r.composite, profile.index)
                else:
                    moved = _printed_rank_move(r, profile.index)
                ranks.add_row(f"{r.composite} {r.rank}", str(r.out_of), where, moved)
            parts.append(ranks)
        if computed and previous is not None:
            parts.append(
                Text(
                    f"Changes computed from the {previous.edition} edition: this source"
                    " prints none.",
                    style="dim",
                )
            )
        if profile.sections:
            titles = ", ".join(f"{s.title} ({len(s.paragraphs)})" for s in profile.sections)
            parts.append(Text(f"Narrative sections (paragraphs): {titles}"))
    parts.append(Text(f"Status: {extraction.status}", style=f"bold {style}"))
    for reason in extraction.reasons:
        parts.append(Text(f"  {reason.severity}: {reason.message}", style=style))
    return Group(*parts)


def _printed_rank_move(rank: Rank, index: str) -> str:
    """The move the source printed beside a rank; a rank stored before directions were
    read has its size alone."""
    change = rank.published_change
    if change is None:
        return "" if rank.movement is None else str(rank.movement)
    return _rank_moved(change, rank.composite, index)


def _rank_moved(change: int, composite: str, index: str) -> str:
    """A rank number's change in words, `down 4 places (better)`: rank 1 is the highest
    value, so whether up is worse is the ranked measure's direction."""
    said = places_moved(-change)
    if change == 0:
        return said
    worse = (change < 0) == higher_is_worse(index, composite)
    return f"{said} ({'worse' if worse else 'better'})"


def cycle_table(report: CycleReport, width: int) -> Table | Group:
    """What each source's check gave; a source key is never cut (see `keyed_table`)."""
    rows = [
        (key, Text(result, style=style), snapshot, detail)
        for (key, _), (result, style), (snapshot, _), (detail, _) in plaintext.cycle_rows(report)
    ]
    return keyed_table(plaintext.CYCLE_TITLE, plaintext.CYCLE_HEADERS, rows, width)


def cycle_summary(report: CycleReport) -> Table:
    """The cycle's counts (`plaintext.summary`)."""
    headers, counts = plaintext.summary(report)
    table = Table(*headers, title="Summary")
    table.add_row(*counts)
    return table


# A finding kind counted in words, singular and plural.
KIND_WORDS = {
    "score": ("score moved", "scores moved"),
    "rank": ("rank moved", "ranks moved"),
    "category": ("category changed", "categories changed"),
    "membership": ("list membership changed", "list memberships changed"),
    "revision": ("revision", "revisions"),
    "narrative": ("sentence changed", "sentences changed"),
    "source_health": ("page problem", "page problems"),
    "disagreement": ("disagreement between sources", "disagreements between sources"),
}


def findings_view(found: Sequence[tuple[str | None, Finding]], *, verbose: bool = False) -> Group:
    """A run's findings grouped by country, the most severe country first: one line each
    with counts in words (`verbose`: every finding under its country's name). Methodology
    notes concern an edition, not a country: each is said once, after the countries."""
    by_country: dict[str, list[Finding]] = {}
    notes: dict[str, None] = {}  # ordered, de-duplicated
    for country, f in found:
        if f.kind == "methodology":
            notes[f.message] = None
        else:
            by_country.setdefault(_country_name(country), []).append(f)

    def rank(item: tuple[str, list[Finding]]) -> tuple[int, int, str]:
        worst = max(SEVERITIES.index(f.severity) for f in item[1])
        return (-worst, -len(item[1]), item[0])

    countries = sorted(by_country.items(), key=rank)
    total = sum(len(fs) for fs in by_country.values())
    places = f"{len(countries)} countr{'y' if len(countries) == 1 else 'ies'}"
    parts: list[Text] = [Text(f"{total} finding(s) in {places}")]
    for name, fs in countries:
        worst = max((f.severity for f in fs), key=SEVERITIES.index)
        if verbose:
            parts.append(Text.assemble((name, "bold"), f" ({worst})"))
            parts.extend(Text(f"  [{f.severity}] {f.kind}: {f.message}") for f in fs)
            continue
        counts = Counter(f.kind for f in fs)
        said = ", ".join(
            f"{n} {KIND_WORDS.get(kind, (kind, kind))[n != 1]}" for kind, n in counts.items()
        )
        parts.append(Text.assemble((name, "bold"), f" ({worst}): {said}"))
    if notes:
        parts.append(Text("Notes:", style="bold"))
        parts.extend(Text(f"  {note}") for note in notes)
    if countries and not verbose:
        parts.append(Text("Every finding: monitor run --verbose", style="dim"))
    return Group(*parts)


def _country_name(slug: str | None) -> str:
    known = lookup(slug) if slug else None
    return known.name if known else (slug or "no country").replace("_", " ")


FOLDED = 16


def keyed_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str | Text]], width: int
) -> Table | Group:
    """Rows whose first cell is a key (a source key): a table when it fits in `width`
    with every key on one line, else one block per row (the key, then its cells as
    `header: value` wrapped on words), so that a key is never split mid-word."""
    table = Table(title=title)
    table.add_column(headers[0], no_wrap=True)
    for name in headers[1:]:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    # Each other column as wide as its longest word, a URL or an error's up to FOLDED
    # (folded past it), and the borders: 3 a column and 1.
    columns = list(zip(headers, *rows, strict=True))
    needed = max(len(str(key)) for key in columns[0]) + 3 * len(headers) + 1
    needed += sum(
        min(max(len(w) for cell in column for w in str(cell).split() or [""]), FOLDED)
        for column in columns[1:]
    )
    if needed <= width:
        return table
    pieces = [[_piece(cell) for cell in row] for row in rows]
    return Group(
        *(Text.assemble(*line) for line in plaintext.blocks(title, headers, pieces, width))
    )


def _piece(cell: str | Text) -> plaintext.Piece:
    return (cell.plain, str(cell.style)) if isinstance(cell, Text) else (cell, "")


def sources_table(records: Iterable[SourceRecord], width: int = 80) -> Table | Group:
    headers = ("source", "url", "last checked", "last result", "snapshot", "last error")
    rows = [
        (
            s.key,
            s.url,
            (s.last_checked_at or "never")[:19],
            (s.last_outcome or "").replace("_", " "),
            str(s.current_snapshot_id or ""),
            s.last_error or "",
        )
        for s in records
    ]
    return keyed_table("Sources (times in UTC)", headers, rows, width)


def moved_cells(
    d: ScoreDelta, *, bold: bool = False, plain: bool = False
) -> tuple[Text, str, str, str, Text]:
    """A moved score as table cells: name, old, new, signed change, and its direction in
    words (`worse`, `better`), after an arrow when colour says it too."""
    said = word(d.direction) if plain else f"{arrow(d.change)} {word(d.direction)}"
    return (
        Text(d.name, style="bold" if bold else ""),
        number(d.old),
        number(d.new),
        number(d.change, signed=True),
        Text(said, style=DIRECTION_STYLE.get(d.direction, "")),
    )


def comparison_view(c: Comparison, *, sentences: int = 5, plain: bool = False) -> Group:
    """Score, rank, methodology, revision and narrative deltas, coloured by direction;
    `plain` (no colour): word edits marked `[-removed-]{+added+}`."""
    parts: list[object] = [
        Text(f"{c.country}: {c.old_edition} → {c.new_edition}", style="bold"),
    ]
    if c.against_incomplete:
        parts.append(
            Text(
                f"compared against an incomplete capture ({c.old_status} → {c.new_status}):"
                " values absent from it are not removals",
                style="yellow",
            )
        )
    scores = Table("score", "old", "new", "change", "", title="Scores", title_justify="left")
    for d in c.scores:
        if d.kind == "moved" and d.change is not None:
            scores.add_row(*moved_cells(d, plain=plain))
    parts.append(scores)
    for kind, label in (
        ("added", "added by methodology"),
        ("removed", "removed by methodology"),
        ("missing", "absent from the new capture"),
        ("appeared", "absent from the old capture"),
    ):
        names = [d.name for d in c.scores if d.kind == kind]
        if names:
            parts.append(Text(f"{label}: {', '.join(names)}"))
    for r in c.ranks:
        moved = places_moved(r.places)
        printed = "" if r.published_movement is None else f" (page: {r.published_movement})"
        parts.append(
            Text(
                f"{r.composite} rank, {r.group or 'global'}: {r.old} → {r.new} of {r.out_of},"
                f" {moved}{printed}, {word(r.direction)}",
                style=DIRECTION_STYLE.get(r.direction, ""),
            )
        )
    for rev in c.revisions:
        parts.append(Text(f"revision: {rev.message}", style="magenta"))
    for s in c.sections:
        if s.status == "same":
            continue
        title = s.new_title or s.old_title
        parts.append(Text(f"§ {title}: {s.status}, magnitude {s.magnitude:.2f}", style="bold"))
        for label, items, style in (
            ("+", s.added, "green"),
            ("-", s.removed, "red"),
            ("~", s.moved, "dim"),
        ):
            for sentence in items[:sentences]:
                parts.append(Text(f"  {label} {sentence}", style=style))
            if len(items) > sentences:
                parts.append(Text(f"  … {len(items) - sentences} more", style="dim"))
        for edit in s.edited[:sentences]:
            if plain:
                parts.append(Text(f"  * {word_edit([(r.op, r.text) for r in edit.words])}"))
                continue
            line = Text("  * ")
            for run in edit.words:
                style = {"removed": "red strike", "added": "green"}.get(run.op, "")
                line.append(run.text + " ", style=style)
            parts.append(line)
    return Group(*parts)


def deliveries_table(deliveries: Iterable[Delivery]) -> Table:
    table = Table("notification", "channel", "result", "tries", "where / error", title="Digests")
    style = {"delivered": "green", "pending": "yellow", "failed": "red"}
    for d in deliveries:
        table.add_row(
            str(d.notification_id),
            d.channel,
            Text(d.status, style=style[d.status]),
            str(d.attempts),
            d.where or d.error,
        )
    return table


def notifications_table(rows: Iterable[Notification], owed: dict[str, int]) -> Group:
    table = Table("id", "channel", "status", "tries", "created", "subject / last error")
    style = {"delivered": "green", "pending": "yellow", "failed": "red"}
    for n in rows:
        detail = n.subject if n.status == "delivered" else f"{n.subject}\n{n.last_error or ''}"
        table.add_row(
            str(n.id),
            n.channel,
            Text(n.status, style=style.get(n.status, "")),
            str(n.attempts),
            n.created_at[:19],
            detail.strip(),
        )
    return Group(table, Text(f"Findings not yet in a digest: {owed_words(owed)}"))


def owed_words(owed: dict[str, int]) -> str:
    """`3 for channel digest, 1 for channel team`: a channel named `digest` printed as a
    key (`digest: 1`) read as a label, not a count."""
    return ", ".join(f"{n:,} for channel {c}" for c, n in owed.items()) or "none"


def status_view(report: StatusReport, *, every_source: bool = False, width: int = 80) -> Group:
    """The watched sources; the others (imported workbook rows, sources dropped from
    the config: never checked) are one line unless `every_source`."""
    shown = [s for s in report.sources if every_source or s.watched]
    headers = ("source", "last success", "last failure", "fails", "condition", "next check")
    rows = [
        (
            s.key,
            minute(s.last_success_at) or "never",
            f"{minute(s.last_failure_at)} {s.last_error or ''}".strip(),
            str(s.consecutive_failures),
            Text(", ".join(s.conditions) or "ok", style="red" if s.conditions else "green"),
            minute(s.next_check_at) or "not watched",
        )
        for s in shown
    ]
    table = keyed_table("Sources (times in UTC)", headers, rows, width)
    parts: list[Table | Group | Text] = [table] if shown else []
    if hidden := len(report.sources) - len(shown):
        parts.append(
            Text(
                f"{hidden:,} source(s) not in the watch list (imported, or no longer "
                "watched), not checked: monitor status --all lists them",
                style="dim",
            )
        )
    counts = ", ".join(f"{n:,} {name}" for name, n in report.counts.items())
    lines = [
        f"Notifications: {report.pending} pending, {report.failed} failed; "
        f"findings not yet in a digest: {owed_words(report.owed)}",
        *(
            [f"{report.unconfigured} notification(s) for channels no longer configured: kept"]
            if report.unconfigured
            else []
        ),
        f"Database: {report.database_bytes / 1024 / 1024:.1f} MB ({counts})",
    ]
    if report.last_cycle is not None:
        ending = report.last_cycle.problem or "completed"
        lines.append(f"Last cycle: {minute(report.last_cycle.finished_at)} {ending}")
    attention = report.attention
    summary = Text(
        "Needs attention:\n  " + "\n  ".join(attention) if attention else "All well.",
        style="bold red" if attention else "bold green",
    )
    warnings = [Text(f"Warning: {w}", style="yellow") for w in report.warnings]
    return Group(*parts, *(Text(line) for line in lines), *warnings, summary)


def known_kind(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A `--source KIND` option's check: an unknown kind is a usage error naming the known
    (an index read by a generic kind, `fatf`, is known under its id)."""
    from monitor.sources import KINDS, kind_class

    if value is not None and kind_class(value) is None:
        known = ", ".join(sorted(KINDS))
        raise click.BadParameter(f"unknown source kind {value!r} (known: {known})", ctx, param)
    return value
