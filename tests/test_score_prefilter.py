"""Score deltas with equal values set aside before DeepDiff are those of DeepDiff over
every score (the former path): on the corpus pages, the demo editions, and profiles
with float noise, one-sided measures and NaN."""

from __future__ import annotations

import math

from monitor.demo import demo_profiles
from monitor.diff import scores
from monitor.diff.scores import ScoreDelta, score_deltas
from monitor.extract.ocindex_page import extract_page
from monitor.models import Profile, Score


def former(old: Profile, new: Profile) -> list[ScoreDelta]:
    """DeepDiff over both profiles' whole score dicts, in the new profile's order."""
    before, after = old.scores(), new.scores()
    found = scores._reported(before, after, old, new)
    order = list(after) + [k for k in before if k not in after]
    return [found[k] for k in order if k in found]


def same(old: Profile, new: Profile) -> bool:
    current, before = score_deltas(old, new), former(old, new)
    # NaN != NaN: compare the deltas' fields with NaN as equal to itself.
    key = [(d.key, d.name, repr(d.old), repr(d.new), d.kind, d.index) for d in current]
    return key == [(d.key, d.name, repr(d.old), repr(d.new), d.kind, d.index) for d in before]


def test_corpus_and_demo_pairs_have_the_former_deltas(shared_dir):
    profiles = []
    for year in (2021, 2023, 2025):
        path = shared_dir / f"corpus/ocindex-page-{year}-kyrgyzstan.txt"
        if path.exists():
            read = extract_page(path.read_bytes(), url=f"https://ocindex.net/{year}/country/x")
            assert read.profile is not None
            profiles.append(read.profile)
    profiles += [p for p, _ in demo_profiles(paragraphs_per_section=1)][:12]
    moved = 0
    for old in profiles:
        for new in profiles:
            assert same(old, new), (old.edition, new.edition)
            moved += len(score_deltas(old, new))
    assert moved > 100  # pairs that differ were compared, not only equal ones


def test_noise_one_sided_and_nan_have_the_former_deltas():
    def profile(**values: float) -> Profile:
        return Profile(None, 2023, None, composites={k: Score(v) for k, v in values.items()})

    old = profile(criminality=5.32, resilience=4.0, criminal_markets=6.0, x=math.nan, y=1.0)
    new = profile(criminality=5.32 + 1e-9, resilience=4.5, criminal_markets=6.0, x=math.nan)
    for a, b in [(old, new), (new, old), (old, old), (profile(), new), (old, profile())]:
        assert same(a, b)
    # DeepDiff holds NaN equal to NaN, with or without the prefilter.
    assert [d.key for d in score_deltas(old, new)] == ["resilience", "y"]
