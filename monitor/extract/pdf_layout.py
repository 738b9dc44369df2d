"""Layout repair: from the lines of a PDF's pages to one text, as the summary was written.

What typesetting adds and a reader ignores goes; what it split is joined:
- running headers and footers: a line among the first or last three of a page that
  recurs there on at least half the pages (and on two), digits ignored, so that the
  footers `Utopia 3` and `Utopia 4` are one; and page numbers there (`7`, `- 7 -`,
  `7 / 12`; a line like `2023.` is the end of a sentence, and stays);
- words hyphenated across a line end, or a page end, are one word on the first line.
  Only the document can tell a typesetter's hyphen from a compound's, so it decides:
  the hyphen stays when the document spells the word with it elsewhere, goes when it
  spells it without; otherwise it stays before a capital (`Russia-` + `Ukraine`) and
  goes (`draw-` + `ing`, `comm-` + `only`; `private-` + `sector` too, a lesser evil).
  A soft hyphen always goes. A wrong guess is harmless to comparisons, whose
  normalisation reads both spellings alike. A hyphen before `and`, `or`, `to` or `nor`
  is suspended (`state-` + `and non-state`): no word was broken, the line stays;
- a blank line where a paragraph ends: pypdf drops blank lines, so a gap above a line
  clearly larger than the page's spacing of lines of that font size (or a jump upwards:
  the next column) marks one; so does a page break (`summary_text` rejoins a paragraph
  that a page or column break cut, since it does not end a sentence).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from monitor.extract.pdf_text import Line

EDGE = 3  # lines at the top and at the bottom of a page where running lines sit
GAP = 1.4  # a paragraph gap is more than this many line spacings (of one font size)

_DIGITS = re.compile(r"\d+")
# A page number on a line of its own. Other lines without letters are narrative: a
# sentence's end (`2023.`, `(12, 2024).`) typeset on a line of its own.
_PAGE_NUMBER = re.compile(r"[\s|\u2013\u2014-]*\d{1,3}(?:\s*/\s*\d{1,3})?[\s|\u2013\u2014-]*")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# A hyphen left hanging before one of these stands for a repeated word (`state- and
# non-state`, `short- to long-term`): it ends a word, and a space follows it.
_SUSPENDED_BEFORE = frozenset({"and", "or", "to", "nor"})
# A line ending in a word fragment and a hyphen: `-`, the Unicode hyphen or a soft hyphen.
_BROKEN = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)([-\u2010\u00ad])$")


def layout_text(pages: Sequence[Sequence[Line]]) -> str:
    """The pages' text, repaired; blank lines between paragraphs and between pages."""
    running = _running_lines(pages)
    lines: list[str | None] = []  # None: a paragraph (or page) break
    for page in pages:
        body = [
            line
            for n, line in enumerate(page)
            if not (
                _at_edge(n, len(page))
                and (_mask(line.text) in running or is_page_number(line.text))
            )
        ]
        if lines:
            lines.append(None)
        lines += _with_paragraph_breaks(body)
    _rejoin_hyphenated(lines)
    return "\n".join(line or "" for line in lines if line != "")


def _running_lines(pages: Sequence[Sequence[Line]]) -> set[str]:
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_mask(line.text) for n, line in enumerate(page) if _at_edge(n, len(page))})
    needed = max(2, (len(pages) + 1) // 2)
    return {text for text, count in seen.items() if count >= needed}


def _at_edge(n: int, count: int) -> bool:
    return n < EDGE or n >= count - EDGE


def _mask(text: str) -> str:
    return _DIGITS.sub("#", text.casefold())


def is_page_number(text: str) -> bool:
    return _PAGE_NUMBER.fullmatch(text.strip()) is not None


def suspends_hyphen(next_line: str) -> bool:
    """Whether a hyphen ending the line before `next_line` is suspended, not a break."""
    first = _WORD.match(next_line)
    return first is not None and first[0].casefold() in _SUSPENDED_BEFORE


def _with_paragraph_breaks(lines: Sequence[Line]) -> list[str | None]:
    """The lines' text, with None where the step down to a line is more than GAP times
    the closest spacing of two lines of its font size on the page (headings and body
    text have their own), or where the text jumps up by more than half that spacing."""
    pitch: dict[float, float] = {}
    for above, below in pairwise(lines):
        step = above.y - below.y
        # Closer than most of a line: a shift within a line (a superscript), no spacing.
        if above.size == below.size and step >= 0.8 * below.size:
            pitch[below.size] = min(step, pitch.get(below.size, step))
    out: list[str | None] = [lines[0].text] if lines else []
    for above, below in pairwise(lines):
        step, spacing = above.y - below.y, pitch.get(below.size)
        if spacing and (step > GAP * spacing or step < -spacing / 2):
            out.append(None)
        out.append(below.text)
    return out


@dataclass(frozen=True)
class _Break:
    """A word broken at the end of one line: `head` + `hyphen`, then `tail` opening the
    line at `following`."""

    following: int
    head: str
    hyphen: str
    tail: str


def _rejoin_hyphenated(lines: list[str | None]) -> None:
    """Move the rest of each word broken at a line end up to its first part, in place.

    A line emptied that way becomes "" (dropped on output, unlike a None break).
    """
    words = {w.casefold() for line in lines if line for w in _WORD.findall(line)}
    for n, line in enumerate(lines):
        found = _word_break(lines, n)
        if line is None or found is None:
            continue
        token, _, remainder = (lines[found.following] or "").partition(" ")
        hyphen = found.hyphen if _keeps_hyphen(found, words) else ""
        lines[n] = line[: -len(found.hyphen)] + hyphen + token
        lines[found.following] = remainder.lstrip()


def _word_break(lines: Sequence[str | None], n: int) -> _Break | None:
    # Searched in the last word only: a search of the whole line tries every position.
    broken = _BROKEN.search((lines[n] or "").rpartition(" ")[2])
    if broken is None:
        return None
    # The rest is on the next line, or after a page break (a line ending in a hyphen
    # never ends a paragraph).
    following = n + 1 if n + 1 < len(lines) and lines[n + 1] is not None else n + 2
    rest = _WORD.match(lines[following] or "") if following < len(lines) else None
    if rest is None or suspends_hyphen(rest[0]):
        return None
    return _Break(following, broken[1], broken[2], rest[0])


def _keeps_hyphen(found: _Break, words: set[str]) -> bool:
    """Whether the hyphen is a compound's, by the document's own spellings."""
    if found.hyphen == "\u00ad":
        return False
    if f"{found.head}-{found.tail}".casefold() in words:
        return True
    return f"{found.head}{found.tail}".casefold() not in words and found.tail[0].isupper()
