"""The Organized Crime Index's structure, read from its definition (`ocindex.toml`).

Every source (page, PDF, workbook) names things its own way; this module maps each
spelling to one stable key so the same indicator has the same key everywhere. It is the
OC Index's view of `monitor.indices`: the page and PDF extractors, which read that
index's own layouts, look names up here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from monitor.indices import IndexDefinition, get, slugify
from monitor.indices.definition import Measure, Section

# The first edition: ENACT's Africa Organised Crime Index (see the end of this module).
ENACT_EDITION = 2019
# No indicator, composite or section name is longer; lookups skip longer lines (narrative
# paragraphs) without slugifying them, which is most of a page's parsing time otherwise.
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    name: str
    pillar: str
    since: int = 2019  # first published: 2019 (ENACT's Africa index) unless later
    aliases: tuple[str, ...] = ()


def _spec(m: Measure) -> IndicatorSpec:
    return IndicatorSpec(m.key, m.name, m.parent or "", m.since or ENACT_EDITION, m.aliases)


@dataclass(frozen=True)
class _Structure:
    """What this module says of the index, read from its definition."""

    ocindex: IndexDefinition
    editions: tuple[int, ...]
    # The composite above the pillars, and the scores grouping indicators (criminal
    # markets, criminal actors, and resilience: a composite of its own), in order.
    criminality: str
    pillars: tuple[str, ...]
    composites: tuple[str, ...]
    ranked: tuple[str, ...]  # the ranked scores: criminality and resilience
    methodology_2023: int  # the edition whose methodology added five markets, one actor
    indicators: tuple[IndicatorSpec, ...]
    composite_names: dict[str, str]
    # The narrative sections in page order. The PDF summary uses upper-case headings and
    # some other names (`CYBER-DEPENDENT CRIMES` for `Cyber Crimes`).
    sections: tuple[Section, ...]
    all_editions: tuple[int, ...]
    # The first edition's narrative is not part of what we check (none seen).
    edition_sections: dict[int, tuple[Section, ...]]
    by_spelling: dict[str, IndicatorSpec]
    section_by_spelling: dict[str, Section]


@cache
def _oc() -> _Structure:
    """The index's structure, read from `ocindex.toml` on first use: parsing the shipped
    definitions is ~10 ms idle (0.14 s under load) that a cycle in which nothing changed
    never needs. The module's upper-case names are its fields (`__getattr__`)."""
    oc = get("ocindex")
    criminality = next(m.key for m in oc.measures if m.level == "composite")
    pillars = tuple(m.key for m in oc.measures if m.key in oc.pillars())
    composites = (criminality, *pillars)
    indicators = tuple(_spec(m) for m in oc.measures if m.level == "indicator")
    by_spelling = {
        slugify(spelling): spec
        for spec in indicators
        for spelling in (spec.key, spec.name, *spec.aliases)
    }
    for spelling, key in SPELLINGS_2019.items():
        by_spelling[spelling] = by_spelling[key]
    return _Structure(
        ocindex=oc,
        editions=oc.editions,
        criminality=criminality,
        pillars=pillars,
        composites=composites,
        ranked=tuple(m.of for m in oc.of_kind("rank") if m.of),
        methodology_2023=min(m.since for m in oc.measures if m.since),
        indicators=indicators,
        composite_names={key: oc.measure(key).name for key in composites},  # type: ignore[union-attr]
        sections=oc.sections,
        all_editions=(ENACT_EDITION, *oc.editions),
        edition_sections={ENACT_EDITION: ()},
        by_spelling=by_spelling,
        section_by_spelling={
            slugify(spelling): spec
            for spec in oc.sections
            for spelling in (spec.title, *spec.aliases)
        },
    )


_LAZY = frozenset(
    {
        "OCINDEX", "EDITIONS", "CRIMINALITY", "PILLARS", "COMPOSITES", "RANKED",
        "METHODOLOGY_2023", "INDICATORS", "COMPOSITE_NAMES", "SECTIONS", "ALL_EDITIONS",
        "EDITION_SECTIONS",
    }
)  # fmt: skip

if TYPE_CHECKING:
    OCINDEX: IndexDefinition
    EDITIONS: tuple[int, ...]
    CRIMINALITY: str
    PILLARS: tuple[str, ...]
    COMPOSITES: tuple[str, ...]
    RANKED: tuple[str, ...]
    METHODOLOGY_2023: int
    INDICATORS: tuple[IndicatorSpec, ...]
    COMPOSITE_NAMES: dict[str, str]
    SECTIONS: tuple[Section, ...]
    ALL_EDITIONS: tuple[int, ...]
    EDITION_SECTIONS: dict[int, tuple[Section, ...]]


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_oc(), name.lower())


def indicator_spec(name: str) -> IndicatorSpec | None:
    """The indicator a display name (any known spelling, any case) refers to."""
    if len(name) > MAX_NAME_LENGTH:
        return None
    return _oc().by_spelling.get(slugify(name))


def expected_indicators(edition: int, pillar: str) -> tuple[IndicatorSpec, ...]:
    return tuple(s for s in _oc().indicators if s.pillar == pillar and s.since <= edition)


def composite_key(label: str) -> str | None:
    """`Criminality score`, `Criminality avg,`, `CRIMINAL MARKETS` -> composite key."""
    if len(label) > MAX_NAME_LENGTH:
        return None
    slug = slugify(label)
    slug = re.sub(r"_(score|avg)$", "", slug)
    slug = COMPOSITE_ALIASES.get(slug, slug)
    return slug if slug in _oc().composite_names else None


def display_name(key: str) -> str:
    """`criminality` -> `Criminality`, `heroin_trade` -> `Heroin trade`."""
    measure = _oc().ocindex.measure(key)
    return measure.name if measure is not None else key


def higher_is_worse(key: str) -> bool:
    """Criminality, markets, actors and their indicators: up is bad. Resilience: up is good."""
    measure = _oc().ocindex.measure(key)
    return measure is None or measure.higher_is_worse


def section_spec(title: str) -> Section | None:
    if len(title) > MAX_NAME_LENGTH:
        return None
    return _oc().section_by_spelling.get(slugify(title))


# The first edition and the layouts in the wild (issue 20), still held here rather than
# in ocindex.toml: the definition format has no place yet for an edition of another
# publisher (ENACT) or for group names.
# The first edition: ENACT's Africa Organised Crime Index (2019), on its own sites. Its
# methodology is 2021's (10 markets, 4 actor types, 12 resilience indicators) over
# Africa's 54 countries: ranks within Africa and its regions only, no global rank.
RANK_SCOPES = {ENACT_EDITION: ("continental", "regional")}  # other editions: all three
# 2019's Title-Case spellings; only 2019 uses them, so they also tell the edition.
SPELLINGS_2019 = {
    "non_renewable_resources_crimes": "non_renewable_resource_crimes",
    "synthetic_drugs_trade": "synthetic_drug_trade",
    "economic_regulatory_environment": "economic_regulatory_capacity",
}
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
    structure = _oc()
    return structure.edition_sections.get(edition or 0, structure.sections)


def expected_rank_scopes(edition: int | None) -> tuple[str, ...]:
    return RANK_SCOPES.get(edition or 0, ("global", "continental", "regional"))


def is_group_name(name: str) -> bool:
    """A continent or region (`the Americas`, `West Africa`), not a country."""
    return name.removeprefix("the ") in CONTINENTS or name in REGIONS
