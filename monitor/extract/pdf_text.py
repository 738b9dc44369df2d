"""PDF bytes to the text lines of each page (pypdf), within limits; or why there are none.

Each line keeps its height and font size, so layout repair (`pdf_layout`) can tell a
paragraph gap from a line break: pypdf's plain text drops blank lines. A hostile or
broken PDF never raises and never hangs a run: whatever goes wrong is a `Reason`.

Limits: pypdf bounds decompression itself; we add a page count, a text size, a parsing
budget per content stream (pypdf's token count) and a deadline for the whole document,
checked before every content-stream operator, so one crafted page cannot run for long.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.extract.capture import beginning
from monitor.extract.html_lines import html_to_lines, looks_like_html
from monitor.extract.library_log import collected_log
from monitor.models import Reason


@dataclass(frozen=True)
class PdfLimits:
    """Far above a country summary (about 12 pages, 30,000 characters, 0.1 s)."""

    max_pages: int = 100
    max_chars: int = 2_000_000
    max_seconds: float = 15.0
    # pypdf's parsing budget per content stream; with its own default (2 million) one
    # crafted 9 KB page ran for 33 s. Our test pages use ~300; kerned text and vector
    # graphics (a map) use many more, hence the headroom.
    max_stream_tokens: int = 500_000


@dataclass(frozen=True)
class Line:
    text: str
    y: float  # baseline height on the page (PDF units, larger is higher)
    size: float  # font size as drawn (PDF units)


@dataclass(frozen=True)
class PdfPages:
    """The lines of each page, or the `problem` that stopped reading."""

    pages: tuple[tuple[Line, ...], ...] = ()
    problem: Reason | None = None
    # What pypdf had to work around (a broken cross-reference table, ...).
    warnings: tuple[Reason, ...] = ()


class _LimitExceeded(Exception):
    """Raised from inside pypdf's extraction (through our visitors) to stop it."""


def read_pdf(content: bytes, limits: PdfLimits | None = None) -> PdfPages:
    limits = limits or PdfLimits()
    # The header may follow some junk (the spec allows 1024 bytes of it).
    if b"%PDF-" not in content[:1024]:
        return PdfPages(problem=_not_a_pdf(content))
    # Imported here: pypdf takes ~0.2 s to import, which every other command would pay.
    import pypdf

    with collected_log("pypdf") as log:
        try:
            with pypdf.apply_configuration(
                stream_parsing_work_maximum_count=limits.max_stream_tokens,
                jbig2dec_binary=None,  # never run an external program on fetched bytes
            ):
                pages = _read(pypdf.PdfReader(io.BytesIO(content)), limits)
        except _LimitExceeded as exc:
            pages = PdfPages(problem=Reason("pdf_limit", str(exc)))
        except pypdf.errors.LimitReachedError as exc:
            pages = PdfPages(problem=Reason("pdf_limit", f"the PDF exceeds a safety limit: {exc}"))
        except Exception as exc:  # pypdf raises all kinds of errors on malformed files
            pages = PdfPages(
                problem=Reason(
                    "corrupt_pdf",
                    f"the PDF is corrupt and cannot be read ({type(exc).__name__}: {exc})",
                    {"error": type(exc).__name__},
                )
            )
    warnings = tuple(
        Reason("pdf_repaired", f"pypdf: {message}", severity="warning") for message in log[:5]
    )
    return PdfPages(pages.pages, pages.problem, warnings)


def _read(reader: Any, limits: PdfLimits) -> PdfPages:
    if reader.is_encrypted:
        problem = _decrypt(reader)
        if problem is not None:
            return PdfPages(problem=problem)
    count = len(reader.pages)
    if count > limits.max_pages:
        return PdfPages(
            problem=Reason(
                "pdf_limit",
                f"the PDF has {count} pages, more than the {limits.max_pages} a country "
                "summary could have",
                {"pages": count},
            )
        )
    collector = _Collector(limits)
    pages = tuple(collector.page(page) for page in reader.pages)
    if not any(pages):
        return PdfPages(
            problem=Reason(
                "no_text",
                f"the PDF ({count} page(s)) has no text layer: a scan or images only",
                {"pages": count},
            )
        )
    return PdfPages(pages)


def _decrypt(reader: Any) -> Reason | None:
    """Open a PDF encrypted without a user password (as any viewer does); else a reason."""
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:
        return Reason(
            "encrypted_pdf",
            "the PDF is AES-encrypted; reading it needs the optional 'cryptography' package",
        )
    if opened:
        return None
    return Reason("encrypted_pdf", "the PDF is encrypted and opens only with a password")


class _Collector:
    """Builds each page's lines from pypdf's text callbacks; enforces the limits."""

    def __init__(self, limits: PdfLimits) -> None:
        self.limits = limits
        self.deadline = time.perf_counter() + limits.max_seconds
        self.chars = 0
        self.lines: list[Line] = []
        self.parts: list[str] = []
        self.y = self.size = 0.0  # of the line's first visible piece
        self.placed = False  # whether the current line has y and size

    def page(self, page: Any) -> tuple[Line, ...]:
        self.lines, self.parts, self.placed = [], [], False
        page.extract_text(visitor_operand_before=self.operator, visitor_text=self.text)
        self.end_line()
        return tuple(self.lines)

    def operator(self, operator: bytes, operands: Any, cm: Sequence[float], tm: Any) -> None:
        if time.perf_counter() > self.deadline:
            raise _LimitExceeded(
                f"reading the PDF took more than {self.limits.max_seconds:g} s: stopped"
            )

    def text(
        self, text: str, cm: Sequence[float], tm: Sequence[float], font: Any, size: Any
    ) -> None:
        # pypdf hands over text pieces and the newlines between lines, in reading order.
        for n, piece in enumerate(text.split("\n")):
            if n:
                self.end_line()
            if piece.strip() and not self.placed:
                # Text space to page space: the y of the affine map (tm then cm); the
                # size scales with both matrices (fonts are often set at 1 and scaled).
                self.y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                self.size = abs((size or 0) * tm[3] * cm[3])
                self.placed = True
            if piece:
                self.parts.append(piece)
                self.chars += len(piece)
        if self.chars > self.limits.max_chars:
            raise _LimitExceeded(
                f"the PDF holds more than {self.limits.max_chars:,} characters of text, "
                "far more than a country summary"
            )

    def end_line(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.lines.append(Line(text, self.y, self.size))
        self.parts, self.placed = [], False


def _not_a_pdf(content: bytes) -> Reason:
    """Say what was served instead: an HTML page (by its title), text, or nothing."""
    if not content.strip():
        return Reason("not_a_pdf", "the response is empty, not a PDF")
    text = content[:4096].decode("utf-8", errors="replace")
    if looks_like_html(text):
        first = next(iter(html_to_lines(text)), "")
        return Reason(
            "not_a_pdf",
            f"an HTML page, not a PDF (an error page?); it begins {beginning(first, 80)}",
            {"first_line": first[:80]},
        )
    return Reason(
        "not_a_pdf",
        f"not a PDF: it begins {beginning(content, 40)}",
        {"first_bytes": content[:40].hex()},
    )
