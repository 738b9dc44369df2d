"""Benchmark the review side on the imported publisher's workbook (193 countries x 2 editions).

    python benchmarks/bench_review.py [--workbook PATH] [--repeat 20]

Imports the workbook into a fresh database once, then times (round-robin, milliseconds)
the review functions the commands call and the views' usual queries, and once each
`monitor report --all` and the Datasette metadata. Goals: movers with a --where filter
under 100 ms; a report per country under 10 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import p95, timings

from monitor.ops.workbook_import import import_workbook
from monitor.review.browse import metadata
from monitor.review.export import write_export
from monitor.review.history import score_history
from monitor.review.movers import movers
from monitor.review.report import write_reports
from monitor.review.where import parse
from monitor.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
QUESTION = "criminality >= +0.2 and resilience < -0.3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=SHARED / "global_oc_index_2021_2023.xlsx")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "m.db") as store:
        import_workbook(store, args.workbook)
        where = parse(QUESTION)

        def query(sql: str) -> None:
            store.db.execute(sql).fetchall()

        calls = {
            "movers (composites, all countries)": lambda: movers(store, 2021, 2023),
            f"movers --where '{QUESTION}'": lambda: movers(store, 2021, 2023, where=where),
            "movers --pillar resilience --top 0": lambda: movers(
                store, 2021, 2023, pillars=["resilience"], top=0
            ),
            "history (one country)": lambda: score_history(store, "kyrgyzstan"),
            "export csv (every score)": lambda: write_export(store, io.StringIO(), "csv"),
            "SQL: score_movers, one pair": lambda: query(
                "SELECT * FROM score_movers WHERE from_edition = 2021 AND to_edition = 2023"
            ),
            "SQL: latest_scores, criminality": lambda: query(
                "SELECT * FROM latest_scores WHERE indicator = 'criminality'"
            ),
            "SQL: score_history, whole view": lambda: query("SELECT * FROM score_history"),
        }
        times = timings(calls, args.repeat)
        print(f"| call (median of {args.repeat}) | median ms | p95 ms |")
        print("| --- | --- | --- |")
        for name, values in times.items():
            print(f"| {name} | {statistics.median(values):.1f} | {p95(values):.1f} |")
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            pages = write_reports(store, Path(out))
            seconds = time.perf_counter() - start
            size = sum(p.stat().st_size for p in pages) / len(pages) / 1024
        print(
            f"\nreport --all: {len(pages) - 1} pages + index in {seconds:.2f} s"
            f" ({seconds / (len(pages) - 1) * 1000:.1f} ms a country, {size:.0f} KB a page)"
        )
        start = time.perf_counter()
        metadata(store)
        print(f"Datasette metadata: {(time.perf_counter() - start) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
