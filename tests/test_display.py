"""The terminal's view of one extraction (`monitor show`, `monitor extract`)."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from monitor.cli import plaintext
from monitor.cli.display import cycle_summary, cycle_table, extraction_view, status_view
from monitor.identity import lookup
from monitor.models import Country, Extraction, Profile, Rank, Score, Status
from monitor.ops.cycle import CycleReport, SourceResult
from monitor.ops.status import StatusReport


def shown(profile: Profile) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(extraction_view(Extraction(Status.COMPLETE, profile)))
    return console.export_text()


def kyrgyzstan() -> Country:
    known = lookup("kyrgyzstan")
    assert known is not None
    return Country(known.key, known.name)


def test_another_index_shows_its_own_scores_and_status():
    profile = Profile(
        kyrgyzstan(),
        2024,
        None,
        composites={"total": Score(27.0)},
        index="fiw",
        categories={"status": "Not Free"},
    )
    text = shown(profile)
    assert "Kyrgyzstan — 2024" in text
    assert "Total" in text and "27.00" in text
    assert "Status and lists" in text and "Not Free" in text


def test_a_rank_stored_before_directions_were_read_shows_its_size_alone():
    old = Rank("criminality", "global", 81, 193, movement=9)  # no direction recorded
    new = Rank("criminality", "global", 85, 193, movement=4, direction="down")
    rows = {
        cells[0].strip(): cells[3].strip()
        for line in shown(Profile(kyrgyzstan(), 2025, None, ranks=(old, new))).splitlines()
        if len(cells := line.strip("│ ").split("│")) == 4 and "criminality" in cells[0]
    }
    assert rows == {"criminality 81": "9", "criminality 85": "down 4 places (better)"}


def test_status_says_owed_findings_in_words():
    # The audit: "findings not yet in a digest: digest: 1", a channel's name as a key.
    report = StatusReport((), 0, 0, 0, {"digest": 1, "team": 2}, 0, {"snapshots": 3})
    console = Console(width=100, record=True, color_system=None)
    console.print(status_view(report))
    text = " ".join(console.export_text().split())
    assert "findings not yet in a digest: 1 for channel digest, 2 for channel team" in text


def summary_cells(report: CycleReport) -> tuple[list[str], list[str]]:
    """The printed Summary's header and row cells, read as a script reading a run's
    output does (the side-by-side kit's `_summary`: cells between `│`)."""
    console = Console(width=100, record=True, color_system=None)
    console.print(cycle_summary(report))
    lines = console.export_text().splitlines()
    header = next(line for line in lines if "checked" in line)
    row = next(line for line in lines if "│" in line and re.search(r"\d", line))
    return (
        [c.strip() for c in header.strip().strip("┃").split("┃")],
        [c.strip() for c in row.strip().strip("│").split("│")],
    )


def test_the_cycle_summary_has_a_deferred_column_only_when_a_source_was_deferred():
    def result(key: str, change: str) -> SourceResult:
        return SourceResult(key, f"http://127.0.0.1/{key}", change, Status.COMPLETE)

    checked = (result("a", "not_modified"), result("b", "new_snapshot"), result("c", "failed"))
    header, row = summary_cells(CycleReport(checked, "t0", "t1"))
    assert header == ["checked", "unchanged", "new snapshot", "incomplete", "failed"]
    assert row == ["3", "1", "1", "0", "1"]
    later = CycleReport((*checked, result("d", "deferred")), "t0", "t1")
    header, row = summary_cells(later)
    assert header[-1] == "deferred" and row == ["3", "1", "1", "0", "1", "1"]


def run_results() -> tuple[SourceResult, ...]:
    long_detail = "HTTP 503 Service Unavailable after 3 attempts: " + "retry later " * 8
    return (
        SourceResult("ocindex_page:kyrgyzstan:current", "u", "not_modified", Status.COMPLETE, 4),
        SourceResult(
            "ocindex_page:st_vincent_and_the_grenadines:2023",
            "u",
            "new_snapshot",
            Status.INCOMPLETE,
            12,
            3,
            "2 of 5 sections",
        ),
        SourceResult("dataset:wgi:2024", "u", "failed", None, detail=long_detail.strip()),
        SourceResult("ocindex_page:chad:current", "u", "deferred", None, detail="budget"),
    )


@pytest.mark.parametrize(("shown", "width"), [(1, 80), (2, 120), (4, 80)])
def test_a_run_printed_to_a_file_reads_as_the_terminal_shows_it(shown, width):
    # `plaintext` prints a run to a file or a pipe without rich: the same lines, borders
    # and widths as the terminal's rendering (a table, or blocks when a source key would
    # not fit); a long detail is wrapped on words as well, not on quite the same spaces.
    report = CycleReport(run_results()[:shown], "t0", "t1")
    console = Console(width=width, record=True, color_system=None, emoji=False, markup=False)
    console.print(cycle_table(report, width))
    console.print(cycle_summary(report))
    lines, shown_by_rich = plaintext.cycle_lines(report, width), console.export_text()
    assert all(len(line) <= width for line in lines)
    if shown < 3:  # no detail to wrap
        assert lines == shown_by_rich.splitlines()
    else:
        assert " ".join(lines).split() == shown_by_rich.split()
        for r in report.results:
            assert r.key in lines


def test_a_run_printed_to_a_file_keeps_each_key_whole_within_the_width():
    # Where rich would fold a long detail inside a table cell, plain lines give blocks.
    report = CycleReport(run_results(), "t0", "t1")
    lines = plaintext.cycle_lines(report, 200)
    assert all(len(line) <= 200 for line in lines)
    for r in report.results:
        assert r.key in lines
