"""The Organized Crime Index's structure: pillars, indicators per edition, narrative sections.

Every source (page, PDF, workbook) names things its own way; this module maps each
spelling to one stable key so the same indicator has the same key everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from monitor.models import CRIMINALITY, Pillar

EDITIONS = (2021, 2023, 2025)
# The 2023 methodology added five markets and one actor type.
METHODOLOGY_2023 = 2023


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    name: str
    pillar: Pillar
    since: int = 2019  # first published: 2019 (ENACT's Africa index) unless later
    aliases: tuple[str, ...] = ()


_M, _A, _R = Pillar.CRIMINAL_MARKETS, Pillar.CRIMINAL_ACTORS, Pillar.RESILIENCE

INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("human_trafficking", "Human trafficking", _M),
    IndicatorSpec("human_smuggling", "Human smuggling", _M),
    IndicatorSpec(
        "extortion_and_protection_racketeering", "Extortion and protection racketeering", _M, 2023
    ),
    IndicatorSpec("arms_trafficking", "Arms trafficking", _M),
    IndicatorSpec("trade_in_counterfeit_goods", "Trade in counterfeit goods", _M, 2023),
    IndicatorSpec("illicit_trade_in_excisable_goods", "Illicit trade in excisable goods", _M, 2023),
    IndicatorSpec("flora_crimes", "Flora crimes", _M),
    IndicatorSpec("fauna_crimes", "Fauna crimes", _M),
    IndicatorSpec("non_renewable_resource_crimes", "Non-renewable resource crimes", _M),
    IndicatorSpec("heroin_trade", "Heroin trade", _M),
    IndicatorSpec("cocaine_trade", "Cocaine trade", _M),
    IndicatorSpec("cannabis_trade", "Cannabis trade", _M),
    IndicatorSpec("synthetic_drug_trade", "Synthetic drug trade", _M),
    IndicatorSpec(
        "cyber_dependent_crimes", "Cyber-dependent crimes", _M, 2023, ("Cyber crimes", "Cybercrime")
    ),
    IndicatorSpec("financial_crimes", "Financial crimes", _M, 2023),
    IndicatorSpec("mafia_style_groups", "Mafia-style groups", _A),
    IndicatorSpec("criminal_networks", "Criminal networks", _A),
    IndicatorSpec("state_embedded_actors", "State-embedded actors", _A),
    IndicatorSpec("foreign_actors", "Foreign actors", _A),
    IndicatorSpec("private_sector_actors", "Private sector actors", _A, 2023),
    IndicatorSpec("political_leadership_and_governance", "Political leadership and governance", _R),
    IndicatorSpec(
        "government_transparency_and_accountability",
        "Government transparency and accountability",
        _R,
    ),
    IndicatorSpec("international_cooperation", "International cooperation", _R),
    IndicatorSpec("national_policies_and_laws", "National policies and laws", _R),
    IndicatorSpec("judicial_system_and_detention", "Judicial system and detention", _R),
    IndicatorSpec("law_enforcement", "Law enforcement", _R),
    IndicatorSpec("territorial_integrity", "Territorial integrity", _R),
    IndicatorSpec("anti_money_laundering", "Anti-money laundering", _R),
    IndicatorSpec("economic_regulatory_capacity", "Economic regulatory capacity", _R),
    IndicatorSpec("victim_and_witness_support", "Victim and witness support", _R),
    IndicatorSpec("prevention", "Prevention", _R),
    IndicatorSpec("non_state_actors", "Non-state actors", _R),
)

COMPOSITE_NAMES = {
    CRIMINALITY: "Criminality",
    Pillar.CRIMINAL_MARKETS.value: "Criminal markets",
    Pillar.CRIMINAL_ACTORS.value: "Criminal actors",
    Pillar.RESILIENCE.value: "Resilience",
}


# No indicator, composite or section name is longer; lookups skip longer lines (narrative
# paragraphs) without slugifying them, which is most of a page's parsing time otherwise.
MAX_NAME_LENGTH = 60


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """`Non-renewable resource crimes` -> `non_renewable_resource_crimes`; accents folded."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")


_BY_SPELLING: dict[str, IndicatorSpec] = {}
for _spec in INDICATORS:
    for _spelling in (_spec.key, _spec.name, *_spec.aliases):
        _BY_SPELLING[slugify(_spelling)] = _spec


def indicator_spec(name: str) -> IndicatorSpec | None:
    """The indicator a display name (any known spelling, any case) refers to."""
    if len(name) > MAX_NAME_LENGTH:
        return None
    return _BY_SPELLING.get(slugify(name))


def expected_indicators(edition: int, pillar: Pillar) -> tuple[IndicatorSpec, ...]:
    return tuple(s for s in INDICATORS if s.pillar == pillar and s.since <= edition)


def composite_key(label: str) -> str | None:
    """`Criminality score`, `Criminality avg,`, `CRIMINAL MARKETS` -> composite key."""
    if len(label) > MAX_NAME_LENGTH:
        return None
    slug = slugify(label)
    slug = re.sub(r"_(score|avg)$", "", slug)
    slug = COMPOSITE_ALIASES.get(slug, slug)
    return slug if slug in COMPOSITE_NAMES else None


def display_name(key: str) -> str:
    """`criminality` -> `Criminality`, `heroin_trade` -> `Heroin trade`."""
    spec = _BY_SPELLING.get(key)
    return COMPOSITE_NAMES.get(key) or (spec.name if spec else key)


def higher_is_worse(key: str) -> bool:
    """Criminality, markets, actors and their indicators: up is bad. Resilience: up is good."""
    if key == Pillar.RESILIENCE.value:
        return False
    spec = _BY_SPELLING.get(key)
    return spec is None or spec.pillar != Pillar.RESILIENCE


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    aliases: tuple[str, ...] = ()


# The narrative sections in page order. The PDF summary uses upper-case headings and
# some other names (`CYBER-DEPENDENT CRIMES` for `Cyber Crimes`).
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("people", "People"),
    SectionSpec("trade", "Trade"),
    SectionSpec("environment", "Environment"),
    SectionSpec("drugs", "Drugs"),
    SectionSpec("cyber_crimes", "Cyber Crimes", ("Cyber-dependent crimes", "Cybercrime")),
    SectionSpec("financial_crimes", "Financial Crimes"),
    SectionSpec("criminal_actors", "Criminal Actors"),
    SectionSpec("leadership_and_governance", "Leadership and governance"),
    SectionSpec("criminal_justice_and_security", "Criminal justice and security"),
    SectionSpec("economic_and_financial_environment", "Economic and financial environment"),
    SectionSpec("civil_society_and_social_protection", "Civil society and social protection"),
)

_SECTION_BY_SPELLING = {
    slugify(spelling): spec for spec in SECTIONS for spelling in (spec.title, *spec.aliases)
}


def section_spec(title: str) -> SectionSpec | None:
    if len(title) > MAX_NAME_LENGTH:
        return None
    return _SECTION_BY_SPELLING.get(slugify(title))


# --- issue 20: layouts in the wild. Carry into monitor/indices/ocindex.toml (issue 15). ---
# The first edition: ENACT's Africa Organised Crime Index (2019), on its own sites. Its
# methodology is 2021's (10 markets, 4 actor types, 12 resilience indicators) over
# Africa's 54 countries: ranks within Africa and its regions only, no global rank.
ENACT_EDITION = 2019
ALL_EDITIONS = (ENACT_EDITION, *EDITIONS)
RANK_SCOPES = {ENACT_EDITION: ("continental", "regional")}  # other editions: all three
# Its narrative is not part of what we check (no capture of one has been seen).
EDITION_SECTIONS: dict[int, tuple[SectionSpec, ...]] = {ENACT_EDITION: ()}
# 2019's Title-Case spellings; only 2019 uses them, so they also tell the edition.
SPELLINGS_2019 = {
    "non_renewable_resources_crimes": "non_renewable_resource_crimes",
    "synthetic_drugs_trade": "synthetic_drug_trade",
    "economic_regulatory_environment": "economic_regulatory_capacity",
}
for _spelling, _key in SPELLINGS_2019.items():
    _BY_SPELLING[_spelling] = _BY_SPELLING[_key]
# The older compact layout's singular heading.
COMPOSITE_ALIASES = {"criminal_market": Pillar.CRIMINAL_MARKETS.value}
# The index's regional groups as its pages and workbooks name them (2021-2025 sheets):
# a page headed by one of these (or a continent) is a region's page, not a country's.
CONTINENTS = frozenset({"Africa", "Americas", "Asia", "Europe", "Oceania"})
REGIONS = frozenset(
    {
        "Central Africa", "East Africa", "North Africa", "Southern Africa", "West Africa",
        "Caribbean", "Caribbean & Central", "Central America", "North America",
        "South America", "Central Asia and the Caucasus", "Eastern Asia",
        "South-Eastern Asia", "Southern Asia", "Western Asia", "Central & Eastern Europe",
        "Northern Europe", "Southern Europe", "Western Europe", "Australia and New Zealand",
        "Melanesia", "Micronesia", "Polynesia",
    }
)  # fmt: skip


def expected_sections(edition: int | None) -> tuple[SectionSpec, ...]:
    return EDITION_SECTIONS.get(edition or 0, SECTIONS)


def expected_rank_scopes(edition: int | None) -> tuple[str, ...]:
    return RANK_SCOPES.get(edition or 0, ("global", "continental", "regional"))


def is_group_name(name: str) -> bool:
    """A continent or region (`the Americas`, `West Africa`), not a country."""
    return name.removeprefix("the ") in CONTINENTS or name in REGIONS


# --- end of issue 20 block ---
