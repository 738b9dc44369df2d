"""Score deltas with deepdiff, checked on real data: 2023 workbook -> 2025 page."""

from __future__ import annotations

import pytest

from monitor.diff import score_deltas
from monitor.extract.ocindex_page import extract_page
from monitor.indices.catalogue import indicator_spec
from monitor.models import Indicator, Profile, Score
from tests.helpers.workbook import NEW_IN_2023, workbook_profile


def test_deltas_2023_to_2025_equal_the_changes_the_page_prints(shared_dir):
    old = workbook_profile(shared_dir, 2023, "Kyrgyzstan")
    page = (shared_dir / "corpus/ocindex-page-2025-kyrgyzstan.txt").read_bytes()
    new = extract_page(page, url="https://ocindex.net/2025/country/kyrgyzstan").profile
    deltas = {d.key: d for d in score_deltas(old, new)}
    printed = {i.key: i.score.change for i in new.indicators} | {
        k: s.change for k, s in new.composites.items()
    }
    for key, change in printed.items():
        if change:
            assert deltas[key].kind == "moved"
            assert deltas[key].change == pytest.approx(change, abs=0.011), key
        else:
            assert key not in deltas  # unchanged scores are not deltas
    # Absent from an incomplete capture: "missing", never "removed by methodology".
    assert deltas["mafia_style_groups"].kind == "missing"
    assert deltas["political_leadership_and_governance"].kind == "missing"


def test_2021_to_2023_reports_methodology_additions_not_moves(shared_dir):
    old = workbook_profile(shared_dir, 2021, "Kyrgyzstan")
    new = workbook_profile(shared_dir, 2023, "Kyrgyzstan")
    deltas = score_deltas(old, new)
    added = {d.key for d in deltas if d.kind == "added"}
    assert added == NEW_IN_2023
    assert all(d.change is None and d.direction == "" for d in deltas if d.kind == "added")


@pytest.mark.parametrize(
    ("key", "old", "new", "direction"),
    [
        ("criminality", 5.0, 5.5, "deterioration"),
        ("heroin_trade", 7.0, 6.0, "improvement"),
        ("resilience", 3.8, 4.1, "improvement"),
        ("law_enforcement", 3.5, 3.0, "deterioration"),
    ],
)
def test_direction_depends_on_the_pillar(key, old, new, direction):
    def profile(value: float) -> Profile:
        spec = indicator_spec(key)
        if spec is None:
            return Profile(None, 2023, None, composites={key: Score(value)})
        return Profile(
            None,
            2023,
            None,
            indicators=(Indicator(key, spec.name, spec.pillar, Score(value)),),
        )

    (delta,) = score_deltas(profile(old), profile(new))
    assert delta.direction == direction and delta.change == pytest.approx(new - old)


def test_float_noise_below_a_hundredth_is_no_change():
    a = Profile(None, 2023, None, composites={"criminality": Score(5.32)})
    b = Profile(None, 2023, None, composites={"criminality": Score(5.32 + 1e-9)})
    assert score_deltas(a, b) == []
