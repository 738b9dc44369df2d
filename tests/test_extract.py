"""The page extractor on inputs we write ourselves: non-profiles, odd lines, fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.extract.html_lines import html_to_lines
from monitor.extract.ocindex_lines import parse_rank, parse_score
from monitor.extract.ocindex_page import extract_page
from monitor.models import Score, Status
from monitor.sources import extract_safely, get_kind

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("4.40", Score(4.40)),
        ("4.630.23", Score(4.63, 0.23)),
        ("5.25-0.07", Score(5.25, -0.07)),
        ("3.50 n/a", Score(3.50, None, new_this_edition=True)),
        ("10.000.50", Score(10.0, 0.5)),
        ("1.00-1.50", Score(1.0, -1.5)),
        ("10.00", Score(10.0)),
    ],
)
def test_score_lines_of_every_edition(line, expected):
    assert parse_score(line) == expected


@pytest.mark.parametrize("line", ["4.4", "45.00", "Human trafficking", "4.40 4.40 4.40", "0.50"])
def test_lines_that_are_not_scores(line):
    assert parse_score(line) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("72nd of 193 countries", ("global", 72, 193, None, None)),
        ("85th of 193 countries 4", ("global", 85, 193, None, 4)),
        ("23rd of 46 countries in Asia", ("continental", 23, 46, "Asia", None)),
        ("11th of 44 countries in Europe0", ("continental", 11, 44, "Europe", 0)),
        ("5th of 35 countries in the Americas", ("continental", 5, 35, "the Americas", None)),
        (
            "2nd of 8 countries in Central Asia and the Caucasus 12",
            ("regional", 2, 8, "Central Asia and the Caucasus", 12),
        ),
    ],
)
def test_rank_lines_with_and_without_movement(line, expected):
    rank = parse_rank(line, "criminality")
    assert (rank.scope, rank.rank, rank.out_of, rank.group, rank.movement) == expected


def test_a_missing_continental_rank_line_leaves_the_regional_rank_regional():
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text(encoding="utf-8")
    continental = next(ln for ln in page.splitlines() if "countries in Africa" in ln)
    extraction = extract_page(page.replace(continental + "\n", "", 1))
    scopes = [(r.composite, r.scope) for r in extraction.profile.ranks]
    assert ("criminality", "regional") in scopes
    assert ("criminality", "continental") not in scopes
    assert extraction.status is Status.INCOMPLETE  # the continental rank is missing


NON_PROFILES = {
    "empty body": b"",
    "whitespace only": b"   \n\n  ",
    "error page served with 200": b"<html><head><title>Something went wrong</title></head>"
    b"<body><h1>We are sorry</h1><p>The service is temporarily unavailable.</p></body></html>",
    "login wall": b"<html><body><form><h2>Sign in</h2><label>Email</label><input name=e>"
    b"<button>Log in</button></form></body></html>",
    "another page of the site": b"<html><body><h1>Rankings</h1><table><tr><td>Myanmar</td>"
    b"<td>8.15</td></tr><tr><td>Colombia</td><td>7.75</td></tr></table></body></html>",
    "a PDF": b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n%%EOF",
    "a PNG": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "a zip (xlsx)": b"PK\x03\x04\x14\x00\x06\x00",
}


@pytest.mark.parametrize("name", NON_PROFILES)
def test_input_that_is_not_a_profile_says_so_with_a_reason(name):
    extraction = extract_page(NON_PROFILES[name])
    assert extraction.status is Status.NOT_A_PROFILE
    assert extraction.profile is None and not extraction.has_scores
    assert extraction.reasons and extraction.reasons[0].message


def _mini_page(extra: str = "", resilience_repeat: str = "4.17") -> str:
    """A 2021-layout page cut down to the criminality block: enough to exercise parsing."""
    return f"""The Organized Crime Index | ENACT
Year:
Profile
Utopia
5.33
Criminality score
72nd of 193 countries
Criminal markets
4.40
An assessment of the value of a crime type.
Human trafficking
6.50
A description.
{extra}
Heroin trade
7.00
Another description.
4.17
Resilience score
Prevention
5.00
Description.
4.17 6.25 4.40 4.17 6.25 4.40
{resilience_repeat}
Resilience score
Prevention
5.00
Description.
"""


def test_lines_not_understood_are_kept_and_counted():
    extraction = extract_page(_mini_page(extra="Sponsored: buy our newsletter today"))
    assert extraction.unparsed_lines == ("Sponsored: buy our newsletter today",)
    warning = next(r for r in extraction.reasons if r.code == "unparsed_lines")
    assert warning.severity == "warning" and warning.detail["count"] == 1


def test_the_repeated_3d_block_is_recognised_not_double_counted():
    profile = extract_page(_mini_page()).profile
    assert [i.key for i in profile.indicators].count("prevention") == 1
    assert profile.composites["resilience"].value == 4.17


def test_a_repeated_block_that_disagrees_is_a_conflict():
    extraction = extract_page(_mini_page(resilience_repeat="4.20"))
    conflict = next(r for r in extraction.reasons if r.code == "conflicting_values")
    assert "4.17" in conflict.message and "4.2" in conflict.message
    assert extraction.status is Status.INCOMPLETE


def test_a_capital_named_like_the_country_is_a_fact_not_the_header():
    header = "Singapore\nProfile\nSingapore\nCapital\nSingapore\nIncome group\nHigh income\n"
    page = _mini_page().replace("Profile\nUtopia\n", header)
    extraction = extract_page(page, url="https://ocindex.net/2021/country/singapore")
    assert extraction.profile.country.name == "Singapore"
    assert extraction.profile.facts.capital == "Singapore"
    assert extraction.profile.facts.income_group == "High income"
    assert extraction.unparsed_lines == ()


def test_html_block_lines_join_inline_elements_and_drop_scripts():
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<div>4.63<span class=c>0.23</span></div><p>C&ocirc;te d&rsquo;Ivoire<br>next</p>"
        "<script>document.write('5.00')</script><noscript>enable js</noscript></body></html>"
    )
    assert html_to_lines(html) == ["T", "4.630.23", "Côte d’Ivoire", "next"]


def test_an_extractor_bug_becomes_a_reason_not_a_crash():
    class Broken(type(get_kind("ocindex_page"))):
        def extract(self, content, **kwargs):
            raise RuntimeError("boom")

    extraction = extract_safely(Broken(), b"anything")
    assert extraction.status is Status.NOT_A_PROFILE
    assert "boom" in extraction.reasons[0].message


PAGE_WORDS = st.sampled_from(
    [
        "Profile",
        "Analysis",
        "Criminality score",
        "Resilience score",
        "Criminal markets",
        "Criminal actors",
        "Human trafficking",
        "Prevention",
        "People",
        "4.40",
        "4.630.23",
        "3.50 n/a",
        "72nd of 193 countries",
        "2nd of 8 countries in Asia0",
        "01 02 03",
        "Year:",
        "Population",
        "6,456,200",
        "For a better experience, please rotate your device.",
        "Some narrative sentence.",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000)))
def test_arbitrary_input_never_raises_and_always_has_a_status(data):
    extraction = extract_page(data)
    assert extraction.status in set(Status)
    if extraction.status is Status.NOT_A_PROFILE:
        assert extraction.profile is None and extraction.reasons


@settings(max_examples=300, deadline=None)
@given(st.lists(PAGE_WORDS, max_size=80), st.booleans())
def test_shuffled_page_lines_never_raise(lines, as_html):
    text = "\n".join(lines)
    paragraphs = "".join(f"<p>{ln}</p>" for ln in lines)
    data = f"<html><body>{paragraphs}</body></html>" if as_html else text
    extraction = extract_page(data, url="https://ocindex.net/country/utopia")
    assert extraction.status in set(Status)
    if extraction.status is Status.COMPLETE:
        assert extraction.profile is not None and extraction.has_scores


def test_a_page_naming_another_country_than_its_url_is_not_that_countrys_profile():
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes()
    right = extract_page(page, url="https://ocindex.net/country/cote-divoire")
    wrong = extract_page(page, url="https://ocindex.net/country/tuvalu")
    assert right.status is Status.COMPLETE
    assert wrong.status is Status.INCOMPLETE
    (reason,) = [r for r in wrong.reasons if r.code == "country_mismatch"]
    assert reason.detail == {"url_country": "tuvalu", "page_country": "cote_divoire"}


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://ocindex.net/country/turkiye", "turkey"),
        ("https://ocindex.net/2023/country/ivory-coast", "cote_divoire"),
        ("https://ocindex.net/country/utopia", "utopia"),  # not in the index: as written
    ],
)
def test_a_url_slug_resolves_to_the_country_key(url, key):
    assert get_kind("ocindex_page").locate(url)[0] == key
