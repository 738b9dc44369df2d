"""Country identity: every spelling of a country is one key, the page slug."""

from __future__ import annotations

import pytest

from monitor.errors import MonitorError
from monitor.extract.ocindex_page import extract_page
from monitor.identity import UnknownCountryError, countries, country_key, lookup
from monitor.sources import get_kind
from tests.helpers.workbook import paired_names, workbook_rows
from tests.helpers.xlsx import FIXTURES

WORKBOOK = "data/global_oc_index_2021_2023.xlsx"


def test_every_workbook_country_of_both_sheets_resolves_to_a_distinct_key(shared_dir):
    path = shared_dir / WORKBOOK
    for edition in (2021, 2023):
        names = list(workbook_rows(path, edition))
        keys = {country_key(name) for name in names}
        assert len(names) == len(keys) == 193, edition
    # The same country under both sheets' spellings (paired by letters alone) is one key.
    pairs = paired_names(path)
    assert all(country_key(a) == country_key(b) for a, b in pairs)
    assert sum(a != b for a, b in pairs) == 7  # the 2023 sheet's commas, eSwatini


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Congo, Dem. Rep.", "congo_dem_rep"),
        ("Congo, Dem, Rep,", "congo_dem_rep"),  # the 2023 sheet's spelling
        ("Congo, Rep.", "congo_rep"),
        ("Korea, DPR", "korea_dpr"),
        ("Korea, Rep,", "korea_rep"),
        ("eSwatini", "eswatini"),
        ("St. Lucia", "st_lucia"),
        ("St, Lucia", "st_lucia"),
        ("Tuvalu  ", "tuvalu"),  # trailing spaces, as the 2021 sheet has in `Caribbean `
        ("Micronesia (Federated States of)", "micronesia_federated_states_of"),
        ("Côte d’Ivoire", "cote_divoire"),  # the page's curly apostrophe
        ("Côte d'Ivoire", "cote_divoire"),  # the workbook's straight one
        ("cote-divoire", "cote_divoire"),  # a hyphenated slug
        ("kyrgyzstan", "kyrgyzstan"),
        ("cabo_verde", "cabo_verde"),
        ("Congo, The Democratic Republic of the", "congo_dem_rep"),  # ISO names
        ("Türkiye", "turkey"),
        ("Lao People's Democratic Republic", "laos"),
        ("North Korea", "korea_dpr"),
        ("The Gambia", "gambia"),
        # World Bank style, which the publisher's workbook follows, and short forms.
        ("Gambia, The", "gambia"),
        ("Bahamas, The", "bahamas"),
        ("Egypt, Arab Rep.", "egypt"),
        ("Iran, Islamic Rep.", "iran"),
        ("Korea, Dem. People's Rep.", "korea_dpr"),
        ("Lao PDR", "laos"),
        ("Venezuela, RB", "venezuela"),
        ("Yemen, Rep.", "yemen"),
        ("Slovak Republic", "slovakia"),
        ("Congo-Kinshasa", "congo_dem_rep"),
        ("Congo-Brazzaville", "congo_rep"),
        ("DRC", "congo_dem_rep"),
        ("UK", "united_kingdom"),
        ("UAE", "united_arab_emirates"),
    ],
)
def test_tricky_names_resolve(text, key):
    assert country_key(text) == key


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("KG", "kyrgyzstan"),
        ("kgz", "kyrgyzstan"),
        ("CD", "congo_dem_rep"),
        ("COD", "congo_dem_rep"),
        ("CG", "congo_rep"),
        ("CIV", "cote_divoire"),
        ("KP", "korea_dpr"),
        ("GB", "united_kingdom"),
    ],
)
def test_iso_codes_resolve(code, key):
    assert country_key(code) == key


def test_identities_carry_distinct_iso_codes():
    all_of_them = countries()
    assert len(all_of_them) == 193
    for field in ("key", "alpha2", "alpha3"):
        assert len({getattr(c, field) for c in all_of_them}) == 193, field
    assert lookup("Kyrgyzstan").alpha2 == "KG" and lookup("KG").alpha3 == "KGZ"


def test_the_key_is_the_page_kind_slug():
    page = get_kind("ocindex_page")
    for country in countries():
        assert page.locate(page.url(country.key, 2023)) == (country.key, 2023)
    # The page extractor reads the country from the URL's slug, hyphens and all.
    url = "https://ocindex.net/2023/country/cote-divoire"
    extraction = extract_page(
        (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes(), url=url
    )
    assert extraction.profile.country.slug == country_key("Côte d'Ivoire")


@pytest.mark.parametrize("text", ["Atlantis", "Caribbean", "XX", "", "Congo, Dem"])
def test_an_unknown_name_gives_none_and_a_clear_error(text):
    assert lookup(text) is None
    with pytest.raises(UnknownCountryError, match="unknown country") as raised:
        country_key(text)
    assert repr(text) in str(raised.value)
    assert isinstance(raised.value, MonitorError)  # the CLI prints it as one line


def test_the_shipped_iso_table_is_what_pycountry_says_now():
    """identity reads ISO codes and names from a file, not from pycountry (start-up):
    the file must still be pycountry's. If this fails after an upgrade, regenerate it:
    `.venv/bin/python -m tests.helpers.iso`."""
    from monitor.identity import ISO_TABLE
    from tests.helpers.iso import table_text

    assert ISO_TABLE.read_text(encoding="utf-8") == table_text()
