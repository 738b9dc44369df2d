"""Faults of where digests go: an SMTP server down, dropping, refusing; a webhook
receiver failing or hanging. Every notification is delivered exactly once after recovery,
and the cycle's sources are stored whatever delivery does."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
from click.testing import Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.ops.settings import load_config
from monitor.store import Store
from tests.faults.conftest import Bench, check_guarantees
from tests.helpers.mailserver import free_port, smtp_server
from tests.helpers.notifying import ingest_editions
from tests.helpers.smtp import drop_after_data

SMTP = """
[notify.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 2
[notify.channels.analysts]
kind = "email"
to = ["a@example.org", "b@example.org"]
countries = "all"  # Turkmenistan's findings (below) concern a country not watched
"""
WEBHOOK = """
[notify.channels.hook]
kind = "webhook"
url = "{url}"
secret_env = "FAULTS_WEBHOOK_SECRET"
timeout = 1
countries = "all"
"""
# Every run retries at once: recovery is the next run, not a backoff later.
DELIVERY = "[notify.delivery]\nattempts = {attempts}\nretry_wait = 0.0\nround_backoff = 0.0\n"


def with_findings(bench: Bench) -> None:
    """Findings waiting for a digest (Turkmenistan's 2021 and 2023 editions ingested)."""
    folder = bench.config.parent / "captures"
    folder.mkdir()
    config = load_config(bench.config)
    with Store.open(config.database) as store:
        ingest_editions(config, store, folder, ["turkmenistan"])


def said(result: Result) -> str:
    """The output's words, table cells read across their wrapped lines."""
    return " ".join(re.sub("[│┃]", " ", result.output).split())


def notifications(bench: Bench) -> list[tuple[str, str]]:
    return bench.query("SELECT status, idempotency_key FROM notifications ORDER BY id")


def deliver_after_fault(bench: Bench, *words: str) -> None:
    """A cycle while delivery fails: the sources are stored, the notification waits and
    the output says why."""
    result = bench.run()
    check_guarantees(bench, result, "stored", ())
    assert [status for status, _ in notifications(bench)] == ["pending"]
    for word in ("pending", *words):
        assert word.lower() in said(result).lower(), (word, result.output)


def recovered(bench: Bench, runs: int = 2) -> None:
    """Runs after recovery: the first delivers, the later ones send nothing again."""
    for _ in range(runs):
        result = bench.run()
        check_guarantees(bench, result, "stored", ())
    assert [status for status, _ in notifications(bench)] == ["delivered"]


def message_ids(messages: list[EmailMessage]) -> list[str]:
    return [m["Message-ID"] for m in messages]


@pytest.mark.fault("SMTP down then up")
def test_smtp_down_then_up_delivers_each_digest_once(make_bench: Callable[[str], Bench]):
    port = free_port()  # nothing listens there yet
    bench = make_bench(SMTP.format(port=port) + DELIVERY.format(attempts=2))
    with_findings(bench)
    deliver_after_fault(bench, "connection refused")
    with smtp_server(port=port) as (mailbox, _):
        recovered(bench)
    assert len(mailbox.messages) == 1


@pytest.mark.fault("SMTP dropping the connection after DATA")
def test_smtp_dropping_after_data_resends_the_same_message(make_bench: Callable[[str], Bench]):
    """The server had the message but never said so: the resend carries the same
    Message-ID, so receiving systems see one message."""
    with smtp_server() as (mailbox, port):
        drop_after_data(mailbox)
        bench = make_bench(SMTP.format(port=port) + DELIVERY.format(attempts=1))
        with_findings(bench)
        deliver_after_fault(bench, "disconnected")
        recovered(bench)
    first, resent = mailbox.messages
    assert message_ids([first]) == message_ids([resent])
    ((_, key),) = notifications(bench)
    assert key.replace(" ", "-") in first["Message-ID"]


@pytest.mark.fault("a refused recipient")
def test_a_refused_recipient_is_named_and_the_others_get_it_once(
    make_bench: Callable[[str], Bench],
):
    with smtp_server(refuse=frozenset({"b@example.org"})) as (mailbox, port):
        bench = make_bench(SMTP.format(port=port) + DELIVERY.format(attempts=2))
        with_findings(bench)
        result = bench.run()
        check_guarantees(bench, result, "stored", ())
        assert "refused b@example.org: 550" in said(result)
        recovered(bench, runs=1)
    assert mailbox.recipients == [["a@example.org"]]


class Receiver:
    """A webhook receiver answering from a script (a status, or "hang": hold the request
    until released, past the client's timeout); counts what it accepted."""

    def __init__(self, script: list[int | str]) -> None:
        self.script = script
        self.release = threading.Event()
        self.accepted: list[str] = []  # idempotency keys answered 2xx in time

    def __call__(self, request: Request) -> Response:
        step = self.script.pop(0) if self.script else 200
        if step == "hang":
            self.release.wait(30)
            return Response("too late", status=503)
        if step == 200:
            self.accepted.append(request.headers["Idempotency-Key"])
        return Response("ok" if step == 200 else "busy", status=int(step))


@pytest.fixture
def receiver_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    """A threaded receiver, so a hanging request does not hold up the next one."""
    monkeypatch.setenv("FAULTS_WEBHOOK_SECRET", "fault-suite-secret")
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.fault("webhook 500, 500, 200")
def test_a_webhook_failing_twice_then_accepting_gets_it_once(
    make_bench: Callable[[str], Bench], receiver_site: HTTPServer
):
    receiver = Receiver([500, 500, 200])
    receiver_site.expect_request("/hook").respond_with_handler(receiver)
    url = receiver_site.url_for("/hook")
    bench = make_bench(WEBHOOK.format(url=url) + DELIVERY.format(attempts=3))
    with_findings(bench)
    recovered(bench)
    ((_, key),) = notifications(bench)
    assert receiver.accepted == [key]
    assert len(receiver_site.log) == 3


@pytest.mark.fault("webhook hanging")
def test_a_hanging_webhook_times_out_and_the_next_run_delivers_once(
    make_bench: Callable[[str], Bench], receiver_site: HTTPServer
):
    receiver = Receiver(["hang"])
    receiver_site.expect_request("/hook").respond_with_handler(receiver)
    url = receiver_site.url_for("/hook")
    bench = make_bench(WEBHOOK.format(url=url) + DELIVERY.format(attempts=1))
    with_findings(bench)
    try:
        deliver_after_fault(bench, "timed out")
    finally:
        receiver.release.set()
    recovered(bench)
    ((_, key),) = notifications(bench)
    assert receiver.accepted == [key]
