"""The history table of an index with many measures and many editions (WGI: 18 measures,
1996–2019) read at 80 and 120 columns: nothing cut, every value there."""

from __future__ import annotations

import pytest
from rich.console import Console

from monitor.indices import find
from monitor.review.history import Column, History, Row
from monitor.review.tables import history_table


def _wgi_history() -> History:
    definition = find("wgi")
    assert definition is not None
    editions = [1996, 1998, 2000, *range(2002, 2020)]
    columns = tuple(
        Column(7000 + n, year, "wgi", "complete", "2026-01-01", index="wgi")
        for n, year in enumerate(editions)
    )
    rows = tuple(
        Row(
            m.key,
            m.name,
            tuple(round(-2.5 + 0.013 * (k * 31 + n), 2) for n in range(len(editions))),
            index="wgi",
        )
        for k, m in enumerate(definition.measures)
    )
    return History("kyrgyzstan", "Kyrgyzstan", columns, rows)


@pytest.mark.parametrize("width", [80, 120])
def test_a_wide_index_is_split_into_tables_that_fit(width: int):
    history = _wgi_history()
    console = Console(width=width, record=True, color_system=None)
    console.print(history_table(history, plain=True, width=width))
    text = console.export_text()
    assert "…" not in text, text
    assert max(len(line) for line in text.splitlines()) <= width
    words = set(text.split())
    for row in history.rows:  # every measure's name, every word of it
        assert set(row.name.split()) <= words, row.name
        for value in row.values:
            assert f"{value:.2f}" in words, (row.name, value)
    for column in history.columns:  # each edition on one line, in every table
        assert f"{column.edition} wgi #{column.snapshot_id}" in text


@pytest.mark.parametrize("width", [80, 120])
def test_monitor_indices_never_cuts_a_measure_key(width: int, tmp_path):
    from click.testing import CliRunner

    from monitor.cli.main import cli
    from monitor.indices import shipped

    runner = CliRunner(env={"COLUMNS": str(width), "NO_COLOR": "1"})
    result = runner.invoke(cli, ["--data-dir", str(tmp_path), "indices"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output  # `standard_e…` was all a user saw of the key
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= width
    # Every table is closed on its right: nothing was cropped at the terminal's edge.
    tops = [line for line in lines if line.startswith("┏")]
    assert len(tops) == len(shipped()) and all(line.endswith("┓") for line in tops)
    # A key folded over lines reads back whole from its column.
    folded = "".join(line.split("│")[1].strip() for line in lines if line.startswith("│ "))
    for definition in shipped().values():
        for measure in definition.measures:
            assert measure.key in folded, measure.key
