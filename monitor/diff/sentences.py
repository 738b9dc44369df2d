"""Sentences for comparison: splitting paragraphs into sentences, and normalising them
so that renderings (quotes, dashes, lost hyphenation, whitespace) never count as changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Curly quotes made straight; invisible format characters (soft hyphen, zero-width
# space / joiners, word joiner, byte-order mark, direction marks) and the replacement
# character of an undecodable byte deleted.
_TRANSLATE = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'}
    | dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\ufffd"), None)
)
_HYPHENS = re.compile(r"[\u2010-\u2013\u2212]")  # hyphens, figure and en dash, minus
_EM_DASH = re.compile(r"\s*(?:[\u2014\u2015]|-{2,})\s*")  # em dash, bar, `--`: never in a word
# Both patterns start with the literal "-", so the regex engine skips ahead to hyphens.
_INTRA_WORD_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)(?=[^\W\d_])")
_SPACED_DASH = re.compile(r"-(?=\s)|-(?<=\s-)")


def normalise(text: str) -> str:
    """Text for comparison only (never shown): renderings of one text become equal.

    NFKC; invisible characters (soft hyphen, zero-width space) removed; curly quotes
    made straight; hyphen-like characters (‐ ‑ ‒ – −) become `-`, and a `-` between two
    letters is removed, so `State-embedded`, the PDF's `Stateembedded`, `Russia–Ukraine`
    and `Russia-Ukraine` agree pairwise; a `-` with a space on either side, an em dash,
    a bar or `--` is a dash, written ` - `; whitespace collapsed. Case is kept (a title
    comparison casefolds on top of this).
    """
    if not text.isascii():
        text = _HYPHENS.sub("-", unicodedata.normalize("NFKC", text).translate(_TRANSLATE))
        text = _EM_DASH.sub(" - ", text)
    elif "--" in text:
        text = _EM_DASH.sub(" - ", text)
    if "-" in text:
        text = _SPACED_DASH.sub(" - ", _INTRA_WORD_HYPHEN.sub("", text))
    return " ".join(text.split())


# A candidate boundary: . ! ? (and closing quotes/brackets) before whitespace; group 1
# is the first character of the next word after any opening quotes or brackets.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*(\S))")
_OPENERS = "\"'“‘(["
_TITLES = frozenset("Mr Mrs Ms Dr Prof St Mt Gen Col Lt Sen Rep Gov Jr Sr vs cf approx".split())
_BEFORE_NUMBER = frozenset("No Nos no Art Vol vol Fig p pp para Para Sec Ch".split())
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # e.g, i.e, U.S (the last dot is the match)


def sentences(paragraphs: Sequence[str]) -> list[str]:
    """The sentences of each paragraph in order, as written (stripped).

    A sentence ends at . ! or ? (with any closing quote or bracket) followed by space and
    a capital, digit, quote or bracket. Not after an initial (`J. Smith`), a dotted
    abbreviation (`e.g.`, `U.S.` - so "in the U.S. The" stays one sentence), a title
    (`Dr.`) or `No.`/`Art.` before a number; `2.5` has no space after its dot.
    """
    found: list[str] = []
    for paragraph in paragraphs:
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            if _ends_sentence(paragraph, match):
                found.append(paragraph[start : match.end()].strip())
                start = match.end()
        if paragraph[start:].strip():
            found.append(paragraph[start:].strip())
    return found


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    following = match.group(1)
    if not (following.isupper() or following.isdigit()):
        return False
    if match.group() != ".":
        return True
    before = text[: match.start()].rsplit(None, 1)
    word = before[-1].lstrip(_OPENERS) if before else ""
    if (len(word) == 1 and word.isupper()) or _DOTTED.fullmatch(word) or word in _TITLES:
        return False
    return not (word in _BEFORE_NUMBER and following.isdigit())
