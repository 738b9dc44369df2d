"""Extract a related article (a think-tank country report, a news analysis) into an
`Extraction` holding its text and metadata; never scores.

trafilatura finds the main text and leaves the page's chrome out (menus, related
articles, newsletter boxes, cookie banners, footers). The article becomes one section,
keyed `article` and titled with the article's title, whose paragraphs are the text's
blocks in order: paragraphs, list items (each its own), headings other than the title,
quotes and table rows. One section, not one per heading, so that a sentence moved
between parts is reported as moved, an edited heading as an edited line, and a changed
title as the section renamed.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.extract.capture import binary_problem, decode
from monitor.extract.library_log import collected_log
from monitor.models import Document, Extraction, Profile, Reason, Section, Status

EXTRACTOR = "article"
# Bump when extraction changes what a snapshot holds (see ocindex_page.VERSION).
VERSION = "1"
SECTION_KEY = "article"

# trafilatura's output elements that are blocks of text; a block inside another
# (a paragraph in a quote, a list in a list item) belongs to the outer one.
_BLOCKS = frozenset({"p", "head", "item", "quote", "row", "code"})
# "Article by Adam Hug", "Written by …": the byline's verb is not part of the name.
_BYLINE = re.compile(r"^(?:[A-Za-z]+\s+)?by\s+", re.IGNORECASE)
# trafilatura's time grows with the page's elements (20,000 tags: ~1 s, 100,000: ~4 s
# on our machines); an article page has a few thousand. Beyond this, we refuse.
MAX_TAGS = 60_000
_TAG = re.compile(r"<[A-Za-z]")
# Less main text than this is an error page or a stub ("Sorry, we could not find that
# page."), not an article: trafilatura's own threshold for a successful extraction.
MIN_TEXT_CHARS = 250


def extract_article(
    content: bytes | str, *, url: str | None = None, content_type: str | None = None
) -> Extraction:
    if isinstance(content, bytes):
        problem = binary_problem(content, content_type)
        if problem is not None:
            return _not_an_article(problem)
        content = decode(content, content_type)
    if not content.strip():
        return _not_an_article(Reason("empty", "the capture is empty"))
    tags = len(_TAG.findall(content))
    if tags > MAX_TAGS:
        return _not_an_article(
            Reason(
                "page_limit",
                f"the page has {tags:,} HTML tags, more than an article page could ({MAX_TAGS:,})",
                {"tags": tags},
            )
        )
    # Imported here: trafilatura takes ~0.3 s to import, which every command would pay.
    import trafilatura

    with collected_log("trafilatura") as log:
        found = trafilatura.bare_extraction(
            content,
            url=url,
            with_metadata=True,
            include_comments=False,
            favor_precision=True,
            # No guessing: without extensive search a page without a stated date has
            # none (with it, a footer's copyright year became 1 January of that year).
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    title = _clean(found.title) if found is not None and found.title else None
    paragraphs = _paragraphs(found.body, title) if found is not None else []
    size = sum(len(p) for p in paragraphs)
    if found is None or size < MIN_TEXT_CHARS:
        return _not_an_article(
            Reason(
                "no_article_text",
                f"{size} characters of main text: an error page, a login wall or a listing, "
                "not an article",
                {"chars": size, "title": title, "library": log},
            )
        )
    document = Document(
        title=title,
        authors=_authors(found.author),
        published=found.date,
        publisher=found.sitename,
    )
    reasons = [
        Reason(code, f"the page states no {what}", severity="warning")
        for code, what, value in (
            ("no_title", "title", title),
            ("no_date", "publication date", found.date),
        )
        if not value
    ]
    profile = Profile(
        country=None,  # an article names no country in a way we can read; the config does
        edition=None,
        source_url=url,
        sections=(Section(SECTION_KEY, title or "Article", tuple(paragraphs)),),
        document=document,
    )
    return Extraction(
        status=Status.COMPLETE,
        profile=profile,
        reasons=tuple(reasons),
        extractor=EXTRACTOR,
        extractor_version=VERSION,
    )


def _paragraphs(body: Any, title: str | None) -> list[str]:
    """The text blocks of trafilatura's body, in order; a heading repeating the title
    is left out (the section's title says it)."""
    if body is None:
        return []
    paragraphs = []
    for element in body.iter(*_BLOCKS):
        if any(parent.tag in _BLOCKS for parent in element.iterancestors()):
            continue
        text = _clean("".join(element.itertext()))
        if text and not (element.tag == "head" and text == title):
            paragraphs.append(text)
    return paragraphs


def _authors(byline: str | None) -> tuple[str, ...]:
    """trafilatura joins several authors with `; `."""
    names = (_BYLINE.sub("", _clean(name)) for name in (byline or "").split(";"))
    return tuple(name for name in names if name)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _not_an_article(reason: Reason) -> Extraction:
    return Extraction.rejected(reason, EXTRACTOR, VERSION)
