"""A page that arrives whole but is not what it should be: another document, another
country, a wrong encoding, something missing, something enormous."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from monitor.models import Profile
from tests.faults.conftest import FAULTY, FAULTY_PAGE, Bench, check_guarantees, key_of
from tests.helpers.notifying import page
from tests.helpers.site import respond

MAINTENANCE = (
    b"<html><head><title>Down for maintenance</title></head><body><h1>Back soon</h1>"
    b"<p>We are upgrading the site. Please come back later.</p></body></html>"
)
LOGIN = (
    b"<html><head><title>Sign in</title></head><body><form method='post'>"
    b"<label>Email <input name='email'></label><label>Password <input type='password'"
    b" name='pw'></label><button>Sign in to continue</button></form></body></html>"
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def without_an_indicator(profile: Profile) -> Profile:
    return replace(profile, indicators=profile.indicators[1:])


def invalid_utf8(body: bytes) -> bytes:
    """Stray bytes no UTF-8 decoder accepts, inside the narrative."""
    return body.replace(b"Khujand", b"Khu\xff\xfejand", 1)


def cp1252(body: bytes) -> bytes:
    return body.decode("utf-8").encode("cp1252")


assert invalid_utf8(FAULTY_PAGE) != FAULTY_PAGE and cp1252(FAULTY_PAGE) != FAULTY_PAGE

# (fault kind, handler, what the source comes to, words said about it)
CASES = [
    ("binary body", respond(bytes(range(256)) * 64, content_type="application/octet-stream"),
     "failed", ("no scores",)),
    ("wrong content type: an image labelled text/html", respond(PNG), "failed", ("binary",)),
    ("wrong content type: a PDF where a page belongs",
     respond(PDF, content_type="application/pdf"), "failed", ("PDF",)),
    ("wrong content type: the page labelled text/plain",
     respond(FAULTY_PAGE, content_type="text/plain"), "stored", ()),
    ("200 error page (maintenance)", respond(MAINTENANCE), "failed",
     ("no scores", "Down for maintenance")),
    ("login wall", respond(b"", status="302 Found", headers={"Location": "/login"}), "failed",
     ("no scores", "Sign in")),
    ("another country's page", respond(page("turkmenistan", 2023)), "incomplete",
     ("incomplete", "Turkmenistan's")),
    ("an indicator missing", respond(page(FAULTY, 2023, without_an_indicator)), "incomplete",
     ("incomplete",)),
    ("cp1252 declared",
     respond(cp1252(FAULTY_PAGE), content_type="text/html; charset=windows-1252"), "stored", ()),
    ("cp1252 undeclared", respond(cp1252(FAULTY_PAGE), content_type="text/html"), "stored", ()),
    ("invalid UTF-8", respond(invalid_utf8(FAULTY_PAGE)), "stored", ()),
    ("a 10 MB single line",
     respond(b"<html><body><p>" + b"word " * 2_000_000 + b"</p></body></html>"), "failed",
     ("no scores",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("handler", "outcome", "words"),
    [pytest.param(*case[1:], id=case[0], marks=pytest.mark.fault(case[0])) for case in CASES],
)
def test_a_wrong_page_costs_only_its_own_source_and_is_no_news(
    bench: Bench, handler, outcome, words, request: pytest.FixtureRequest
):
    bench.site.routes["/login"] = respond(LOGIN)  # where the login wall sends us
    result = bench.fault(handler)
    check_guarantees(bench, result, outcome, words)
    if "cp1252" in request.node.callspec.id:  # the narrative was read in its own encoding
        rows = bench.query(
            "SELECT paragraphs FROM sections WHERE snapshot_id ="
            " (SELECT current_snapshot_id FROM sources WHERE key = ?)",
            key_of(FAULTY),
        )
        text = " ".join(p for (row,) in rows for p in json.loads(row))
        assert "Dushanbe’s ministries — and café owners in Khujand" in text
