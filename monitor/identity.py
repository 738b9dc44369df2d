"""Country identity: every spelling of a country resolves to one key, the page slug.

The key is what ocindex.net uses in its country URLs and what every snapshot stores as
`country_slug` (`kyrgyzstan`, `cote_divoire`, `congo_dem_rep`). Sources spell countries
their own way: the workbook writes `Congo, Dem. Rep.` in one sheet and `Congo, Dem, Rep,`
in the next, `eSwatini` and `Eswatini`; pages write `Côte d’Ivoire`; other publishers use
ISO names (`Congo, The Democratic Republic of the`) or codes (`CD`, `COD`). All of them
resolve here, so the same country has the same key whatever the source.

Matching is on a normal form (accents folded, apostrophes dropped, any other run of
punctuation or spaces an underscore), which is also how the publisher forms its slugs,
with the underscores then left out (`cote-d-ivoire` and `cote_divoire` are one country);
so slugs, hyphenated slugs and the workbook's punctuation slips need no table of their own.
A name that matches nothing gets a suggestion by fuzzy matching (`suggest`).
ISO 3166 codes and names come from pycountry (the ISO data, kept up to date upstream),
read from `iso3166.json`, the table taken from it (`tests/helpers/iso.py` regenerates it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from monitor.errors import MonitorError


class UnknownCountryError(MonitorError):
    """A name, slug or code that is none of the index's countries."""


@dataclass(frozen=True)
class CountryIdentity:
    key: str  # the page slug: `country_slug` everywhere in the store
    name: str  # the publisher's spelling (the 2021 workbook's)
    alpha2: str  # ISO 3166-1
    alpha3: str


# The index's 193 countries (the UN member states): key, ISO alpha-3, the publisher's name.
_COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("afghanistan", "AFG", "Afghanistan"),
    ("albania", "ALB", "Albania"),
    ("algeria", "DZA", "Algeria"),
    ("andorra", "AND", "Andorra"),
    ("angola", "AGO", "Angola"),
    ("antigua_and_barbuda", "ATG", "Antigua and Barbuda"),
    ("argentina", "ARG", "Argentina"),
    ("armenia", "ARM", "Armenia"),
    ("australia", "AUS", "Australia"),
    ("austria", "AUT", "Austria"),
    ("azerbaijan", "AZE", "Azerbaijan"),
    ("bahamas", "BHS", "Bahamas"),
    ("bahrain", "BHR", "Bahrain"),
    ("bangladesh", "BGD", "Bangladesh"),
    ("barbados", "BRB", "Barbados"),
    ("belarus", "BLR", "Belarus"),
    ("belgium", "BEL", "Belgium"),
    ("belize", "BLZ", "Belize"),
    ("benin", "BEN", "Benin"),
    ("bhutan", "BTN", "Bhutan"),
    ("bolivia", "BOL", "Bolivia"),
    ("bosnia_and_herzegovina", "BIH", "Bosnia and Herzegovina"),
    ("botswana", "BWA", "Botswana"),
    ("brazil", "BRA", "Brazil"),
    ("brunei", "BRN", "Brunei"),
    ("bulgaria", "BGR", "Bulgaria"),
    ("burkina_faso", "BFA", "Burkina Faso"),
    ("burundi", "BDI", "Burundi"),
    ("cabo_verde", "CPV", "Cabo Verde"),
    ("cambodia", "KHM", "Cambodia"),
    ("cameroon", "CMR", "Cameroon"),
    ("canada", "CAN", "Canada"),
    ("central_african_republic", "CAF", "Central African Republic"),
    ("chad", "TCD", "Chad"),
    ("chile", "CHL", "Chile"),
    ("china", "CHN", "China"),
    ("colombia", "COL", "Colombia"),
    ("comoros", "COM", "Comoros"),
    ("congo_dem_rep", "COD", "Congo, Dem. Rep."),
    ("congo_rep", "COG", "Congo, Rep."),
    ("costa_rica", "CRI", "Costa Rica"),
    ("cote_divoire", "CIV", "Côte d'Ivoire"),
    ("croatia", "HRV", "Croatia"),
    ("cuba", "CUB", "Cuba"),
    ("cyprus", "CYP", "Cyprus"),
    ("czech_republic", "CZE", "Czech Republic"),
    ("denmark", "DNK", "Denmark"),
    ("djibouti", "DJI", "Djibouti"),
    ("dominica", "DMA", "Dominica"),
    ("dominican_republic", "DOM", "Dominican Republic"),
    ("ecuador", "ECU", "Ecuador"),
    ("egypt", "EGY", "Egypt"),
    ("el_salvador", "SLV", "El Salvador"),
    ("equatorial_guinea", "GNQ", "Equatorial Guinea"),
    ("eritrea", "ERI", "Eritrea"),
    ("estonia", "EST", "Estonia"),
    ("eswatini", "SWZ", "Eswatini"),
    ("ethiopia", "ETH", "Ethiopia"),
    ("fiji", "FJI", "Fiji"),
    ("finland", "FIN", "Finland"),
    ("france", "FRA", "France"),
    ("gabon", "GAB", "Gabon"),
    ("gambia", "GMB", "Gambia"),
    ("georgia", "GEO", "Georgia"),
    ("germany", "DEU", "Germany"),
    ("ghana", "GHA", "Ghana"),
    ("greece", "GRC", "Greece"),
    ("grenada", "GRD", "Grenada"),
    ("guatemala", "GTM", "Guatemala"),
    ("guinea", "GIN", "Guinea"),
    ("guinea_bissau", "GNB", "Guinea-Bissau"),
    ("guyana", "GUY", "Guyana"),
    ("haiti", "HTI", "Haiti"),
    ("honduras", "HND", "Honduras"),
    ("hungary", "HUN", "Hungary"),
    ("iceland", "ISL", "Iceland"),
    ("india", "IND", "India"),
    ("indonesia", "IDN", "Indonesia"),
    ("iran", "IRN", "Iran"),
    ("iraq", "IRQ", "Iraq"),
    ("ireland", "IRL", "Ireland"),
    ("israel", "ISR", "Israel"),
    ("italy", "ITA", "Italy"),
    ("jamaica", "JAM", "Jamaica"),
    ("japan", "JPN", "Japan"),
    ("jordan", "JOR", "Jordan"),
    ("kazakhstan", "KAZ", "Kazakhstan"),
    ("kenya", "KEN", "Kenya"),
    ("kiribati", "KIR", "Kiribati"),
    ("korea_dpr", "PRK", "Korea, DPR"),
    ("korea_rep", "KOR", "Korea, Rep."),
    ("kuwait", "KWT", "Kuwait"),
    ("kyrgyzstan", "KGZ", "Kyrgyzstan"),
    ("laos", "LAO", "Laos"),
    ("latvia", "LVA", "Latvia"),
    ("lebanon", "LBN", "Lebanon"),
    ("lesotho", "LSO", "Lesotho"),
    ("liberia", "LBR", "Liberia"),
    ("libya", "LBY", "Libya"),
    ("liechtenstein", "LIE", "Liechtenstein"),
    ("lithuania", "LTU", "Lithuania"),
    ("luxembourg", "LUX", "Luxembourg"),
    ("madagascar", "MDG", "Madagascar"),
    ("malawi", "MWI", "Malawi"),
    ("malaysia", "MYS", "Malaysia"),
    ("maldives", "MDV", "Maldives"),
    ("mali", "MLI", "Mali"),
    ("malta", "MLT", "Malta"),
    ("marshall_islands", "MHL", "Marshall Islands"),
    ("mauritania", "MRT", "Mauritania"),
    ("mauritius", "MUS", "Mauritius"),
    ("mexico", "MEX", "Mexico"),
    ("micronesia_federated_states_of", "FSM", "Micronesia (Federated States of)"),
    ("moldova", "MDA", "Moldova"),
    ("monaco", "MCO", "Monaco"),
    ("mongolia", "MNG", "Mongolia"),
    ("montenegro", "MNE", "Montenegro"),
    ("morocco", "MAR", "Morocco"),
    ("mozambique", "MOZ", "Mozambique"),
    ("myanmar", "MMR", "Myanmar"),
    ("namibia", "NAM", "Namibia"),
    ("nauru", "NRU", "Nauru"),
    ("nepal", "NPL", "Nepal"),
    ("netherlands", "NLD", "Netherlands"),
    ("new_zealand", "NZL", "New Zealand"),
    ("nicaragua", "NIC", "Nicaragua"),
    ("niger", "NER", "Niger"),
    ("nigeria", "NGA", "Nigeria"),
    ("north_macedonia", "MKD", "North Macedonia"),
    ("norway", "NOR", "Norway"),
    ("oman", "OMN", "Oman"),
    ("pakistan", "PAK", "Pakistan"),
    ("palau", "PLW", "Palau"),
    ("panama", "PAN", "Panama"),
    ("papua_new_guinea", "PNG", "Papua New Guinea"),
    ("paraguay", "PRY", "Paraguay"),
    ("peru", "PER", "Peru"),
    ("philippines", "PHL", "Philippines"),
    ("poland", "POL", "Poland"),
    ("portugal", "PRT", "Portugal"),
    ("qatar", "QAT", "Qatar"),
    ("romania", "ROU", "Romania"),
    ("russia", "RUS", "Russia"),
    ("rwanda", "RWA", "Rwanda"),
    ("samoa", "WSM", "Samoa"),
    ("san_marino", "SMR", "San Marino"),
    ("sao_tome_and_principe", "STP", "Sao Tome and Principe"),
    ("saudi_arabia", "SAU", "Saudi Arabia"),
    ("senegal", "SEN", "Senegal"),
    ("serbia", "SRB", "Serbia"),
    ("seychelles", "SYC", "Seychelles"),
    ("sierra_leone", "SLE", "Sierra Leone"),
    ("singapore", "SGP", "Singapore"),
    ("slovakia", "SVK", "Slovakia"),
    ("slovenia", "SVN", "Slovenia"),
    ("solomon_islands", "SLB", "Solomon Islands"),
    ("somalia", "SOM", "Somalia"),
    ("south_africa", "ZAF", "South Africa"),
    ("south_sudan", "SSD", "South Sudan"),
    ("spain", "ESP", "Spain"),
    ("sri_lanka", "LKA", "Sri Lanka"),
    ("st_kitts_and_nevis", "KNA", "St. Kitts and Nevis"),
    ("st_lucia", "LCA", "St. Lucia"),
    ("st_vincent_and_the_grenadines", "VCT", "St. Vincent and the Grenadines"),
    ("sudan", "SDN", "Sudan"),
    ("suriname", "SUR", "Suriname"),
    ("sweden", "SWE", "Sweden"),
    ("switzerland", "CHE", "Switzerland"),
    ("syria", "SYR", "Syria"),
    ("tajikistan", "TJK", "Tajikistan"),
    ("tanzania", "TZA", "Tanzania"),
    ("thailand", "THA", "Thailand"),
    ("timor_leste", "TLS", "Timor-Leste"),
    ("togo", "TGO", "Togo"),
    ("tonga", "TON", "Tonga"),
    ("trinidad_and_tobago", "TTO", "Trinidad and Tobago"),
    ("tunisia", "TUN", "Tunisia"),
    ("turkey", "TUR", "Turkey"),
    ("turkmenistan", "TKM", "Turkmenistan"),
    ("tuvalu", "TUV", "Tuvalu"),
    ("uganda", "UGA", "Uganda"),
    ("ukraine", "UKR", "Ukraine"),
    ("united_arab_emirates", "ARE", "United Arab Emirates"),
    ("united_kingdom", "GBR", "United Kingdom"),
    ("united_states", "USA", "United States"),
    ("uruguay", "URY", "Uruguay"),
    ("uzbekistan", "UZB", "Uzbekistan"),
    ("vanuatu", "VUT", "Vanuatu"),
    ("venezuela", "VEN", "Venezuela"),
    ("vietnam", "VNM", "Vietnam"),
    ("yemen", "YEM", "Yemen"),
    ("zambia", "ZMB", "Zambia"),
    ("zimbabwe", "ZWE", "Zimbabwe"),
)

# Names in common use that are neither the publisher's nor ISO's: short forms, and the
# World Bank's (the style the publisher's workbook follows: "Congo, Dem. Rep.").
_ALIASES = {
    "ARE": ("UAE",),
    "COD": (
        "Democratic Republic of the Congo",
        "DR Congo",
        "DRC",
        "Congo-Kinshasa",
        "Congo (Kinshasa)",
        "Democratic Republic of Congo",
        "Congo Democratic Republic",
    ),
    "COG": (
        "Republic of the Congo",
        "Congo-Brazzaville",
        "Congo (Brazzaville)",
        "Congo",
        "Congo Republic",
    ),
    "CIV": ("Ivory Coast",),
    "CPV": ("Cape Verde",),
    "CZE": ("Czechia",),
    "EGY": ("Egypt, Arab Rep.",),
    "FSM": ("Micronesia", "Micronesia, Fed. Sts."),
    "GBR": ("UK", "Great Britain", "Britain"),
    "IRN": ("Iran, Islamic Rep.",),
    "KGZ": ("Kyrgyz Republic",),
    "KOR": ("South Korea", "Republic of Korea", "Korea, South"),
    "LAO": ("Lao PDR",),
    "MKD": ("Macedonia", "Macedonia, FYR"),
    "MMR": ("Burma",),
    "PRK": ("North Korea", "DPRK", "Korea, Dem. Rep.", "Korea, Dem. People's Rep.", "Korea, North"),
    "SVK": ("Slovak Republic",),
    "SWZ": ("Swaziland",),
    "TLS": ("East Timor",),
    "TUR": ("Türkiye", "Turkiye"),
    "VEN": ("Venezuela, RB",),
    "YEM": ("Yemen, Rep.",),
}


# Places publishers score that are not among the 193 (territories, disputed or partly
# recognised states): each keeps its own key, with its ISO 3166 code where it has one
# (Kosovo's XK/XKX is the code in common use), and is never merged into a country.
_TERRITORIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "hong_kong",
        "HKG",
        "Hong Kong",
        ("Hong Kong SAR", "Hong Kong, China", "Hong Kong SAR, China"),
    ),
    ("macao", "MAC", "Macao", ("Macau", "Macao SAR, China")),
    ("taiwan", "TWN", "Taiwan", ("Taiwan, Province of China", "Chinese Taipei", "Taiwan, China")),
    ("palestine", "PSE", "Palestine", ("Palestine, State of", "West Bank and Gaza")),
    ("kosovo", "XKX", "Kosovo", ()),
    ("puerto_rico", "PRI", "Puerto Rico", ()),
    ("western_sahara", "ESH", "Western Sahara", ()),
    # Dependencies the World Bank's governance indicators score.
    ("american_samoa", "ASM", "American Samoa", ()),
    ("anguilla", "AIA", "Anguilla", ()),
    ("aruba", "ABW", "Aruba", ()),
    ("bermuda", "BMU", "Bermuda", ()),
    ("cayman_islands", "CYM", "Cayman Islands", ()),
    ("cook_islands", "COK", "Cook Islands", ()),
    ("french_guiana", "GUF", "French Guiana", ()),
    ("greenland", "GRL", "Greenland", ()),
    ("guam", "GUM", "Guam", ()),
    ("jersey", "JEY", "Jersey", ("Jersey, Channel Islands",)),
    ("martinique", "MTQ", "Martinique", ()),
    ("niue", "NIU", "Niue", ()),
    ("reunion", "REU", "Réunion", ()),
    ("us_virgin_islands", "VIR", "Virgin Islands (U.S.)", ("US Virgin Islands",)),
    # Dissolved in 2010 (its ISO code withdrawn): kept for the editions before.
    ("netherlands_antilles", "", "Netherlands Antilles", ("Netherlands Antilles (former)",)),
    ("somaliland", "", "Somaliland", ()),
    ("abkhazia", "", "Abkhazia", ()),
    ("south_ossetia", "", "South Ossetia", ()),
    ("transnistria", "", "Transnistria", ()),
    ("nagorno_karabakh", "", "Nagorno-Karabakh", ()),
    ("northern_cyprus", "", "Northern Cyprus", ()),
    ("crimea", "", "Crimea", ()),
    ("eastern_donbas", "", "Eastern Donbas", ()),
    ("gaza_strip", "", "Gaza Strip", ()),
    ("west_bank", "", "West Bank", ()),
    ("indian_kashmir", "", "Indian Kashmir", ()),
    ("pakistani_kashmir", "", "Pakistani Kashmir", ()),
    ("tibet", "", "Tibet", ()),
)
# A footnote mark a publisher leaves on a name: `Kosovo*`, `Serbia†`, `Chad [1]`, `Mali²`.
_FOOTNOTE = re.compile(r"(?:\s*(?:[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\w{1,3}\]|\(\d{1,2}\)))+\s*$")


def strip_footnotes(text: str) -> str:
    """`Kosovo*` -> `Kosovo`, `Chad [1]` -> `Chad`."""
    return _FOOTNOTE.sub("", text).strip()


_APOSTROPHES = re.compile(r"['’‘ʼ`]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_CODE = re.compile(r"[A-Za-z]{2,3}")


def normal_form(text: str) -> str:
    """`Côte d’Ivoire` -> `cote_divoire`, `Congo, Dem, Rep,` -> `congo_dem_rep`,
    `St. Lucia ` -> `st_lucia`, `The Gambia` and `Gambia, The` -> `gambia`."""
    text = _APOSTROPHES.sub("", text)  # the publisher drops apostrophes: cote_divoire
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SEPARATORS.sub("_", folded.lower()).strip("_")
    return slug.removeprefix("the_").removesuffix("_the")


def _matching_form(text: str) -> str:
    """The normal form without its separators: how two spellings are matched, so that
    where a name is split (`cote_d_ivoire`, `guineabissau`) never makes another key."""
    return normal_form(text).replace("_", "")


@dataclass(frozen=True)
class _Index:
    countries: tuple[CountryIdentity, ...]
    by_name: dict[str, CountryIdentity]  # matching form of every name, slug and alias
    by_code: dict[str, CountryIdentity]  # ISO alpha-2 and alpha-3, upper case


# pycountry's ISO 3166 records of the codes above, shipped as data: importing pycountry
# and searching its tables cost every start-up ~50 ms (issue 19).
ISO_TABLE = Path(__file__).with_name("iso3166.json")


@dataclass(frozen=True)
class _Iso:
    alpha_2: str
    names: tuple[str, ...]  # ISO name, official name, common name: those it has


@cache
def _iso() -> dict[str, _Iso]:
    table = json.loads(ISO_TABLE.read_text(encoding="utf-8"))
    return {alpha3: _Iso(e["alpha_2"], tuple(e["names"])) for alpha3, e in table.items()}


@cache
def _index() -> _Index:
    identities: list[CountryIdentity] = []
    by_name: dict[str, CountryIdentity] = {}
    by_code: dict[str, CountryIdentity] = {}
    for key, alpha3, name in _COUNTRIES:
        iso = _iso().get(alpha3)
        if iso is None:
            raise LookupError(f"{ISO_TABLE.name} lacks ISO 3166 code {alpha3} ({name})")
        identity = CountryIdentity(key, name, iso.alpha_2, alpha3)
        identities.append(identity)
        spellings = [key, name, *_ALIASES.get(alpha3, ())]
        spellings += iso.names
        for spelling in filter(None, spellings):
            # Two countries must never share a spelling: that would merge their histories.
            if by_name.setdefault(_matching_form(spelling), identity) is not identity:
                raise ValueError(f"{spelling!r} would name both {key} and another country")
        by_code[iso.alpha_2] = by_code[alpha3] = identity
    return _Index(tuple(identities), by_name, by_code)


@cache
def _territories() -> dict[str, CountryIdentity]:
    found: dict[str, CountryIdentity] = {}
    for key, alpha3, name, aliases in _TERRITORIES:
        iso = _iso().get(alpha3) if alpha3 else None
        alpha2 = iso.alpha_2 if iso else ("XK" if alpha3 == "XKX" else "")
        identity = CountryIdentity(key, name, alpha2, alpha3)
        for spelling in (key, name, *aliases):
            found[_matching_form(spelling)] = identity
        if alpha3:
            found[alpha3.lower()] = found[alpha2.lower()] = identity
    return found


def territory(text: str) -> CountryIdentity | None:
    """A place outside the 193 that publishers score (Hong Kong, Kosovo, Somaliland…),
    by name or ISO code, or None. Its key is its own: never one of the countries'."""
    cleaned = strip_footnotes(text)
    return _territories().get(_matching_form(cleaned)) or (
        _territories().get(cleaned.lower()) if _CODE.fullmatch(cleaned) else None
    )


def countries() -> tuple[CountryIdentity, ...]:
    """The index's countries, in alphabetical order of key."""
    return _index().countries


# Remembered: extraction asks about every short line of every page (is it a country's
# name?), and the same chrome and indicator lines recur on all 193 pages.
@lru_cache(maxsize=4096)
def lookup(text: str) -> CountryIdentity | None:
    """The country a name, slug or ISO 3166 alpha-2/alpha-3 code refers to, or None."""
    index = _index()
    text = strip_footnotes(text)
    found = index.by_name.get(_matching_form(text))
    if found is None and _CODE.fullmatch(text.strip()):
        found = index.by_code.get(text.strip().upper())
    return found


def canonical_slug(text: str) -> str:
    """The one key of a country everywhere (config, sources, snapshots, findings, channel
    filters): the key of the index country `text` names (`turkiye`, `KGZ`,
    `cote-d-ivoire`), else its normal form (`hong-kong` -> `hong_kong`), a country
    outside the index that an article may concern."""
    found = lookup(text)
    return found.key if found is not None else normal_form(text)


# How alike (rapidfuzz WRatio, 0-100) a misspelling must be to a name to be suggested:
# `spian` -> spain scores 80, `atlantis` -> albania 67.
_SUGGEST_SCORE = 80


def suggest(text: str, extra: tuple[str, ...] = ()) -> str | None:
    """The key of the country `text` most likely means (a misspelling of a name, slug
    or alias, or one of `extra` keys), or None when nothing is close."""
    # Imported here: only a name that matches nothing needs fuzzy matching.
    from rapidfuzz import fuzz, process

    choices = {_matching_form(k): k for k in extra}
    choices |= {spelling: c.key for spelling, c in _index().by_name.items()}
    found = process.extractOne(
        _matching_form(text), list(choices), scorer=fuzz.WRatio, score_cutoff=_SUGGEST_SCORE
    )
    return choices[found[0]] if found else None


def known_country_key(text: str) -> str:
    """`country_key`, its error suggesting the country a misspelling most likely means."""
    try:
        return country_key(text)
    except UnknownCountryError as exc:
        guess = suggest(text)
        raise UnknownCountryError(
            f"{exc} (did you mean {guess!r}?)" if guess else str(exc)
        ) from None


def country_key(text: str) -> str:
    """The key of the country `text` names; UnknownCountryError when it names none."""
    found = lookup(text)
    if found is None:
        raise UnknownCountryError(
            f"unknown country {text!r}: not one of the index's {len(_COUNTRIES)} countries "
            "by name, slug or ISO 3166 code"
        )
    return found.key
