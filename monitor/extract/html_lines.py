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


def looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or bool(
        re.search(r"<(html|head|body|div|p|title)\b", head)
    )


def html_to_lines(html: str) -> list[str]:
    """Non-empty, whitespace-collapsed text lines of an HTML document, in reading order."""
    tree = LexborHTMLParser(html)
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if not current:
            return
        text = " ".join("".join(current).split())  # collapse all whitespace, nbsp included
        if text:
            lines.append(text)
        current.clear()

    title = tree.css_first("head > title")
    if title is not None:
        current.append(title.text())
        flush()
    root = tree.body or tree.root
    if root is None:
        return lines
    # An explicit stack instead of recursion: deep pages must not hit the recursion limit.
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag  # type: ignore[attr-defined]
        if closing:
            flush()
            continue
        if tag == "-text":
            current.append(node.text_content or "")  # type: ignore[attr-defined]
            continue
        if tag in SKIPPED_TAGS or tag == "-comment" or tag.startswith("!"):
            continue
        is_block = tag in BLOCK_TAGS
        if is_block:
            flush()
            stack.append((node, True))
        children = []
        child = node.child  # type: ignore[attr-defined]
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, False) for c in reversed(children))
    flush()
    return lines
