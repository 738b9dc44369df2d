"""Issue 19: `_one_sided` sets shared sentences and words aside before DeepDiff. The
findings must be exactly those of the former path, which handed DeepDiff every item:
kept here as the reference, and swapped in to compare on the corpus pages and the demo's
editions (every pairing of the real 2021 and 2025 pages and the 2025 PDF summary)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from deepdiff import DeepDiff

import monitor.diff.text as text
from monitor.assess.rules import evaluate
from monitor.config.settings import Thresholds
from monitor.demo import demo_profiles
from monitor.diff.compare import compare
from monitor.extract.ocindex_page import extract_page
from monitor.extract.summary_text import summary_sections
from monitor.models import Extraction, Finding, Profile, Status


def reference_one_sided(old: list[str], new: list[str]) -> tuple[set[str], set[str]]:
    """The path before the prefilter: DeepDiff over every item's count."""
    if not old or not new:
        return set(old), set(new)
    diff = DeepDiff(dict(Counter(old)), dict(Counter(new)), threshold_to_diff_deeper=0, view="tree")
    gone = {level.get_root_key() for level in diff.get("dictionary_item_removed", ())}
    came = {level.get_root_key() for level in diff.get("dictionary_item_added", ())}
    return gone, came


def corpus_profiles(shared: Path) -> dict[str, Profile]:
    found = {}
    for year in (2021, 2025):
        path = shared / f"corpus/ocindex-page-{year}-kyrgyzstan.txt"
        profile = extract_page(path.read_bytes(), url=f"https://ocindex.net/{year}/country/x")
        assert profile.profile is not None
        found[f"page {year}"] = profile.profile
    pdf = (shared / "corpus/ocindex-pdf-2025-kyrgyzstan.txt").read_text(encoding="utf-8")
    found["pdf 2025"] = replace(found["page 2025"], sections=summary_sections(pdf))
    return found


def findings(old: Profile, new: Profile) -> tuple[tuple[Finding, ...], tuple]:
    """The comparison's section deltas and the findings the rules make of it."""
    comparison = compare(Extraction(Status.COMPLETE, old), Extraction(Status.COMPLETE, new))
    return tuple(evaluate(comparison, Thresholds())), comparison.sections


def both_paths(monkeypatch: pytest.MonkeyPatch, old: Profile, new: Profile) -> tuple:
    current = findings(old, new)
    with monkeypatch.context() as patched:
        patched.setattr(text, "_one_sided", reference_one_sided)
        before = findings(old, new)
    return current, before


def test_corpus_pages_have_the_findings_of_the_former_path(shared_dir, monkeypatch):
    profiles = corpus_profiles(shared_dir)
    narrative_findings = 0
    for old_name, old in profiles.items():
        for new_name, new in profiles.items():
            current, before = both_paths(monkeypatch, old, new)
            assert current == before, f"{old_name} -> {new_name}"
            narrative_findings += sum(f.kind.startswith("narrative") for f in current[0])
    assert narrative_findings > 100  # the rewritten editions were compared, not skipped


def test_demo_editions_have_the_findings_of_the_former_path(monkeypatch):
    by_country: dict[str, dict[int | None, Profile]] = {}
    for profile, _ in demo_profiles(paragraphs_per_section=4):
        if profile.country is not None:
            by_country.setdefault(profile.country.slug, {})[profile.edition] = profile
    compared = 0
    for slug, editions in by_country.items():
        if {2021, 2023} <= editions.keys():
            current, before = both_paths(monkeypatch, editions[2021], editions[2023])
            assert current == before, slug
            compared += 1
    assert compared >= 3
