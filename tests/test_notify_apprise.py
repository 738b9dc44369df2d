"""The apprise channel kind, through Apprise's JSON notifier to a loopback receiver:
stored, retried across an outage, delivered exactly once. And Slack incoming webhooks,
which carry no signature."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.cli.main import cli
from monitor.notify.deliver import notify
from monitor.store import Store
from monitor.store.outbox import notifications
from tests.helpers.mailserver import free_port
from tests.test_notify_delivery import NO_WAIT, NOW, config_with, findings_for

pytest.importorskip("apprise")  # the optional extra; the test extra installs it


def apprise_toml(url: str) -> str:
    return f"""
[notify.channels.chat]
kind = "apprise"
apprise_url = "{url}"
[notify.delivery]
attempts = 2
retry_wait = 0.0
"""


def test_an_outage_then_delivered_exactly_once(tmp_path):
    port = free_port()  # nothing listens there yet: the receiver is down
    config = config_with(tmp_path, apprise_toml(f"json://127.0.0.1:{port}/hook"))
    findings_for(config, tmp_path, "kyrgyzstan")
    answers = [503, 503]  # then up for good
    received: list[tuple[int, dict]] = []

    def receiver(request: Request) -> Response:
        status = answers.pop(0) if answers else 200
        received.append((status, json.loads(request.get_data())))
        return Response("{}", status=status, content_type="application/json")

    with Store.open(config.database) as store:
        down = notify(store, config, now=NOW, **NO_WAIT)
        assert [(d.status, d.attempts) for d in down.deliveries] == [("pending", 2)]
        assert "127.0.0.1" in down.deliveries[0].error  # what Apprise said, in a word
        server = HTTPServer(host="127.0.0.1", port=port)
        server.expect_request("/hook", method="POST").respond_with_handler(receiver)
        server.start()
        try:
            busy = notify(store, config, now=NOW + timedelta(days=1), **NO_WAIT)
            up = notify(store, config, now=NOW + timedelta(days=2), **NO_WAIT)
            after = notify(store, config, now=NOW + timedelta(days=3), **NO_WAIT)
        finally:
            server.stop()
        (sent,) = notifications(store)
    assert [d.status for d in busy.deliveries] == ["pending"]  # 503 twice
    assert [(d.status, d.attempts) for d in up.deliveries] == [("delivered", 1)]
    assert after.deliveries == () and after.composed == ()
    assert sent.status == "delivered" and sent.attempts == 5
    accepted = [body for status, body in received if status == 200]
    assert len(accepted) == 1  # exactly once
    assert accepted[0]["title"] == sent.subject
    assert "Kyrgyzstan" in accepted[0]["message"]
    assert {json.dumps(body, sort_keys=True) for _, body in received} == {
        json.dumps(accepted[0], sort_keys=True)
    }  # every try sent the very message composed first


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        ('apprise_url = "nosuchservice://x"', "not a URL Apprise knows"),
        ("", "give apprise_url or apprise_url_env"),
    ],
)
def test_a_bad_apprise_channel_is_a_config_error(tmp_path, option, problem):
    config = tmp_path / "config.toml"
    config.write_text(f'[notify.channels.chat]\nkind = "apprise"\n{option}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "outbox"])
    assert result.exit_code == 2
    assert "notify.channels.chat.apprise_url" in result.output and problem in result.output
    assert "Traceback" not in result.output


def test_a_slack_incoming_webhook_needs_no_signing_secret(tmp_path, httpserver: HTTPServer):
    seen: list[Request] = []

    def slack(request: Request) -> Response:
        seen.append(request)
        return Response("ok")

    httpserver.expect_request("/services/T0/B0/x", method="POST").respond_with_handler(slack)
    url = httpserver.url_for("/services/T0/B0/x")
    toml = f'[notify.channels.team]\nkind = "slack"\nurl = "{url}"\n'
    config = config_with(tmp_path, toml)
    findings_for(config, tmp_path, "uzbekistan")
    with Store.open(config.database) as store:
        report = notify(store, config, now=NOW, **NO_WAIT)
    assert [d.status for d in report.deliveries] == ["delivered"]
    (request,) = seen
    assert set(json.loads(request.get_data())) == {"text"}
    assert "X-Monitor-Signature" not in request.headers
