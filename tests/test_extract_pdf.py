"""The PDF country summary (`ocindex_pdf`): real PDFs typeset in the test with fpdf2.

A two-page summary in our own words (running header and footer on each page, a word
hyphenated across a line break, a compound broken at its hyphen, a paragraph cut by the
page break) reads as the page version of the same text; the real 2025 Kyrgyzstan summary
text, typeset the same way, reads as the real 2025 page. Broken or foreign documents
are `not_a_profile` with their reason, and nothing of them is stored as scores.
"""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from monitor.diff.text import section_deltas
from monitor.extract.ocindex_pdf import NARRATIVE_ONLY
from monitor.extract.pdf_text import PdfLimits, read_pdf
from monitor.extract.summary_text import summary_sections
from monitor.indices.catalogue import SECTIONS
from monitor.models import Country, Section, Status
from monitor.ops.cycle import record_capture
from monitor.sources import get_kind
from monitor.store import Store
from tests.helpers.pdfs import hyphenated_lines, summary_pdf, text_blocks
from tests.test_diff_text import page_sections

URL = "https://ocindex.net/assets/downloads/2025/english/ocindex_profile_utopia_2025.pdf"
KIND = get_kind("ocindex_pdf")

# The web page's version of a small summary (our own words): the PDF below prints the
# same text with upper-case headings, broken lines and a page break.
PAGE = (
    Section(
        "people",
        "People",
        (
            "Smuggling routes cross the northern hills, and organized groups move people "
            "by night. Organized networks also recruit drivers in border towns.",
            "Victims rarely report abuse because they fear deportation.",
        ),
    ),
    Section("trade", "Trade", ("Counterfeit tools reach the capital by rail.",)),
    Section("environment", "Environment", ("Loggers clear the walnut forests at night.",)),
    Section("drugs", "Drugs", ("Cannabis grows wild in the eastern valleys.",)),
    Section("cyber_crimes", "Cyber Crimes", ("Ransomware hit two hospitals last year.",)),
    Section(
        "financial_crimes",
        "Financial Crimes",
        (
            "Tax fraud drains the budget, and shell companies registered abroad hide the "
            "proceeds from customs fraud. Auditors lack the powers to follow them.",
        ),
    ),
    Section(
        "criminal_actors",
        "Criminal Actors",
        (
            "State-embedded actors protect the largest schemes. Several State-embedded "
            "officials were dismissed in 2024.",
        ),
    ),
    Section(
        "leadership_and_governance",
        "Leadership and governance",
        ("The government promised reform but delivered little.",),
    ),
    Section(
        "criminal_justice_and_security",
        "Criminal justice and security",
        ("Courts are slow, and detention conditions are poor.",),
    ),
    Section(
        "economic_and_financial_environment",
        "Economic and financial environment",
        ("Cash dominates trade in the bazaars.",),
    ),
    Section(
        "civil_society_and_social_protection",
        "Civil society and social protection",
        ("Journalists face growing pressure from the authorities.",),
    ),
)


def two_page_summary() -> bytes:
    return summary_pdf(
        [
            ("heading", "CRIMINALITY"),
            ("heading", "PEOPLE"),
            (
                "lines",
                [
                    "Smuggling routes cross the northern hills, and organ-",
                    "ized groups move people by night. Organized networks",
                    "also recruit drivers in border towns.",
                ],
            ),
            ("lines", ["Victims rarely report abuse because they fear deportation."]),
            ("heading", "TRADE"),
            ("paragraph", "Counterfeit tools reach the capital by rail."),
            ("heading", "ENVIRONMENT"),
            ("paragraph", "Loggers clear the walnut forests at night."),
            ("heading", "DRUGS"),
            ("paragraph", "Cannabis grows wild in the eastern valleys."),
            ("heading", "CYBER-DEPENDENT CRIMES"),
            ("paragraph", "Ransomware hit two hospitals last year."),
            ("heading", "FINANCIAL CRIMES"),
            (
                "lines",
                ["Tax fraud drains the budget, and shell companies", "registered abroad hide the"],
            ),
            ("page", ""),
            ("lines", ["proceeds from customs fraud. Auditors lack the powers to follow them."]),
            ("heading", "CRIMINAL ACTORS"),
            (
                "lines",
                [
                    "State-embedded actors protect the largest schemes. Several State-",
                    "embedded officials were dismissed in 2024.",
                ],
            ),
            ("heading", "RESILIENCE"),
            ("heading", "LEADERSHIP AND GOVERNANCE"),
            ("paragraph", "The government promised reform but delivered little."),
            ("heading", "CRIMINAL JUSTICE AND SECURITY"),
            ("paragraph", "Courts are slow, and detention conditions are poor."),
            ("heading", "ECONOMIC AND FINANCIAL ENVIRONMENT"),
            ("paragraph", "Cash dominates trade in the bazaars."),
            ("heading", "CIVIL SOCIETY AND SOCIAL PROTECTION"),
            ("paragraph", "Journalists face growing pressure from the authorities."),
            ("paragraph", "This summary was funded in part by a grant from a foundation."),
        ]
    )


@pytest.fixture(scope="module")
def two_pages() -> bytes:
    return two_page_summary()


def test_the_fixture_is_what_it_claims(two_pages):
    """Two pages, each with the running header, the footer and its page number."""
    pages = read_pdf(two_pages).pages
    assert len(pages) == 2
    for number, lines in enumerate(pages, 1):
        texts = [line.text for line in lines]
        assert texts[0] == "UTOPIA"
        assert texts[-1] == f"Global Organized Crime Index 2025 | Utopia {number}"
    assert "ized groups move people by night. Organized networks" in [
        line.text for line in pages[0]
    ]


def test_a_two_page_summary_reads_as_the_page_version(two_pages):
    extraction = KIND.extract(two_pages, url=URL)
    assert extraction.status is Status.COMPLETE
    assert extraction.reasons == (NARRATIVE_ONLY,)
    profile = extraction.profile
    assert (profile.country, profile.edition) == (Country("utopia", "Utopia"), 2025)
    assert not extraction.has_scores and profile.ranks == ()
    assert [s.key for s in profile.sections] == [s.key for s in SECTIONS]
    # Word by word as the page writes it: hyphenation undone or kept as the text says,
    # the paragraph cut by the page break whole, the paragraph gap kept, no chrome.
    assert [s.paragraphs for s in profile.sections] == [s.paragraphs for s in PAGE]
    text = " ".join(p for s in profile.sections for p in s.paragraphs)
    assert not re.search(r"UTOPIA|Global Organized|funded", text)
    deltas = section_deltas(PAGE, profile.sections)
    assert not any(d.text_changed for d in deltas)
    assert {d.key: d.status for d in deltas if d.status != "same"} == {"cyber_crimes": "renamed"}


def test_the_real_2025_summary_typeset_as_a_pdf_reads_as_the_real_page(shared_dir):
    text = (shared_dir / "corpus/ocindex-pdf-2025-kyrgyzstan.txt").read_text(encoding="utf-8")
    blocks = text_blocks(text)
    # The typesetting breaks words across lines, so the repair has work to do.
    broken = [ln for _, block in blocks for ln in hyphenated_lines(block, 62) if ln[-1] == "-"]
    assert len(broken) > 20
    data = summary_pdf(blocks, header="KYRGYZSTAN", footer="Global Organized Crime Index 2025")
    url = URL.replace("utopia", "kyrgyzstan")
    extraction = KIND.extract(data, url=url)
    assert extraction.status is Status.COMPLETE, extraction.reasons
    assert len(read_pdf(data).pages) > 10
    page = page_sections(shared_dir, 2025)
    deltas = section_deltas(page, extraction.profile.sections)
    assert [d.key for d in deltas] == [s.key for s in SECTIONS]
    assert not any(d.text_changed for d in deltas)
    assert extraction.profile.country == Country("kyrgyzstan", "Kyrgyzstan")
    # Without the URL, the cover names the country; the edition comes from the caller.
    alone = KIND.extract(data, edition=2025)
    assert alone.status is Status.COMPLETE and alone.profile.country.slug == "kyrgyzstan"
    # Paragraphs: as many as the page's, or one more where a page ends with a sentence
    # (a paragraph break or not? the PDF cannot say; sentences are unaffected).
    for pdf_section, page_section in zip(extraction.profile.sections, page, strict=True):
        assert 0 <= len(pdf_section.paragraphs) - len(page_section.paragraphs) <= 1


def test_a_pdf_encrypted_without_a_user_password_is_read(two_pages):
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", encryption_method=EncryptionMethod.RC4)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "PEOPLE\nGuides charge by the night.")
    extraction = KIND.extract(bytes(pdf.output()), url=URL)
    assert extraction.status is Status.INCOMPLETE  # one of 11 sections
    assert [s.paragraphs for s in extraction.profile.sections] == [("Guides charge by the night.",)]


def test_repairs_pypdf_made_are_warnings(two_pages):
    offset = re.search(rb"startxref\s+(\d+)", two_pages)
    damaged = two_pages[: offset.start(1)] + b"999" + two_pages[offset.end(1) :]
    extraction = KIND.extract(damaged, url=URL)
    assert extraction.status is Status.COMPLETE
    warnings = [r for r in extraction.reasons if r.code == "pdf_repaired"]
    assert warnings and all(not r.is_error for r in warnings)
    assert "startxref" in warnings[0].message


def _pdf(text: str | None = None, password: str | None = None) -> bytes:
    pdf = FPDF()
    if password:
        pdf.set_encryption("owner", password, EncryptionMethod.RC4)
    pdf.add_page()
    if text is None:
        pdf.rect(20, 20, 80, 60, style="F")  # a scan: no text at all
    else:
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def not_summaries() -> dict[str, tuple[bytes | str, str, str]]:
    """name: (content, reason code, words the message must contain)."""
    good = two_page_summary()
    return {
        "corrupt": (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R" + bytes(range(256)) * 40,
                    "corrupt_pdf", "corrupt"),
        "truncated": (good[: len(good) // 2], "corrupt_pdf", "corrupt"),
        "encrypted": (_pdf("PEOPLE\nGuides charge by the night.", "secret"),
                      "encrypted_pdf", "password"),
        "no_text": (_pdf(), "no_text", "no text layer"),
        "another_pdf": (_pdf("ANNUAL REPORT\nThe railway carried more freight."),
                        "no_profile_content", "ANNUAL REPORT"),
        "html_error_page": (
            b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
            b"<body><h1>Not Found</h1><p>The file was moved.</p></body></html>",
            "not_a_pdf", "HTML page",
        ),
        "empty": (b"", "not_a_pdf", "empty"),
        "text": ("PEOPLE\nGuides charge by the night.", "not_a_pdf", "text"),
    }  # fmt: skip


@pytest.mark.parametrize("name", list(not_summaries()))
def test_what_is_not_a_readable_summary_is_not_a_profile(name, tmp_path):
    content, code, words = not_summaries()[name]
    extraction = KIND.extract(content, url=URL)
    assert extraction.status is Status.NOT_A_PROFILE
    assert extraction.profile is None and not extraction.has_scores
    [reason] = extraction.reasons
    assert reason.code == code and words in reason.message, reason.message
    # Stored as a capture of the source: the snapshot says why; no scores, no sections.
    if isinstance(content, bytes):
        with Store.open(tmp_path / "monitor.db") as store:
            source = store.ensure_source(
                key="ocindex_pdf:utopia:2025", kind=KIND.name, country_slug="utopia",
                edition=2025, url=URL,
            )  # fmt: skip
            result = record_capture(
                store, KIND, key=source.key, source_id=source.id, url=URL, edition=2025,
                content=content, content_type="application/pdf", captured_at="2026-11-01T00:00:00",
            )  # fmt: skip
            assert result.status is Status.NOT_A_PROFILE
            assert store.snapshot(result.snapshot_id).reasons == (reason,)
            assert store.counts()["scores"] == store.counts()["sections"] == 0


def test_an_html_error_page_is_named_by_its_title():
    content, _, _ = not_summaries()["html_error_page"]
    [reason] = KIND.extract(content, url=URL).reasons
    assert reason.message.endswith("it begins “404 Not Found”")


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        (PdfLimits(max_pages=1), "the PDF has 2 pages, more than the 1"),
        (PdfLimits(max_chars=200), "more than 200 characters"),
        (PdfLimits(max_seconds=0), "took more than 0 s"),
        (PdfLimits(max_stream_tokens=50), "safety limit"),
    ],
)
def test_limits_stop_reading_with_a_reason(two_pages, limits, words):
    pdf = read_pdf(two_pages, limits)
    assert pdf.pages == () and pdf.problem.code == "pdf_limit"
    assert words in pdf.problem.message


def test_a_url_without_the_file_name_leaves_country_and_edition_unknown(two_pages):
    extraction = KIND.extract(two_pages, url="https://example.org/summary.pdf")
    assert extraction.status is Status.INCOMPLETE
    assert {r.code for r in extraction.reasons if r.is_error} == {"no_country", "edition_unknown"}
    hinted = KIND.extract(two_pages, url="https://example.org/summary.pdf", edition=2023)
    assert hinted.profile.edition == 2023


def test_urls_and_locations():
    assert KIND.url("cabo_verde", 2023) == (
        "https://ocindex.net/assets/downloads/2023/english/ocindex_profile_cabo_verde_2023.pdf"
    )
    assert KIND.locate(KIND.url("cabo_verde", 2023)) == ("cabo_verde", 2023)
    assert KIND.locate("https://ocindex.net/country/cabo_verde") is None
    with pytest.raises(ValueError, match="dated URLs only"):
        KIND.url("cabo_verde", None)


def test_summary_text_rejoins_a_word_broken_across_a_page_break():
    """The text path (a browser's copy of the PDF) joins like the PDF path."""
    text = "PEOPLE\nMostly State-\n\n3\n\nUTOPIA\n\nembedded actors profit.\n"
    assert summary_sections(text)[0].paragraphs == ("Mostly State-embedded actors profit.",)


def test_summary_text_keeps_a_line_without_letters_that_ends_a_sentence():
    text = (
        "PEOPLE\nSeizures rose between 2021 and\n2023.\nVictims rarely speak.\n\n4\n\n"
        "TRADE\nProsecutions fell to\n(12, 2024).\n"
    )
    assert [s.paragraphs for s in summary_sections(text)] == [
        ("Seizures rose between 2021 and 2023. Victims rarely speak.",),
        ("Prosecutions fell to (12, 2024).",),
    ]


def test_summary_text_keeps_the_space_after_a_suspended_hyphen():
    text = "PEOPLE\nBoth state-\nand non-state actors gain. Short-\n\n5\n\nto long-term effects.\n"
    assert summary_sections(text)[0].paragraphs == (
        "Both state- and non-state actors gain. Short- to long-term effects.",
    )
