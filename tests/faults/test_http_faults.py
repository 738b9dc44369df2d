"""HTTP faults of one source's server: status codes, retries, broken bodies, redirects."""

from __future__ import annotations

import pytest

from tests.faults.conftest import FAULTY, Bench, check_guarantees, path_of
from tests.helpers.site import in_turn, resets_mid_body, respond
from tests.notifying import page
from tests.rawserver import endless_chunks, truncated

TRUE_PAGE = respond(page(FAULTY, 2023))


def status(code: str, **headers: str):
    return respond(b"<html><body>not now</body></html>", status=code, headers=headers)


def redirect(location: str):
    return respond(b"", status="302 Found", headers={"Location": location})


# (fault kind, handler, the source fails, words its one line must hold)
CASES = [
    ("404 Not Found", status("404 Not Found"), True, ("HTTP 404",)),
    ("410 Gone", status("410 Gone"), True, ("HTTP 410",)),
    ("5xx on every try", status("500 Internal Server Error"), True, ("HTTP 500", "2 attempts")),
    ("5xx then the page", in_turn(status("502 Bad Gateway"), TRUE_PAGE), False, ()),
    (
        "503 with Retry-After",
        in_turn(status("503 Service Unavailable", **{"Retry-After": "1"}), TRUE_PAGE),
        False,
        (),
    ),
    (
        "429 with Retry-After",
        in_turn(status("429 Too Many Requests", **{"Retry-After": "1"}), TRUE_PAGE),
        False,
        (),
    ),
    (
        "429 with a Retry-After too long to wait",
        status("429 Too Many Requests", **{"Retry-After": "3600"}),
        True,
        ("HTTP 429", "retry after 3600s"),
    ),
    ("connection reset mid-body", resets_mid_body, True, ("connection",)),
    ("short body (Content-Length larger than sent)", truncated, True, ("whole body",)),
    ("endless body (size cap)", endless_chunks, True, ("size cap",)),
    ("redirect loop", redirect(path_of(FAULTY)), True, ("too many redirects",)),
    ("redirect to file://", redirect("file:///etc/passwd"), True, ("scheme 'file'",)),
    ("redirect to ftp://", redirect("ftp://127.0.0.1/pub/page"), True, ("scheme 'ftp'",)),
]


@pytest.mark.parametrize(
    ("handler", "fails", "words"),
    [pytest.param(*case[1:], id=case[0], marks=pytest.mark.fault(case[0])) for case in CASES],
)
def test_an_http_fault_costs_only_its_own_source(bench: Bench, handler, fails, words):
    result = bench.fault(handler)
    check_guarantees(bench, result, fails=fails, words=words)
