"""Invented narrative for demo pages and fixtures: the 11 analysis sections of a profile.

Every sentence here is our own, built from a few templates filled with the country name
and a topic; the choice of sentences is deterministic for a given country, edition and
seed. Later editions start from the earlier text and edit it the way real revisions do
(some sentences reworded, some dropped, some added, paragraphs on new markets), so a
text diff between editions has something to show. Also holds our own one-line
indicator descriptions, which the demo pages print under each score.
"""

# ruff: noqa: E501 -- a data module: one sentence per line reads better than split strings

from __future__ import annotations

import random
from dataclasses import dataclass

from monitor.indices.catalogue import SECTIONS
from monitor.models import Section

# The 2021 page's placeholder in sections whose indicators arrived with the 2023 edition.
NEW_IN_2023_NOTE = "*This indicator was first included in the 2023 iteration of the tool"

# Each template: (wording, reworded). {c} country, {cs} its possessive, {t}/{T} the topic,
# {p} a place, {a}/{A} an actor.
_MARKET = (
    (
        "{T} is one of the illicit markets assessed in {c}, although reliable figures remain scarce.",
        "{T} features among the illicit markets of {c}, even if hard numbers are difficult to find.",
    ),
    (
        "Most of the activity linked to {t} is concentrated in {p}, where oversight is thin.",
        "Activity tied to {t} clusters in {p}, an area where oversight remains limited.",
    ),
    (
        "Observers describe {c} mainly as a transit point for {t}, with a smaller domestic market.",
        "{c} is seen chiefly as a corridor for {t}; local demand plays a secondary role.",
    ),
    (
        "{A} are thought to profit most from {t}, often with the tacit approval of people in authority.",
        "The main beneficiaries of {t} appear to be {a}, frequently shielded by people in authority.",
    ),
    (
        "Seizures connected to {t} are reported irregularly, which makes trends difficult to read.",
        "Because seizures linked to {t} are reported only now and then, trends are hard to establish.",
    ),
    (
        "Economic hardship and limited job prospects leave parts of the population exposed to {t}.",
        "Poverty and a shortage of work expose parts of the population to {t}.",
    ),
    (
        "Ties across the borders with neighbouring states shape how {t} is organised.",
        "How {t} is organised depends heavily on links with neighbouring states.",
    ),
    (
        "Public debate about {t} in {c} is limited, and coverage tends to follow isolated incidents.",
        "{T} gets little sustained attention in {c}; coverage rises only around single cases.",
    ),
    (
        "Available evidence suggests that {t} remained broadly stable over the review period.",
        "The evidence points to {t} holding roughly steady across the period under review.",
    ),
    (
        "The authorities run occasional operations against {t}, but these rarely reach the organisers.",
        "Occasional crackdowns on {t} take place, yet they seldom touch those who organise it.",
    ),
)
_ACTOR = (
    (
        "The place of {t} in the criminal landscape of {c} is uneven and hard to document.",
        "How far {t} shape crime in {c} varies from place to place and is poorly documented.",
    ),
    (
        "Their influence is strongest in {p}, where they compete for the most lucrative flows.",
        "They hold most sway in {p}, competing over the most profitable flows.",
    ),
    (
        "Links between {t} and figures in business and politics are often alleged but seldom proven.",
        "Allegations tie {t} to business and political figures, yet court cases that prove it are rare.",
    ),
    (
        "{T} tend to work across several markets at once rather than specialising.",
        "Rather than specialise, {t} usually operate in several markets at the same time.",
    ),
    (
        "Violence associated with {t} is fairly contained, as disputes are more often settled with bribes.",
        "Violence linked to {t} stays limited, since disputes are more commonly resolved with bribes.",
    ),
    (
        "Their structures are loose and change quickly, which complicates investigations.",
        "Fluid, loosely organised structures make them difficult to investigate.",
    ),
    (
        "{T} draw on diaspora contacts and partners abroad to move goods and money.",
        "Contacts in the diaspora and partners abroad help {t} move goods and money.",
    ),
    (
        "Prisons remain an important base from which {t} recruit and coordinate.",
        "Prisons continue to serve {t} as a base for recruitment and coordination.",
    ),
)
_RESPONSE = (
    (
        "In {c}, {t} is a central part of the response to organised crime.",
        "{T} is at the heart of how {c} responds to organised crime.",
    ),
    (
        "Formal commitments exist on paper, but implementation is uneven and poorly resourced.",
        "Commitments exist in law and policy, yet they are applied unevenly and with scarce means.",
    ),
    (
        "Corruption undermines {t}, and public confidence in state institutions is low.",
        "Public trust is low, not least because corruption erodes {t}.",
    ),
    (
        "International partners fund much of the work on {t}, which raises doubts about its future.",
        "Much of the effort on {t} depends on foreign funding, leaving its future uncertain.",
    ),
    (
        "Reforms announced in recent years have yet to produce measurable results.",
        "Recently announced reforms have not yet delivered visible results.",
    ),
    (
        "Capacity is concentrated in the capital, leaving {p} with little coverage.",
        "Capacity sits mostly in the capital, so coverage of {p} stays thin.",
    ),
    (
        "Officials cooperate with neighbouring countries on specific cases, but information moves slowly.",
        "Cooperation with neighbouring countries happens case by case, and information travels slowly.",
    ),
    (
        "Oversight bodies exist but lack the independence needed to hold senior figures to account.",
        "Oversight bodies are in place, though not independent enough to hold senior figures to account.",
    ),
    (
        "Non-governmental organisations contribute where they can, under growing restrictions.",
        "NGOs help where possible, though the room in which they work keeps narrowing.",
    ),
    (
        "Overall, {cs} record on {t} offers only partial protection against criminal influence.",
        "Taken together, {cs} record on {t} provides limited protection from criminal influence.",
    ),
)
# Sentences a later edition adds to an earlier paragraph.
_ADDED = {
    "market": (
        "Since the previous assessment, {t} seems to have adapted to tighter controls rather than shrunk.",
        "Online platforms now play a growing part in how {t} is arranged and paid for.",
        "New routes through {p} have appeared as older ones came under closer watch.",
    ),
    "actor": (
        "Recent reporting points to a generational change in leadership among {t}.",
        "Since the last edition, {t} have shown more interest in the legal economy.",
        "Several high-profile arrests have unsettled {t}, though their networks largely survived.",
    ),
    "response": (
        "Since the previous edition, new legislation has been adopted, but its effect is unclear.",
        "A change of government brought fresh promises on {t} that observers treat with caution.",
        "New digital tools, mostly paid for by donors, are meant to strengthen {t}.",
    ),
}
_FAMILIES = {"market": _MARKET, "actor": _ACTOR, "response": _RESPONSE}
_PLACES = (
    "the border regions",
    "the main transit corridors",
    "the largest cities",
    "the southern provinces",
    "remote rural districts",
    "the main trading hubs",
)
_ACTORS = (
    "criminal networks",
    "foreign groups",
    "well-connected local businesspeople",
    "local gangs",
)

# Section key -> (template family, ((topic, first edition), ...)).
_TOPICS: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "people": (
        "market",
        (
            ("human trafficking", 2021),
            ("human smuggling", 2021),
            ("extortion and protection racketeering", 2023),
        ),
    ),
    "trade": (
        "market",
        (
            ("arms trafficking", 2021),
            ("the trade in counterfeit goods", 2023),
            ("the illicit trade in excisable goods", 2023),
        ),
    ),
    "environment": (
        "market",
        (
            ("illegal logging and plant trafficking", 2021),
            ("wildlife crime", 2021),
            ("illegal mining and resource smuggling", 2021),
        ),
    ),
    "drugs": (
        "market",
        (
            ("the heroin trade", 2021),
            ("the cannabis trade", 2021),
            ("the synthetic drug trade", 2021),
            ("the cocaine trade", 2021),
        ),
    ),
    "cyber_crimes": ("market", (("cyber-dependent crime", 2023),)),
    "financial_crimes": ("market", (("financial crime", 2023),)),
    "criminal_actors": (
        "actor",
        (
            ("mafia-style groups", 2021),
            ("criminal networks", 2021),
            ("state-embedded actors", 2021),
            ("foreign actors", 2021),
            ("private sector actors", 2023),
        ),
    ),
    "leadership_and_governance": (
        "response",
        (
            ("political leadership", 2021),
            ("government transparency", 2021),
            ("international cooperation", 2021),
            ("the national legal framework", 2021),
        ),
    ),
    "criminal_justice_and_security": (
        "response",
        (("the judicial system", 2021), ("law enforcement", 2021), ("territorial control", 2021)),
    ),
    "economic_and_financial_environment": (
        "response",
        (("the anti-money laundering regime", 2021), ("economic regulation", 2021)),
    ),
    "civil_society_and_social_protection": (
        "response",
        (
            ("support for victims and witnesses", 2021),
            ("crime prevention", 2021),
            ("the work of non-state actors", 2021),
        ),
    ),
}
_LATER_EDITIONS = (2023, 2025)

INDICATOR_DESCRIPTIONS = {
    "human_trafficking": "Exploiting people through force, deceit or coercion, whatever consent they appear to give.",
    "human_smuggling": "Organised, paid help for migrants to cross borders or stay without legal status.",
    "extortion_and_protection_racketeering": "Demanding money or favours in return for 'protection' or for leave to operate.",
    "arms_trafficking": "Moving, selling or diverting weapons, parts and ammunition outside lawful channels.",
    "trade_in_counterfeit_goods": "Making, shipping and selling fake branded products or goods with false labels.",
    "illicit_trade_in_excisable_goods": "Selling taxed consumer goods such as tobacco and alcohol outside the legal market.",
    "flora_crimes": "Illegal harvesting, trade or possession of protected plants and timber.",
    "fauna_crimes": "Poaching and illegal trade in protected animals, including unregulated fishing.",
    "non_renewable_resource_crimes": "Illegal mining, extraction or smuggling of minerals, metals, fuel and other finite resources.",
    "heroin_trade": "Producing, moving and selling heroin; the number of users shows how far the market reaches.",
    "cocaine_trade": "Producing, moving and selling cocaine and its derivatives, with use as a measure of reach.",
    "cannabis_trade": "Growing, moving and selling cannabis in any form, with use as a measure of reach.",
    "synthetic_drug_trade": "Making, moving and selling synthetic drugs, with use as a measure of reach.",
    "cyber_dependent_crimes": "Profit-driven crime that can only be committed through computers and networks.",
    "financial_crimes": "Fraud, embezzlement, tax evasion and similar schemes that cause financial losses.",
    "mafia_style_groups": "Named, hierarchical groups with known leaders, clear membership and territorial control.",
    "criminal_networks": "Loose circles of associates who commit crimes together without a mafia-style structure.",
    "state_embedded_actors": "People inside the state who use its apparatus for criminal ends.",
    "foreign_actors": "Criminals from abroad, diaspora groups included, active in or through the country.",
    "private_sector_actors": "Businesses in the legal economy, and their owners, who work with criminals for profit.",
    "political_leadership_and_governance": "Whether leaders confront organised crime and govern effectively; higher means more resilient.",
    "government_transparency_and_accountability": "Checks that keep the state from colluding in criminal activity.",
    "international_cooperation": "How far the country joins treaties and works with other states against organised crime.",
    "national_policies_and_laws": "The laws, strategies and institutions the state has set up against organised crime.",
    "judicial_system_and_detention": "Whether courts try organised crime cases fairly and independently, and how prisons are run.",
    "law_enforcement": "How well police and other agencies investigate and enforce the law against organised crime.",
    "territorial_integrity": "How well the state controls its borders, territory, infrastructure and cyberspace.",
    "anti_money_laundering": "Measures that keep criminal money out of the financial system.",
    "economic_regulatory_capacity": "The state's ability to manage the economy and regulate trade under the rule of law.",
    "victim_and_witness_support": "Help for victims of organised crime and protection for witnesses.",
    "prevention": "Strategies, funding and programmes meant to stop organised crime before it happens.",
    "non_state_actors": "The room civil society and the media have to respond to organised crime and watch the state.",
}


@dataclass
class _Sentence:
    template: tuple[str, str] | str  # a pair can be reworded; an added sentence cannot
    fills: dict[str, str]
    reworded: bool = False

    def text(self) -> str:
        t = self.template if isinstance(self.template, str) else self.template[self.reworded]
        return t.format(**self.fills)


def narrative_for(
    country_name: str, edition: int, seed: int = 0, *, paragraphs_per_section: int | None = None
) -> tuple[Section, ...]:
    """The 11 sections of `catalogue.SECTIONS` for one country and edition.

    By default each section has 1-3 paragraphs of 3-6 sentences. `paragraphs_per_section`
    fixes the paragraph count and starts each paragraph at 6 sentences: with 4, a 2023
    page renders to about 34 KB of text, the size of the real 2025 page (35 KB).
    """
    sections = []
    for spec in SECTIONS:
        family, topics = _TOPICS[spec.key]
        current = [t for t, since in topics if since <= edition]
        if not current:  # the 2021 page keeps a heading with a note for later indicators
            sections.append(Section(spec.key, spec.title, (NEW_IN_2023_NOTE,)))
            continue
        rng = random.Random(f"{country_name}|{spec.key}|{seed}")
        fixed = paragraphs_per_section is not None
        count = paragraphs_per_section if fixed else min(rng.randint(1, 3), len(current))
        paragraphs = []
        for index in range(count):
            topic = current[index % len(current)]
            first = index < len(current)
            sentences = _paragraph(country_name, family, topic, index, seed, first, fixed)
            for later in _LATER_EDITIONS:
                if later <= edition:
                    _revise(sentences, family, f"{country_name}|{spec.key}|{seed}|{index}|{later}")
            paragraphs.append(" ".join(s.text() for s in sentences))
        sections.append(Section(spec.key, spec.title, tuple(paragraphs)))
    return tuple(sections)


def _paragraph(
    country: str, family: str, topic: str, index: int, seed: int, first: bool, fixed: bool
) -> list[_Sentence]:
    """The first-edition sentences of one paragraph: an opener, then a sample of templates."""
    rng = random.Random(f"{country}|{topic}|{seed}|{index}")
    templates = _FAMILIES[family]
    size = 6 if fixed else rng.randint(3, 6)
    # A topic's first paragraph opens by naming it; a repeat paragraph goes straight on.
    others = rng.sample(range(1, len(templates)), size - 1 if first else size)
    picks = [0, *others] if first else others
    return [_Sentence(templates[i], _fills(country, topic, rng)) for i in picks]


def _revise(sentences: list[_Sentence], family: str, key: str) -> None:
    """Edit a paragraph the way a new edition does; keeps it within 3-6 sentences."""
    rng = random.Random(key)
    for sentence in list(sentences[1:]):
        roll = rng.random()
        if roll < 0.25 and isinstance(sentence.template, tuple):
            sentence.reworded = not sentence.reworded
        elif roll < 0.35 and len(sentences) > 3:
            sentences.remove(sentence)
    if rng.random() < 0.4 and len(sentences) < 6:
        added = _Sentence(rng.choice(_ADDED[family]), sentences[0].fills)
        sentences.insert(rng.randint(1, len(sentences)), added)


def _fills(country: str, topic: str, rng: random.Random) -> dict[str, str]:
    actor = rng.choice(_ACTORS)
    return {
        "c": country,
        "cs": f"{country}’s",
        "t": topic,
        "T": topic[0].upper() + topic[1:],
        "p": rng.choice(_PLACES),
        "a": actor,
        "A": actor[0].upper() + actor[1:],
    }
