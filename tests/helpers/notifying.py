"""Stores with findings waiting in the outbox, built through the real ingest path.

The demo's Central Asian figures (from the publisher's workbook) rendered as 2021 and
2023 pages, ingested in order: the 2023 capture of each country yields real findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from monitor.config.settings import Config
from monitor.demo import build_profile, load_figures
from monitor.demo.render import render_page
from monitor.models import Profile
from monitor.ops.cycle import ingest
from monitor.store import Store

Edit = Callable[[Profile], Profile]


def page(slug: str, edition: int, edit: Edit | None = None) -> bytes:
    entry = load_figures()["countries"][slug]
    profile = build_profile(slug, entry["workbook_name"], edition, entry["editions"])
    if edit is not None:
        profile = edit(profile)
    return render_page(profile, layout=edition, fmt="html").encode()


def ingest_editions(
    config: Config,
    store: Store,
    folder: Path,
    countries: Iterable[str],
    *,
    edit: Edit | None = None,
) -> None:
    """2021 then 2023 for each country (`edit` applied to the 2023 profile)."""
    for slug in countries:
        for edition, when in ((2021, "2021-10-01T00:00:00Z"), (2023, "2023-10-01T00:00:00Z")):
            path = folder / f"{slug}-{edition}.html"
            path.write_bytes(page(slug, edition, edit if edition == 2023 else None))
            url = f"https://ocindex.net/country/{slug}"
            ingest(config, store, [path], url=url, kind_name="ocindex_page", captured_at=when)
