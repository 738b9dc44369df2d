"""`monitor notify test`: a test message through each channel, and what happened."""

from __future__ import annotations

import json
from email import message_from_bytes

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.cli.main import cli
from monitor.notify.channels.webhook import verify
from tests.helpers.mailserver import free_port

SECRET = "test-signing-secret"


def test_each_channel_is_tried_and_reported(tmp_path, httpserver: HTTPServer, monkeypatch):
    pytest.importorskip("apprise")
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    received: list[Request] = []

    def hook(request: Request) -> Response:
        received.append(request)
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    dead = free_port()  # nothing listens there
    config = tmp_path / "config.toml"
    config.write_text(
        f"""data_dir = "data"
[notify.channels.desk]
kind = "email"
to = ["desk@example.org"]
[notify.channels.hook]
kind = "webhook"
url = "{httpserver.url_for("/hook")}"
secret_env = "TEST_WEBHOOK_SECRET"
[notify.channels.phones]
kind = "apprise"
apprise_url = "json://127.0.0.1:{dead}/down"
""",
        encoding="utf-8",
    )
    args = ("--config", str(config), "notify", "test")

    every = CliRunner().invoke(cli, args)
    assert every.exit_code == 1  # phones failed
    lines = {line.split(" ", 1)[0]: line for line in every.output.splitlines()}
    assert lines["desk"].startswith("desk (email): delivered — sent to ")
    (eml,) = (tmp_path / "data" / "outbox").glob("*.eml")
    assert str(eml) in lines["desk"]
    mail = message_from_bytes(eml.read_bytes())
    assert mail["Subject"] == "Test message from profile-monitor: channel 'desk' works"
    assert lines["hook"].startswith("hook (webhook): delivered")
    (request,) = received
    body = request.get_data()
    stamp, signed = request.headers["X-Monitor-Timestamp"], request.headers["X-Monitor-Signature"]
    assert verify(SECRET, stamp, body, signed)
    assert json.loads(body)["subject"] == "Test message from profile-monitor: channel 'hook' works"
    assert lines["phones"].startswith("phones (apprise): failed — ")
    assert "Connection error" in lines["phones"]
    # A test is not news: nothing stored, nothing owed, nothing to retry.
    assert not (tmp_path / "data" / "monitor.db").exists()

    one = CliRunner().invoke(cli, [*args, "--channel", "hook", "--json"])
    assert one.exit_code == 0
    (result,) = json.loads(one.output)
    assert (result["channel"], result["kind"], result["status"]) == ("hook", "webhook", "delivered")
    assert len(received) == 2
    keys = {r.headers["Idempotency-Key"] for r in received}
    assert len(keys) == 2  # a receiver dropping repeats never drops a second test
    unknown = CliRunner().invoke(cli, [*args, "--channel", "nope"])
    assert unknown.exit_code == 1
    assert "no channel 'nope' in the config (known: desk, hook, phones)" in unknown.output
