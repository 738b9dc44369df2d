"""PDFs for tests, typeset with fpdf2 the way a summary is: running header and footer with
a page number on every page, upper-case headings, justified-looking lines that break
long words with a hyphen, a gap between paragraphs, pages filled to the bottom."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fpdf import FPDF

# fpdf2's core fonts are Latin-1; the comparison normalises quotes and dashes anyway.
_LATIN1 = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "--", "…": "..."})


class SummaryPdf(FPDF):
    def __init__(self, header: str, footer: str) -> None:
        super().__init__(format=(148, 210))  # A5, in mm
        self.running_header, self.running_footer = header, footer
        self.set_auto_page_break(auto=True, margin=18)

    def header(self) -> None:
        self.set_font("Helvetica", "B", 8)
        self.cell(0, 5, self.running_header, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 7)
        self.cell(0, 5, f"{self.running_footer}   {self.page_no()}", align="C")

    def heading(self, text: str) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 7, text.translate(_LATIN1), new_x="LMARGIN", new_y="NEXT")

    def lines(self, lines: Iterable[str]) -> None:
        """Lines exactly as given (to place a break), then a paragraph gap."""
        self.set_font("Helvetica", "", 9)
        for line in lines:
            self.cell(0, 4.5, line.translate(_LATIN1), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def paragraph(self, text: str, width: int = 62) -> None:
        self.lines(hyphenated_lines(text.translate(_LATIN1), width))


def hyphenated_lines(text: str, width: int) -> list[str]:
    """Greedy line breaking; a word that does not fit is split with a hyphen when four
    letters fit before it and three letters remain, as a typesetter would."""
    lines, line = [], ""
    for word in text.split():
        while line and len(line) + 1 + len(word) > width:
            cut = width - len(line) - 2  # letters that fit before the hyphen
            if cut >= 4 and word[:cut].isalpha() and word[cut : cut + 3].isalpha():
                lines.append(f"{line} {word[:cut]}-")
                word = word[cut:]
            else:
                lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def summary_pdf(
    blocks: Sequence[tuple[str, str | Sequence[str]]],
    *,
    header: str = "UTOPIA",
    footer: str = "Global Organized Crime Index 2025 | Utopia",
) -> bytes:
    """A PDF of ("heading", text), ("paragraph", text), ("lines", [line, ...]) and
    ("page", "") blocks."""
    pdf = SummaryPdf(header, footer)
    pdf.add_page()
    for kind, value in blocks:
        if kind == "page":
            pdf.add_page()
        elif kind == "heading":
            pdf.heading(str(value))
        elif kind == "paragraph":
            pdf.paragraph(str(value))
        else:
            pdf.lines(value)
    return bytes(pdf.output())


def text_blocks(text: str) -> list[tuple[str, str]]:
    """A summary's text (blank lines between blocks, upper-case headings) as blocks."""
    blocks = []
    for block in text.split("\n\n"):
        block = " ".join(block.split())
        if block:
            blocks.append(("heading" if block == block.upper() else "paragraph", block))
    return blocks
