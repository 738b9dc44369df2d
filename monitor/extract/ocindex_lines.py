"""Line parser for ocindex.net country pages, every edition's layout.

Input is block lines (from HTML via `html_lines`, or a browser's rendered text). The
parser only reads what is on the page; judging whether that is a whole profile is
`validate`'s job. Every line ends up recognised (content, page chrome, a duplicate of
the 3D view's repeated block) or in `unparsed`; none is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from monitor.formatting import ordinal
from monitor.identity import lookup
from monitor.indices import catalogue
from monitor.indices.catalogue import (
    CONTINENTS,
    SPELLINGS_2019,
    composite_key,
    indicator_spec,
    is_group_name,
    section_spec,
    slugify,
)
from monitor.models import Facts, Indicator, Rank, Reason, Score, Section, rank_direction

# `4.40`, `4.630.23` (value 4.63, change +0.23), `5.25-0.07`, `3.50 n/a`, `10.000.50`.
SCORE_LINE = re.compile(
    r"^(?P<value>10\.00|[1-9]\.\d{2})\s*(?P<change>n/a|[-+\u2212]?\d{1,2}\.\d{2})?$"
)
# The 3D view repeats the pillar scores on one line: `4.17 6.25 4.40 4.17 6.25 4.40`.
SCORE_ROW = re.compile(r"^\d{1,2}\.\d{2}(?:\s+\d{1,2}\.\d{2}){2,}$")
# `72nd of 193 countries`, `23rd of 46 countries in Asia 1`, `… countries in Europe0`.
RANK_LINE = re.compile(
    r"^(?P<rank>\d+)(?:st|nd|rd|th) of (?P<out_of>\d+) countries"
    r"(?: in (?P<group>.*?))?\s*(?P<movement>[-+\u2212]?\d+)?$"
)
SECTION_NAV = re.compile(r"^\d{2}(?:\s+\d{2})*$")
YEAR_LINE = re.compile(r"^Year:?\s*(?P<year>20\d\d)?$")
CHROME = frozenset(
    {
        "The Organized Crime Index | ENACT",
        "Africa - Organised Crime Index",
        "Read the report",
        "x",
        "Profile",
    }
)
# The site's link text, which rendered captures often run into the next heading
# (`Read more on globalinitiative.netCriminal markets`).
PROMO = "Read more on globalinitiative.net"
# The narrative ends where the page footer begins; every page has one, so a narrative
# that never reaches it was cut off.
FOOTER_STARTS = (
    "For a better experience",
    "The criminal markets score is represented",
    "Stay up to date with the Index",
    "Give us feedback",
    "How to measure organized crime",
)
_SENTENCE_END = (".", "!", "?", "\u201d", '"', ")")
_SINGLE_QUOTE = ("\u2019", "'")


@dataclass
class ParsedPage:
    """Everything the page shows, as found; conflicts and leftovers recorded, not resolved."""

    country_name: str | None = None
    # A 2019 spelling was seen (`Synthetic Drugs Trade`): the page is the 2019 edition.
    spelling_2019: bool = False
    year_line: int | None = None
    has_year_line: bool = False
    facts: dict[str, object] = field(default_factory=dict)
    composites: dict[str, Score] = field(default_factory=dict)
    ranks: dict[tuple[str, str], Rank] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    section_count_shown: int | None = None
    # How the narrative ends: "footer" (a footer line we know), "guessed" (a heading
    # after the last section: a footer we do not know yet, `footer_line`), or
    # "end_of_capture"; None without a narrative. `validate` and the structure decide
    # whether an end of capture lost anything.
    narrative_end: str | None = None
    footer_line: str | None = None
    last_text_cut: bool = False  # the narrative's last text stops mid-sentence
    duplicates: int = 0
    conflicts: list[Reason] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)

    @property
    def has_header(self) -> bool:
        """The capture holds the top of the page (`Profile` and the country's name)."""
        return self.country_name is not None

    @property
    def any_score(self) -> bool:
        return bool(self.composites or self.indicators)

    def all_scores(self) -> list[Score]:
        return [*self.composites.values(), *(i.score for i in self.indicators.values())]


def parse_score(line: str) -> Score | None:
    m = SCORE_LINE.match(line)
    if not m:
        return None
    change = m["change"]
    if change == "n/a":
        return Score(float(m["value"]), None, new_this_edition=True)
    return Score(float(m["value"]), _number(change) if change else None)


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def parse_rank(line: str, composite: str) -> Rank | None:
    m = RANK_LINE.match(line)
    if not m:
        return None
    group = (m["group"] or "").strip() or None
    # Continents named, not counted: a capture missing the continental line must not
    # make the regional rank continental.
    continent = group is not None and group.removeprefix("the ") in CONTINENTS
    scope = "global" if group is None else ("continental" if continent else "regional")
    # Signed as printed: `-11` is 11 places towards 1st, `4` (no sign) 4 places away.
    moved = int(_number(m["movement"])) if m["movement"] else None
    return Rank(
        composite=composite,
        scope=scope,
        rank=int(m["rank"]),
        out_of=int(m["out_of"]),
        group=group,
        movement=None if moved is None else abs(moved),
        direction=None if moved is None else rank_direction(moved),
    )


_FACT_LABELS: tuple[tuple[str, str], ...] = (
    ("capital", "capital"),
    ("population", "population"),
    ("income_group", "income group"),
    ("geography_type", "geography type"),
    ("gdp_usd_million", "gdp"),
    ("gdp_usd_million", "gross domestic product"),
    ("gini", "gini"),
    ("area_km2", "area"),
)


def fact_field(label: str) -> str | None:
    low = label.lower()
    if len(low) > 80:
        return None
    return next((f for f, prefix in _FACT_LABELS if low.startswith(prefix)), None)


def parse_fact(name: str, value: str) -> object:
    """Numbers as numbers: `6,456,200` -> 6456200, `USD 17,491 million` -> 17491.0."""
    if name in ("capital", "income_group", "geography_type"):
        return value
    m = re.search(r"\d[\d,]*(?:\.\d+)?", value)
    if m is None:
        return None
    number = float(m[0].replace(",", ""))
    if name == "gdp_usd_million" and "billion" in value.lower():
        number *= 1000
    return int(number) if name == "population" else number


class _Parser:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.page = ParsedPage()
        self.expect: tuple[str, object] | None = None  # what the next line should be
        self.pending_score: Score | None = None  # a score whose label follows it
        self.rank_composite: str | None = None
        self.section: tuple[str, str, list[str]] | None = None
        self.in_narrative = False
        self.in_footer = False

    def run(self) -> ParsedPage:
        page = self.page
        name_at = next((i + 1 for i, ln in enumerate(self.lines) if ln == "Profile"), None)
        if name_at is not None and name_at < len(self.lines):
            page.country_name = self.lines[name_at]
        for raw in self.lines:
            line = raw.removeprefix(PROMO)
            if not line:
                continue  # the promotional link alone: chrome
            if self.in_footer:
                continue  # page footer: recognised chrome
            if self.in_narrative:
                self._narrative(line)
            else:
                self._scores(line)
        if self.in_narrative and not self.in_footer:
            last = self.section[2][-1] if self.section and self.section[2] else ""
            page.narrative_end = "end_of_capture"
            page.last_text_cut = bool(last) and not _ends_sentence(last)
        self._close_section()
        if self.pending_score is not None:
            page.unparsed.append(f"{self.pending_score.value:.2f} (score with no label)")
        return page

    # -- the scores part of the page ------------------------------------------------
    def _scores(self, line: str) -> None:
        page, expect = self.page, self.expect
        self.expect = None
        score = parse_score(line)
        if score is not None:
            self._score(score, expect, line)
            return
        if line == "Analysis":
            self.in_narrative = True
            return
        if (m := YEAR_LINE.match(line)) is not None:
            page.has_year_line = True
            page.year_line = int(m["year"]) if m["year"] else None
            return
        if line in CHROME or SCORE_ROW.match(line):
            return
        if self.rank_composite and (rank := parse_rank(line, self.rank_composite)):
            self._add_rank(rank)
            return
        if (key := composite_key(line)) is not None:
            self._composite_label(key, line)
            return
        if (spec := indicator_spec(line)) is not None:
            self.expect = ("indicator", (spec, line))
            page.spelling_2019 |= slugify(line) in SPELLINGS_2019
            return
        if expect is not None and expect[0] == "description":
            self._description(expect[1], line)
            return
        if expect is not None and expect[0] == "fact":
            page.facts[str(expect[1])] = parse_fact(str(expect[1]), line)
            return
        if line == page.country_name:
            return  # the header's name; skipped only now, as a capital may bear it (Singapore)
        if not page.any_score and (fact := fact_field(line)) is not None:
            self.expect = ("fact", fact)
            return
        page.unparsed.append(line)

    def _score(self, score: Score, expect: tuple[str, object] | None, line: str) -> None:
        if expect is not None and expect[0] == "indicator":
            spec, name = expect[1]  # type: ignore[misc]
            indicator = Indicator(spec.key, name, spec.pillar, score)
            self._add_indicator(indicator)
            self.expect = ("description", spec.key)
        elif expect is not None and expect[0] == "composite":
            self._add_composite(str(expect[1]), score)
            self.expect = ("description", None)
        else:
            if self.pending_score is not None:
                self.page.unparsed.append(f"{self.pending_score.value:.2f} (score with no label)")
            self.pending_score = score

    def _composite_label(self, key: str, line: str) -> None:
        if line.lower().endswith("score"):
            # `5.33` then `Criminality score`: the value came first.
            if self.pending_score is None:
                self.page.unparsed.append(line)
                return
            self._add_composite(key, self.pending_score)
            self.pending_score = None
            self.rank_composite = key
        else:
            self.expect = ("composite", key)
            self.rank_composite = None

    def _description(self, key: object, line: str) -> None:
        if key is None:
            return  # the pillar's one-line definition; same on every page
        indicator = self.page.indicators[str(key)]
        if not indicator.description:
            self.page.indicators[str(key)] = Indicator(
                indicator.key, indicator.name, indicator.pillar, indicator.score, line
            )

    def _add_composite(self, key: str, score: Score) -> None:
        self._keep_first(self.page.composites, key, score, key)

    def _add_indicator(self, indicator: Indicator) -> None:
        known = self.page.indicators.get(indicator.key)
        if known is not None and known.score == indicator.score:
            self.page.duplicates += 1
        elif known is not None:
            self._conflict(indicator.key, known.score, indicator.score)
        else:
            self.page.indicators[indicator.key] = indicator

    def _add_rank(self, rank: Rank) -> None:
        key = (rank.composite, rank.scope)
        self._keep_first(self.page.ranks, key, rank, f"{rank.composite} {rank.scope} rank")

    def _keep_first(self, table: dict, key: object, value: object, label: str) -> None:
        """The page repeats blocks for its 3D view: equal repeats are duplicates."""
        if key not in table:
            table[key] = value
        elif table[key] == value:
            self.page.duplicates += 1
        else:
            self._conflict(label, table[key], value)

    def _conflict(self, label: str, first: object, second: object) -> None:
        a, b = shown(first), shown(second)
        self.page.conflicts.append(
            Reason(
                "conflicting_values",
                f"{label.replace('_', ' ')}: the page shows two different values ({a} and {b})",
                {"item": label, "first": a, "second": b},
            )
        )

    # -- the narrative ("Analysis") -------------------------------------------------
    def _narrative(self, line: str) -> None:
        page = self.page
        if line.startswith(FOOTER_STARTS):
            self._close_section()
            self.in_footer, page.narrative_end = True, "footer"
            return
        if SECTION_NAV.match(line) and self.section is None and not page.sections:
            page.section_count_shown = len(line.split())
            return
        spec = section_spec(line)
        if spec is None and self._after_last_section() and _looks_like_heading(line):
            # A heading after the narrative's last section, with its text: the footer,
            # however the site words it now.
            self._close_section()
            self.in_footer, page.narrative_end, page.footer_line = True, "guessed", line
            return
        if spec is not None or _looks_like_heading(line):
            self._close_section()
            key = spec.key if spec is not None else slugify(line)
            self.section = (key, line, [])
            return
        if self.section is None:
            page.unparsed.append(line)
            return
        self.section[2].append(line)

    def _after_last_section(self) -> bool:
        return (
            self.section is not None
            and self.section[0] == catalogue.SECTIONS[-1].key
            and bool(self.section[2])
        )

    def _close_section(self) -> None:
        if self.section is None:
            return
        key, title, paragraphs = self.section
        self.page.sections.append(Section(key, title, tuple(paragraphs)))
        self.section = None


def shown(value: object) -> str:
    """A score or rank as the page prints it, in words and numbers (for reasons)."""
    if isinstance(value, Score):
        if value.new_this_edition:
            return f"{value.value:.2f} (n/a)"
        return f"{value.value:.2f}" + ("" if value.change is None else f" ({value.change:+.2f})")
    if isinstance(value, Indicator):
        return shown(value.score)
    if isinstance(value, Rank):
        where = f" in {value.group}" if value.group else ""
        moved = "" if value.movement is None else f", {value.direction} {value.movement}"
        return f"{ordinal(value.rank)} of {value.out_of}{where}{moved}"
    return str(value)


def _ends_sentence(text: str) -> bool:
    """A single quote ends a sentence only after a full stop (`.’`); alone it is an
    apostrophe, and the text was cut mid-word (`Kyrgyzstan’`)."""
    if text.endswith(_SINGLE_QUOTE):
        return text[:-1].endswith(_SENTENCE_END)
    return text.endswith(_SENTENCE_END)


def _looks_like_heading(line: str) -> bool:
    return (
        len(line) <= 60
        and len(line.split()) <= 7
        and line[:1].isupper()
        and not line.endswith((".", ":", ";", ",", "!", "?"))
    )


def profile_headers(lines: list[str]) -> list[tuple[int, str]]:
    """(position, name) of each `Profile` header: one per block a page shows."""
    return [(i, lines[i + 1]) for i, ln in enumerate(lines[:-1]) if ln == "Profile"]


def is_country_name(name: str) -> bool:
    return not is_group_name(name) and lookup(name) is not None


def country_block(lines: list[str]) -> list[str]:
    """The lines of the page's country block.

    A page showing a region and a country (the region's block first) is the country's
    profile: the region's averages are left out, the page's top and narrative kept."""
    headers = profile_headers(lines)
    countries = [n for n, (_, name) in enumerate(headers) if is_country_name(name)]
    if len(headers) < 2 or not countries:
        return lines
    n = countries[0]
    start, end = headers[n][0], headers[n + 1][0] if n + 1 < len(headers) else len(lines)
    narrative = next((i for i in range(end, len(lines)) if lines[i] == "Analysis"), len(lines))
    return lines[: headers[0][0]] + lines[start:end] + lines[narrative:]


def names_listed(lines: list[str]) -> list[str]:
    """Countries, regions and continents the scores part of a page names as whole lines:
    a region's or a crime's page lists many; a country's profile none but its own."""
    end = next((i for i, ln in enumerate(lines) if ln == "Analysis"), len(lines))
    names = dict.fromkeys(
        ln for ln in lines[:end] if 3 < len(ln) <= 60 and (is_group_name(ln) or lookup(ln))
    )
    return list(names)


def parse_lines(lines: list[str]) -> ParsedPage:
    return _Parser(lines).run()


def facts_from(parsed: ParsedPage) -> Facts:
    return Facts(**{k: v for k, v in parsed.facts.items() if v is not None})
