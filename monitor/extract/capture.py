"""From fetched bytes to block lines, or a clear reason why the bytes hold no text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.extract.html_lines import html_to_lines, looks_like_html
from monitor.models import Reason

_CHARSET = re.compile(r"charset=[\"']?([\w-]+)", re.I)


@dataclass(frozen=True)
class Capture:
    """Decoded capture: `lines` to parse, or `problem` saying why there are none."""

    lines: tuple[str, ...]
    is_html: bool
    problem: Reason | None = None


def read_capture(content: bytes | str, content_type: str | None = None) -> Capture:
    if isinstance(content, bytes):
        problem = binary_problem(content, content_type)
        if problem is not None:
            return Capture((), False, problem)
        text = decode(content, content_type)
    else:
        text = content
    if not text.strip():
        return Capture((), False, Reason("empty", "the capture is empty"))
    html = "html" in (content_type or "").lower() or looks_like_html(text)
    if html:
        lines = html_to_lines(text)
    else:
        lines = [ln.strip() for ln in text.splitlines()]
    return Capture(tuple(ln for ln in lines if ln), html)


def binary_problem(content: bytes, content_type: str | None) -> Reason | None:
    """Why `content` is not text (a PDF, an image, an archive), or None."""
    head = content[:1024]
    if head.lstrip().startswith(b"%PDF-"):
        return Reason("pdf_document", "a PDF document, not an HTML page or text")
    if head.startswith((b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")):
        return Reason("binary_document", f"binary content ({content_type or 'unknown type'})")
    if head and head.count(b"\x00") > len(head) // 20:
        return Reason("binary_document", f"binary content ({content_type or 'unknown type'})")
    return None


def decode(content: bytes, content_type: str | None) -> str:
    """Text by the declared charset, else UTF-8, else cp1252 (never fails)."""
    declared = _CHARSET.search(content_type or "")
    for encoding in (declared[1] if declared else None, "utf-8"):
        if encoding:
            try:
                return content.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    # UTF-8 with stray bytes (a damaged file) still holds characters only UTF-8 spells:
    # read it as UTF-8, the strays replaced, rather than turn every "’" into "â€™".
    damaged = content.decode("utf-8", errors="replace")
    if any(c > "\x7f" and c != "\ufffd" for c in damaged):
        return damaged
    # Not UTF-8 and nothing declared: cp1252 never fails and reads most legacy pages.
    return content.decode("cp1252", errors="replace")


def beginning(content: bytes | str, size: int) -> str:
    """How a document begins, for a message people read: its first `size` characters
    in quotes on one line (bytes as UTF-8 where they are, else Latin-1, so any byte
    shows; a byte-order mark left out, not shown as `ï»¿`), never a repr."""
    if isinstance(content, bytes):
        head = content[: size * 4]  # enough bytes for `size` characters of any UTF-8
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Cut inside the last character: UTF-8 still; a stray byte earlier: Latin-1.
            cut = exc.start >= len(head) - 3 and len(head) == size * 4
            text = head[: exc.start].decode("utf-8") if cut else head.decode("latin-1")
    else:
        text = content
    text = text.removeprefix("\ufeff")[:size]
    printable = "".join(c if c.isprintable() else " " for c in text)
    return f"“{' '.join(printable.split())}”"
