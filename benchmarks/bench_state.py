"""Issue 19's state growth, table by table: the bench kit's 193 pages, a cold cycle of
the 2021 edition then a changed cycle of the 2023 edition, in-process.

    python benchmarks/bench_state.py [--sites $TMPDIR/anchors/sites] [--pages 193] [--keep DIR]

The pages are the kit's (../shared/bench/gen_pages.py writes site-2021/ and site-2023/,
see its README). Prints the bytes each table holds after each cycle (SQLite's dbstat,
after a checkpoint; a table's indexes and an FTS5 table's shadow tables counted with it)
and the changed cycle's growth, the figure the side-by-side run compares with urlwatch;
then what each cycle wrote (/proc/self/io `wchar`: the WAL and its checkpoint) and the
CPU seconds it took (user + system, this process: the server is another).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_cycle import Pages, _serve_child, make_config

from monitor.ops.cycle import run_cycle
from monitor.store import Store

MB = 1e6  # the kit's unit: urlwatch's 4.95 MB is decimal


def kit_pages(site: Path, count: int) -> Pages:
    files = sorted((site / "country").glob("*.html"))[:count]
    return {f"/country/{f.stem}": (f.read_bytes(), "text/html; charset=utf-8") for f in files}


def table_bytes(database: Path) -> dict[str, int]:
    """Bytes per table: its b-tree, its indexes' and (for FTS5) its shadow tables'."""
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
        fts = [
            n
            for n, sql in conn.execute("SELECT name, sql FROM sqlite_master")
            if sql and "fts5" in sql.lower()
        ]
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            table = next((t for t in fts if table.startswith(f"{t}_")), table)
            sizes[table] = sizes.get(table, 0) + size
        return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    parser.add_argument("--sites", type=Path, default=tmp / "anchors" / "sites")
    parser.add_argument("--pages", type=int, default=193)
    parser.add_argument("--keep", type=Path, help="the data directory to keep (new or empty)")
    args = parser.parse_args()
    editions = [kit_pages(args.sites / f"site-{e}", args.pages) for e in (2021, 2023)]
    conn, child = mp.Pipe()
    server = mp.Process(target=_serve_child, args=(child,), daemon=True)
    server.start()
    try:
        base_url = conn.recv()
        with tempfile.TemporaryDirectory() as scratch:
            config = make_config(args.keep or Path(scratch), base_url, args.pages, 4)
            sizes, costs = [], []
            for pages in editions:
                conn.send(pages)
                conn.recv()
                written, cpu = _wchar(), time.process_time()
                with Store.open(config.database) as store:
                    if not run_cycle(config, store).ok:
                        sys.exit("a cycle failed")
                costs.append((_wchar() - written, time.process_time() - cpu))
                sizes.append(table_bytes(config.database))
    finally:
        conn.send(None)
        server.join(5)
    cold, changed = sizes
    print("| table | after cold (MB) | after changed (MB) | changed cycle's growth (MB) |")
    print("|---|---|---|---|")
    order = sorted(changed, key=lambda t: changed[t] - cold.get(t, 0), reverse=True)
    for table in order:
        before, after = cold.get(table, 0), changed[table]
        if after >= 0.01 * MB:
            print(
                f"| {table} | {before / MB:.2f} | {after / MB:.2f} | {(after - before) / MB:.2f} |"
            )
    before, after = sum(cold.values()), sum(changed.values())
    print(f"| all | {before / MB:.2f} | {after / MB:.2f} | {(after - before) / MB:.2f} |")
    for name, (written, cpu) in zip(("cold", "changed"), costs, strict=True):
        print(f"{name} cycle: {written / MB:.2f} MB written, {cpu:.2f} s CPU")


def _wchar() -> int:
    """Bytes this process has written so far (to files, pipes and sockets alike)."""
    io = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(io["wchar"])


if __name__ == "__main__":
    main()
