"""A `monitor run` printed to a file or a pipe (a cron log, a script) without rich: the
same table (or blocks) and Summary the terminal gets, as plain lines.

Importing rich and rendering the table through it cost ~50 ms of an unchanged cycle
(issue 19); this module imports no rich, and `display` builds its blocks and Summary
from the same code."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.ops.cycle import CycleReport

# A piece of a printed line: its text and the style a terminal shows it in ("" for none).
Piece = tuple[str, str]
Line = list[Piece]

RESULT_STYLE = {"failed": "red", "incomplete": "yellow", "new": "green"}


def is_terminal(stream: IO[str]) -> bool:
    """Whether rich would treat `stream` as a terminal (its `Console.is_terminal`:
    TTY_COMPATIBLE, then FORCE_COLOR, then isatty), decided without importing it."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if (force := os.environ.get("FORCE_COLOR")) is not None:
        return force != ""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def width() -> int:
    """The width rich gives output that is not a terminal: $COLUMNS, else 80."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 80


def blocks(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[Piece]], width: int
) -> list[Line]:
    """Rows whose first cell is a key, one block each: the key on its own line, then
    its other cells as `header: value`, a pair kept on one line where it fits `width`."""
    lines: list[Line] = [[(title, "italic")]]
    for (key, _), *cells in rows:
        lines.append([(key, "bold")])
        line: Line = [("  ", "")]
        size = 2
        for name, (text, style) in zip(headers[1:], cells, strict=True):
            if not text:
                continue
            said = len(name) + 2 + len(text)
            if size > 2 and size + 2 + said > width:
                lines.append(line)
                line, size = [("  ", "")], 2
            if size > 2:
                line.append(("; ", ""))
                size += 2
            line += [(f"{name}: ", ""), (text, style)]
            size += said
        lines.append(line)
    return lines


def box(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A table as rich draws it by default (heavy head, a space either side of a cell),
    its title centred above, each column as wide as its widest cell."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + right

    def cells(edge: str, values: Sequence[str]) -> str:
        inner = edge.join(f" {v.ljust(w)} " for v, w in zip(values, widths, strict=True))
        return f"{edge}{inner}{edge}"

    total = sum(widths) + 3 * len(widths) + 1
    left = (total - len(title)) // 2
    return [
        " " * left + title + " " * (total - len(title) - left),
        rule("┏", "━", "┳", "┓"),
        cells("┃", headers),
        rule("┡", "━", "╇", "┩"),
        *(cells("│", row) for row in rows),
        rule("└", "─", "┴", "┘"),
    ]


def cycle_rows(report: CycleReport) -> list[tuple[Piece, Piece, Piece, Piece]]:
    """Each source's check: its key, the result (styled by category), snapshot, detail."""
    from monitor.models import Status

    rows = []
    for r in report.results:
        label = r.change if r.status in (None, Status.COMPLETE) else r.status
        result = (str(label).replace("_", " "), RESULT_STYLE.get(r.category, ""))
        rows.append(((r.key, ""), result, (str(r.snapshot_id or ""), ""), (r.detail, "")))
    return rows


CYCLE_TITLE = "Sources checked"
CYCLE_HEADERS = ("source", "result", "snapshot", "detail")


def summary(report: CycleReport) -> tuple[list[str], list[str]]:
    """The Summary's headers and counts; `deferred` only when a source was (a cycle's
    time budget ran out): five columns otherwise, as scripts reading a run's output
    expect."""
    counted = ["unchanged", "new", "incomplete", "failed"]
    if report.count("deferred"):
        counted.append("deferred")
    headers = ["checked", "unchanged", "new snapshot", *counted[2:]]
    checked = len(report.results) - report.count("deferred")
    return headers, [str(checked), *(str(report.count(c)) for c in counted)]


def cycle_lines(report: CycleReport, width: int) -> list[str]:
    """The cycle's table (blocks when a table would be wider than `width`) and its
    Summary, as `display.cycle_table` and `display.cycle_summary` show them."""
    rows = cycle_rows(report)
    texts = [[text for text, _ in row] for row in rows]
    lines = box(CYCLE_TITLE, CYCLE_HEADERS, texts)
    if len(lines[1]) > width:
        lines = []
        for line in blocks(CYCLE_TITLE, CYCLE_HEADERS, rows, width):
            said = "".join(text for text, _ in line)
            # A pair longer than the width wraps on words, as a console wraps it; a
            # source key is never cut.
            wrapped = textwrap.wrap(
                said, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
            )
            lines += wrapped or [said]
    headers, counts = summary(report)
    return [*lines, *box("Summary", headers, [counts])]
