"""Micro-benchmark of page extraction (`extract_page`); the goal is under 5 ms for a 35 KB page.

    python benchmarks/bench_extract.py [--repeat 200] [--generated 193]

Pages: the real corpus pages in `../shared/corpus/` (2021 and 2025 Kyrgyzstan, rendered
text; skipped with a note if that directory is missing), our Côte d'Ivoire fixtures (text
and HTML) and a generated ~35 KB-of-text 2023 HTML page. Each page is extracted from bytes,
as `monitor run` does; repetitions go round-robin across pages so that machine noise hits
them alike. Compare the ratio column (median / the 2021 text page's median) across machines
and runs rather than absolute times. For HTML pages, `html_to_lines` is also timed on its
own and shown as a share of the whole extraction. A last row extracts `--generated`
pages, one per real country (`bench_cycle`'s pages), each `--repeat`/20 times: pages
that differ, as a cycle sees them, rather than one page again and again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_cycle import generate
from timing import p95, timings

from monitor.demo import build_profile, load_figures
from monitor.demo.render import render_page
from monitor.extract.html_lines import html_to_lines
from monitor.extract.ocindex_page import extract_page

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"
TEXT, HTML = "text/plain; charset=utf-8", "text/html; charset=utf-8"
BASELINE = "2021 kyrgyzstan (corpus)"


@dataclass(frozen=True)
class Page:
    label: str
    content: bytes
    content_type: str
    url: str

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type


def pages() -> list[Page]:
    found = []
    corpus = [("2021", "https://ocindex.net/2021/country/kyrgyzstan"), ("2025", None)]
    for year, url in corpus:
        path = CORPUS / f"ocindex-page-{year}-kyrgyzstan.txt"
        if path.exists():
            url = url or "https://ocindex.net/country/kyrgyzstan"
            found.append(Page(f"{year} kyrgyzstan (corpus)", path.read_bytes(), TEXT, url))
        else:
            print(f"note: {path} not found; skipping the {year} corpus page")
    civ = "https://ocindex.net/2023/country/cote_divoire"
    for suffix, content_type in (("txt", TEXT), ("html", HTML)):
        path = FIXTURES / f"ocindex-page-2023-cote-divoire.{suffix}"
        found.append(Page("2023 cote_divoire (fixture)", path.read_bytes(), content_type, civ))
    entry = load_figures()["countries"]["kyrgyzstan"]
    profile = build_profile(
        "kyrgyzstan", entry["workbook_name"], 2023, entry["editions"], paragraphs_per_section=4
    )
    html = render_page(profile, layout=2023, fmt="html").encode()
    found.append(Page("2023 kyrgyzstan (generated)", html, HTML, profile.source_url or ""))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="extractions per page")
    parser.add_argument(
        "--generated", type=int, default=193, help="generated pages, one per country"
    )
    args = parser.parse_args()
    found = pages()
    calls: dict[str, Callable[[], object]] = {}
    for n, page in enumerate(found):
        calls[f"extract {n}"] = partial(
            extract_page, page.content, url=page.url, content_type=page.content_type
        )
        if page.is_html:
            calls[f"html {n}"] = partial(html_to_lines, page.content.decode("utf-8"))
    times = timings(calls, args.repeat)
    rows = []
    for n, page in enumerate(found):
        status = extract_page(page.content, url=page.url, content_type=page.content_type).status
        total = times[f"extract {n}"]
        html_ms = statistics.median(times[f"html {n}"]) if page.is_html else None
        rows.append((page, status.value, statistics.median(total), p95(total), html_ms))

    base = next((median for page, _, median, _, _ in rows if page.label == BASELINE), None)
    header = (
        f"{'page':<28} {'type':<4} {'KB':>5} {'median':>7} {'p95':>7} {'ratio':>6}"
        f" {'html_lines':>10} {'parse':>7} {'html%':>6}  status"
    )
    print(f"extract_page, {args.repeat} repetitions per page, times in ms")
    print(header)
    print("-" * len(header))
    for page, status, median, high, html_ms in rows:
        ratio = f"{median / base:6.2f}" if base else f"{'-':>6}"
        if html_ms is None:
            split = f" {'-':>10} {'-':>7} {'-':>6}"
        else:
            split = f" {html_ms:10.2f} {median - html_ms:7.2f} {html_ms / median:6.0%}"
        kind = "html" if page.is_html else "text"
        print(
            f"{page.label:<28} {kind:<4} {len(page.content) / 1024:5.1f} {median:7.2f}"
            f" {high:7.2f} {ratio}{split}  {status}"
        )
    if args.generated:
        print(generated_row(args.generated, max(3, args.repeat // 20), base))
    if base is None:
        print("(no ratios: the 2021 corpus page, the baseline, is missing)")
    print("html_lines: median of html_to_lines alone; parse: median total minus that.")


def generated_row(count: int, rounds: int, base: float | None) -> str:
    served = generate(count, 0)
    calls: dict[str, Callable[[], object]] = {
        path: partial(extract_page, body, url=f"https://ocindex.net{path}", content_type=kind)
        for path, (body, kind) in served.items()
    }
    times = [t for each in timings(calls, rounds).values() for t in each]
    median, size = statistics.median(times), statistics.mean(len(b) for b, _ in served.values())
    ratio = f"{median / base:6.2f}" if base else f"{'-':>6}"
    label = f"{count} generated pages"
    return f"{label:<28} html {size / 1024:5.1f} {median:7.2f} {p95(times):7.2f} {ratio}"


if __name__ == "__main__":
    main()
