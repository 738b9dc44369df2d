"""Issue 19: the all-changed cycle's shortcuts give what the long way gave."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from pathlib import Path

import pytest

from monitor.assess.findings import assess_pending
from monitor.config.settings import Config, Thresholds
from monitor.demo import demo_profiles
from monitor.demo.render import render_page
from monitor.diff.compare import compare
from monitor.diff.text import section_deltas
from monitor.extract.ocindex_page import extract_page
from monitor.models import Extraction, Section, Status, plain
from monitor.ops.cycle import record_capture
from monitor.sources import configured_kind
from monitor.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(p for p in FIXTURES.glob("ocindex-page-*") if p.suffix in (".txt", ".html"))


@pytest.fixture(scope="module")
def extractions() -> list[Extraction]:
    found = [extract_page(p.read_bytes()) for p in PAGES]
    assert sum(e.status is Status.COMPLETE for e in found) >= 4
    return found


def listed(value: object) -> object:
    """`asdict`'s output as JSON holds it: tuples as lists."""
    if isinstance(value, list | tuple):
        return [listed(v) for v in value]
    if isinstance(value, dict):
        return {k: listed(v) for k, v in value.items()}
    return value


def test_plain_gives_what_asdict_gives_for_extractions_and_comparisons(extractions):
    # Stored as JSON, shown by --json: the same dicts, tuples as the lists JSON makes.
    for old, new in itertools.pairwise(extractions):
        for value in (old, compare(old, new)):
            assert repr(plain(value)) == repr(listed(asdict(value)))


def test_plain_copies_containers_and_keeps_leaves():
    section = Section("overview", "Overview", ("One. Two.",))
    value = {"s": [section, (section, None)], "n": {1: 2.5}}
    converted = plain(value)
    assert converted == {
        "s": [listed(asdict(section)), [listed(asdict(section)), None]],
        "n": {1: 2.5},
    }
    assert converted is not value and converted["n"] is not value["n"]


def test_an_unchanged_section_is_same_and_a_retitled_one_renamed_without_sentences():
    old = [
        Section("a", "Criminal Markets", ("First one. Second one.", "Third.")),
        Section("b", "Cyber Crimes", ("Kept as it was.",)),
        Section("c", "Resilience", ("Old text here.",)),
    ]
    new = [
        Section("a", "CRIMINAL MARKETS", old[0].paragraphs),
        Section("b", "Cyber-dependent crimes", old[1].paragraphs),
        Section("c", "Resilience", ("New text here.",)),
    ]
    same, renamed, changed = section_deltas(old, new)
    assert (same.status, same.magnitude, same.text_changed) == ("same", 0.0, False)
    assert (renamed.status, renamed.text_changed) == ("renamed", False)
    assert changed.status == "changed" and changed.edited


def test_assessing_a_current_pages_new_edition_reads_each_snapshot_once(tmp_path):
    """The previous snapshot of a `current` page is also its prior edition: decoded once
    for the deltas and the reconciliation, not once for each."""
    kind = configured_kind(Config(None, tmp_path), "ocindex_page")
    first, second = [(p, layout) for p, layout in demo_profiles() if p.country][:2]
    assert first[0].country == second[0].country and first[0].edition != second[0].edition
    slug = first[0].country.slug
    with Store.open(tmp_path / "monitor.db") as store:
        url = kind.url(slug, None)
        source = store.ensure_source(
            key=f"ocindex_page:{slug}",
            kind="ocindex_page",
            country_slug=slug,
            edition=None,
            url=url,
        )
        for n, (profile, layout) in enumerate((first, second)):
            page = render_page(profile, layout=layout, fmt="html").encode()
            saved = record_capture(
                store,
                kind,
                key=source.key,
                source_id=source.id,
                url=url,
                edition=None,
                content=page,
                content_type="text/html",
                captured_at=f"2026-01-0{n + 1}T00:00:00",
            )
            assert saved.change == "new_snapshot"
            if n == 0:
                assess_pending(store, Thresholds())
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        findings = assess_pending(store, Thresholds())
        store.db.conn.set_trace_callback(None)
    assert any(f.kind == "score" for f in findings)  # the new edition was compared
    reads = [s for s in statements if s.startswith("SELECT * FROM snapshots WHERE id")]
    assert len(reads) == len(set(reads)) == 2, reads
