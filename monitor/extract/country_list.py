"""A page that lists countries (FATF's statements, the EU's high-risk third countries),
read from its text: each list is found under a heading that names it, not at a fixed
place in the layout.

A page is read into blocks (headings, paragraphs, list items, table cells; navigation,
headers and footers left out). A list's heading is a short block containing one of the
list's names; its countries are the blocks after it that name a country, as a list item,
a heading per country or a paragraph starting with the name (`Iran – …`), up to the next
heading that is not a country's. A page that was cut off (an HTML page without its
closing `</body>` or `</html>`) is not read at all: a truncated list is not a shorter
list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from monitor.extract.html_lines import looks_like_html
from monitor.identity import CountryIdentity, lookup, strip_footnotes, territory
from monitor.models import Reason

BLOCKS = frozenset("h1 h2 h3 h4 h5 h6 p li td th dt dd div caption".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Page furniture: a menu of every country must never read as a list.
FURNITURE = frozenset("nav header footer aside script style noscript template head".split())
_BLOCK_QUERY = ",".join(sorted(BLOCKS))
# A heading is short; a paragraph that mentions a list in passing is not one.
HEADING_LENGTH = 160
# A block longer than this that does not start with a country is commentary.
NAME_LENGTH = 80
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = "|".join(_MONTHS)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\s+(20\d\d)\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),?\s+(20\d\d)\b", re.I)
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+(20\d\d)\b", re.I)
# `Iran – details…`, `Myanmar: …`: the name before the first separator.
_NAME_HEAD = re.compile(r"^(.{2,60}?)\s*(?:[–—:]|\s-\s)")
_PARENTHESIS = re.compile(r"\s*\([^)]*\)\s*$")
_CLOSED = re.compile(rb"</\s*(?:html|body)\s*>", re.I)


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool  # an h1–h6 or a line all in bold: it ends a list unless a country's
    folded: str = ""  # a short block's words, ` casefolded like this `: a heading's test

    @classmethod
    def of(cls, text: str, heading: bool) -> Block:
        return cls(text, heading, f" {_fold(text)} " if len(text) <= HEADING_LENGTH else "")


@dataclass
class Listing:
    """What a page lists: each list found, by its key, with the countries under it."""

    lists: dict[str, tuple[CountryIdentity, ...]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # keys of lists not found
    published: date | None = None  # the statement's date, as the page states it
    title: str | None = None
    problems: list[Reason] = field(default_factory=list)  # stop the page being read
    warnings: list[Reason] = field(default_factory=list)


def read_listing(content: bytes | str, names: dict[str, Sequence[str]]) -> Listing:
    """The lists `names` declares (list key -> the names its heading may carry) as
    `content` prints them."""
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    listing = Listing()
    if looks_like_html(text):
        raw = content if isinstance(content, bytes) else content.encode()
        if not _CLOSED.search(raw):
            listing.problems.append(
                Reason("truncated", "the page ends before its closing </body> or </html> tag")
            )
            return listing
        blocks, listing.title = _html_blocks(text)
    else:
        blocks = [Block.of(line.strip(), False) for line in text.splitlines() if line.strip()]
    # Each list's names folded once: a page has thousands of blocks to test.
    wanted = {
        key: tuple(f" {_fold(s)} " for s in spellings if _fold(s))
        for key, spellings in names.items()
    }
    first_list = len(blocks)
    for key, spellings in wanted.items():
        best: tuple[int, int, list[CountryIdentity]] | None = None
        for at, block in enumerate(blocks):
            if _names_list(block, spellings):
                found = _countries_under(blocks, at, wanted, listing)
                if best is None or len(found) > len(best[2]):
                    best = (at, len(found), found)
        if best is None or not best[2]:
            listing.missing.append(key)
            continue
        listing.lists[key] = tuple(best[2])
        first_list = min(first_list, best[0])
    listing.published = _statement_date([b.text for b in blocks[: first_list + 1]], listing.title)
    if not listing.lists:
        wanted = "; ".join(str(s[0]) for s in names.values() if s)
        listing.problems.append(
            Reason("no_list", f"no list of countries found under a heading naming: {wanted}")
        )
    return listing


def _html_blocks(text: str) -> tuple[list[Block], str | None]:
    """The page's innermost block elements in reading order, furniture left out."""
    tree = LexborHTMLParser(text)
    title_node = tree.css_first("head > title")
    title = " ".join(title_node.text().split()) if title_node is not None else None
    root = tree.body or tree.root
    blocks: list[Block] = []
    if root is None:
        return blocks, title
    for node in root.traverse(include_text=False):
        # Only the innermost blocks (a node's query matches itself too): a list item's
        # paragraph is read once.
        if node.tag not in BLOCKS or len(node.css(_BLOCK_QUERY)) > 1:
            continue
        if _in_furniture(node):
            continue
        words = " ".join(node.text(separator=" ").split())
        if words:
            blocks.append(Block.of(words, node.tag in HEADINGS or _all_bold(node, words)))
    return blocks, title


def _all_bold(node: Any, words: str) -> bool:
    """`<p><strong>Jurisdictions no longer…</strong></p>`: a heading set in bold."""
    bold = node.css_first("strong, b")
    return bold is not None and " ".join(bold.text(separator=" ").split()) == words


def _in_furniture(node: Any) -> bool:
    parent = node
    while parent is not None:
        if getattr(parent, "tag", None) in FURNITURE:
            return True
        parent = getattr(parent, "parent", None)
    return False


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _names_list(block: Block, spellings: Sequence[str]) -> bool:
    """Whether a short block carries one of a list's (folded) names, as whole words."""
    return bool(block.folded) and any(s in block.folded for s in spellings)


def _countries_under(
    blocks: list[Block], at: int, names: dict[str, Sequence[str]], listing: Listing
) -> list[CountryIdentity]:
    """The countries the blocks after `at` name, until a heading that is no country's
    or another list's heading. Short blocks naming nothing known are reported."""
    found: list[CountryIdentity] = []
    for block in blocks[at + 1 :]:
        if any(_names_list(block, s) for s in names.values()):
            break
        country = country_named(block.text)
        if country is None:
            if block.heading:
                break  # "Jurisdictions no longer subject to…": another part of the page
            if _looks_like_a_name(block.text):
                _unknown(listing, block.text)
            continue
        if country not in found:
            found.append(country)
    return found


def country_named(text: str) -> CountryIdentity | None:
    """The country a block names: all of it (`Myanmar¹`), without a note in parentheses
    (`Democratic People's Republic of Korea (DPRK)`), or its start before a dash or
    colon (`Iran – …`)."""
    candidates = [text, _PARENTHESIS.sub("", text)]
    if (head := _NAME_HEAD.match(text)) is not None:
        candidates += [head[1], _PARENTHESIS.sub("", head[1])]
    for candidate in candidates:
        name = strip_footnotes(candidate.strip())
        if name and len(name) <= NAME_LENGTH:
            country = lookup(name) or territory(name)
            if country is not None:
                return country
    return None


def _looks_like_a_name(text: str) -> bool:
    """A short block with no sentence in it: a name we do not know, worth saying."""
    return len(text) <= 40 and not re.search(r"[.!?]\s|\d{4}", text) and text[:1].isupper()


def _unknown(listing: Listing, text: str) -> None:
    if all(w.detail.get("name") != text for w in listing.warnings):
        listing.warnings.append(
            Reason(
                "unknown_country",
                f"{text!r} is listed but is no country or territory we know",
                {"name": text},
                "warning",
            )
        )


def _statement_date(texts: list[str], title: str | None) -> date | None:
    """The latest date the page's title and the text before its first list state: a
    statement is dated by its plenary (`21 February 2025`, `February 21, 2025`, or
    `February 2025` when no day is given)."""
    dated: list[date] = []
    months: list[date] = []
    for text in [title or "", *texts]:
        for day, month, year in _DAY_MONTH_YEAR.findall(text):
            dated += _valid(int(year), month, int(day))
        for month, day, year in _MONTH_DAY_YEAR.findall(text):
            dated += _valid(int(year), month, int(day))
        for month, year in _MONTH_YEAR.findall(text):
            months += _valid(int(year), month, 1)
    return max(dated, default=None) or max(months, default=None)


def _valid(year: int, month: str, day: int) -> list[date]:
    try:
        return [date(year, _MONTHS.index(month.lower()) + 1, day)]
    except ValueError:
        return []
