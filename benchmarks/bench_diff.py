"""Micro-benchmark of diffing two full profiles (score deltas + section deltas); goal < 20 ms.

    python benchmarks/bench_diff.py [--repeat 200]

Pairs: (a) the real 2025 Kyrgyzstan page against the same page with the narrative of the
2025 PDF summary (`summary_sections`): one edition, two renderings, no change expected;
(b) the real 2021 page against the 2025 page: two editions, narrative mostly rewritten;
(c) a demo profile (our figures, invented narrative) 2021 against 2023, and (d) the same
with four paragraphs per section (a narrative the size of the real 2025 page). The
corpus pairs need `../shared/corpus/` and are skipped with a note if it is missing.
Repetitions go round-robin across pairs so that machine noise hits them alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import p95, timings

from monitor.demo import demo_profiles
from monitor.diff import score_deltas
from monitor.diff.text import section_deltas, sentences
from monitor.extract.ocindex_page import extract_page
from monitor.extract.summary_text import summary_sections
from monitor.models import Profile

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOAL_MS = 20.0


def corpus_page(year: int) -> Profile:
    path = CORPUS / f"ocindex-page-{year}-kyrgyzstan.txt"
    url = f"https://ocindex.net/{year}/country/kyrgyzstan"
    profile = extract_page(path.read_bytes(), url=url).profile
    assert profile is not None
    return profile


def pairs() -> dict[str, tuple[Profile, Profile]]:
    found: dict[str, tuple[Profile, Profile]] = {}
    if CORPUS.is_dir():
        page_2021, page_2025 = corpus_page(2021), corpus_page(2025)
        pdf_text = (CORPUS / "ocindex-pdf-2025-kyrgyzstan.txt").read_text(encoding="utf-8")
        pdf = replace(page_2025, sections=summary_sections(pdf_text))
        found["(a) 2025 page vs PDF text"] = (page_2025, pdf)
        found["(b) 2021 page vs 2025 page"] = (page_2021, page_2025)
    else:
        print(f"note: {CORPUS} not found; skipping the corpus pairs (a) and (b)")
    for label, size in (("(c) demo 2021 vs 2023", None), ("(d) demo, 4 paragraphs", 4)):
        profiles = {
            p.edition: p
            for p, _ in demo_profiles(paragraphs_per_section=size)
            if p.country and p.country.slug == "kyrgyzstan"
        }
        found[label] = (profiles[2021], profiles[2023])
    return found


def diff_profiles(old: Profile, new: Profile) -> tuple[object, object]:
    return score_deltas(old, new), section_deltas(old.sections, new.sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="diffs per pair")
    args = parser.parse_args()
    found = pairs()
    calls: dict[str, Callable[[], object]] = {}
    for label, (old, new) in found.items():
        calls[label] = lambda old=old, new=new: diff_profiles(old, new)
        calls[f"{label} text"] = lambda old=old, new=new: section_deltas(old.sections, new.sections)
    times = timings(calls, args.repeat)

    header = (
        f"{'pair':<28} {'sentences':>9} {'changed':>7} {'median':>7} {'p95':>7} {'text':>6}  goal"
    )
    print(f"score_deltas + section_deltas, {args.repeat} repetitions per pair, times in ms")
    print(header)
    print("-" * len(header))
    for label, (old, new) in found.items():
        count = sum(len(sentences(s.paragraphs)) for p in (old, new) for s in p.sections)
        deltas = section_deltas(old.sections, new.sections)
        changed = sum(d.text_changed for d in deltas)
        median, high = statistics.median(times[label]), p95(times[label])
        text = statistics.median(times[f"{label} text"])
        verdict = "ok" if median < GOAL_MS else "SLOW"
        print(
            f"{label:<28} {count:>9} {changed:>4}/{len(deltas):<2} {median:7.2f} {high:7.2f}"
            f" {text:6.2f}  {verdict}"
        )
    print("sentences: old + new; changed: sections whose text changed; text: median of")
    print(f"section_deltas alone. Goal: median under {GOAL_MS:.0f} ms per pair of profiles.")


if __name__ == "__main__":
    main()
