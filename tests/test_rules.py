"""Comparisons and significance rules, on the real corpus and workbook where possible."""

from __future__ import annotations

from dataclasses import replace

import pytest

from monitor.assess.rules import evaluate, score_limit
from monitor.config.settings import Thresholds
from monitor.diff.compare import compare
from monitor.extract.ocindex_page import extract_page
from monitor.indices.catalogue import COMPOSITE_NAMES
from monitor.models import Country, Extraction, Profile, Score, Status
from tests.helpers.workbook import NEW_IN_2023, ranks, workbook_profile

PAGE_2021 = "corpus/ocindex-page-2021-kyrgyzstan.txt"
PAGE_2025 = "corpus/ocindex-page-2025-kyrgyzstan.txt"


def page(shared_dir, name: str) -> Extraction:
    return extract_page((shared_dir / name).read_bytes(), url="https://ocindex.net/country/x")


def complete(profile: Profile) -> Extraction:
    return Extraction(Status.COMPLETE, profile)


def test_2021_page_to_2025_page(shared_dir):
    old, new = page(shared_dir, PAGE_2021), page(shared_dir, PAGE_2025)
    comparison = compare(old, new)
    a, b = old.profile.scores(), new.profile.scores()
    moved = {d.key: d.change for d in comparison.scores if d.kind == "moved"}
    for key in a.keys() & b.keys():
        assert moved.get(key, 0.0) == pytest.approx(b[key] - a[key], abs=1e-9), key
    assert {d.key for d in comparison.scores if d.kind == "added"} == NEW_IN_2023
    assert {d.key for d in comparison.scores if d.kind == "missing"} == {
        "mafia_style_groups",
        "political_leadership_and_governance",
    }
    assert comparison.against_incomplete
    # An incomplete capture: no score (or "removed") findings; the source is reported
    # broken once by monitor.assess.health, not per comparison.
    assert evaluate(comparison, Thresholds()) == []


def test_all_printed_changes_reconcile_with_the_2023_workbook(shared_dir):
    stored_2023 = workbook_profile(shared_dir, 2023, "Kyrgyzstan")
    new = page(shared_dir, PAGE_2025)
    scores = [*new.profile.composites.values(), *(i.score for i in new.profile.indicators)]
    printed = [s for s in scores if s.change is not None]
    assert len(printed) == 34
    assert compare(complete(stored_2023), new).revisions == ()


def test_one_altered_stored_value_gives_exactly_one_revision_finding(shared_dir):
    stored_2023 = workbook_profile(shared_dir, 2023, "Kyrgyzstan")
    altered = replace(
        stored_2023,
        indicators=tuple(
            replace(i, score=Score(i.score.value + 0.5)) if i.key == "heroin_trade" else i
            for i in stored_2023.indicators
        ),
    )
    findings = evaluate(compare(complete(altered), page(shared_dir, PAGE_2025)), Thresholds())
    revisions = [f for f in findings if f.kind == "revision"]
    assert len(revisions) == 1 and revisions[0].key == "heroin_trade"
    assert "-0.50" in revisions[0].message and "-1.00" in revisions[0].message


def test_printed_rank_movements_keep_their_direction_and_reconcile_with_the_workbook(shared_dir):
    # Ranks computed from the 2023 sheet: every movement the 2025 page prints (4 down,
    # 1 down, 0, ...) is the 2025 rank minus that one, signed as printed.
    workbook = shared_dir / "data/global_oc_index_2021_2025.xlsx"
    stored_2023 = replace(
        workbook_profile(shared_dir, 2023, "Kyrgyzstan"), ranks=ranks(workbook, 2023, "Kyrgyzstan")
    )
    new = page(shared_dir, PAGE_2025)
    printed = {(r.composite, r.scope): r for r in new.profile.ranks}
    assert printed[("criminality", "global")].direction == "down"  # 81st -> 85th, `4`
    assert len([r for r in printed.values() if r.published_change is not None]) == 6
    assert compare(complete(stored_2023), new).revisions == ()


def test_a_rank_our_history_disagrees_with_is_one_revision_finding_in_words(shared_dir):
    workbook = shared_dir / "data/global_oc_index_2021_2025.xlsx"
    computed = ranks(workbook, 2023, "Kyrgyzstan")
    # Our stored 2023 global criminality rank says 89th: the page's `4` (down from 81st)
    # then disagrees with the 4 places up our history gives.
    altered = tuple(
        replace(r, rank=89) if (r.composite, r.scope) == ("criminality", "global") else r
        for r in computed
    )
    stored_2023 = replace(workbook_profile(shared_dir, 2023, "Kyrgyzstan"), ranks=altered)
    findings = evaluate(compare(complete(stored_2023), page(shared_dir, PAGE_2025)), Thresholds())
    (revision,) = [f for f in findings if f.kind == "revision"]
    assert revision.key == "criminality_global_rank"
    assert revision.message == (
        "criminality global rank: the page prints a move of 4 places down, but our history "
        "gives 4 places up (stored 89th, the page implies 81st): a revised earlier rank?"
    )


def test_2021_to_2023_workbook_findings_follow_the_default_thresholds(shared_dir):
    old = workbook_profile(shared_dir, 2021, "Kyrgyzstan")
    new = workbook_profile(shared_dir, 2023, "Kyrgyzstan")
    findings = evaluate(compare(complete(old), complete(new)), Thresholds())
    scores = {f.key: f for f in findings if f.kind == "score"}
    a, b = old.scores(), new.scores()
    bar = {k: 0.25 if k in COMPOSITE_NAMES else 1.0 for k in a}
    expected = {k for k in a.keys() & b.keys() if abs(b[k] - a[k]) + 1e-9 >= bar[k]}
    assert set(scores) == expected
    assert {"resilience", "criminal_actors"} <= expected  # -0.34 and -0.25
    assert scores["resilience"].direction == "deterioration"
    assert [f.kind for f in findings].count("methodology") == 1


def _pair(before: float, after: float, key: str = "criminality") -> tuple[Extraction, Extraction]:
    def make(value: float) -> Extraction:
        return complete(Profile(None, 2023, None, composites={key: Score(value)}))

    return make(before), make(after)


def test_slow_drift_is_caught_against_the_last_alerted_value():
    old, new = _pair(5.2, 5.4)  # +0.2: under the 0.25 bar
    assert evaluate(compare(old, new), Thresholds()) == []
    (finding,) = evaluate(compare(old, new), Thresholds(), baseline={"criminality": 5.0})
    assert finding.old == 5.0 and finding.new == 5.4 and finding.severity == "medium"


def test_overrides_watchlist_and_direction_filter():
    rules = Thresholds(
        pillars={"resilience": 0.5},
        indicators={"heroin_trade": 2.0},
        countries={"utopia": Thresholds(composite=0.1, directions=("deterioration",))},
    )
    assert score_limit(rules, "law_enforcement") == 0.5
    assert score_limit(rules, "heroin_trade") == 2.0
    assert score_limit(rules, "human_trafficking") == 1.0
    assert score_limit(rules.for_country("utopia"), "criminality") == 0.1
    old, new = _pair(5.0, 4.8)  # an improvement of 0.2

    def in_utopia(e: Extraction) -> Extraction:
        return replace(e, profile=replace(e.profile, country=Country("utopia", "Utopia")))

    utopia = compare(in_utopia(old), in_utopia(new))
    assert evaluate(utopia, rules) == []  # below 0.25 elsewhere; utopia only wants worse
    worse = compare(in_utopia(new), in_utopia(old))
    assert [f.direction for f in evaluate(worse, rules)] == ["deterioration"]
