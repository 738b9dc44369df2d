"""Extract an Organized Crime Index PDF country summary into a checked `Extraction`.

The summary's text carries the narrative only: its scores and ranks are drawn as
graphics (the text of the real 2025 Kyrgyzstan summary holds none of them), so this
extractor reads sections and never scores. A summary with all its sections is
`complete` with a `narrative_only` warning: scores come from the page or the workbook,
and the rules, finding no scores in it, can only report narrative changes. Anything that
is not a readable summary (not a PDF, corrupt, encrypted, no text, no summary headings,
beyond the limits) is `not_a_profile` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.extract.capture import beginning
from monitor.extract.pdf_layout import layout_text
from monitor.extract.pdf_text import Line, PdfLimits, read_pdf
from monitor.extract.summary_text import summary_sections
from monitor.extract.validate import Expectations, validate
from monitor.identity import lookup
from monitor.models import Country, Extraction, Profile, Reason, Status

EXTRACTOR = "ocindex_pdf"
# Bump when extraction changes what a snapshot holds (see ocindex_page.VERSION).
VERSION = "3"

_FILE_NAME = re.compile(r"ocindex_profile_([A-Za-z0-9_-]+?)_(20\d\d)\.pdf(?:[?#].*)?$")
NARRATIVE_ONLY = Reason(
    "narrative_only",
    "the PDF summary's text carries no scores or ranks: only its narrative is read",
    severity="warning",
)


def extract_pdf(
    content: bytes | str,
    *,
    url: str | None = None,
    edition: int | None = None,
    limits: PdfLimits | None = None,
) -> Extraction:
    """Extract one PDF summary. The edition is the year in the file name, else `edition`."""
    if isinstance(content, str):
        return _not_a_profile(Reason("not_a_pdf", "text, not a PDF document"))
    pdf = read_pdf(content, limits)
    if pdf.problem is not None:
        return _not_a_profile(pdf.problem)
    text = layout_text(pdf.pages)
    sections = summary_sections(text)
    if not sections:
        first = next((line for line in text.splitlines() if line.strip()), "")
        return _not_a_profile(
            Reason(
                "no_profile_content",
                "a PDF with text but no country summary sections; it begins "
                + beginning(first, 80),
                {"first_line": first[:80], "pages": len(pdf.pages)},
            )
        )
    slug, year = pdf_slug_year(url)
    profile = Profile(
        country=_country(slug, pdf.pages[0]),
        edition=year or edition,
        source_url=url,
        sections=sections,
    )
    reasons = [*pdf.warnings, NARRATIVE_ONLY]
    reasons += validate(profile, Expectations(scores=False, ranks=False))
    if profile.country is None:
        reasons.append(Reason("no_country", "neither the URL nor the cover names the country"))
    if profile.edition is None:
        reasons.append(
            Reason(
                "edition_unknown",
                "neither the file name nor the caller (config, --edition) tells the edition",
            )
        )
    return Extraction(
        status=Status.INCOMPLETE if any(r.is_error for r in reasons) else Status.COMPLETE,
        profile=profile,
        reasons=tuple(reasons),
        extractor=EXTRACTOR,
        extractor_version=VERSION,
    )


def pdf_slug_year(url: str | None) -> tuple[str | None, int | None]:
    """`…/ocindex_profile_cabo_verde_2023.pdf` -> ("cabo_verde", 2023)."""
    m = _FILE_NAME.search(url or "")
    return (m[1].lower().replace("-", "_"), int(m[2])) if m else (None, None)


def _country(slug: str | None, first_page: Sequence[Line]) -> Country | None:
    """The country the file name says, else the one the cover's first line names."""
    known = lookup(slug) if slug else lookup(first_page[0].text) if first_page else None
    if known is not None:
        return Country(known.key, known.name)
    return Country(slug, slug.replace("_", " ").title()) if slug else None


def _not_a_profile(reason: Reason) -> Extraction:
    return Extraction.rejected(reason, EXTRACTOR, VERSION)
