"""The extractor on the real captures in ../shared/corpus, checked against the workbook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.extract.ocindex_page import extract_page
from monitor.indices.catalogue import INDICATORS, SECTIONS, expected_indicators
from monitor.models import Status
from tests.helpers.workbook import scores as workbook_scores

URL_2021 = "https://ocindex.net/2021/country/kyrgyzstan"
URL_2025 = "https://ocindex.net/2025/country/kyrgyzstan"


@pytest.fixture
def page_2021(shared_dir: Path) -> str:
    return (shared_dir / "corpus/ocindex-page-2021-kyrgyzstan.txt").read_text()


@pytest.fixture
def page_2025(shared_dir: Path) -> str:
    return (shared_dir / "corpus/ocindex-page-2025-kyrgyzstan.txt").read_text()


@pytest.fixture
def workbook(shared_dir: Path) -> Path:
    return shared_dir / "data/global_oc_index_2021_2023.xlsx"


def test_2021_page_extracts_completely_and_equals_the_workbook(page_2021, workbook):
    extraction = extract_page(page_2021, url=URL_2021)
    assert extraction.status is Status.COMPLETE, extraction.reasons
    profile = extraction.profile
    assert profile.edition == 2021
    assert profile.country.name == "Kyrgyzstan" and profile.country.slug == "kyrgyzstan"
    expected = workbook_scores(workbook, 2021, "Kyrgyzstan")
    extracted = profile.scores()
    # 4 composites + 10 markets + 4 actors + 12 resilience, the repeated block not doubled
    assert len(extracted) == 30 and len(profile.indicators) == 26
    assert extracted == pytest.approx(expected, abs=1e-9)
    assert all(i.score.change is None for i in profile.indicators)
    assert extraction.unparsed_lines == ()


def test_2021_page_facts_ranks_and_narrative(page_2021):
    profile = extract_page(page_2021, url=URL_2021).profile
    assert profile.facts.population == 6_456_200
    assert profile.facts.area_km2 == 199_950
    assert profile.facts.income_group == "Lower middle income"
    ranks = {(r.composite, r.scope): (r.rank, r.out_of, r.group) for r in profile.ranks}
    assert ranks[("criminality", "global")] == (72, 193, None)
    assert ranks[("criminality", "regional")] == (2, 8, "Central Asia and the Caucasus")
    assert ranks[("resilience", "continental")] == (24, 46, "Asia")
    assert [s.key for s in profile.sections] == [s.key for s in SECTIONS]
    # Every narrative paragraph of the capture lands in a section, in order.
    analysis = page_2021.split("\n    Analysis\n", 1)[1].split("For a better experience")[0]
    long_lines = [ln.strip() for ln in analysis.splitlines() if len(ln.strip()) > 120]
    assert [p for s in profile.sections for p in s.paragraphs if len(p) > 120] == long_lines


def test_2025_page_values_and_published_changes_match_the_workbook(page_2025, workbook):
    extraction = extract_page(page_2025, url=URL_2025)
    profile = extraction.profile
    assert profile.edition == 2025
    before = workbook_scores(workbook, 2023, "Kyrgyzstan")
    extracted = {i.key: i.score for i in profile.indicators} | profile.composites
    # Every indicator named on the page was extracted ...
    names = {s.name: s.key for s in INDICATORS}
    on_page = {names[ln.strip()] for ln in page_2025.splitlines() if ln.strip() in names}
    assert {i.key for i in profile.indicators} == on_page
    # ... and every printed change is the 2025 value minus the 2023 workbook value.
    for key, score in extracted.items():
        assert score.change == pytest.approx(score.value - before[key], abs=0.011), key


def test_2025_capture_is_incomplete_naming_the_two_missing_indicators(page_2025):
    extraction = extract_page(page_2025, url=URL_2025)
    assert extraction.status is Status.INCOMPLETE
    missing = {r.detail["pillar"]: r for r in extraction.reasons if r.code == "missing_indicators"}
    assert set(missing) == {"criminal_actors", "resilience"}
    assert missing["criminal_actors"].detail["missing"] == ["mafia_style_groups"]
    assert missing["resilience"].detail["missing"] == ["political_leadership_and_governance"]
    profile = extraction.profile
    # The implied value is what makes the published mean hold.
    for pillar, reason in missing.items():
        found = [i.score.value for i in profile.indicators if i.pillar == pillar]
        n = len(expected_indicators(2025, pillar))
        implied = reason.detail["published_mean"] * n - sum(found)
        assert reason.detail["implied_value"] == pytest.approx(implied, abs=0.005)
    assert "value ≈ 5.5" in missing["criminal_actors"].message
    # Nothing was invented for the missing ones.
    assert profile.indicator("mafia_style_groups") is None
    assert [r for r in extraction.reasons if r.is_error and r.code != "missing_indicators"] == []


def test_edition_comes_from_content_not_the_url(page_2025, page_2021):
    undated = extract_page(page_2025, url="https://ocindex.net/country/kyrgyzstan")
    assert undated.profile.edition == 2025
    mislabelled = extract_page(page_2021, url=URL_2025)
    assert mislabelled.profile.edition == 2021
    assert "edition_mismatch" in {r.code for r in mislabelled.reasons}


def test_html_and_text_of_the_same_page_give_identical_snapshots(page_2021):
    """Wrap the rendered lines in HTML (one block each, scores with inline spans)."""
    lines = [ln.strip() for ln in page_2021.splitlines() if ln.strip()]
    blocks = "\n".join(
        f"<div>{_escape(ln)}</div>"
        if not re.fullmatch(r"\d\.\d\d", ln)
        else f'<div class="score"><span>{ln}</span></div>'
        for ln in lines
    )
    head = "<head><title>x</title><script>var a=1;</script></head>"
    html = f"<!doctype html><html>{head}<body>{blocks}</body></html>"
    from_text = extract_page(page_2021, url=URL_2021)
    from_html = extract_page(html.encode(), url=URL_2021, content_type="text/html")
    assert from_html.profile == from_text.profile
    assert from_html.status == from_text.status


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95])
def test_a_capture_cut_off_is_incomplete_and_invents_nothing(page_2021, workbook, fraction):
    raw = page_2021.encode()
    cut = raw[: int(len(raw) * fraction)]
    extraction = extract_page(cut, url=URL_2021)
    assert extraction.status in (Status.INCOMPLETE, Status.NOT_A_PROFILE)
    if extraction.profile is not None:
        truth = workbook_scores(workbook, 2021, "Kyrgyzstan")
        for key, value in extraction.profile.scores().items():
            assert value == truth[key], key


def test_a_capture_starting_mid_page_keeps_what_it_holds(page_2021, workbook):
    tail = page_2021[page_2021.index("    Criminal markets") :]
    extraction = extract_page(tail, url=URL_2021)
    assert extraction.status is Status.INCOMPLETE
    codes = {r.code for r in extraction.reasons}
    assert "missing_composites" in codes and "missing_ranks" in codes
    profile = extraction.profile
    assert "criminality" not in profile.composites
    truth = workbook_scores(workbook, 2021, "Kyrgyzstan")
    assert len(profile.indicators) == 26
    assert all(truth[k] == v for k, v in profile.scores().items())


def test_a_2025_header_without_a_year_line_tells_the_edition(page_2025):
    # Header and resilience block only: no indicator new in 2023, so the missing
    # `Year:` selector above the header is what tells 2025 from 2023.
    head = page_2025[: page_2025.index("    Criminal markets")]
    resilience = page_2025[page_2025.index("    3.79-0.04") :]  # the resilience score
    extraction = extract_page(head + resilience, url="https://ocindex.net/country/kyrgyzstan")
    assert extraction.profile.edition == 2025
    tail = extract_page(resilience, url="https://ocindex.net/country/kyrgyzstan")
    assert tail.profile.edition is None
    assert "edition_unknown" in {r.code for r in tail.reasons}


@pytest.mark.parametrize(
    ("cut_before", "where"),
    [
        # A sentence end closing the section before the last: the last is never reached.
        ("\n\n    Civil society and social protection", "before_footer"),
        (" political independence", "mid_paragraph"),  # mid-sentence
        ("s approach to crime prevention", "mid_paragraph"),  # `Overall, Kyrgyzstan’`: mid-word
    ],
)
def test_a_narrative_that_never_reaches_the_footer_is_truncated(page_2021, cut_before, where):
    cut = page_2021[: page_2021.index(cut_before)]
    extraction = extract_page(cut, url=URL_2021)
    assert extraction.status is Status.INCOMPLETE
    truncated = [r for r in extraction.reasons if r.code == "truncated"]
    assert [r.detail["where"] for r in truncated] == [where]


def test_a_text_capture_holding_every_section_but_no_footer_is_complete(page_2021):
    # Cut at a sentence end inside the last section, or a footer we do not know:
    # the structure is whole, so the capture is complete; the missing footer is noted.
    cut = page_2021[: page_2021.index("treatment services.") + len("treatment services.")]
    extraction = extract_page(cut, url=URL_2021)
    assert extraction.status is Status.COMPLETE
    assert [r.code for r in extraction.reasons] == ["footer_not_found"]
