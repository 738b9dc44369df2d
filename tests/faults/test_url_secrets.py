"""A URL can hold a credential (user:password@, ?token=, a Slack webhook's path): it can
come from the environment, and it appears in no output, log, database byte or outbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.redact import redact, redact_text
from tests.faults.db_helpers import integrity_ok
from tests.faults.test_config_faults import assert_refused

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGE = "/2023/country/cote_divoire"
SECRETS = ("fetch-pass", "hook-pass", "t0k3n-value")


@pytest.mark.fault("credentials inside URLs")
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://a:b@h.example/p?q=1", "https://***@h.example/p?q=1"),
        ("https://h.example/p?token=x&page=2", "https://h.example/p?token=***&page=2"),
        ("https://h.example/?api_key=x&sig=y&Signature=z", "https://h.example/?api_key=***&sig=***&Signature=***"),
        ("https://h.example/?client_secret=x&password=y&auth=z", "https://h.example/?client_secret=***&password=***&auth=***"),
        ("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/***"),
        ("https://ocindex.net/2023/country/kenya#2023/kenya", "https://ocindex.net/2023/country/kenya#2023/kenya"),
    ],
)  # fmt: skip
def test_redact(url, shown):
    assert redact(url) == shown
    assert redact_text(f"POST {url}: HTTP 500") == f"POST {shown}: HTTP 500"


def monitor(data: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(data / "config.toml"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.mark.slow
@pytest.mark.fault("credentials inside URLs")
@pytest.mark.parametrize("from_env", [True, False], ids=["url_env", "url_in_file"])
def test_no_secret_of_a_url_leaks(httpserver: HTTPServer, tmp_path: Path, from_env: bool):
    host = f"127.0.0.1:{httpserver.port}"
    hook = f"http://alice:hook-pass@{host}/hook?token=t0k3n-value&team=ops"
    page = (FIXTURES / "ocindex-page-2023-cote-divoire.html").read_bytes()
    httpserver.expect_ordered_request(PAGE).respond_with_data(page, content_type="text/html")
    httpserver.expect_ordered_request(PAGE).respond_with_data("gone", status=404)
    received: list[Request] = []

    def receive(request: Request) -> Response:  # down for the first round, then up
        received.append(request)
        return Response(
            "ok" if len(received) > 1 else "down", status=200 if len(received) > 1 else 500
        )

    httpserver.expect_request("/hook").respond_with_handler(receive)
    where = 'url_env = "HOOK_URL"' if from_env else f'url = "{hook}"'
    (tmp_path / "config.toml").write_text(
        'data_dir = "data"\n'
        "[fetch]\nmax_retries = 0\nrespect_robots = false\nper_host_interval = 0\n"
        "[health]\nfailures = 1\n"
        f'[kinds.ocindex_page]\nbase_url = "http://bob:fetch-pass@{host}"\n'
        '[[watch]]\ncountry = "cote_divoire"\neditions = [2023]\n'
        "[notify.delivery]\nattempts = 1\nrounds = 1\nretry_wait = 0\n"
        f'[notify.channels.ops]\nkind = "webhook"\n{where}\nsecret_env = "HOOK_SECRET"\n',
        encoding="utf-8",
    )
    env = {"HOOK_URL": hook, "HOOK_SECRET": "signing-key"}
    logs = ("--log-format", "json", "--log-level", "debug")
    outputs = [
        monitor(tmp_path, *logs, "run", env=env),  # the page: stored
        monitor(tmp_path, *logs, "run", env=env),  # 404: broken, webhook answers 500
        monitor(tmp_path, "outbox", "--json", env=env),
        monitor(tmp_path, "status", env=env),
        monitor(tmp_path, "sources", "--json", env=env),
        monitor(tmp_path, *logs, "outbox", "retry", env=env),  # delivered this time
        monitor(tmp_path, "outbox", "--json", env=env),
    ]
    # It did happen: a failed delivery recorded, then one delivered with a URL shown.
    failed = json.loads(outputs[2].stdout)["notifications"]
    assert failed and "HTTP 500" in failed[0]["last_error"]
    assert f"http://***@{host}/hook?token=***&team=ops" in failed[0]["last_error"]
    assert "404" in outputs[1].stdout + outputs[1].stderr
    assert len(received) == 2 and received[-1].args["token"] == "t0k3n-value"
    assert json.loads(outputs[6].stdout)["notifications"][0]["status"] == "delivered"
    for done in outputs:
        assert "Traceback" not in done.stderr, done.args
        for secret in SECRETS:
            assert secret not in done.stdout + done.stderr, (done.args, secret)
    for stored in (tmp_path / "data").rglob("*"):
        if stored.is_file():
            for secret in SECRETS:
                assert secret.encode() not in stored.read_bytes(), (stored, secret)
    integrity_ok(tmp_path / "data" / "monitor.db")


WATCH = '[[watch]]\ncountry = "utopia"\nkinds = ["article"]\n'
HOOK = '[notify.channels.h]\nkind = "webhook"\nsecret_env = "S"\n'
UNSET = "url_env naming an unset variable"
BOTH_OR_NEITHER = "url and url_env both, or neither"
NO_URL = "url_env holding no http(s) URL"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        pytest.param(*case[1:], id=f"{case[2]}: {case[3]}", marks=pytest.mark.fault(case[0]))
        for case in [
            (UNSET, f'{WATCH}url_env = "NO_SUCH_URL"\n', "watch[1].url_env",
             "environment variable NO_SUCH_URL is not set"),
            (UNSET, '[notify.channels.h]\nkind = "slack"\nsecret_env = "S"\n'
             'url_env = "NO_SUCH_URL"\n', "notify.channels.h.url_env", "NO_SUCH_URL is not set"),
            (UNSET, '[kinds.ocindex_page]\nbase_url_env = "NO_SUCH_URL"\n',
             "kinds.ocindex_page.base_url_env", "NO_SUCH_URL is not set"),
            (NO_URL, f'{WATCH}url_env = "NOT_A_URL"\n', "watch[1].url_env",
             "NOT_A_URL must hold an http:// or https:// URL"),
            (BOTH_OR_NEITHER, f'{WATCH}url = "https://a.example/"\nurl_env = "X"\n',
             "watch[1].url_env", "not both"),
            (BOTH_OR_NEITHER, f'{HOOK}url = "https://a.example/"\nurl_env = "X"\n',
             "notify.channels.h.url_env", "not both"),
            (BOTH_OR_NEITHER, WATCH, "watch[1].url", "needs url"),
            (BOTH_OR_NEITHER, HOOK, "notify.channels.h.url", "http:// or https:// URL"),
        ]
    ],
)  # fmt: skip
def test_a_url_setting_mistake_names_the_key_and_the_variable_never_the_value(
    text, key, words, tmp_path, monkeypatch
):
    monkeypatch.delenv("NO_SUCH_URL", raising=False)
    monkeypatch.setenv("NOT_A_URL", "ftp://carol:ftp-pass@files.example/x")
    line = assert_refused(text, key, tmp_path, words)
    assert "ftp-pass" not in line
