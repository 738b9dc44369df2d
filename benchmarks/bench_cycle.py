"""Benchmark `monitor run` cycles over N generated pages served over loopback HTTP.

    python benchmarks/bench_cycle.py [--pages 193] [--concurrency 4] [--data-dir DIR] [--keep]

Pages: 2023-layout HTML (~45 KB, ~35 KB of text) from the Central Asia demo figures, each
as a different real country (its slug and name) with its own narrative seed, served by
`monitor.demo.server` in a child process (its CPU and GIL stay out of the figures). Five
cycles, each Store.open + run_cycle + close: cold, unchanged (ETags: 304s), unchanged
without conditional GET (stored validators cleared first: 200s, same bytes), all changed
(new narrative seed, two scores moved by 0.5), changed again. The whole sequence runs
twice on fresh databases: timed, then under tracemalloc (which slows Python down) for the
peak-memory column only.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from monitor.sources import configured_kind

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config.settings import Config, FetchPolicy, SourceSpec, source_key
from monitor.demo import build_profile, load_figures
from monitor.demo import server as demo_server
from monitor.demo.render import render_page
from monitor.identity import countries
from monitor.models import Status
from monitor.ops.cycle import run_cycle
from monitor.store import Store

Pages = dict[str, tuple[bytes, str]]
KIND, MB = "ocindex_page", 1024 * 1024
# name, page version to publish first, clear stored validators?, expected change per source
CYCLES = (
    ("cold", 0, False, "new_snapshot"),
    ("unchanged (304)", None, False, "not_modified"),
    ("unchanged (no cond. GET)", None, True, "unchanged"),
    ("all changed", 1, False, "new_snapshot"),
    ("changed again", 2, False, "new_snapshot"),
)
# Version v moves UP by +0.5v and DOWN by -0.5v: the pillar mean (so the page's own
# arithmetic checks) holds, and all five countries' scores stay within 1-10.
UP, DOWN = "human_trafficking", "human_smuggling"


def generate(count: int, version: int, *, narrative: int | None = None) -> Pages:
    """Pages of `version`; `narrative` fixes the narrative's version (default: `version`)."""
    figures = list(load_figures()["countries"].values())
    pages: Pages = {}
    # Each page a different real country, with the figures of one of the demo countries.
    for n, identity in enumerate(countries()[:count]):
        entry = figures[n % len(figures)]
        editions = copy.deepcopy(entry["editions"])
        editions["2023"]["scores"][UP] += 0.5 * version
        editions["2023"]["scores"][DOWN] -= 0.5 * version
        seed = n + 1000 * (version if narrative is None else narrative)
        slug, name = identity.key, identity.name
        profile = build_profile(slug, name, 2023, editions, seed=seed, paragraphs_per_section=4)
        html = render_page(profile, layout=2023, fmt="html").encode()
        pages[f"/country/{slug}"] = (html, "text/html; charset=utf-8")
    return pages


def _serve_child(conn: Connection) -> None:
    """Child process: serve a PageSite, publishing each page set received until None."""
    site = demo_server.PageSite()
    with demo_server.serve(site):
        conn.send(site.base_url)
        while (pages := conn.recv()) is not None:
            site.publish(pages)
            conn.send("published")


@dataclass
class Row:
    name: str
    wall: float
    cpu: float
    peak_mb: float
    maxrss_mb: float
    db_mb: float
    growth_mb: float
    snapshots: int
    raw_documents: int
    fetch_ms: float


def db_size(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def db_state(db: Path, since: int = 0) -> tuple[dict[str, int], int, float]:
    """Rows per table, the last fetch attempt's id, mean ms of the attempts after `since`."""
    sql = "SELECT max(id), avg(CASE WHEN id > ? THEN duration_ms END) FROM fetch_attempts"
    with Store.open(db) as store:
        last, mean = store.db.execute(sql, [since]).fetchone()
        return store.counts(), last or 0, mean or 0.0


def run_sequence(config: Config, conn: Connection, versions: list[Pages], trace: bool) -> list[Row]:
    rows, count = [], len(config.sources)
    for name, version, clear, expected in CYCLES:
        if version is not None:
            conn.send(versions[version])
            conn.recv()
        if clear:
            with Store.open(config.database) as store:
                store.db.execute("UPDATE sources SET etag = NULL, last_modified = NULL")
                store.db.conn.commit()
        before, last_attempt, _ = db_state(config.database)
        size_before = db_size(config.database)
        if trace:
            tracemalloc.start()
        wall, cpu = time.perf_counter(), time.process_time()
        with Store.open(config.database) as store:
            report = run_cycle(config, store)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        after, _, fetch_ms = db_state(config.database, last_attempt)
        added = {t: after[t] - before[t] for t in ("snapshots", "raw_documents")}
        problems = [
            f"{r.key}: {r.change} {r.detail}" for r in report.results if r.change != expected
        ]
        problems += [f"{r.key}: {r.status}" for r in report.results if r.status != Status.COMPLETE]
        if added["snapshots"] != (count if expected == "new_snapshot" else 0):
            problems.append(f"{added['snapshots']} new snapshots")
        if not report.ok or problems:
            lines = "\n  ".join(problems[:10])
            sys.exit(f"ERROR in cycle {name!r}: expected {expected} for all {count}:\n  {lines}")
        size, rss = db_size(config.database), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sizes = (size / MB, (size - size_before) / MB)
        rows.append(Row(name, wall, cpu, peak / MB, rss / 1024, *sizes, *added.values(), fetch_ms))
    return rows


def make_config(data_dir: Path, base_url: str, pages: int, concurrency: int) -> Config:
    options = {KIND: {"base_url": base_url}}
    kind = configured_kind(Config(None, data_dir, kind_options=options), KIND)
    slugs = [identity.key for identity in countries()[:pages]]
    sources = tuple(
        SourceSpec(source_key(KIND, s, None), KIND, s, None, kind.url(s, None)) for s in slugs
    )
    # One loopback host serves every page: no spacing between requests (robots.txt is
    # still read, once per cycle), so the figures measure our work, not politeness.
    policy = FetchPolicy(per_host_interval=0)
    return Config(None, data_dir, policy, concurrency, sources=sources, kind_options=options)


def print_table(timed: list[Row], traced: list[Row], pages: int) -> None:
    header = (
        f"{'cycle':<25} {'wall s':>6} {'CPU s':>6} {'peak MB':>7} {'maxrss MB':>9} {'DB MB':>6}"
        f" {'+MB':>5} {'+snap':>5} {'+raw':>5} {'ms/src':>6} {'fetch ms':>8}"
    )
    print(header + "\n" + "-" * len(header))
    for r, m in zip(timed, traced, strict=True):
        print(
            f"{r.name:<25} {r.wall:6.2f} {r.cpu:6.2f} {m.peak_mb:7.1f} {r.maxrss_mb:9.1f}"
            f" {r.db_mb:6.2f} {r.growth_mb:5.2f} {r.snapshots:5d} {r.raw_documents:5d}"
            f" {r.wall * 1000 / pages:6.1f} {r.fetch_ms:8.1f}"
        )
    print("peak MB: tracemalloc peak of the cycle (Python allocations only, traced rerun);")
    print("maxrss: process peak so far; DB MB: file + -wal after the cycle, +MB its growth;")
    print("ms/src: wall / sources; fetch ms: mean HTTP attempt as the fetcher timed it.")
    for r in timed[1:]:
        print(f"ratio {r.name + ' / cold wall':<37} {r.wall / timed[0].wall:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=193, help="watched pages (default 193)")
    parser.add_argument("--concurrency", type=int, default=4, help="fetch threads (default 4)")
    parser.add_argument("--data-dir", type=Path, help="where the databases go (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="bench_cycle_"))
    if any((root / sub / "monitor.db").exists() for sub in ("timed", "traced")):
        sys.exit(f"{root} already holds benchmark databases; the first cycle must be cold")

    start = time.perf_counter()
    versions = [generate(args.pages, v) for v in range(3)]
    generation = time.perf_counter() - start
    sizes = [len(body) / 1024 for body, _ in versions[0].values()]
    print(f"{args.pages} pages x 3 versions generated in {generation:.2f} s (not in the cycles)")
    print(f"HTML {min(sizes):.1f}-{max(sizes):.1f} KB, concurrency {args.concurrency}, ", end="")
    print(f"data in {root}")
    conn, child = mp.Pipe()
    server = mp.Process(target=_serve_child, args=(child,), daemon=True)
    server.start()
    try:
        base_url = conn.recv()
        configs = [
            make_config(root / sub, base_url, args.pages, args.concurrency)
            for sub in ("timed", "traced")
        ]
        timed = run_sequence(configs[0], conn, versions, trace=False)
        traced = run_sequence(configs[1], conn, versions, trace=True)
    finally:
        conn.send(None)
        server.join(timeout=10)
        if not args.data_dir and not args.keep:
            shutil.rmtree(root)
    print_table(timed, traced, args.pages)


if __name__ == "__main__":
    main()
