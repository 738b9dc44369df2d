"""`monitor demo`: the whole pipeline on bundled sample pages, served on loopback.

Five Central Asian profiles are published as their 2021 edition, checked, checked again
(nothing new: the server answers 304), then republished as the 2023 edition at the same
URLs and checked once more; the demo then shows what moved between the editions. Beside
them the server publishes a second index, a Freedom in the World release for the same
countries (its 2013 edition, then the release of 2021, holding 2013–2021), watched
through the shipped `fiw` definition: the digest groups both indices under each country.
Everything goes through the real fetch → extract → store path into a real SQLite file.
"""

from __future__ import annotations

import shlex
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.cli import display
from monitor.config.settings import Config, FetchPolicy, SourceSpec, Thresholds, source_key
from monitor.demo import demo_profiles
from monitor.demo.render import render_page
from monitor.demo.server import PageSite, serve
from monitor.diff import ScoreDelta, score_deltas
from monitor.indices.catalogue import COMPOSITE_NAMES
from monitor.models import Profile
from monitor.notify.deliver import NotifyReport, notify, preview
from monitor.ops.cycle import CycleReport, run_cycle
from monitor.sources import SourceKind
from monitor.store import Store

KIND = "ocindex_page"
SECOND = "fiw"  # the second index: its release as the publisher's file, one for all
RELEASE = "/data/fiw.csv"


@dataclass(frozen=True)
class DemoResult:
    data_dir: Path
    cycles: tuple[CycleReport, ...]
    deltas: dict[str, list[ScoreDelta]]  # country slug -> 2021 → 2023 deltas
    digest: NotifyReport  # the digest of the run's findings, written to the outbox


def editions_as_pages() -> dict[int, dict[str, tuple[bytes, str]]]:
    """Edition -> the site's pages: each profile's HTML at its undated URL."""
    pages: dict[int, dict[str, tuple[bytes, str]]] = {}
    for profile, layout in demo_profiles():
        html = render_page(profile, layout=layout, fmt="html").encode()
        slug = profile.country.slug  # type: ignore[union-attr]
        pages.setdefault(layout, {})[f"/country/{slug}"] = (html, "text/html; charset=utf-8")
    return pages


def releases() -> tuple[dict[str, tuple[bytes, str]], dict[str, tuple[bytes, str]]]:
    """The second index's release before and after its new edition, at one URL."""
    folder = resources.files("monitor.demo").joinpath("fiw")
    before, after = (
        {RELEASE: (folder.joinpath(f"release-{year}.csv").read_bytes(), "text/csv")}
        for year in (2013, 2021)
    )
    return before, after


def run_demo(data_dir: Path | None, console: Console) -> DemoResult:
    data_dir = Path(data_dir or tempfile.mkdtemp(prefix="monitor-demo-"))
    pages = editions_as_pages()
    first, second = sorted(pages)
    slugs = sorted(p.rsplit("/", 1)[1] for p in pages[first])
    before, after = releases()
    site = PageSite()
    cycles: list[CycleReport] = []
    with serve(site):
        config = _config(data_dir, site.base_url, slugs)
        console.print(
            Text.assemble(
                ("profile-monitor demo", "bold"),
                f": {len(slugs)} country profiles and a Freedom in the World release"
                f" served on {site.base_url}; data in {data_dir}",
            )
        )
        with Store.open(config.database) as store:
            steps = (
                (f"The {first} edition is live: first check", pages[first] | before),
                ("Nothing published since: second check (conditional GET)", pages[first] | before),
                (
                    f"The {second} edition replaces it at the same URLs: third check",
                    pages[second] | after,
                ),
            )
            for title, live in steps:
                site.publish(live)
                console.rule(title)
                report = run_cycle(config, store)
                cycles.append(report)
                console.print(display.cycle_table(report, width=console.width))
                console.print(display.cycle_summary(report))
            deltas = _edition_deltas(store, cycles[0], cycles[-1])
            counts = store.counts()
            now = datetime.now(UTC)
            summaries = [c.summary for c in preview(store, config, None, now=now).overview]
            sent = notify(store, config, now=now)
    console.rule(f"What moved from {first} to {second}")
    for slug, changes in deltas.items():
        console.print(_delta_table(slug, changes, config.thresholds))
    added = sorted({d.name for changes in deltas.values() for d in changes if d.kind == "added"})
    if added:
        console.print(f"New with the {second} methodology: {', '.join(added)}", highlight=False)
    console.rule("The digest: each country across both indices")
    for line in summaries:
        console.print(line, highlight=False)
    console.print(
        f"Stored {counts['snapshots']} snapshots of {counts['sources']} sources "
        f"({counts['raw_documents']} raw documents, {counts['fetch_attempts']} fetch attempts, "
        f"{counts['scores']} score rows) in {config.database}",
        highlight=False,
    )
    here = f"monitor --data-dir {shlex.quote(str(data_dir))}"
    _commands(
        console, "Explore:", f"{here} sources", f"sqlite3 {shlex.quote(str(config.database))}"
    )
    for delivery in sent.deliveries:
        console.print(
            f"Digest ({delivery.subject}) written to {delivery.where or delivery.error}",
            highlight=False,
        )
        _commands(console, "List notifications:", f"{here} outbox")
    return DemoResult(data_dir, tuple(cycles), deltas, sent)


def _commands(console: Console, label: str, *commands: str) -> None:
    """Commands to copy, each on its own line and never broken by the console's wrapping
    (at 80 columns a command split mid-path could not be pasted)."""
    console.print(label, highlight=False)
    for command in commands:
        console.print(f"  {command}", highlight=False, soft_wrap=True)


def _config(data_dir: Path, base_url: str, slugs: list[str]) -> Config:
    release = f"{base_url}{RELEASE}"
    sources = tuple(
        SourceSpec(source_key(KIND, slug, None), KIND, slug, None, f"{base_url}/country/{slug}")
        for slug in slugs
    ) + tuple(
        # Each country's row of the one release: its latest edition ("current").
        SourceSpec(
            source_key(SECOND, slug, None),
            SECOND,
            slug,
            None,
            SourceKind.row_url(release, slug, None),
        )
        for slug in slugs
    )
    # Our own loopback server: robots.txt is still asked (and allows all), but there is no
    # one to be slow for, so requests are not spaced out.
    policy = FetchPolicy(
        connect_timeout=2, read_timeout=5, max_retries=1, backoff_base=0.1, per_host_interval=0
    )
    kinds = {KIND: {"base_url": base_url}, SECOND: {"base_url": release}}
    return Config(None, data_dir, policy, 4, sources=sources, kind_options=kinds)


def _edition_deltas(
    store: Store, before: CycleReport, after: CycleReport
) -> dict[str, list[ScoreDelta]]:
    deltas = {}
    for old, new in zip(before.results, after.results, strict=True):
        if not old.key.startswith(f"{KIND}:"):
            continue  # the OC Index's profiles; the second index is in the digest
        if old.snapshot_id is None or new.snapshot_id is None:
            continue
        old_profile = _profile(store, old.snapshot_id)
        new_profile = _profile(store, new.snapshot_id)
        if old_profile and new_profile:
            deltas[old.key.split(":")[1]] = score_deltas(old_profile, new_profile)
    return deltas


def _profile(store: Store, snapshot_id: int) -> Profile | None:
    return store.snapshot(snapshot_id).extraction.profile


def _delta_table(slug: str, deltas: list[ScoreDelta], thresholds: Thresholds) -> Table:
    """Composites always; indicators that moved by at least the threshold; methodology."""
    table = Table("score", "old", "new", "change", "", title=slug.replace("_", " ").title())
    for d in deltas:
        composite = d.key in COMPOSITE_NAMES
        big = d.change is not None and abs(d.change) >= thresholds.indicator
        if d.kind == "moved" and (composite or big):
            table.add_row(*display.moved_cells(d, bold=composite))
    added = sum(d.kind == "added" for d in deltas)
    if added:
        table.caption = f"+ {added} indicators new with the methodology (not moves)"
    return table
