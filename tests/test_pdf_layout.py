"""Layout repair of a PDF's lines (`monitor.extract.pdf_layout`): running headers and
footers, page numbers, words hyphenated across lines, paragraph gaps. Lines are given
with their heights as pypdf reports them (PDF units, larger is higher on the page)."""

from __future__ import annotations

import pytest

from monitor.extract.pdf_layout import layout_text
from monitor.extract.pdf_text import Line


def page(*texts: str, top: float = 800, pitch: float = 12, size: float = 10) -> list[Line]:
    """Lines one pitch apart; "" leaves an empty line's height (a paragraph gap)."""
    lines, y = [], top
    for text in texts:
        if text:
            lines.append(Line(text, y, size))
        y -= pitch
    return lines


def test_running_header_footer_and_page_numbers_go():
    pages = [
        page("UTOPIA", "PEOPLE", "Guides charge by the night.", "Organized Crime Index | 1", "1"),
        page("UTOPIA", "TRADE", "Tools come by rail.", "Organized Crime Index | 2", "2"),
        page("UTOPIA", "DRUGS", "Cannabis grows wild.", "Organized Crime Index | 3", "3"),
    ]
    assert layout_text(pages).split("\n") == [
        "PEOPLE",
        "Guides charge by the night.",
        "",
        "TRADE",
        "Tools come by rail.",
        "",
        "DRUGS",
        "Cannabis grows wild.",
    ]


def test_a_line_on_one_page_only_is_kept_even_at_the_edge():
    pages = [page("UTOPIA", "Guides charge by the night."), page("UTOPIA", "Tools come by rail.")]
    assert "Guides charge by the night." in layout_text(pages)
    assert "UTOPIA" not in layout_text(pages)
    # One page: nothing recurs, so nothing is taken for a running line.
    assert layout_text([page("UTOPIA", "Tools.")]) == "UTOPIA\nTools."


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # The document spells the word without the hyphen elsewhere: a typesetter's hyphen.
        (
            ["Groups are well organ-", "ized and armed. Organized groups pay."],
            ["Groups are well organized", "and armed. Organized groups pay."],
        ),
        # ... with it elsewhere: a compound, kept.
        (
            ["Actors, mostly State-", "embedded, profit. State-embedded actors."],
            ["Actors, mostly State-embedded,", "profit. State-embedded actors."],
        ),
        # Neither: the hyphen goes, whether the rest is a word of its own or not ...
        (["Detainees are draw-", "ing attention."], ["Detainees are drawing", "attention."]),
        (["It is comm-", "only said. Only once."], ["It is commonly", "said. Only once."]),
        # ... but before a capital: a compound of names.
        (["The Russia-", "Ukraine war."], ["The Russia-Ukraine", "war."]),
        # A soft hyphen always goes.
        (["Smug\u00ad", "glers wait."], ["Smugglers", "wait."]),
        # Not a broken word: a dash, a number, a line starting with a digit.
        (["Prices -", "rose."], ["Prices -", "rose."]),
        (["In 2019-", "2021 prices rose."], ["In 2019-", "2021 prices rose."]),
        # Nor a suspended hyphen, standing for a repeated word before and/or/to/nor.
        (["Both state-", "and non-state actors."], ["Both state-", "and non-state actors."]),
        (["Short-", "to long-term effects."], ["Short-", "to long-term effects."]),
    ],
)
def test_words_broken_across_lines_are_rejoined(lines, expected):
    assert layout_text([page(*lines)]).split("\n") == expected


def test_a_word_broken_across_a_page_break_is_rejoined():
    pages = [
        page("UTOPIA", "Smuggling routes cross the hills; the organ-", "footer 1"),
        page("UTOPIA", "ized groups charge by the night.", "footer 2"),
    ]
    text = layout_text(pages)
    assert text.split("\n") == [
        "Smuggling routes cross the hills; the organized",
        "",
        "groups charge by the night.",
    ]


def test_a_single_word_line_moved_up_leaves_no_empty_line():
    assert layout_text([page("Guides charge by the ni-", "ght.")]) == "Guides charge by the night."


def test_paragraph_gaps_and_column_jumps_become_blank_lines():
    lines = page("First paragraph, line one,", "line two.", "", "Second paragraph.", "Goes on.")
    column = [Line("Next column starts.", 790, 10), Line("And continues.", 778, 10)]
    assert layout_text([[*lines, *column]]).split("\n") == [
        "First paragraph, line one,",
        "line two.",
        "",
        "Second paragraph.",
        "Goes on.",
        "",
        "Next column starts.",
        "And continues.",
    ]


def test_headings_have_their_own_spacing_and_a_superscript_is_no_spacing():
    """Body lines 12 apart; headings (size 14) 20 above and 16 below them; a footnote
    mark 4 above its line. Only the body's gap of 20 ends a paragraph."""
    lines = [
        Line("PEOPLE", 800, 14),
        Line("Guides charge by the night,", 784, 10),
        Line("take cash only and", 772, 10),
        Line("1", 776, 6),
        Line("move small groups.", 760, 10),
        Line("Victims rarely speak.", 740, 10),
        Line("TRADE", 720, 14),
        Line("Tools come by rail.", 704, 10),
        Line("Trucks bring the rest.", 692, 10),
        Line("Few are checked.", 680, 10),
    ]
    assert layout_text([lines]).split("\n") == [
        "PEOPLE",
        "Guides charge by the night,",
        "take cash only and",
        "1",
        "move small groups.",
        "",
        "Victims rarely speak.",
        "TRADE",
        "Tools come by rail.",
        "Trucks bring the rest.",
        "Few are checked.",
    ]


def test_only_page_numbers_go_not_a_sentence_end_without_letters():
    pages = [
        page("Seizures rose between 2021 and", "2023.", "1"),
        page("Prosecutions fell to", "(12, 2024).", "- 2 -"),
        page("Courts are slow.", "3 / 3"),
    ]
    assert layout_text(pages).split("\n") == [
        "Seizures rose between 2021 and",
        "2023.",
        "",
        "Prosecutions fell to",
        "(12, 2024).",
        "",
        "Courts are slow.",
    ]
