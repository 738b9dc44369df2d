"""Benchmark of the PDF summary and article extractors, and of how fast hostile input is
refused.

    python benchmarks/bench_documents.py [--repeat 30]

Needs the test extra (fpdf2 typesets the PDFs, as the tests do). PDFs: the two-page
summary of the tests, and the real 2025 Kyrgyzstan summary text typeset on 13 A5 pages
(skipped with a note if `../shared/corpus/` is missing). Stages per PDF: pypdf's plain
`extract_text` over all pages (what reading would cost without our callbacks), our
`read_pdf` (the same plus positions and limits), `layout_text`, `summary_sections`, and
the whole extraction; per page for the whole. Articles: our test article and the FPC
executive summary in a page built around it. Then single runs of crafted input: a page
whose content stream is 1.2 million tokens, and an HTML page of 200,000 empty elements.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf
from timing import p95, timings

from monitor.extract.article import extract_article
from monitor.extract.ocindex_pdf import extract_pdf
from monitor.extract.pdf_layout import layout_text
from monitor.extract.pdf_text import read_pdf
from monitor.extract.summary_text import summary_sections
from tests.helpers.articles import article_page
from tests.helpers.pdfs import summary_pdf, text_blocks
from tests.test_extract_article import PARAGRAPHS, TITLE
from tests.test_extract_pdf import two_page_summary

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
URL = "https://ocindex.net/assets/downloads/2025/english/ocindex_profile_{}_2025.pdf"


def pdfs() -> dict[str, tuple[bytes, str]]:
    found = {"two-page summary (tests)": (two_page_summary(), URL.format("utopia"))}
    path = CORPUS / "ocindex-pdf-2025-kyrgyzstan.txt"
    if path.exists():
        blocks = text_blocks(path.read_text(encoding="utf-8"))
        data = summary_pdf(blocks, header="KYRGYZSTAN", footer="Global Organized Crime Index")
        found["2025 Kyrgyzstan summary (corpus text)"] = (data, URL.format("kyrgyzstan"))
    else:
        print(f"note: {CORPUS} not found; the corpus summary is skipped", file=sys.stderr)
    return found


def articles() -> dict[str, str]:
    found = {"our test article": article_page(TITLE, PARAGRAPHS)}
    path = CORPUS / "fpc-article-2021-kyrgyzstan.txt"
    if path.exists():
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        body = [ln for ln in lines[9 : lines.index("Image by Sludge G under (CC).")] if ln]
        items = [ln.lstrip("• ") for ln in body if ln.startswith("•")]
        paragraphs = [ln for ln in body if not ln.startswith("•")]
        found["FPC executive summary (corpus text)"] = article_page(lines[2], paragraphs, items)
    return found


def plain_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def row(label: str, times: list[float], per: int = 1) -> None:
    median = statistics.median(times)
    print(f"| {label} | {median:.2f} | {p95(times):.2f} | {median / per:.2f} |")


def once(label: str, call: Callable[[], object]) -> None:
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    reasons = getattr(result, "reasons", ()) or (getattr(result, "problem", None),)
    print(f"| {label} | {seconds:.2f} | {reasons[0].code if reasons[0] else 'read'} |")


def crafted_pdf(tokens: int) -> bytes:
    """One page, one text object of `tokens / 6` shown strings: tiny compressed, slow."""
    stream = zlib.compress(
        b"BT /F1 9 Tf 10 800 Td " + b"(text) Tj 0 -1 Td " * (tokens // 6) + b"ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(b"%PDF-1.4\n"), []
    out.seek(0, 2)
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat

    print("| PDF, stage | median ms | p95 ms | ms per page |")
    print("| --- | --- | --- | --- |")
    for label, (data, url) in pdfs().items():
        pages = read_pdf(data).pages
        text = layout_text(pages)
        times = timings(
            {
                "pypdf plain extract_text": lambda d=data: plain_text(d),
                "read_pdf (positions, limits)": lambda d=data: read_pdf(d),
                "layout_text": lambda p=pages: layout_text(p),
                "summary_sections": lambda t=text: summary_sections(t),
                "extract_pdf (all)": lambda d=data, u=url: extract_pdf(d, url=u),
            },
            repeat,
        )
        print(f"| **{label}**, {len(pages)} pages, {len(data) / 1000:.1f} KB | | | |")
        for stage, values in times.items():
            row(stage, values, len(pages))

    print("\n| article | median ms | p95 ms | KB |")
    print("| --- | --- | --- | --- |")
    calls = {label: (lambda h=html: extract_article(h)) for label, html in articles().items()}
    for label, values in timings(calls, repeat).items():
        size = len(articles()[label].encode()) / 1000
        print(f"| {label} | {statistics.median(values):.2f} | {p95(values):.2f} | {size:.1f} |")

    print("\n| crafted input (one run) | seconds | outcome |")
    print("| --- | --- | --- |")
    crafted = crafted_pdf(1_200_000)
    once(
        f"PDF, 1.2 M tokens in one stream ({len(crafted) / 1000:.0f} KB)", lambda: read_pdf(crafted)
    )
    divs = article_page(TITLE, PARAGRAPHS).replace("<main", "<div>" * 200_000 + "<main", 1)
    once(f"HTML, 200,000 elements ({len(divs) / 1e6:.1f} MB)", lambda: extract_article(divs))


if __name__ == "__main__":
    main()
