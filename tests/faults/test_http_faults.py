"""HTTP faults of one source's server: status codes, retries, broken bodies, redirects."""

from __future__ import annotations

import pytest

from tests.faults.conftest import FAULTY, FAULTY_PAGE, Bench, check_guarantees, path_of
from tests.helpers.rawserver import endless_chunks, truncated
from tests.helpers.site import in_turn, resets_mid_body, respond

TRUE_PAGE = respond(FAULTY_PAGE)


def status(code: str, **headers: str):
    return respond(b"<html><body>not now</body></html>", status=code, headers=headers)


def redirect(location: str):
    return respond(b"", status="302 Found", headers={"Location": location})


# (fault kind, handler, what the source comes to, words its one line must hold)
CASES = [
    ("404 Not Found", status("404 Not Found"), "failed", ("HTTP 404",)),
    ("410 Gone", status("410 Gone"), "failed", ("HTTP 410",)),
    ("5xx on every try", status("500 Internal Server Error"), "failed", ("HTTP 500", "2 attempts")),
    ("5xx then the page", in_turn(status("502 Bad Gateway"), TRUE_PAGE), "stored", ()),
    (
        "503 with Retry-After",
        in_turn(status("503 Service Unavailable", **{"Retry-After": "1"}), TRUE_PAGE),
        "stored",
        (),
    ),
    (
        "429 with Retry-After",
        in_turn(status("429 Too Many Requests", **{"Retry-After": "1"}), TRUE_PAGE),
        "stored",
        (),
    ),
    (
        "429 with a Retry-After too long to wait",
        status("429 Too Many Requests", **{"Retry-After": "3600"}),
        "failed",
        ("HTTP 429", "retry after 3600s"),
    ),
    ("connection reset mid-body", resets_mid_body, "failed", ("connection",)),
    ("short body (Content-Length larger than sent)", truncated, "failed", ("whole body",)),
    ("endless body (size cap)", endless_chunks, "failed", ("size cap",)),
    ("redirect loop", redirect(path_of(FAULTY)), "failed", ("too many redirects",)),
    ("redirect to file://", redirect("file:///etc/passwd"), "failed", ("scheme 'file'",)),
    ("redirect to ftp://", redirect("ftp://127.0.0.1/pub/page"), "failed", ("scheme 'ftp'",)),
]


@pytest.mark.parametrize(
    ("handler", "outcome", "words"),
    [pytest.param(*case[1:], id=case[0], marks=pytest.mark.fault(case[0])) for case in CASES],
)
def test_an_http_fault_costs_only_its_own_source(bench: Bench, handler, outcome, words):
    result = bench.fault(handler)
    check_guarantees(bench, result, outcome, words)
