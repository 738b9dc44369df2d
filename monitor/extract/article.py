"""Extract a related article (a think-tank country report, a news analysis) into an
`Extraction` holding its text and metadata; never scores.

trafilatura finds the main text and leaves the page's chrome out (menus, related
articles, newsletter boxes, cookie banners, footers). The article becomes one section,
keyed `article` and titled with the article's title, whose paragraphs are the text's
blocks in order: paragraphs, list items (each its own), headings other than the title,
quotes and table rows. One section, not one per heading, so that a sentence moved
between parts is reported as moved, an edited heading as an edited line, and a changed
title as the section renamed.

Rendered text (what a browser or a text extractor shows) is read without trafilatura,
which needs HTML: the title is the line the page repeats near its top, the byline and
date come from the lines above the text, and the text runs from the first paragraph to
the last line that ends a sentence or is a list item (the chrome around it is short
lines: menus, "Related Articles", a newsletter box).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from monitor.extract.capture import binary_problem, decode
from monitor.extract.html_lines import looks_like_html
from monitor.extract.library_log import collected_log
from monitor.models import Document, Extraction, Profile, Reason, Section, Status

EXTRACTOR = "article"
# Bump when extraction changes what a snapshot holds (see ocindex_page.VERSION).
VERSION = "2"
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
    if "html" not in (content_type or "").lower() and not looks_like_html(content):
        return _from_text(content, url)
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
    return _article(document, paragraphs, url)


def _article(document: Document, paragraphs: list[str], url: str | None) -> Extraction:
    title = document.title
    reasons = [
        Reason(code, f"the page states no {what}", severity="warning")
        for code, what, value in (
            ("no_title", "title", title),
            ("no_date", "publication date", document.published),
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


_BULLET = re.compile(r"^[\u2022\u25aa\u2013*-]\s+")
_DATE_FORMATS = ("%B %d, %Y", "%d %B %Y", "%Y-%m-%d", "%b %d, %Y", "%d %b %Y")
_TEXT_END = (".", "!", "?", ";", ":", "\u201d", '"', ")")


def _from_text(text: str, url: str | None) -> Extraction:
    lines = [_clean(ln) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    top = lines[:12]
    title = next((ln for n, ln in enumerate(top) if ln in top[n + 1 :]), None)
    # A paragraph: a long line, or a sentence of some words. The head above the first
    # one holds title, byline and date; the chrome below the text's end is short lines.
    first = next(
        (n for n, ln in enumerate(lines) if len(ln) >= 100 or (len(ln.split()) >= 8 and
         ln.endswith(_TEXT_END))),
        None,
    )  # fmt: skip
    if first is None:
        longest = max((len(ln) for ln in lines), default=0)
        return _not_an_article(
            Reason(
                "no_article_text",
                f"rendered text of {len(lines)} line(s), none a paragraph (the longest has "
                f"{longest} characters): a menu, an error or a login page, not an article",
                {"lines": len(lines), "longest": longest},
            )
        )
    ends = [n for n, ln in enumerate(lines) if n >= first and (
        ln.endswith(_TEXT_END) or _BULLET.match(ln))]  # fmt: skip
    body = [_BULLET.sub("", ln) for ln in lines[first : ends[-1] + 1] if ln != title]
    size = sum(len(p) for p in body)
    if size < MIN_TEXT_CHARS:
        return _not_an_article(
            Reason(
                "no_article_text",
                f"rendered text with only {size} characters of main text (at least "
                f"{MIN_TEXT_CHARS} expected): an error page, a login wall or a listing",
                {"chars": size, "title": title},
            )
        )
    head = lines[:first]
    byline = next((ln for ln in head if _BYLINE.match(ln)), None)
    date = next((d for d in map(_date, head) if d), None)
    document = Document(title=title, authors=_authors(byline), published=date)
    return _article(document, body, url)


def _date(line: str) -> str | None:
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(line, form).date().isoformat()
        except ValueError:
            continue
    return None


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
