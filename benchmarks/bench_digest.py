"""Benchmark one digest for a new edition published for N countries at once.

    python benchmarks/bench_digest.py [--countries 193]

N countries (real countries' slugs and names, the Central Asia demo figures cycled, each
with its own narrative) are ingested as their 2021 then 2023 edition into a fresh
database, which assesses them and fills the outbox. Then, timed: building the digest (one
comparison per country, recomputed from the stored snapshots), rendering text + HTML, and
composing + delivering it to the file outbox. The digest must be one message however many
countries.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config.settings import Config
from monitor.demo import build_profile, load_figures
from monitor.demo.render import render_page
from monitor.identity import countries
from monitor.notify.deliver import notify
from monitor.notify.digest import build_digest
from monitor.notify.render import Templates
from monitor.ops.cycle import ingest
from monitor.store import Store
from monitor.store.outbox import owed


def populate(config: Config, store: Store, count: int, folder: Path) -> None:
    figures = list(load_figures()["countries"].values())
    # Each page is a different real country (its own slug and name) with the figures of
    # one of the demo countries: distinct countries, as a new edition of the index has.
    for n, identity in enumerate(countries()[:count]):
        entry = figures[n % len(figures)]
        slug = identity.key
        for edition in (2021, 2023):
            profile = build_profile(slug, identity.name, edition, entry["editions"], seed=n)
            path = folder / f"{slug}-{edition}.html"
            path.write_text(render_page(profile, layout=edition, fmt="html"), encoding="utf-8")
            url = f"https://ocindex.net/country/{slug}"
            ingest(
                config,
                store,
                [path],
                url=url,
                kind_name="ocindex_page",
                captured_at=f"{edition}-10-01T00:00:00Z",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--countries", type=int, default=193)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(None, Path(tmp) / "data")
        start = time.perf_counter()
        with Store.open(config.database) as store:
            populate(config, store, args.countries, Path(tmp))
            setup = time.perf_counter() - start
            items = owed(store, "digest")
            now = datetime.now(UTC)
            start = time.perf_counter()
            digest = build_digest(store, "digest", items, now.isoformat())
            built = time.perf_counter() - start
            templates = Templates()
            start = time.perf_counter()
            text, html = templates.text(digest), templates.html(digest)
            rendered = time.perf_counter() - start
            start = time.perf_counter()
            report = notify(store, config, now=now)
            sent = time.perf_counter() - start
        (delivery,) = report.deliveries
        size = Path(delivery.where).stat().st_size
    print(
        f"{args.countries} countries, {len(items)} findings (setup: ingest + assess {setup:.1f} s)"
    )
    print(
        f"  build digest (comparisons recomputed) {built * 1000:8.0f} ms"
        f"  ({built * 1000 / args.countries:.1f} ms per country)"
    )
    print(
        f"  render text + HTML                    {rendered * 1000:8.0f} ms"
        f"  (text {len(text) / 1024:.0f} KB, HTML {len(html) / 1024:.0f} KB)"
    )
    print(
        f"  compose + deliver to the file outbox  {sent * 1000:8.0f} ms"
        f"  (1 message, {size / 1024:.0f} KB .eml)"
    )


if __name__ == "__main__":
    main()
