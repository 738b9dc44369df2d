"""Reason messages are read by people (run output, status, digests): words and numbers,
never a Python repr (`b'...'`, `Score(...)`, a string's quotes and escapes)."""

from __future__ import annotations

import re

import pytest

from monitor.extract.ocindex_page import extract_page
from monitor.extract.ocindex_pdf import extract_pdf
from monitor.extract.workbook import read_workbook

pytestmark = pytest.mark.fault("a reason message printing a Python repr")

REPR = re.compile(r"\bb'|\\x[0-9a-f]{2}|\\n|[A-Z][a-z]+\(|'")

SERVED = {
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    "html": b"<html><head><title>Can't find it</title></head><body>404</body></html>",
    "text": b"Service temporarily unavailable.\nTry again\tlater.",
}


@pytest.mark.parametrize("served", SERVED)
def test_a_document_that_is_not_one_is_described_in_words(served):
    content = SERVED[served]
    messages = [r.message for r in extract_pdf(content).reasons]
    messages += [r.message for r in read_workbook(content).problems]
    messages += [r.message for r in extract_page(content, content_type="text/html").reasons]
    assert messages
    for message in messages:
        assert not REPR.search(message.replace("Can't", "Can’t")), message


def test_the_beginning_is_quoted_on_one_line():
    [reason] = extract_pdf(SERVED["text"]).reasons
    assert reason.message == "not a PDF: it begins “Service temporarily unavailable. Try aga”"
