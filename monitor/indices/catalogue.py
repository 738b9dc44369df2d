"""The Organized Crime Index's structure, read from its definition (`ocindex.toml`).

Every source (page, PDF, workbook) names things its own way; this module maps each
spelling to one stable key so the same indicator has the same key everywhere. It is the
OC Index's view of `monitor.indices`: the page and PDF extractors, which read that
index's own layouts, look names up here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.indices import get, slugify
from monitor.indices.definition import Measure, Section

OCINDEX = get("ocindex")
EDITIONS = OCINDEX.editions
# The first edition: ENACT's Africa Organised Crime Index (see the end of this module).
ENACT_EDITION = 2019
# The composite above the pillars, and the scores grouping indicators (criminal markets,
# criminal actors, and resilience: a composite of its own), in the definition's order.
CRIMINALITY = next(m.key for m in OCINDEX.measures if m.level == "composite")
PILLARS = tuple(m.key for m in OCINDEX.measures if m.key in OCINDEX.pillars())
COMPOSITES = (CRIMINALITY, *PILLARS)
# The ranked scores: criminality and resilience.
RANKED = tuple(m.of for m in OCINDEX.of_kind("rank") if m.of)
# The edition whose methodology added five markets and one actor type.
METHODOLOGY_2023 = min(m.since for m in OCINDEX.measures if m.since)


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    name: str
    pillar: str
    since: int = 2019  # first published: 2019 (ENACT's Africa index) unless later
    aliases: tuple[str, ...] = ()


def _spec(m: Measure) -> IndicatorSpec:
    return IndicatorSpec(m.key, m.name, m.parent or "", m.since or ENACT_EDITION, m.aliases)


INDICATORS: tuple[IndicatorSpec, ...] = tuple(
    _spec(m) for m in OCINDEX.measures if m.level == "indicator"
)
COMPOSITE_NAMES = {key: OCINDEX.measure(key).name for key in COMPOSITES}  # type: ignore[union-attr]

# No indicator, composite or section name is longer; lookups skip longer lines (narrative
# paragraphs) without slugifying them, which is most of a page's parsing time otherwise.
MAX_NAME_LENGTH = 60

_BY_SPELLING = {
    slugify(spelling): spec
    for spec in INDICATORS
    for spelling in (spec.key, spec.name, *spec.aliases)
}


def indicator_spec(name: str) -> IndicatorSpec | None:
    """The indicator a display name (any known spelling, any case) refers to."""
    if len(name) > MAX_NAME_LENGTH:
        return None
    return _BY_SPELLING.get(slugify(name))


def expected_indicators(edition: int, pillar: str) -> tuple[IndicatorSpec, ...]:
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
    measure = OCINDEX.measure(key)
    return measure.name if measure is not None else key


def higher_is_worse(key: str) -> bool:
    """Criminality, markets, actors and their indicators: up is bad. Resilience: up is good."""
    measure = OCINDEX.measure(key)
    return measure is None or measure.higher_is_worse


# The narrative sections in page order. The PDF summary uses upper-case headings and
# some other names (`CYBER-DEPENDENT CRIMES` for `Cyber Crimes`).
SECTIONS: tuple[Section, ...] = OCINDEX.sections

_SECTION_BY_SPELLING = {
    slugify(spelling): spec for spec in SECTIONS for spelling in (spec.title, *spec.aliases)
}


def section_spec(title: str) -> Section | None:
    if len(title) > MAX_NAME_LENGTH:
        return None
    return _SECTION_BY_SPELLING.get(slugify(title))


# The first edition and the layouts in the wild (issue 20), still held here rather than
# in ocindex.toml: the definition format has no place yet for an edition of another
# publisher (ENACT) or for group names.
# The first edition: ENACT's Africa Organised Crime Index (2019), on its own sites. Its
# methodology is 2021's (10 markets, 4 actor types, 12 resilience indicators) over
# Africa's 54 countries: ranks within Africa and its regions only, no global rank.
ALL_EDITIONS = (ENACT_EDITION, *EDITIONS)
RANK_SCOPES = {ENACT_EDITION: ("continental", "regional")}  # other editions: all three
# Its narrative is not part of what we check (no capture of one has been seen).
EDITION_SECTIONS: dict[int, tuple[Section, ...]] = {ENACT_EDITION: ()}
# 2019's Title-Case spellings; only 2019 uses them, so they also tell the edition.
SPELLINGS_2019 = {
    "non_renewable_resources_crimes": "non_renewable_resource_crimes",
    "synthetic_drugs_trade": "synthetic_drug_trade",
    "economic_regulatory_environment": "economic_regulatory_capacity",
}
for _spelling, _key in SPELLINGS_2019.items():
    _BY_SPELLING[_spelling] = _BY_SPELLING[_key]
# The older compact layout's singular heading.
COMPOSITE_ALIASES = {"criminal_market": "criminal_markets"}
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


def expected_sections(edition: int | None) -> tuple[Section, ...]:
    return EDITION_SECTIONS.get(edition or 0, SECTIONS)


def expected_rank_scopes(edition: int | None) -> tuple[str, ...]:
    return RANK_SCOPES.get(edition or 0, ("global", "continental", "regional"))


def is_group_name(name: str) -> bool:
    """A continent or region (`the Americas`, `West Africa`), not a country."""
    return name.removeprefix("the ") in CONTINENTS or name in REGIONS
