"""Benchmark memory over many daemon cycles against N served pages.

    python benchmarks/bench_daemon.py [--pages 193] [--cycles 20] [--store WORKBOOK]

The daemon's own check job (`Daemon.check`: writer lock, run_cycle, digest delivery)
runs back to back against pages served from a child process (bench_cycle.py's pages).
Every cycle publishes a new version of every page (scores moved, same narrative), so
each cycle stores 193 snapshots, assesses them and delivers a digest. Printed per cycle:
Python memory still allocated after the cycle and the cycle's peak (tracemalloc), and
the process RSS after the cycle and at its highest during it. Flat means no growth
from cycle 1 to the last.

`--store WORKBOOK` measures the database instead (issue 19): the workbook is imported
first, then every cycle serves pages never seen before (scores moved each cycle, a new
narrative every third), and the database's size (file + WAL) is printed after each
cycle and, checkpointed, at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_cycle import Pages, _serve_child, generate, make_config

from monitor.config.schedule import ScheduleSettings
from monitor.ops.daemon import Daemon
from monitor.ops.workbook_import import import_workbook
from monitor.store import Store

MB = 1024 * 1024


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def reset_peak_rss() -> None:
    """Start the process's RSS high-water mark (VmHWM) afresh (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def peak_rss_mb() -> float:
    """The process's RSS high-water mark since `reset_peak_rss`."""
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def db_mb(database: Path) -> float:
    """The database's bytes on disk: the file and its WAL."""
    wal = database.with_name(database.name + "-wal")
    return sum(p.stat().st_size for p in (database, wal) if p.exists()) / MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=193)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument(
        "--store", type=Path, help="import this workbook first; new pages each cycle"
    )
    parser.add_argument(
        "--rss-only", action="store_true", help="no tracemalloc (2-3x faster): RSS alone"
    )
    args = parser.parse_args()
    if args.store:
        # (scores version, narrative version) differ for every cycle: each stores anew.
        # Made per cycle: 20 sets of pages held at once would be most of the RSS.
        def pages(n: int) -> Pages:
            return generate(args.pages, n % 3, narrative=n // 3)
    else:
        versions = [generate(args.pages, v, narrative=0) for v in range(3)]

        def pages(n: int) -> Pages:
            return versions[n % 3]

    conn, child = mp.Pipe()
    server = mp.Process(target=_serve_child, args=(child,), daemon=True)
    server.start()
    try:
        base_url = conn.recv()
        with tempfile.TemporaryDirectory() as tmp:
            config = make_config(Path(tmp), base_url, args.pages, 4)
            config = replace(config, schedule=ScheduleSettings(jitter=0))
            if args.store:
                with Store.open(config.database) as store:
                    import_workbook(store, args.store)
                print(f"after importing {args.store.name}: {db_mb(config.database):.1f} MB")
            daemon = Daemon(config)
            if not args.rss_only:
                tracemalloc.start()
            print(f"{args.pages} pages, {args.cycles} cycles, every page changed each cycle")
            print(
                f"{'cycle':>5} {'wall s':>6} {'new':>4} {'findings':>8} {'digests':>7}"
                f" {'kept MB':>8} {'peak MB':>8} {'RSS MB':>7} {'RSS peak':>8} {'DB MB':>6}"
            )
            for n in range(args.cycles):
                conn.send(pages(n))
                conn.recv()
                tracemalloc.reset_peak()
                reset_peak_rss()
                start = time.perf_counter()
                report = daemon.check(config.sources)
                wall = time.perf_counter() - start
                kept, peak = tracemalloc.get_traced_memory()
                assert report is not None and report.ok
                delivered = len(list((Path(tmp) / "outbox").glob("*.eml")))
                print(
                    f"{n + 1:5d} {wall:6.2f} {report.count('new'):4d} {report.finding_count:8d}"
                    f" {delivered:7d} {kept / MB:8.1f} {peak / MB:8.1f} {rss_mb():7.1f}"
                    f" {peak_rss_mb():8.1f}"
                    f" {db_mb(config.database):6.1f}"
                )
            if args.store:
                with Store.open(config.database) as store:
                    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    counts = store.counts()
                    # Where the bytes are: SQLite's dbstat, per table and index.
                    tables = store.db.execute(
                        "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
                    ).fetchall()
                print(f"checkpointed: {db_mb(config.database):.1f} MB; rows {counts}")
                print("largest:", ", ".join(f"{n} {b / MB:.1f} MB" for n, b in tables[:8]))
    finally:
        conn.send(None)
        server.join(timeout=5)


if __name__ == "__main__":
    main()
