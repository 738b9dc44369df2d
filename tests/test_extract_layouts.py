"""Layouts seen in the wild (issue 20): the promotional line glued to a heading, the
compact layout, the 2019 edition, pages that are not one country's profile, a footer
the site rewrote, and reasons in words. Our fixtures (see fixtures/README.md) and the
corpus; values checked against the workbooks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.extract.ocindex_page import extract_page
from monitor.models import Status
from tests.helpers.workbook import scores as workbook_scores

FIXTURES = Path(__file__).parent / "fixtures"
WORKBOOK_2025 = "data/global_oc_index_2021_2025.xlsx"


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_a_promotional_line_glued_to_a_heading_loses_no_composite():
    page = text("ocindex-page-2025-ecuador.txt")
    assert "Read more on globalinitiative.netCriminal markets" in page
    extraction = extract_page(page, url="https://ocindex.net/country/ecuador")
    assert extraction.status is Status.COMPLETE and extraction.unparsed_lines == ()
    assert set(extraction.profile.composites) == {
        "criminality",
        "criminal_markets",
        "criminal_actors",
        "resilience",
    }


def test_the_compact_layout_reads_its_singular_criminal_market_heading(shared_dir):
    page = text("ocindex-page-2023-mauritius-compact.txt")
    assert "    Criminal market\n" in page and "Criminal markets" not in page
    extraction = extract_page(page, url="https://ocindex.net/country/mauritius")
    assert extraction.status is Status.COMPLETE, extraction.reasons
    truth = workbook_scores(shared_dir / "data/global_oc_index_2021_2023.xlsx", 2023, "Mauritius")
    assert extraction.profile.composites["criminal_markets"].value == truth["criminal_markets"]
    assert all(i.description == "" for i in extraction.profile.indicators)


def test_a_2019_page_is_the_2019_edition_whatever_the_url_says():
    page = text("ocindex-page-2019-ghana.txt")
    undated = extract_page(page, url="https://ocindex.net/country/ghana")
    assert (undated.status, undated.profile.edition) == (Status.COMPLETE, 2019)
    assert undated.profile.indicator("synthetic_drug_trade").name == "Synthetic Drugs Trade"
    stated = extract_page(page, url="https://ocindex.net/2021/country/ghana")
    assert stated.profile.edition == 2019
    assert "edition_mismatch" in {r.code for r in stated.reasons}


def test_a_fragment_printing_no_change_and_no_global_rank_is_never_guessed_2021():
    # Ghana's page cut before its three 2019-only spellings: 2019 or 2021, nothing says.
    page = text("ocindex-page-2019-ghana.txt")
    fragment = page[: page.index("    Non-Renewable Resources Crimes")]
    extraction = extract_page(fragment, url="https://ocindex.net/country/ghana")
    assert extraction.profile.edition is None
    assert "edition_unknown" in {r.code for r in extraction.reasons}


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("not-profiles/ocindex-page-2025-region-west-africa.txt", "about West Africa, a region"),
        ("not-profiles/ocindex-crime-2025-human-trafficking.txt", "lists 10 countries or regions"),
    ],
)
def test_region_and_crime_pages_are_not_a_profile(name, words):
    extraction = extract_page(text(name), url=None)
    assert extraction.status is Status.NOT_A_PROFILE and extraction.profile is None
    [reason] = extraction.reasons
    assert reason.code == "not_a_country_profile" and words in reason.message


def test_a_region_plus_country_page_yields_the_countrys_profile(shared_dir):
    page = text("ocindex-page-2025-west-africa-senegal.txt")
    headers = [m.start() for m in re.finditer(r"^    Profile$", page, flags=re.M)]
    assert len(headers) == 2
    country_only = page[: headers[0]] + page[headers[1] :]
    url = "https://ocindex.net/country/senegal"
    both, alone = extract_page(page, url=url), extract_page(country_only, url=url)
    assert both.status is Status.COMPLETE and both == alone
    # Senegal's values, not the region's averages (West Africa's criminality is 5.49).
    truth = workbook_scores(shared_dir / WORKBOOK_2025, 2025, "Senegal")
    assert both.profile.scores() == pytest.approx(truth, abs=1e-9)


def test_the_2025_corpus_page_equals_the_2025_sheet_and_its_changes_2025_minus_2023(
    shared_dir,
):
    extraction = extract_page(
        (shared_dir / "corpus/ocindex-page-2025-kyrgyzstan.txt").read_bytes(),
        url="https://ocindex.net/country/kyrgyzstan",
    )
    profile = extraction.profile
    now = workbook_scores(shared_dir / WORKBOOK_2025, 2025, "Kyrgyzstan")
    before = workbook_scores(shared_dir / WORKBOOK_2025, 2023, "Kyrgyzstan")
    printed = {**profile.composites, **{i.key: i.score for i in profile.indicators}}
    assert len(printed) == 34  # two indicators are absent from this capture
    for key, score in printed.items():
        assert score.value == now[key], key
        assert score.change == pytest.approx(now[key] - before[key], abs=0.011), key


NEW_FOOTER = (
    "Newsletter\n\n    Hear first when the Index is updated: one e-mail a month.\n\n"
    "    Contact the team\n"
)


@pytest.mark.parametrize(
    "name",
    [
        "ocindex-page-2023-cote-divoire.txt",
        "ocindex-page-2023-cote-divoire.html",
        "ocindex-page-2023-tuvalu.html",
        "ocindex-page-2021-sao-tome-and-principe.txt",
        "ocindex-page-2025-ecuador.txt",
        "ocindex-page-2023-mauritius-compact.txt",
    ],
)
def test_a_rewritten_site_footer_does_not_make_complete_pages_truncated(name):
    page = text(name)
    if name.endswith(".html"):
        start, end = page.index("<footer"), page.index("</footer>") + len("</footer>")
        new_footer = "<footer><h3>Newsletter</h3><p>Hear first when the Index is updated.</p>"
        changed = page[:start] + new_footer + "<p>Contact the team</p></footer>" + page[end:]
    else:
        changed = page[: page.index("For a better experience")] + NEW_FOOTER
    url = "https://ocindex.net/country/x"
    before, after = extract_page(page, url=url), extract_page(changed, url=url)
    assert after.status is Status.COMPLETE
    assert [r.code for r in after.reasons] == ["footer_not_recognised"]
    assert after.profile.sections == before.profile.sections


def test_a_footer_that_is_gone_leaves_a_whole_html_page_complete_and_a_cut_one_truncated():
    page = text("ocindex-page-2023-tuvalu.html")
    start, end = page.index("<footer"), page.index("</footer>") + len("</footer>")
    no_footer = extract_page(page[:start] + page[end:], url="https://ocindex.net/country/tuvalu")
    assert no_footer.status is Status.COMPLETE
    assert [r.code for r in no_footer.reasons] == ["footer_not_found"]
    cut = extract_page(page[:start], url="https://ocindex.net/country/tuvalu")
    assert [r.detail.get("where") for r in cut.reasons] == ["html_not_closed"]


def test_two_values_for_one_score_are_told_in_words_and_numbers():
    page = text("ocindex-page-2025-ecuador.txt")
    first = page.index("Resilience score")
    second = page.index("Resilience score", first + 1)
    score_line = page.rindex("\n    ", 0, second - 6)
    value = page[score_line:second].split()[0]
    changed = page[:score_line] + page[score_line:second].replace(value, "9.99", 1) + page[second:]
    extraction = extract_page(changed, url="https://ocindex.net/country/ecuador")
    [conflict] = [r for r in extraction.reasons if r.code == "conflicting_values"]
    assert "Score(" not in conflict.message and "Score(" not in str(conflict.detail)
    assert conflict.message.startswith("resilience: the page shows two different values (")
    assert "9.99" in conflict.message
