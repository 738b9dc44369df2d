"""Related articles (`article` kind): main text, title, date and authors with trafilatura;
the page's chrome left out; one section whose sentences diff like a profile's.

Real data: the Foreign Policy Centre's executive summary (corpus text) inside a page we
build around it. Other articles are in our own words.
"""

from __future__ import annotations

import pytest

from monitor.diff.text import section_deltas
from monitor.extract.article import MAX_TAGS
from monitor.models import Document, Status
from monitor.sources import get_kind
from tests.helpers.articles import CHROME, article_page

KIND = get_kind("article")
URL = "https://example.org/reports/utopia-border-towns/"

TITLE = "Utopia's Border Towns: A Field Report"
PARAGRAPHS = (
    "Border towns in northern Utopia have changed quickly over the past two years. Trade "
    "across the river has doubled, and so has the number of unofficial crossings.",
    "Local officials describe a steady flow of cash through the bazaars. Few of the traders "
    "we met keep written records, and most of them pay no tax.",
    "Our interviews suggest that customs posts are understaffed at night. Several drivers "
    "told us they cross without inspection after dark.",
    "We recommend that the authorities and their partners:",
)
ITEMS = (
    "Staff the river crossings around the clock;",
    "Publish seizure figures every quarter;",
    "Support local journalists who cover the border.",
)


@pytest.fixture(scope="module")
def fpc(shared_dir):
    """The corpus article: title, byline, date, paragraphs, list items, image credit."""
    lines = [ln.strip() for ln in (shared_dir / "corpus/fpc-article-2021-kyrgyzstan.txt")
             .read_text(encoding="utf-8").splitlines()]  # fmt: skip
    body = [ln for ln in lines[lines.index(lines[2], 3) + 1 :] if ln]
    end = body.index("Image by Sludge G under (CC).")
    items = [ln.lstrip("• ") for ln in body[:end] if ln.startswith("•")]
    paragraphs = [ln for ln in body[:end] if not ln.startswith("•")]
    return {
        "title": lines[2],
        "byline": lines[4],
        "paragraphs": paragraphs,
        "items": items,
        "credit": body[end],
        "newsletter": body[end + 2 :],
    }


def test_the_fpc_executive_summary(fpc):
    assert fpc["byline"] == "Article by Adam Hug" and len(fpc["items"]) == 9
    html = article_page(
        fpc["title"],
        fpc["paragraphs"],
        fpc["items"],
        byline='Article by <a rel="author" href="/author/adam-hug/">Adam Hug</a>',
        date="2021-03-01",
        closing=[fpc["credit"]],
    )
    # The corpus's own newsletter box text goes into the page's chrome too.
    html = html.replace("Keep informed about events,\narticles and our latest publications.",
                        fpc["newsletter"][-1])  # fmt: skip
    extraction = KIND.extract(html.encode(), url=URL, content_type="text/html; charset=utf-8")
    assert extraction.status is Status.COMPLETE and extraction.reasons == ()
    assert not extraction.has_scores
    profile = extraction.profile
    assert profile.document == Document(
        title="Retreating Rights – Kyrgyzstan: Executive Summary",
        authors=("Adam Hug",),
        published="2021-03-01",
        publisher="example.org",
    )
    [section] = profile.sections
    assert (section.key, section.title) == ("article", fpc["title"])
    # The paragraphs, the recommendations one per paragraph, the image credit: nothing
    # else (the title's repeat as a heading is the section's title).
    assert section.paragraphs == (*fpc["paragraphs"], *fpc["items"], fpc["credit"])
    assert section.paragraphs[5] == (
        "Recommendations for the Government of Kyrgyzstan, international institutions and "
        "Western donors:"
    )
    assert (
        section.paragraphs[6]
        == "Ensure a rigorous focus on issues of corruption, hatred and impunity;"
    )
    text = "\n".join(section.paragraphs)
    assert not [chrome for chrome in (*CHROME, fpc["newsletter"][-1]) if chrome in text]


def test_the_rendered_text_capture_of_the_fpc_article_is_read_like_its_html(fpc, shared_dir):
    # trafilatura needs HTML; rendered text used to give "0 characters of main text".
    text = (shared_dir / "corpus/fpc-article-2021-kyrgyzstan.txt").read_bytes()
    extraction = KIND.extract(text, url=URL, content_type="text/plain; charset=utf-8")
    assert extraction.status is Status.COMPLETE and extraction.reasons == ()
    document = extraction.profile.document
    assert (document.title, document.authors, document.published) == (
        fpc["title"],
        ("Adam Hug",),
        "2021-03-01",
    )
    [section] = extraction.profile.sections
    assert section.paragraphs == (*fpc["paragraphs"], *fpc["items"], fpc["credit"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Home\nAbout us\nPage not found\nLog in", "4 line(s), none a paragraph"),
        (
            "Members only\nThis report is for subscribers: please log in to read it.\nLog in",
            "only 57 characters of main text",
        ),
    ],
)
def test_rendered_text_that_is_no_article_says_what_was_found(text, words):
    extraction = KIND.extract(text.encode(), url=URL, content_type="text/plain")
    assert extraction.status is Status.NOT_A_PROFILE
    [reason] = extraction.reasons
    assert reason.code == "no_article_text" and words in reason.message


def test_an_edited_sentence_is_a_sentence_level_delta(fpc):
    def extract(paragraphs):
        html = article_page(fpc["title"], paragraphs, fpc["items"])
        return KIND.extract(html, url=URL).profile.sections

    changed = list(fpc["paragraphs"])
    changed[0] = changed[0].replace("the roots of the problem run deep", "its roots run deep")
    [delta] = section_deltas(extract(fpc["paragraphs"]), extract(changed))
    assert delta.status == "changed" and (delta.added, delta.removed, delta.moved) == ((), (), ())
    [edit] = delta.edited
    assert edit.old == "This publication shows how the roots of the problem run deep."
    assert edit.new == "This publication shows how its roots run deep."


def test_our_article_and_a_byline_in_plain_text():
    html = article_page(TITLE, PARAGRAPHS, ITEMS, byline="Report by Ana Writer; Ben Reporter")
    extraction = KIND.extract(html, url=URL)
    assert extraction.profile.document.authors == ("Ana Writer", "Ben Reporter")
    assert extraction.profile.sections[0].paragraphs == (*PARAGRAPHS, *ITEMS)


def test_no_stated_date_is_no_date_not_a_guess():
    """The footer's copyright year is no publication date."""
    extraction = KIND.extract(article_page(TITLE, PARAGRAPHS, date=None), url=URL)
    assert extraction.status is Status.COMPLETE
    assert extraction.profile.document.published is None
    assert [(r.code, r.is_error) for r in extraction.reasons] == [("no_date", False)]


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (
            b"<html><head><title>Page not found</title></head><body><nav><a href='/'>Home</a>"
            b"</nav><h1>Page not found</h1><p>Sorry, we could not find that page.</p>"
            b"</body></html>",
            "no_article_text",
            "characters of main text",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj", "pdf_document", "PDF"),
        (b"   ", "empty", "empty"),
        (
            article_page(TITLE, ["<div>" * (MAX_TAGS + 1)]).replace("&lt;", "<"),
            "page_limit",
            "more than an article page could",
        ),
    ],
    ids=["error_page", "pdf", "empty", "too_many_tags"],
)
def test_what_is_not_an_article(content, code, words):
    extraction = KIND.extract(content, url=URL)
    assert extraction.status is Status.NOT_A_PROFILE and extraction.profile is None
    [reason] = extraction.reasons
    assert reason.code == code and words in reason.message


def test_the_kind_is_watched_by_url_only():
    assert KIND.takes_url and not KIND.per_edition
    assert KIND.locate(URL) is None
    with pytest.raises(ValueError, match="watched by its URL"):
        KIND.url("utopia", None)
