"""Rich tables of the review commands' results. Presentation only."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from monitor.formatting import DIRECTION_STYLE, moved, word
from monitor.indices.catalogue import COMPOSITES
from monitor.review.history import History
from monitor.review.movers import Movers
from monitor.review.snapshots import ChosenSnapshot


def _delta(delta: float | None, direction: str, plain: bool) -> Text:
    if delta is None:
        return Text("")
    return Text(moved(delta, direction, plain=plain), style=DIRECTION_STYLE.get(direction, ""))


def history_table(history: History, *, plain: bool = False) -> Table:
    """One row per score, one column per snapshot (edition, source kind, id), a trend;
    `plain` (no colour): directions in words."""
    table = Table(title=f"{history.country_name or history.country}: scores by snapshot")
    table.add_column("score")
    for c in history.columns:
        header = Text(f"{c.edition or '?'}\n{c.source}\n#{c.snapshot_id}")
        if c.status != "complete":
            header.append(f"\n{c.status}", style="yellow")
        table.add_column(header, justify="right")
    table.add_column("trend")
    table.add_column("first → last", justify="right")
    for row in history.rows:
        composite = row.key in COMPOSITES
        table.add_row(
            Text(row.name if composite else f"  {row.name}", style="bold" if composite else ""),
            *("—" if v is None else f"{v:.2f}" for v in row.values),
            row.trend,
            _delta(row.delta, row.direction, plain),
        )
    for status in history.statuses:
        table.add_row(
            Text(status.name, style="bold"),
            *("—" if v is None else v for v in status.values),
            "",
            Text(
                f"{status.changed} ({word(status.direction)})"
                if plain and status.changed
                else status.changed,
                style=DIRECTION_STYLE.get(status.direction, ""),
            ),
        )
    return table


def movers_table(result: Movers, *, plain: bool = False) -> Table:
    a, b = result.from_edition, result.to_edition
    table = Table("#", "country", "score", str(a), str(b), "delta", title=f"Movers {a} → {b}")
    for n, m in enumerate(result.movers, 1):
        table.add_row(
            str(n),
            m.country_name or m.country,
            m.name,
            f"{m.from_score:.2f}",
            f"{m.to_score:.2f}",
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
