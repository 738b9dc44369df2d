"""Extract an ocindex.net country page (HTML or rendered text) into a checked `Extraction`.

Parsing (`ocindex_lines`) reads what is there; this module decides which edition it is,
whether it is a profile at all, and runs the index's arithmetic checks (`validate`).
"""

from __future__ import annotations

import re

from monitor.extract.capture import beginning, read_capture
from monitor.extract.ocindex_lines import (
    ParsedPage,
    country_block,
    facts_from,
    names_listed,
    parse_lines,
)
from monitor.extract.validate import validate
from monitor.identity import lookup
from monitor.indices import catalogue
from monitor.indices.catalogue import (
    ENACT_EDITION,
    expected_sections,
    indicator_spec,
    is_group_name,
    section_spec,
    slugify,
)
from monitor.models import Country, Extraction, Profile, Reason, Status

EXTRACTOR = "ocindex_page"
# Bump when parsing changes what an extraction holds: stored raw documents are then
# re-extracted and compared like with like (provenance), never reported as score changes.
VERSION = "7"

_URL_YEAR = re.compile(r"/(20\d\d)/country/|_(20\d\d)\.pdf$")
_URL_SLUG = re.compile(r"/country/([A-Za-z0-9_-]+)/?(?:[?#].*)?$")


def extract_page(
    content: bytes | str,
    *,
    url: str | None = None,
    content_type: str | None = None,
    edition: int | None = None,
) -> Extraction:
    """Extract one capture. `edition` is a hint (e.g. from config); content decides."""
    capture = read_capture(content, content_type)
    if capture.problem is not None:
        return _not_a_profile(capture.problem)
    lines = country_block(list(capture.lines))
    parsed = parse_lines(lines)
    if not parsed.any_score and not any(section_spec(s.key) for s in parsed.sections):
        return _not_a_profile(_describe_non_profile(capture.lines, capture.is_html))
    if (several := _not_one_country(parsed, lines)) is not None:
        return _not_a_profile(several)

    year, reasons = detect_edition(parsed, url, edition)
    profile = Profile(
        country=_country(parsed, url),
        edition=year,
        source_url=url,
        facts=facts_from(parsed),
        composites=dict(parsed.composites),
        ranks=tuple(parsed.ranks.values()),
        indicators=tuple(parsed.indicators.values()),
        sections=tuple(parsed.sections),
    )
    reasons += parsed.conflicts
    reasons += validate(profile)
    if (mismatch := _country_mismatch(parsed, url)) is not None:
        reasons.append(mismatch)
    reasons += _narrative_end(parsed, profile, content if capture.is_html else None)
    if profile.country is None:
        reasons.append(Reason("no_country", "neither the page nor the URL names the country"))
    if parsed.unparsed:
        reasons.append(
            Reason(
                "unparsed_lines",
                f"{len(parsed.unparsed)} line(s) not understood (kept in unparsed_lines)",
                {"count": len(parsed.unparsed)},
                severity="warning",
            )
        )
    status = Status.INCOMPLETE if any(r.is_error for r in reasons) else Status.COMPLETE
    return Extraction(
        status=status,
        profile=profile,
        reasons=tuple(reasons),
        unparsed_lines=tuple(parsed.unparsed),
        extractor=EXTRACTOR,
        extractor_version=VERSION,
    )


def _narrative_end(parsed: ParsedPage, profile: Profile, html: bytes | str | None) -> list[Reason]:
    """Whether the capture holds the whole narrative, from its structure: the footer
    reached is one signal; without it, a text cut mid-sentence, an HTML document not
    closed, or a section of the edition missing or empty means the capture was cut."""
    if parsed.narrative_end == "guessed":
        return [
            Reason(
                "footer_not_recognised",
                f"the narrative was taken to end at the heading “{parsed.footer_line}” after "
                "its last section: the page footer starts with none of the lines we know",
                {"line": parsed.footer_line},
                severity="warning",
            )
        ]
    if parsed.narrative_end != "end_of_capture":
        return []
    if parsed.last_text_cut:
        return [_truncated("mid_paragraph", "in the middle of a narrative paragraph")]
    if html is not None and not _html_closed(html):
        return [_truncated("html_not_closed", "before the end of the HTML document")]
    have = {s.key: s for s in profile.sections}
    if any(
        not (s.key in have and have[s.key].paragraphs) for s in expected_sections(profile.edition)
    ):
        return [_truncated("before_footer", "inside the narrative, before the page footer")]
    return [
        Reason(
            "footer_not_found",
            "the capture ends after the narrative's last section without a page footer we "
            "know; every section is there",
            severity="warning",
        )
    ]


def _truncated(where: str, words: str) -> Reason:
    return Reason("truncated", f"the capture stops {words}", {"where": where})


def _html_closed(html: bytes | str) -> bool:
    tail = html[-2048:].lower()
    return (b"</html" in tail) if isinstance(tail, bytes) else ("</html" in tail)


def _not_a_profile(reason: Reason) -> Extraction:
    return Extraction.rejected(reason, EXTRACTOR, VERSION)


def _describe_non_profile(lines: tuple[str, ...], is_html: bool) -> Reason:
    first = lines[0][:80] if lines else ""
    kind = "HTML page" if is_html else "text"
    return Reason(
        "no_profile_content",
        f"no scores or profile sections found in this {kind}; it begins {beginning(first, 80)}",
        {"first_line": first, "lines": len(lines)},
    )


def _not_one_country(parsed: ParsedPage, lines: list[str]) -> Reason | None:
    """A region's page (its averages, then its countries) or a crime's page (global
    averages, countries by score): averages that must never be stored as a country's."""
    name = parsed.country_name
    listed = [n for n in names_listed(lines) if n != name]
    if name is not None and is_group_name(name) and (lookup(name) is None or len(listed) >= 3):
        return Reason(
            "not_a_country_profile",
            f"a page about {name}, a region, not one country's profile: its scores are "
            f"the region's averages"
            + (f", and it lists {len(listed)} countries" if listed else ""),
            {"about": name, "kind": "region", "names_listed": len(listed)},
        )
    if name is None and len(listed) >= 3:
        shown = ", ".join(listed[:3])
        return Reason(
            "not_a_country_profile",
            f"no country's profile header, and the page lists {len(listed)} countries or "
            f"regions ({shown}, …): its scores are averages (a crime's or a ranking page), "
            "not one country's",
            {"kind": "several_countries", "names_listed": len(listed)},
        )
    return None


def url_year(url: str | None) -> int | None:
    m = _URL_YEAR.search(url or "")
    return int(m[1] or m[2]) if m else None


def url_slug(url: str | None) -> str | None:
    m = _URL_SLUG.search(url or "")
    return m[1].lower().replace("-", "_") if m else None


def _country(parsed: ParsedPage, url: str | None) -> Country | None:
    """The country by its identity key (as every source names it), from the URL's slug
    or the page's name; a country the index does not know keeps its own slug."""
    slug = url_slug(url)
    name = parsed.country_name
    if name is None and slug is None:
        return None
    known = lookup(slug or "") or lookup(name or "")
    key = known.key if known else slug or slugify(name or "")
    return Country(slug=key, name=name or (known.name if known else key.replace("_", " ").title()))


def _country_mismatch(parsed: ParsedPage, url: str | None) -> Reason | None:
    """The page names another country than its URL does (a redirect to the wrong
    profile, a mistyped watch entry): its scores are not the URL's country's."""
    by_url, by_page = lookup(url_slug(url) or ""), lookup(parsed.country_name or "")
    if by_url is None or by_page is None or by_url.key == by_page.key:
        return None
    return Reason(
        "country_mismatch",
        f"the URL is {by_url.name}'s profile but the page is {by_page.name}'s",
        {"url_country": by_url.key, "page_country": by_page.key},
    )


def detect_edition(
    parsed: ParsedPage, url: str | None, hint: int | None = None
) -> tuple[int | None, list[Reason]]:
    """The edition from the content; the URL's year or a caller's hint only where the
    content cannot tell (a fragment that fits several editions) or to break a tie.

    Nothing stated and several editions fitting is `edition_unknown`, never the latest:
    a guessed edition would reconcile the printed changes against the wrong edition and
    report false revisions."""
    stated = url_year(url) or parsed.year_line or hint
    from_content = _edition_from_content(parsed)
    if from_content is None:
        if stated is None:
            return None, [Reason("edition_unknown", "neither content nor URL tells the edition")]
        return stated, []
    low, high = from_content
    if stated is not None and low <= stated <= high:
        return stated, []
    fitting = [e for e in catalogue.ALL_EDITIONS if low <= e <= high]
    year = fitting[0] if len(fitting) == 1 else None
    reasons = []
    if stated is not None:
        reasons.append(
            Reason(
                "edition_mismatch",
                f"the URL or caller says {stated} but the page's layout is that of "
                f"{_editions_text(low, high)}",
                {"stated": stated, "content": year},
            )
        )
    if year is None:
        reasons.append(
            Reason(
                "edition_unknown",
                f"the capture's layout fits {_editions_text(low, high)} and no URL year or "
                "hint tells which",
                {"low": low, "high": high},
            )
        )
    return year, reasons


def _editions_text(low: int, high: int) -> str:
    return str(low) if low == high else f"{low} or later"


def _edition_from_content(parsed: ParsedPage) -> tuple[int, int] | None:
    """The range of editions whose layout matches: 2019 (ENACT's Africa index) spells
    some names its own way and ranks within Africa only, 2021 prints no changes but a
    global rank, 2023 prints `n/a` for indicators new that edition and a `Year:`
    selector, 2025 prints changes everywhere. Only what the capture shows counts: a
    fragment proves no more."""
    scores = parsed.all_scores()
    if parsed.spelling_2019:
        return (ENACT_EDITION, ENACT_EDITION)
    if not scores:
        return None
    if any(s.new_this_edition for s in scores):
        return (catalogue.METHODOLOGY_2023, catalogue.METHODOLOGY_2023)
    if all(s.change is None for s in scores):
        # Neither 2019 nor 2021 prints changes; only 2021 ranks among 193 countries.
        if any(r.scope == "global" for r in parsed.ranks.values()):
            return (catalogue.EDITIONS[0], catalogue.EDITIONS[0])
        return (ENACT_EDITION, catalogue.EDITIONS[0])
    # An indicator new in 2023 printing a change had an earlier value: 2025 or later.
    # Without a change it may be a 2023 `n/a` cut off by a byte limit.
    changed_since_2023 = any(
        (spec := indicator_spec(i.key)) is not None
        and spec.since >= catalogue.METHODOLOGY_2023
        and i.score.change is not None
        for i in parsed.indicators.values()
    )
    if changed_since_2023:
        return (catalogue.METHODOLOGY_2023 + 2, 9999)
    if parsed.has_year_line:
        return (catalogue.METHODOLOGY_2023, catalogue.METHODOLOGY_2023)
    # 2023 prints `Year:` above the header; a capture holding the header without it is
    # later. A capture starting below the header may have lost that line.
    if parsed.has_header:
        return (catalogue.METHODOLOGY_2023 + 2, 9999)
    return (catalogue.METHODOLOGY_2023, 9999)
