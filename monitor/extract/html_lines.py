"""HTML to block lines: the text a browser shows, one line per block element.

Line parsers then run on HTML and on rendered text alike. Inline elements (`<span>`,
`<b>`, `<a>`) are joined without a break, which is how the page's glued score+change
(`4.63<span>0.23</span>` -> `4.630.23`) reads in a browser.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody thead tfoot tr td th ul option title body html".split()
)
SKIPPED_TAGS = frozenset("script style noscript template svg head iframe object canvas".split())
_BLOCK_SELECTOR = ",".join(sorted(BLOCK_TAGS))
# The line break marker: the HTML parser drops NUL characters from text, so no page's
# text holds one.
_BREAK = "\x00"


def looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or bool(
        re.search(r"<(html|head|body|div|p|title)\b", head)
    )


def html_to_lines(html: str) -> list[str]:
    """Non-empty, whitespace-collapsed text lines of an HTML document, in reading order."""
    tree = LexborHTMLParser(html)
    lines: list[str] = []
    title = tree.css_first("head > title")
    if title is not None:
        lines += _collapsed([title.text()])
    root = tree.body or tree.root
    if root is None:
        return lines
    # Mark each block element's start and end in the tree, then let lexbor gather all the
    # text in one C call: walking the nodes in Python cost twice the parse.
    root.strip_tags(list(SKIPPED_TAGS))
    for block in root.css(_BLOCK_SELECTOR):
        block.insert_before(_BREAK)
        block.insert_after(_BREAK)
    return lines + _collapsed(root.text(deep=True).split(_BREAK))


def _collapsed(parts: list[str]) -> list[str]:
    # Collapse all whitespace, nbsp included; drop what is left empty.
    return [line for part in parts if (line := " ".join(part.split()))]
