"""Narrative deltas (`monitor.diff.text`) and the PDF summary's sections (`summary_text`).

Real data: the 2025 Kyrgyzstan page and the text of its PDF summary (one edition, two
renderings: no change), and the 2021 page (another edition: rewritten). Edits are
checked on narrative we wrote ourselves.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.demo.narrative import narrative_for
from monitor.diff.text import WordRun, normalise, section_deltas, sentences
from monitor.extract.ocindex_page import extract_page
from monitor.extract.summary_text import summary_sections
from monitor.indices.catalogue import SECTIONS
from monitor.models import Section


def page_sections(shared_dir: Path, year: int) -> tuple[Section, ...]:
    path = shared_dir / f"corpus/ocindex-page-{year}-kyrgyzstan.txt"
    profile = extract_page(path.read_bytes(), url=f"https://ocindex.net/{year}/country/kyrgyzstan")
    return profile.profile.sections


@pytest.fixture
def pdf_text(shared_dir: Path) -> str:
    return (shared_dir / "corpus/ocindex-pdf-2025-kyrgyzstan.txt").read_text(encoding="utf-8")


# -- the PDF summary's text --------------------------------------------------------------


def test_summary_sections_reads_the_real_pdf_text(shared_dir, pdf_text):
    pdf = summary_sections(pdf_text)
    page = page_sections(shared_dir, 2025)
    assert [s.key for s in pdf] == [s.key for s in SECTIONS] == [s.key for s in page]
    assert pdf[4].title == "CYBER-DEPENDENT CRIMES" and pdf[6].title == "CRIMINAL ACTORS"
    # Paragraphs cut by page breaks are whole again: same count as on the page.
    assert [len(s.paragraphs) for s in pdf] == [len(s.paragraphs) for s in page]
    environment = " ".join(pdf[2].paragraphs)
    assert "Kazakhstan, Serbia and China, with transnational networks" in environment
    last = pdf[-1].paragraphs[-1]
    assert last.endswith("the long-term viability of civil society.")
    assert not any("funded" in p for s in pdf for p in s.paragraphs)


def test_summary_sections_repairs_page_breaks_and_skips_chrome():
    text = """UTOPIA
CRIMINALITY
CRIMINAL MARKETS
PEOPLE

Smuggling routes cross the northern hills. Guides charge

3

UTOPIA

by the night and move small groups.

TRADE
Counterfeit tools reach the capital by rail, and the state-
owned railway rarely checks cargo.
This programme was funded by donors and trains customs officers.

RESILIENCE
LEADERSHIP AND GOVERNANCE
Leaders speak about reform.

This summary was funded in part by a grant from a foundation. The views expressed do
not necessarily reflect those of the foundation.
www.example.org
"""
    sections = summary_sections(text)
    assert [(s.key, s.title) for s in sections] == [
        ("people", "PEOPLE"),
        ("trade", "TRADE"),
        ("leadership_and_governance", "LEADERSHIP AND GOVERNANCE"),
    ]
    assert sections[0].paragraphs == (
        "Smuggling routes cross the northern hills. Guides charge by the night and move "
        "small groups.",
    )
    # Lines of one block are one paragraph; the line-end hyphen stays, no space added.
    assert sections[1].paragraphs == (
        "Counterfeit tools reach the capital by rail, and the state-owned railway rarely "
        "checks cargo. This programme was funded by donors and trains customs officers.",
    )
    assert sections[2].paragraphs == ("Leaders speak about reform.",)


@pytest.mark.parametrize(
    "note",
    [
        "This summary was funded in part by a grant from a foundation.",
        "This publication is produced with the support of a foundation.",
        "The views and opinions expressed here do not necessarily reflect those of funders.",
    ],
)
def test_the_funding_note_ends_the_narrative_until_another_heading(note):
    text = f"PEOPLE\nGuides charge by the night.\n\n{note}\nwww.example.org\n\nTRADE\nTools.\n"
    sections = summary_sections(text)
    assert sections == (
        Section("people", "PEOPLE", ("Guides charge by the night.",)),
        Section("trade", "TRADE", ("Tools.",)),
    )


def test_a_pypdf_style_rendering_compares_equal_too(shared_dir, pdf_text):
    """pypdf keeps line ends and drops blank lines: wrap the text the same way."""
    lines = [part for line in pdf_text.splitlines() for part in textwrap.wrap(line, 70)]
    assert any(line.endswith("-") for line in lines)  # words broken at their hyphen
    pdf = summary_sections("\n".join(lines))
    assert all(len(s.paragraphs) == 1 for s in pdf)  # no blank lines: one paragraph each
    deltas = section_deltas(page_sections(shared_dir, 2025), pdf)
    assert [d.key for d in deltas] == [s.key for s in SECTIONS]
    assert not any(d.text_changed for d in deltas)


def test_summary_sections_after_a_contents_list_keeps_keys_unique():
    text = "PEOPLE\nTRADE\n\nPEOPLE\nGuides charge by the night.\nTRADE\nTools come by rail.\n"
    assert summary_sections(text) == (
        Section("people", "PEOPLE", ("Guides charge by the night.",)),
        Section("trade", "TRADE", ("Tools come by rail.",)),
    )


def test_summary_sections_without_headings_is_empty():
    assert summary_sections("") == ()
    assert summary_sections("Just a paragraph of text.\n\nAnd another.") == ()


# -- page vs PDF: one edition, two renderings ---------------------------------------------


def test_page_and_pdf_narratives_compare_equal_sentence_for_sentence(shared_dir, pdf_text):
    page, pdf = page_sections(shared_dir, 2025), summary_sections(pdf_text)
    deltas = section_deltas(page, pdf)
    assert [d.key for d in deltas] == [s.key for s in SECTIONS]
    for delta in deltas:
        assert not delta.text_changed, delta
        assert (delta.added, delta.removed, delta.edited, delta.moved) == ((), (), (), ())
        assert delta.magnitude == 0
    # Only a genuinely different heading is a rename; upper case alone is not.
    assert {d.key: d.status for d in deltas if d.status != "same"} == {"cyber_crimes": "renamed"}
    # The renderings do differ as written (quotes, dashes, lost hyphens): 30 sentences.
    written = [s for sec in page for s in sentences(sec.paragraphs)]
    printed = [s for sec in pdf for s in sentences(sec.paragraphs)]
    assert len(written) == len(printed) == 176
    assert sum(a != b for a, b in zip(written, printed, strict=True)) == 30


def test_2021_and_2025_pages_are_rewritten(shared_dir):
    deltas = section_deltas(page_sections(shared_dir, 2021), page_sections(shared_dir, 2025))
    assert [d.key for d in deltas] == [s.key for s in SECTIONS]
    assert all(d.status == "changed" and d.magnitude > 0.5 for d in deltas)
    cyber = deltas[4]  # 2021 printed a placeholder: the indicator arrived in 2023
    assert cyber.removed == (
        "*This indicator was first included in the 2023 iteration of the tool",
    )
    assert cyber.magnitude == 1.0


# -- a small edit on our own narrative ----------------------------------------------------

OLD = Section(
    "trade",
    "Trade",
    (
        "Harbour towns along the southern coast are the main entry point for smuggled "
        "cigarettes. Local traders buy the goods in bulk and resell them at weekly markets. "
        "Customs officers report few seizures, partly because inspections are announced in "
        "advance. Demand has grown since excise duties were raised in 2022.",
        "Online sales of counterfeit medicines rose sharply during the review period. Most of "
        "the products are shipped by post from abroad. Regulators lack the staff to trace the "
        "sellers.",
    ),
)
NEW = Section(
    "trade",
    "Trade",
    (
        # S1 and S2 swapped; S3 reworded.
        "Local traders buy the goods in bulk and resell them at weekly markets. Harbour towns "
        "along the southern coast are the main entry point for smuggled cigarettes. Customs "
        "officers report few seizures, largely because inspections are announced days in "
        "advance. Demand has grown since excise duties were raised in 2022.",
        # One sentence added.
        "Online sales of counterfeit medicines rose sharply during the review period. Most of "
        "the products are shipped by post from abroad. A tracking system for parcels is "
        "planned for next year. Regulators lack the staff to trace the sellers.",
    ),
)


def test_a_reworded_an_added_and_a_swapped_sentence():
    [delta] = section_deltas([OLD], [NEW])
    assert delta.status == "changed"
    assert delta.added == ("A tracking system for parcels is planned for next year.",)
    assert delta.removed == ()
    # Swapping two neighbours moves exactly one of them: the one that went down.
    assert delta.moved == (
        "Harbour towns along the southern coast are the main entry point for smuggled cigarettes.",
    )
    [edit] = delta.edited
    assert edit.old.startswith("Customs officers") and "partly" in edit.old
    assert edit.new.startswith("Customs officers") and "largely" in edit.new
    assert edit.words == (
        WordRun("same", ("Customs", "officers", "report", "few", "seizures,")),
        WordRun("removed", ("partly",)),
        WordRun("added", ("largely",)),
        WordRun("same", ("because", "inspections", "are", "announced")),
        WordRun("added", ("days",)),
        WordRun("same", ("in", "advance.")),
    )
    assert edit.removed_words == ("partly",) and edit.added_words == ("largely", "days")
    # (added 1 + moved 0.5 + edited 2 x 3/25) / (7 + 8 sentences)
    assert delta.magnitude == pytest.approx((1 + 0.5 + 2 * 3 / 25) / 15)


def test_identical_sections_and_rendering_only_changes_are_the_same():
    assert section_deltas([OLD], [OLD])[0].status == "same"
    curly = Section(
        "trade",
        "TRADE",
        tuple(
            p.replace("southern coast", "south\u00adern\n coast").replace("bulk", "bu-lk")
            for p in OLD.paragraphs
        ),
    )
    [delta] = section_deltas([OLD], [curly])
    assert delta.status == "same" and delta.magnitude == 0 and not delta.text_changed


def test_sections_added_removed_and_renamed_in_new_order():
    people = Section("people", "People", ("Guides charge by the night.",))
    cyber_old = Section("cyber_crimes", "Cyber Crimes", ("Fraud moved online.",))
    cyber_new = Section("cyber_crimes", "Cyber-dependent crimes", ("Fraud moved online.",))
    drugs = Section("drugs", "Drugs", ("Cannabis grows wild. Heroin transits the north.",))
    deltas = section_deltas([people, cyber_old, OLD], [drugs, cyber_new, NEW])
    assert [(d.key, d.status) for d in deltas] == [
        ("drugs", "added"),
        ("cyber_crimes", "renamed"),
        ("trade", "changed"),
        ("people", "removed"),
    ]
    added, renamed, _, removed = deltas
    assert added.added == ("Cannabis grows wild.", "Heroin transits the north.")
    assert (added.old_title, added.new_title, added.magnitude) == (None, "Drugs", 1.0)
    assert removed.removed == ("Guides charge by the night.",) and removed.magnitude == 1.0
    assert (renamed.old_title, renamed.new_title) == ("Cyber Crimes", "Cyber-dependent crimes")
    assert not renamed.text_changed and renamed.magnitude == 0


def test_a_renamed_section_still_reports_its_text_changes():
    old = Section("cyber_crimes", "Cyber Crimes", ("Fraud moved online. Banks were hit.",))
    new = Section("cyber_crimes", "Cybercrime", ("Fraud moved online. Hospitals were hit.",))
    [delta] = section_deltas([old], [new])
    assert delta.status == "renamed" and delta.text_changed
    assert [e.words for e in delta.edited] == [
        (
            WordRun("removed", ("Banks",)),
            WordRun("added", ("Hospitals",)),
            WordRun("same", ("were", "hit.")),
        )
    ]


def test_a_dropped_repeat_is_removed_not_moved():
    old = Section("people", "People", ("Prices rose. Guides left. Prices rose.",))
    new = Section("people", "People", ("Guides left. Prices rose.",))
    [delta] = section_deltas([old], [new])
    assert delta.removed == ("Prices rose.",) and delta.moved == () and delta.added == ()


def test_unrelated_sentences_are_not_paired_as_edits():
    old = Section("people", "People", ("Guides charge by the night and move small groups.",))
    new = Section("people", "People", ("The border police received new vehicles last year.",))
    [delta] = section_deltas([old], [new])
    assert delta.edited == () and len(delta.added) == len(delta.removed) == 1
    assert delta.magnitude == 1.0


def test_demo_editions_invariants():
    """On our generated narrative: every old sentence is unchanged, moved, edited or
    removed, every new one unchanged, moved, edited or added; word runs spell both."""
    old, new = (
        narrative_for("Utopia", 2021, paragraphs_per_section=4),
        narrative_for("Utopia", 2023, paragraphs_per_section=4),
    )
    deltas = section_deltas(old, new)
    assert sum(len(d.edited) for d in deltas) > 0
    for delta, before, after in zip(deltas, old, new, strict=True):
        n_old, n_new = len(sentences(before.paragraphs)), len(sentences(after.paragraphs))
        assert n_old - len(delta.removed) == n_new - len(delta.added)
        assert 0 < delta.magnitude <= 1
        for edit in delta.edited:
            old_words = [w for run in edit.words if run.op != "added" for w in run.words]
            new_words = [w for run in edit.words if run.op != "removed" for w in run.words]
            assert normalise(" ".join(old_words)) == normalise(edit.old)
            assert " ".join(new_words) == " ".join(edit.new.split())


# -- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kyrgyzstan’s ‘thieves in law’", "Kyrgyzstan's 'thieves in law'"),
        ("the “grey list”", 'the "grey list"'),
        ("networks – including Uzbek groups – are", "networks - including Uzbek groups - are"),
        ("networks—including", "networks -- including"),
        ("the Russia–Ukraine war", "the Russia-Ukraine war"),
        ("from 2019–2021", "from 2019-2021"),
        ("State-embedded actors", "Stateembedded actors"),
        ("private-sector actors", "privatesector actors"),
        ("mafia\u00adstyle groups", "mafia-style groups"),
        ("zero\u200bwidth", "zerowidth"),
        ("a  long\n line\u00a0here ", "a long line here"),
        ("ﬁnancial", "financial"),  # NFKC: the fi ligature
    ],
)
def test_renderings_normalise_equal(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("State-embedded actors", "State-embedded groups"),
        ("a decline in seizures", "a rise in seizures"),
        ("5.25", "5.52"),
        ("Trade", "trade"),  # case is kept (titles are compared casefolded)
    ],
)
def test_real_changes_stay_different(a, b):
    assert normalise(a) != normalise(b)


# -- sentence splitting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Funding came from the U.S. Department of State. It ended in 2024.",
            ["Funding came from the U.S. Department of State.", "It ended in 2024."],
        ),
        (
            "Some goods, e.g. cigarettes, are taxed. Others, i.e. fuel, are not.",
            ["Some goods, e.g. cigarettes, are taxed.", "Others, i.e. fuel, are not."],
        ),
        (
            "Seizures reached 2.5 million doses. That is a record.",
            ["Seizures reached 2.5 million doses.", "That is a record."],
        ),
        (
            "Data come from the UN Office on Drugs and Crime (UNODC). Gaps remain.",
            ["Data come from the UN Office on Drugs and Crime (UNODC).", "Gaps remain."],
        ),
        (
            "Law No. 5 was passed by Dr. Smith and J. Doe. Was it enforced? Rarely!",
            ["Law No. 5 was passed by Dr. Smith and J. Doe.", "Was it enforced?", "Rarely!"],
        ),
        (
            "Officials called it ‘political activities’. Critics disagreed. “Enough.” 3 died.",
            [
                "Officials called it ‘political activities’.",
                "Critics disagreed.",
                "“Enough.”",
                "3 died.",
            ],
        ),
        ("No terminal punctuation here", ["No terminal punctuation here"]),
        (" . Stray dot. (See annex.) Next", [".", "Stray dot.", "(See annex.)", "Next"]),
        ("It grew. but this is lower case.", ["It grew. but this is lower case."]),
    ],
)
def test_sentence_splitting(paragraph, expected):
    assert sentences([paragraph]) == expected


def test_sentences_never_cross_paragraphs_and_keep_the_text():
    assert sentences(["One. Two", "  Three.  ", ""]) == ["One.", "Two", "Three."]
