"""The extractor on our own fixtures: the 2023 layout, a small state, an accented name,
HTML vs text. Values are checked against expected.json and, independently, the workbook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.extract.ocindex_page import extract_page
from monitor.models import Status
from tests.helpers.workbook import ranks as workbook_ranks
from tests.helpers.workbook import scores as workbook_scores

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
WORKBOOK_NAMES = {
    "cote_divoire": "Côte d'Ivoire",
    "tuvalu": "Tuvalu",
    "sao_tome_and_principe": "Sao Tome and Principe",
    "ecuador": "Ecuador",
    "mauritius": "Mauritius",
    "ghana": "Ghana",
    "senegal": "Senegal",
}
# The workbook holding each edition; 2019 is in none: our 2019 fixture prints the 2021
# figures (see fixtures/README.md).
WORKBOOKS = {
    2019: ("data/global_oc_index_2021_2023.xlsx", 2021),
    2021: ("data/global_oc_index_2021_2023.xlsx", 2021),
    2023: ("data/global_oc_index_2021_2023.xlsx", 2023),
    2025: ("data/global_oc_index_2021_2025.xlsx", 2025),
}


def extract_fixture(name: str):
    want = EXPECTED[name]
    url = f"https://ocindex.net/country/{want['country']['slug']}"  # undated: content decides
    return extract_page((FIXTURES / name).read_bytes(), url=url), want


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_extracts_completely_as_expected(name):
    extraction, want = extract_fixture(name)
    assert extraction.status is Status.COMPLETE, extraction.reasons
    # A JSON round trip: tuples become lists, as in expected.json.
    profile = json.loads(json.dumps(extraction.to_dict()["profile"]))
    assert profile["country"] == want["country"]
    assert profile["edition"] == want["edition"]
    assert profile["composites"] == want["composites"]
    assert profile["indicators"] == [
        {**i, "description": profile["indicators"][n]["description"]}
        for n, i in enumerate(want["indicators"])
    ]
    assert profile["ranks"] == want["ranks"]
    assert [(s["key"], s["title"], len(s["paragraphs"])) for s in profile["sections"]] == [
        (s["key"], s["title"], s["paragraphs"]) for s in want["sections"]
    ]
    present = {k: v for k, v in want["facts"].items() if v is not None}
    assert {k: v for k, v in profile["facts"].items() if v is not None} == present
    assert extraction.unparsed_lines == ()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_scores_and_changes_equal_the_workbook(name, shared_dir):
    extraction, want = extract_fixture(name)
    path, sheet = WORKBOOKS[want["edition"]]
    workbook = shared_dir / path
    country = WORKBOOK_NAMES[want["country"]["slug"]]
    truth = workbook_scores(workbook, sheet, country)
    profile = extraction.profile
    assert profile.scores() == pytest.approx(truth, abs=1e-9)
    if want["edition"] in (2023, 2025):
        # Every printed change is this edition minus the one before, in the same workbook.
        before = workbook_scores(workbook, sheet - 2, country)
        printed = {**profile.composites, **{i.key: i.score for i in profile.indicators}}
        for key, score in printed.items():
            if key in before:
                assert score.change == pytest.approx(truth[key] - before[key], abs=0.011)
            else:  # new with the 2023 methodology: the page prints n/a
                assert score.new_this_edition and score.change is None


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if EXPECTED[n]["edition"] >= 2023))
def test_fixture_rank_movements_are_the_workbook_ranks_with_their_direction(name, shared_dir):
    extraction, want = extract_fixture(name)
    path, sheet = WORKBOOKS[want["edition"]]
    country = WORKBOOK_NAMES[want["country"]["slug"]]
    now = {(r.composite, r.scope): r for r in workbook_ranks(shared_dir / path, sheet, country)}
    before = {
        (r.composite, r.scope): r for r in workbook_ranks(shared_dir / path, sheet - 2, country)
    }
    printed = [r for r in extraction.profile.ranks if r.movement is not None]
    assert {r.direction for r in printed} - {"unchanged"}  # a move the page signs
    for rank in extraction.profile.ranks:
        key = (rank.composite, rank.scope)
        assert (rank.rank, rank.out_of) == (now[key].rank, now[key].out_of)
        if rank.movement is not None:
            assert rank.published_change == now[key].rank - before[key].rank


def test_html_and_text_fixture_of_one_page_give_identical_snapshots():
    url = "https://ocindex.net/2023/country/cote_divoire"
    text = extract_page((FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_bytes(), url=url)
    html = extract_page((FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes(), url=url)
    assert html == text


def test_the_2023_layout_glued_rank_movement_is_read():
    extraction, _ = extract_fixture("ocindex-page-2023-cote-divoire.txt")
    text = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text()
    glued = [ln.strip() for ln in text.splitlines() if "countries in Africa" in ln]
    assert glued and all(ln[-1].isdigit() and ln[-2] != " " for ln in glued)
    continental = [r for r in extraction.profile.ranks if r.scope == "continental"]
    assert all(r.group == "Africa" and r.movement is not None for r in continental)


COTE_DIVOIRE_2023 = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text(encoding="utf-8")


def test_a_2023_capture_cut_before_an_n_a_is_not_read_as_a_later_edition():
    # A byte limit right after `5.50` of `5.50 n/a`: the new indicator shows no change.
    cut = COTE_DIVOIRE_2023[: COTE_DIVOIRE_2023.index("5.50 n/a") + len("5.50")]
    extraction = extract_page(cut, url="https://ocindex.net/country/cote_divoire")
    assert extraction.profile.edition == 2023
    assert "edition_mismatch" not in {r.code for r in extraction.reasons}


def test_a_2023_capture_starting_mid_page_takes_the_edition_only_from_a_stated_year():
    fragment = COTE_DIVOIRE_2023[COTE_DIVOIRE_2023.index("    5.130.71") :]
    undated = extract_page(fragment, url="https://ocindex.net/country/cote_divoire")
    assert undated.status is Status.INCOMPLETE
    assert undated.profile.edition is None  # not guessed: no revision can follow
    assert "edition_unknown" in {r.code for r in undated.reasons}
    dated = extract_page(fragment, url="https://ocindex.net/2023/country/cote_divoire")
    assert dated.profile.edition == 2023
    assert not {"edition_unknown", "edition_mismatch"} & {r.code for r in dated.reasons}
    hinted = extract_page(fragment, edition=2023)
    assert hinted.profile.edition == 2023


def test_an_html_capture_cut_at_a_sentence_end_before_the_footer_is_truncated():
    page = (FIXTURES / "ocindex-page-2023-tuvalu.html").read_bytes()
    last_section = page.index(b"support for victims")
    cut = page[: page.index(b"organised crime.", last_section) + len(b"organised crime.")]
    extraction = extract_page(cut, url="https://ocindex.net/2023/country/tuvalu")
    assert extraction.status is Status.INCOMPLETE
    assert {r.code for r in extraction.reasons if r.is_error} == {"truncated"}
