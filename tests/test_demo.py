"""`monitor demo` end to end: three real cycles on loopback, figures from the workbook."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from monitor.demo.walkthrough import run_demo
from monitor.store import Store
from tests.workbook import scores as workbook_scores


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = io.StringIO()
    result = run_demo(tmp_path_factory.mktemp("demo"), Console(file=out, width=120))
    return result, out.getvalue()


def test_the_demo_stores_detects_no_change_then_the_new_edition(demo):
    result, output = demo
    first, second, third = result.cycles
    assert [r.change for r in first.results] == ["new_snapshot"] * 5
    assert [r.change for r in second.results] == ["not_modified"] * 5
    assert [r.change for r in third.results] == ["new_snapshot"] * 5
    assert all(c.ok for c in result.cycles)
    with Store.open(result.data_dir / "monitor.db") as store:
        counts = store.counts()
        editions = {s.edition for src in store.sources() for s in store.snapshots_for(src.id)}
    assert counts["snapshots"] == 10 and editions == {2021, 2023}
    assert "What moved from 2021 to 2023" in output and str(result.data_dir) in output


def test_the_demo_deltas_are_the_workbook_differences(demo, shared_dir):
    result, _ = demo
    workbook = shared_dir / "data/global_oc_index_2021_2023.xlsx"
    before = workbook_scores(workbook, 2021, "Kyrgyzstan")
    after = workbook_scores(workbook, 2023, "Kyrgyzstan")
    moved = {d.key: d.change for d in result.deltas["kyrgyzstan"] if d.kind == "moved"}
    expected = {
        k: round(after[k] - before[k], 2) for k in before if abs(after[k] - before[k]) > 1e-9
    }
    assert moved == pytest.approx(expected)
