"""Rich tables of the review commands' results. Presentation only."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Group
from rich.table import Table
from rich.text import Text

from monitor.formatting import DIRECTION_STYLE, moved, word
from monitor.indices import find
from monitor.indices.catalogue import COMPOSITES
from monitor.review.history import Column, History, Row, StatusRow
from monitor.review.movers import Movers
from monitor.review.snapshots import ChosenSnapshot


def _delta(delta: float | None, direction: str, plain: bool) -> Text:
    if delta is None:
        return Text("")
    return Text(moved(delta, direction, plain=plain), style=DIRECTION_STYLE.get(direction, ""))


# Width an edition takes as a column (`#12345`, `10.00`, borders), and what the score
# names, the trend and the change take beside them: past that, editions go down.
EDITION_WIDTH = 11
AROUND_EDITIONS = 44


def _value(value: float | None, index: str, key: str) -> str:
    """A score at its index's precision (CPI 26, the OC Index 5.25); "" when not held."""
    if value is None:
        return ""
    definition = find(index)
    measure = definition.measure(key) if definition else None
    return f"{value:.{measure.decimals if measure else 2}f}"


def _edition_label(c: Column, sep: str = "\n") -> Text:
    """`2023`, its source kind without the index's prefix (`workbook`), its snapshot."""
    kind = c.source.removeprefix(c.index + "_")
    label = Text(sep.join((str(c.edition or "?"), kind, f"#{c.snapshot_id}")))
    if c.status != "complete":
        label.append(f"{sep}{c.status}", style="yellow")
    return label


def _status_change(status: StatusRow, plain: bool) -> Text:
    said = status.changed
    if plain and said:
        said = f"{said} ({word(status.direction)})"
    return Text(said, style=DIRECTION_STYLE.get(status.direction, ""))


def history_table(history: History, *, plain: bool = False, width: int = 80) -> Group:
    """A table per index, one column per edition (source kind, snapshot id) and a row per
    score with its trend; an index with more editions than fit in `width` has a row per
    edition and a column per score instead. Nothing is printed where an edition lacks a
    measure; `plain` (no colour): directions in words."""
    tables: list[Table | Group] = []
    name = history.country_name or history.country
    for index in dict.fromkeys(c.index for c in history.columns):
        at = [n for n, c in enumerate(history.columns) if c.index == index]
        columns = [history.columns[n] for n in at]
        rows = [replace(r, values=tuple(r.values[n] for n in at)) for r in history.rows]
        rows = [r for r in rows if r.index == index]
        statuses = [
            replace(s, values=tuple(s.values[n] for n in at))
            for s in history.statuses
            if s.index == index
        ]
        definition = find(index)
        title = f"{name}: {definition.name if definition else index}"
        across = AROUND_EDITIONS + EDITION_WIDTH * len(columns) <= width
        build = _editions_across if across else _editions_down
        tables.append(build(title, columns, rows, statuses, plain, width))
    return Group(*tables)


def _editions_across(
    title: str,
    columns: list[Column],
    rows: list[Row],
    statuses: list[StatusRow],
    plain: bool,
    width: int,
) -> Table:
    table = Table(title=title)
    table.add_column("score")
    for c in columns:
        table.add_column(_edition_label(c), justify="right")
    table.add_column("trend")
    table.add_column("first → last", justify="right")
    for row in rows:
        composite = row.key in COMPOSITES
        table.add_row(
            Text(row.name if composite else f"  {row.name}", style="bold" if composite else ""),
            *(_value(v, row.index, row.key) for v in row.values),
            row.trend,
            _delta(row.delta, row.direction, plain),
        )
    for status in statuses:
        table.add_row(
            Text(status.name, style="bold"),
            *(v or "" for v in status.names),
            "",
            _status_change(status, plain),
        )
    return table


def _editions_down(
    title: str,
    columns: list[Column],
    rows: list[Row],
    statuses: list[StatusRow],
    plain: bool,
    width: int,
) -> Group:
    """Editions as rows, measures as columns. Each column is as wide as its longest word
    (header and cells), so that names and values wrap on spaces and are never cut; more
    measures than fit so make several tables, each with the editions."""
    headers = ["edition", *(r.name for r in rows), *(s.name for s in statuses)]
    body: list[list[Text | str]] = [
        [
            _edition_label(c, " "),
            *(_value(r.values[n], r.index, r.key) for r in rows),
            *(s.names[n] or "" for s in statuses),
        ]
        for n, c in enumerate(columns)
    ]
    changes: list[Text | str] = [
        "first → last",
        *(_delta(r.delta, r.direction, plain) for r in rows),
        *(_status_change(s, plain) for s in statuses),
    ]
    cells = [[header, *(line[n] for line in (*body, changes))] for n, header in enumerate(headers)]
    longest_line = [max(len(str(c)) for c in column) for column in cells]
    longest_word = [max(len(w) for c in column for w in str(c).split()) for column in cells]
    # Rich crops a table wider than `width` even at its words' widths (WGI's 18 measures
    # at 80 columns were "…" throughout): then the measures go in groups that fit beside
    # the edition on one line.
    groups: list[list[int]] = [list(range(1, len(headers)))]
    if sum(longest_word) + 3 * (len(headers) - 1) > width:
        groups = [[]]
        for n in range(1, len(headers)):
            grown = [*groups[-1], n]
            needed = longest_line[0] + sum(longest_word[k] for k in grown) + 3 * len(grown)
            if groups[-1] and needed > width:
                groups.append([])
            groups[-1].append(n)
    tables = []
    for part, group in enumerate(groups):
        at = [0, *group]
        lines = [longest_line[n] for n in at]
        words = [longest_word[n] for n in at]
        gaps = 3 * (len(at) - 1)
        fixed = sum(lines) + gaps > width
        if fixed:  # what room is left goes to the edition, so that it fits on one line
            words[0] = min(lines[0], words[0] + max(width - gaps - sum(words), 0))
        named = title if part == 0 else f"{title} (continued)"
        table = Table(title=named, show_edge=False, pad_edge=False)
        for k, n in enumerate(at):
            table.add_column(
                headers[n], justify="left" if n == 0 else "right", width=words[k] if fixed else None
            )
        for line in body:
            table.add_row(*(line[n] for n in at))
        table.add_section()
        table.add_row(*(changes[n] for n in at))
        tables.append(table)
    return Group(*tables)


def movers_table(result: Movers, *, plain: bool = False) -> Table:
    a, b = result.from_edition, result.to_edition
    title = f"{result.index_name} movers {a} → {b}"
    table = Table("#", "country", "score", str(a), str(b), "delta", title=title)
    for n, m in enumerate(result.movers, 1):
        table.add_row(
            str(n),
            m.country_name or m.country,
            m.name,
            _value(m.from_score, result.index, m.key),
            _value(m.to_score, result.index, m.key),
            _delta(m.delta, m.direction, plain),
        )
    matched = f"{len(result.countries)} countries"
    if result.where:
        matched += f" match {result.where!r}"
    table.caption = f"{matched}; {len(result.movers)} of their {result.moves} moves shown"
    return table


def snapshot_header(chosen: ChosenSnapshot) -> Text:
    s = chosen.snapshot
    return Text(
        f"snapshot {s.id} of {chosen.source_key} ({chosen.source_kind}), captured"
        f" {s.captured_at[:19]}, last seen {s.last_seen_at[:19]}",
        style="dim",
    )
