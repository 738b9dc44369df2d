"""The demo page renderer: layouts as the real pages show them, HTML equal to text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor.demo import demo_profiles, load_figures
from monitor.demo.render import FOOTER_MARKER, render_page
from monitor.extract.workbook import read_workbook
from monitor.formatting import ordinal
from monitor.models import Country, Profile, Rank, Score

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# What a browser breaks lines around; everything else (span, a, b, em...) is joined inline.
BLOCK_TAGS = set(
    "address article aside blockquote br dd div dl dt footer form h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table tbody td th thead tr ul".split()
)
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "-comment"}


def block_lines(html: str) -> list[str]:
    """Non-empty, whitespace-collapsed lines: the title, then one per block element."""
    tree = LexborHTMLParser(html)
    lines: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        text = " ".join("".join(pending).split())
        if text:
            lines.append(text)
        pending.clear()

    def walk(node) -> None:
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                pending.append(child.text_content or "")
            elif child.tag not in SKIPPED_TAGS:
                is_block = child.tag in BLOCK_TAGS
                if is_block:
                    flush()
                walk(child)
                if is_block:
                    flush()

    title = tree.css_first("head > title")
    if title is not None:
        lines.append(" ".join(title.text().split()))
    walk(tree.body)
    flush()
    return lines


def text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (72, "72nd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (193, "193rd"),
    ],
)
def test_ordinal_suffixes(n: int, expected: str) -> None:
    assert ordinal(n) == expected


@pytest.mark.parametrize("layout", [2021, 2023, 2025])
def test_html_and_text_renderings_have_the_same_lines(layout: int) -> None:
    for profile, edition in demo_profiles():
        if (edition == 2021) == (layout == 2021):
            text = render_page(profile, layout=layout, fmt="text")
            html = render_page(profile, layout=layout, fmt="html")
            assert block_lines(html) == text_lines(text), profile.country
            assert "window.ocindex" not in " ".join(block_lines(html))


def test_committed_html_and_text_fixtures_agree() -> None:
    html = (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_text(encoding="utf-8")
    text = (FIXTURES / "ocindex-page-2023-cote-divoire.txt").read_text(encoding="utf-8")
    assert block_lines(html) == text_lines(text)
    assert html.isascii() and "C&ocirc;te d&rsquo;Ivoire" in html and "km&sup2;" in html
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    assert set(expected) == {p.name for p in FIXTURES.iterdir() if p.suffix in {".txt", ".html"}}


def _small_profile(**score: Score) -> Profile:
    return Profile(
        country=Country("x", "Ruritania & Co"),
        edition=2023,
        source_url=None,
        composites={"criminality": score.get("criminality", Score(4.63, 0.23))},
        ranks=(
            Rank("criminality", "global", 85, 193, None, 4),
            Rank("criminality", "continental", 25, 44, "Europe", 0),
            Rank("criminality", "regional", 3, 17, "Central & Eastern Europe", 1),
        ),
    )


def test_score_and_rank_lines_per_layout() -> None:
    profile = _small_profile()
    lines = text_lines(render_page(profile, layout=2023, fmt="text"))
    assert lines[lines.index("Criminality score") - 1] == "4.630.23"
    assert "85th of 193 countries 4" in lines
    assert "25th of 44 countries in Europe0" in lines  # 2023 glues the continental movement
    assert "3rd of 17 countries in Central & Eastern Europe 1" in lines
    assert "25th of 44 countries in Europe 0" in text_lines(
        render_page(profile, layout=2025, fmt="text")
    )
    plain = text_lines(render_page(profile, layout=2021, fmt="text"))
    assert "4.63" in plain and "85th of 193 countries" in plain
    negative = _small_profile(criminality=Score(5.25, -0.07))
    assert "5.25-0.07" in text_lines(render_page(negative, layout=2025, fmt="text"))
    new = _small_profile(criminality=Score(3.5, None, new_this_edition=True))
    assert "3.50 n/a" in text_lines(render_page(new, layout=2023, fmt="text"))
    html = render_page(profile, layout=2023, fmt="html")
    assert "Ruritania &amp; Co" in html and "Central &amp; Eastern Europe" in html


def _published_skeleton(text: str) -> list[str]:
    """Page lines up to the footer, each run of sentences (descriptions, paragraphs) as one `…`."""
    lines = text_lines(text)
    skeleton: list[str] = []
    for line in lines[: lines.index(FOOTER_MARKER)]:
        masked = "…" if line.endswith(".") else line
        if not (masked == "…" and skeleton and skeleton[-1] == "…"):
            skeleton.append(masked)
    return skeleton


def test_2021_rendering_has_the_real_page_layout(shared_dir: Path) -> None:
    real = (shared_dir / "corpus" / "ocindex-page-2021-kyrgyzstan.txt").read_text(encoding="utf-8")
    profile = next(p for p, e in demo_profiles() if p.country.slug == "kyrgyzstan" and e == 2021)
    ours = render_page(profile, layout=2021, fmt="text")
    assert _published_skeleton(ours) == _published_skeleton(real)


# Published on https://ocindex.net/2021/country/kyrgyzstan (corpus page).
KYRGYZSTAN_2021 = [
    ("criminality", "global", 72, 193, None),
    ("criminality", "continental", 23, 46, "Asia"),
    ("criminality", "regional", 2, 8, "Central Asia and the Caucasus"),
    ("resilience", "global", 125, 193, None),
    ("resilience", "continental", 24, 46, "Asia"),
    ("resilience", "regional", 4, 8, "Central Asia and the Caucasus"),
]


def test_ranks_computed_from_the_workbook_match_the_published_page(shared_dir: Path) -> None:
    # The workbook extractor computes the ranks that make_demo_figures.py bundles.
    content = (shared_dir / "data" / "global_oc_index_2021_2023.xlsx").read_bytes()
    profile = read_workbook(content).extraction("kyrgyzstan", 2021, url=None).profile
    computed = [(r.composite, r.scope, r.rank, r.out_of, r.group) for r in profile.ranks]
    assert computed == KYRGYZSTAN_2021
    page = (shared_dir / "corpus" / "ocindex-page-2021-kyrgyzstan.txt").read_text(encoding="utf-8")
    for _, _, rank, out_of, group in KYRGYZSTAN_2021:
        line = f"{ordinal(rank)} of {out_of} countries" + (f" in {group}" if group else "")
        assert line in text_lines(page)
    bundled = load_figures()["countries"]["kyrgyzstan"]["editions"]["2021"]["ranks"]
    assert [(r["composite"], r["scope"], r["rank"], r["out_of"], r["group"]) for r in bundled] == (
        KYRGYZSTAN_2021
    )
