"""The narrative sections of a PDF country summary, from its text (a browser's, or the
PDF's as `pdf_layout` repairs it).

The summary prints the same 11 sections as the page, under upper-case headings, some
named differently (`CYBER-DEPENDENT CRIMES` for `Cyber Crimes`) and grouped under parent
headings (CRIMINALITY, CRIMINAL MARKETS, RESILIENCE) with the country name as a running
header. Section keys come from the catalogue, so they match the page's keys; titles keep
the PDF's heading text. Words are kept as the PDF has them: undoing lost hyphenation
(`Stateembedded`) is the comparison's job (`monitor.diff.text.normalise`), not ours.

Layout repair, and nothing more:
- lines of one block (no blank line between them) are one paragraph, joined with a
  space; a line ending in a hyphen after a letter is joined without one (`State-` +
  `embedded` -> `State-embedded`: the hyphen stays, no space is invented), unless the
  hyphen is suspended (`state-` + `and non-state` keeps its space). Text without
  blank lines (pypdf's, before `pdf_layout` restores them) gives one paragraph a section;
- a paragraph that does not end a sentence was cut by a page break: it continues in the
  next text paragraph, whatever blank lines, running headers or page numbers come
  between (but never across a section heading), joined as lines are (`State-` at the
  foot of a page + `embedded` -> `State-embedded`);
- the funding / disclaimer boilerplate ends the narrative (until another heading).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitor.extract.pdf_layout import is_page_number, suspends_hyphen
from monitor.indices.catalogue import section_spec
from monitor.models import Section

# A sentence ends with . ! or ? possibly followed by closing quotes or brackets.
_ENDS_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$")
# Headings are short and have no sentence punctuation or digits.
_HEADING = re.compile(r"^[^\d.!?:;]{2,80}$")
# The funding note and disclaimer that close a summary: a paragraph opening with the
# document itself being funded ("This summary was funded in part by a grant ...") or
# with "The views/opinions ... do not necessarily reflect". Subject and verb must be
# adjacent, so a narrative sentence ("This programme was funded by donors", "The
# project was financed ...") is not taken for it.
_BOILERPLATE = re.compile(
    r"^This (?:summary|profile|publication|report|document|project) (?:was|is|has been) "
    r"(?:funded|financed|produced|made possible|supported)\b"
    r"|^The (?:views|opinions)\b[^.]{0,100}\bdo not necessarily (?:reflect|represent)\b",
    re.IGNORECASE,
)


def summary_sections(text: str) -> tuple[Section, ...]:
    """The narrative sections of a summary's text, in the order the summary prints them.

    Text before the first section heading (cover, scores, parent headings) is ignored,
    and so is the funding note / disclaimer and whatever follows it up to the next
    section heading (normally: the rest of the document). A heading seen again (a
    running header, a contents list) continues that section: keys stay unique, and the
    title is the heading as first printed.
    """
    titles: dict[str, str] = {}  # key -> heading as printed, in order of appearance
    paragraphs: dict[str, list[str]] = {}
    current: list[str] | None = None
    pending = ""  # a paragraph cut by a page break, waiting for its continuation
    for kind, value in _blocks(text):
        if kind == "boilerplate":
            if pending and current is not None:
                current.append(pending)
            current, pending = None, ""  # what follows is no section's, until a heading
            continue
        if kind == "heading":
            spec = section_spec(value)
            if spec is None:
                continue  # a parent heading, the country name, a running header
            if pending and current is not None:
                current.append(pending)
                pending = ""
            titles.setdefault(spec.key, value)
            current = paragraphs.setdefault(spec.key, [])
            continue
        if current is None:
            continue  # cover page text before the first section
        pending = _join([pending, value]) if pending else value
        if _ENDS_SENTENCE.search(pending):
            current.append(pending)
            pending = ""
    if pending and current is not None:
        current.append(pending)
    return tuple(Section(key, title, tuple(paragraphs[key])) for key, title in titles.items())


def _blocks(text: str) -> Iterator[tuple[str, str]]:
    """("heading", line), ("text", paragraph) or ("boilerplate", line), in reading order.

    Upper-case lines are headings even inside a block (pypdf drops blank lines); page
    numbers are skipped, other lines without letters (`2023.`) are text.
    """
    lines: list[str] = []
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if line and is_page_number(line):
            continue
        boundary = not line or _is_heading(line) or _BOILERPLATE.search(line) is not None
        if boundary and lines:
            yield "text", _join(lines)
            lines = []
        if not line:
            continue
        if _BOILERPLATE.search(line):
            yield "boilerplate", line
        elif _is_heading(line):
            yield "heading", line
        else:
            lines.append(line)


def _is_heading(line: str) -> bool:
    return line == line.upper() and _HEADING.match(line) is not None


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        hyphenated = len(text) > 1 and text[-1] == "-" and text[-2].isalpha()
        text = f"{text}{line}" if hyphenated and not suspends_hyphen(line) else f"{text} {line}"
    return text
