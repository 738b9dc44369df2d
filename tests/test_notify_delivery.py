"""Delivery through real servers: SMTP (aiosmtpd) and an HTTP receiver checking HMACs."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.assess.findings import assess_pending
from monitor.cli.main import cli
from monitor.config.schedule import ScheduleSettings
from monitor.config.settings import Config
from monitor.notify.channels.webhook import verify
from monitor.notify.deliver import compose_due, notify
from monitor.notify.due import period_began
from monitor.ops.settings import load_config
from monitor.store import Store
from monitor.store.outbox import notifications, owed_counts
from tests.helpers.mailserver import free_port, smtp_server
from tests.helpers.notifying import ingest_editions

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SECRET = "test-signing-secret"
NO_WAIT = {"sleep": lambda seconds: None}


def config_with(tmp_path: Path, notify_toml: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "data"\n{notify_toml}', encoding="utf-8")
    return load_config(path)


def findings_for(config: Config, tmp_path: Path, *countries: str) -> None:
    folder = tmp_path / "captures"
    folder.mkdir(exist_ok=True)
    with Store.open(config.database) as store:
        ingest_editions(config, store, folder, countries)


def smtp_toml(port: int, extra: str = "") -> str:
    return f"""
[notify.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
{extra}
[notify.channels.analysts]
kind = "email"
to = ["a@example.org", "b@example.org"]
[notify.delivery]
retry_wait = 0.0
round_backoff = 60.0
"""


def test_smtp_delivers_one_multipart_digest_with_authentication(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SMTP_USER", "monitor")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    with smtp_server(user="monitor", password="s3cret") as (mailbox, port):
        auth = 'username_env = "TEST_SMTP_USER"\npassword_env = "TEST_SMTP_PASSWORD"'
        config = config_with(tmp_path, smtp_toml(port, auth))
        findings_for(config, tmp_path, "kyrgyzstan", "kazakhstan")
        with Store.open(config.database) as store:
            report = notify(store, config, now=NOW, **NO_WAIT)
            (sent,) = notifications(store)
    assert [d.status for d in report.deliveries] == ["delivered"]
    (message,) = mailbox.messages
    assert mailbox.recipients == [["a@example.org", "b@example.org"]]
    assert mailbox.logins == ["monitor"]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == sent.subject
    assert sent.idempotency_key in message["Message-ID"]
    assert "== Kyrgyzstan" in message.get_body(("plain",)).get_content()
    assert "<table" in message.get_body(("html",)).get_content()


def test_a_recipient_the_server_refuses_is_reported_and_the_others_get_it_once(tmp_path):
    with smtp_server(refuse=frozenset({"b@example.org"})) as (mailbox, port):
        config = config_with(tmp_path, smtp_toml(port))
        findings_for(config, tmp_path, "kyrgyzstan")
        with Store.open(config.database) as store:
            (delivery,) = notify(store, config, now=NOW, **NO_WAIT).deliveries
            again = notify(store, config, now=NOW + timedelta(hours=1), **NO_WAIT)
    assert delivery.status == "delivered"
    assert "refused b@example.org: 550" in delivery.where
    assert mailbox.recipients == [["a@example.org"]] and again.deliveries == ()


def test_a_copy_resent_after_a_crash_keeps_its_message_id(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("killed after the server accepted the message")

    with smtp_server() as (mailbox, port):
        # A channel name with a space: the Message-ID must still be a valid msg-id.
        toml = smtp_toml(port).replace("[notify.channels.analysts]", '[notify.channels."ops team"]')
        config = config_with(tmp_path, toml)
        findings_for(config, tmp_path, "kyrgyzstan")
        with Store.open(config.database) as store:
            with monkeypatch.context() as patched:
                patched.setattr("monitor.notify.deliver.mark_delivered", crash)
                with pytest.raises(RuntimeError):
                    notify(store, config, now=NOW, **NO_WAIT)
            report = notify(store, config, now=NOW + timedelta(minutes=1), **NO_WAIT)
            (sent,) = notifications(store)
    assert [d.status for d in report.deliveries] == ["delivered"]
    first, copy = mailbox.messages
    atext = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    assert re.fullmatch(rf"<{atext}@{atext}>", first["Message-ID"])
    expected = "<" + sent.idempotency_key.replace(" ", "-") + "@profile-monitor>"
    assert first["Message-ID"] == copy["Message-ID"] == expected


def self_signed(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1 (the private CA a client must trust), and a server
    context presenting it."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    return cert, tls


def test_starttls_with_a_private_ca(tmp_path, monkeypatch):
    cert, tls = self_signed(tmp_path)
    monkeypatch.setenv("TEST_SMTP_USER", "monitor")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    with smtp_server(user="monitor", password="s3cret", tls=tls) as (mailbox, port):
        extra = (
            f'username_env = "TEST_SMTP_USER"\npassword_env = "TEST_SMTP_PASSWORD"\n'
            f'ca_file = "{cert}"'
        )
        toml = smtp_toml(port, extra).replace('security = "none"', 'security = "starttls"')
        config = config_with(tmp_path, toml)
        findings_for(config, tmp_path, "kyrgyzstan")
        with Store.open(config.database) as store:
            report = notify(store, config, now=NOW, **NO_WAIT)
    assert [d.status for d in report.deliveries] == ["delivered"]
    assert len(mailbox.messages) == 1 and mailbox.logins == ["monitor"]


def test_a_relative_ca_file_is_found_beside_the_config_file(tmp_path, monkeypatch):
    _, tls = self_signed(tmp_path / "certs")
    with smtp_server(tls=tls) as (mailbox, port):
        toml = smtp_toml(port, 'ca_file = "certs/cert.pem"')
        config = config_with(tmp_path, toml.replace('security = "none"', 'security = "starttls"'))
        findings_for(config, tmp_path, "kyrgyzstan")
        monkeypatch.chdir(tmp_path / "data")  # a cron job started elsewhere
        with Store.open(config.database) as store:
            report = notify(store, config, now=NOW, **NO_WAIT)
    assert [(d.status, d.error) for d in report.deliveries] == [("delivered", "")]
    assert len(mailbox.messages) == 1


def test_smtp_down_keeps_digests_pending_and_the_next_run_delivers_each_once(tmp_path):
    port = free_port()  # nothing listens here yet
    config = config_with(tmp_path, smtp_toml(port))
    with Store.open(config.database) as store:
        findings_for(config, tmp_path, "kyrgyzstan")
        first = notify(store, config, now=NOW, **NO_WAIT)
        findings_for(config, tmp_path, "kazakhstan")
        second = notify(store, config, now=NOW + timedelta(seconds=10), **NO_WAIT)
        assert [d.status for d in first.deliveries] == ["pending"]
        assert [d.attempts for d in first.deliveries] == [3]
        # The first is not due again yet (backoff); the second got its own round.
        assert [d.notification_id for d in second.deliveries] == [2]
        assert {n.status for n in notifications(store)} == {"pending"}
        with smtp_server(port=port) as (mailbox, _):
            later = NOW + timedelta(minutes=5)
            back = notify(store, config, now=later, **NO_WAIT)
            again = notify(store, config, now=later + timedelta(days=1), **NO_WAIT)
        assert sorted(d.status for d in back.deliveries) == ["delivered", "delivered"]
        assert again.deliveries == () and again.composed == ()
        subjects = sorted(m["Subject"] for m in mailbox.messages)
        assert subjects == sorted(n.subject for n in notifications(store))
        assert len(mailbox.messages) == 2  # each exactly once
        assert owed_counts(store) == {}


def webhook_toml(url: str, kind: str = "webhook", rounds: int = 8) -> str:
    return f"""
[notify.channels.hook]
kind = "{kind}"
url = "{url}"
secret_env = "TEST_WEBHOOK_SECRET"
timeout = 5
[notify.delivery]
retry_wait = 0.0
rounds = {rounds}
"""


class Receiver:
    """Answers from a script of status codes; checks each signature independently."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[dict] = []

    def __call__(self, request: Request) -> Response:
        body = request.get_data()
        timestamp = request.headers["X-Monitor-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        self.requests.append(
            {
                "key": request.headers["Idempotency-Key"],
                "signed": hmac.compare_digest(
                    request.headers["X-Monitor-Signature"], "sha256=" + expected.hexdigest()
                ),
                "verified": verify(SECRET, timestamp, body, request.headers["X-Monitor-Signature"]),
                "body": json.loads(body),
            }
        )
        status = self.statuses.pop(0) if self.statuses else 200
        return Response("ok" if status == 200 else "busy", status=status)


def test_webhook_500_twice_then_200_is_delivered_once_with_one_idempotency_key(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    receiver = Receiver([500, 500, 200])
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    config = config_with(tmp_path, webhook_toml(httpserver.url_for("/hook")))
    findings_for(config, tmp_path, "kyrgyzstan", "tajikistan")
    with Store.open(config.database) as store:
        report = notify(store, config, now=NOW, **NO_WAIT)
        later = notify(store, config, now=NOW + timedelta(days=1), **NO_WAIT)
        (sent,) = notifications(store)
        stored = store.db.execute("SELECT count(*) FROM findings").fetchone()[0]
    assert [(d.status, d.attempts) for d in report.deliveries] == [("delivered", 3)]
    assert later.deliveries == ()
    assert len(receiver.requests) == 3
    assert {r["key"] for r in receiver.requests} == {sent.idempotency_key}
    assert all(r["signed"] and r["verified"] for r in receiver.requests)
    payload = receiver.requests[-1]["body"]
    assert payload["schema"] == "profile-monitor.digest/1"
    assert payload["id"] == sent.idempotency_key
    assert {c["country"] for c in payload["countries"]} == {"kyrgyzstan", "tajikistan"}
    assert sum(len(c["findings"]) for c in payload["countries"]) == stored
    assert payload["summary"]["findings"] == stored


def test_signature_verification_rejects_tampering_and_old_timestamps():
    body = b'{"schema": "profile-monitor.digest/1"}'
    now = str(int(datetime.now(UTC).timestamp()))
    good = (
        "sha256=" + hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    )
    assert verify(SECRET, now, body, good)
    assert not verify(SECRET, now, body + b" ", good)
    assert not verify("another secret", now, body, good)
    stale = str(int(now) - 3600)
    old = (
        "sha256="
        + hmac.new(SECRET.encode(), f"{stale}.".encode() + body, hashlib.sha256).hexdigest()
    )
    assert not verify(SECRET, stale, body, old)


def test_slack_payload_escapes_page_text(tmp_path, monkeypatch, httpserver: HTTPServer):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    receiver = Receiver([])
    httpserver.expect_request("/slack", method="POST").respond_with_handler(receiver)
    config = config_with(tmp_path, webhook_toml(httpserver.url_for("/slack"), kind="slack"))
    findings_for(config, tmp_path, "uzbekistan")
    with Store.open(config.database) as store:
        report = notify(store, config, now=NOW, **NO_WAIT)
        (sent,) = notifications(store)
    assert [d.status for d in report.deliveries] == ["delivered"]
    (request,) = receiver.requests
    assert set(request["body"]) == {"text"} and request["signed"]
    assert request["body"]["text"].startswith(f"*{sent.subject}*")
    assert "Uzbekistan" in request["body"]["text"]


def test_a_failing_channel_never_blocks_another(tmp_path, monkeypatch, httpserver: HTTPServer):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    toml = webhook_toml(httpserver.url_for("/hook")) + (
        '[notify.channels.mail]\nkind = "email"\nto = ["team@example.org"]\n'
    )
    config = config_with(tmp_path, toml)
    findings_for(config, tmp_path, "kyrgyzstan")
    with Store.open(config.database) as store:
        report = notify(store, config, now=NOW, **NO_WAIT)
    outcome = {d.channel: d.status for d in report.deliveries}
    assert outcome == {"hook": "pending", "mail": "delivered"}
    (eml,) = (config.data_dir / "outbox").glob("*.eml")
    assert "team@example.org" in eml.read_text()


def test_failed_for_good_stays_visible_and_retry_delivers(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    receiver = Receiver([500] * 6)  # two rounds of three tries
    httpserver.expect_request("/hook").respond_with_handler(receiver)
    config = config_with(tmp_path, webhook_toml(httpserver.url_for("/hook"), rounds=2))
    findings_for(config, tmp_path, "kyrgyzstan")
    with Store.open(config.database) as store:
        notify(store, config, now=NOW, **NO_WAIT)
        last = notify(store, config, now=NOW + timedelta(days=2), **NO_WAIT)
        assert [d.status for d in last.deliveries] == ["failed"]
        assert notify(store, config, now=NOW + timedelta(days=9), **NO_WAIT).deliveries == ()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--config", str(config.path), "outbox"])
    assert listed.exit_code == 1, listed.output
    assert "failed" in listed.output and "HTTP 500" in listed.output
    retried = runner.invoke(cli, ["--config", str(config.path), "outbox", "retry"])
    assert retried.exit_code == 0, retried.output
    assert len(receiver.requests) == 7
    assert len({r["key"] for r in receiver.requests}) == 1
    listed = runner.invoke(cli, ["--config", str(config.path), "outbox", "--json"])
    assert json.loads(listed.output)["notifications"][0]["status"] == "delivered"


def test_outbox_exits_1_for_a_failed_notification_beyond_its_listing(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_handler(Receiver([500] * 3))
    config = config_with(tmp_path, webhook_toml(httpserver.url_for("/hook"), rounds=1))
    with Store.open(config.database) as store:
        findings_for(config, tmp_path, "kyrgyzstan")
        first = notify(store, config, now=NOW, **NO_WAIT)
        findings_for(config, tmp_path, "kazakhstan")
        second = notify(store, config, now=NOW + timedelta(hours=1), **NO_WAIT)
    assert [d.status for d in first.deliveries + second.deliveries] == ["failed", "delivered"]
    runner = CliRunner()
    for listing in (["--limit", "1"], ["--status", "delivered"], ["--limit", "1", "--json"]):
        listed = runner.invoke(cli, ["--config", str(config.path), "outbox", *listing])
        assert listed.exit_code == 1, (listing, listed.output)
        assert "HTTP 500" not in listed.output  # the failed one is not listed


def test_a_long_outage_keeps_retrying_daily_through_many_rounds(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    toml = webhook_toml(httpserver.url_for("/hook"), rounds=60) + "attempts = 1\n"
    config = config_with(tmp_path, toml)
    findings_for(config, tmp_path, "kyrgyzstan")
    days = 45  # past the 39 doublings of 300 s that overflowed a timedelta
    with Store.open(config.database) as store:
        runs = [notify(store, config, now=NOW + timedelta(days=d), **NO_WAIT) for d in range(days)]
        (waiting,) = notifications(store)
    assert [[d.status for d in run.deliveries] for run in runs] == [["pending"]] * days
    assert waiting.rounds == days
    assert datetime.fromisoformat(waiting.next_attempt_at) == NOW + timedelta(days=days)


def test_a_missing_secret_leaves_the_notification_pending_and_says_which(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    monkeypatch.delenv("TEST_WEBHOOK_SECRET", raising=False)
    config = config_with(tmp_path, webhook_toml(httpserver.url_for("/hook")))
    findings_for(config, tmp_path, "kyrgyzstan")
    with Store.open(config.database) as store:
        report = notify(store, config, now=NOW, **NO_WAIT)
    (delivery,) = report.deliveries
    assert delivery.status == "pending"
    assert "TEST_WEBHOOK_SECRET is not set" in delivery.error
    assert httpserver.log == []  # nothing unsigned was sent


def test_each_channel_gets_its_watchlist_and_minimum_severity(tmp_path):
    toml = """
[notify.channels.kazakh_desk]
kind = "email"
to = ["kz@example.org"]
countries = ["kazakhstan"]
[notify.channels.urgent]
kind = "email"
to = ["urgent@example.org"]
min_severity = "high"
"""
    config = config_with(tmp_path, toml)
    findings_for(config, tmp_path, "kazakhstan", "turkmenistan", "kyrgyzstan")
    with Store.open(config.database) as store:
        rows = list(store.db.query("SELECT id, country_slug, severity FROM findings"))
        owed = {
            channel: {
                r["finding_id"]
                for r in store.db.query(
                    "SELECT finding_id FROM outbox WHERE channel = ?", [channel]
                )
            }
            for channel in ("kazakh_desk", "urgent")
        }
    assert owed["kazakh_desk"] == {r["id"] for r in rows if r["country_slug"] == "kazakhstan"}
    assert owed["urgent"] == {r["id"] for r in rows if r["severity"] == "high"}
    assert owed["urgent"] and owed["kazakh_desk"] != owed["urgent"]


def test_a_daily_channel_gets_one_digest_per_day(tmp_path):
    toml = '[notify.channels.daily]\nkind = "email"\nto = ["d@example.org"]\nevery = "daily"\n'
    config = config_with(tmp_path, toml)
    with Store.open(config.database) as store:
        findings_for(config, tmp_path, "kyrgyzstan")
        assert len(notify(store, config, now=NOW).composed) == 1
        findings_for(config, tmp_path, "kazakhstan")
        assert notify(store, config, now=NOW + timedelta(hours=6)).composed == ()
        assert owed_counts(store) == {
            "daily": len(
                list(store.db.query("SELECT id FROM findings WHERE country_slug = 'kazakhstan'"))
            )
        }
        assert len(notify(store, config, now=NOW + timedelta(days=1)).composed) == 1
        assert owed_counts(store) == {}


def test_a_channel_watchlist_takes_names_and_iso_codes(tmp_path):
    toml = (
        '[notify.channels.desk]\nkind = "email"\nto = ["desk@example.org"]\n'
        'countries = ["KGZ", "Kazakhstan", "tajikistan"]\n'
    )
    config = config_with(tmp_path, toml)
    assert config.notify.channels[0].countries == ("kyrgyzstan", "kazakhstan", "tajikistan")
    findings_for(config, tmp_path, "kyrgyzstan", "kazakhstan", "uzbekistan")
    with Store.open(config.database) as store:
        owed_by_country = {
            r["country_slug"]
            for r in store.db.query(
                "SELECT f.country_slug FROM outbox o JOIN findings f ON f.id = o.finding_id"
                " WHERE o.channel = 'desk'"
            )
        }
    assert owed_by_country == {"kyrgyzstan", "kazakhstan"}


def test_a_daily_digest_follows_the_schedule_across_dst_and_a_late_digest(tmp_path):
    toml = (
        '[schedule]\ndigest = "0 8 * * *"\ntimezone = "Europe/Berlin"\n'
        '[notify.channels.daily]\nkind = "email"\nto = ["d@example.org"]\nevery = "daily"\n'
    )
    config = config_with(tmp_path, toml)
    ms = timedelta(milliseconds=1)
    saturday = datetime(2026, 3, 28, 7, tzinfo=UTC) + 20 * ms  # 08:00 CET, a little late
    sunday = datetime(2026, 3, 29, 6, tzinfo=UTC) + 5 * ms  # 08:00 CEST: 23 hours on
    monday_noon = datetime(2026, 3, 30, 10, tzinfo=UTC)  # a run long after 08:00
    tuesday = datetime(2026, 3, 31, 6, tzinfo=UTC) + 5 * ms
    with Store.open(config.database) as store:
        composed = []
        for country, now in [
            ("kyrgyzstan", saturday),
            ("kazakhstan", sunday),
            ("tajikistan", monday_noon),
            ("turkmenistan", tuesday),
            ("uzbekistan", tuesday + timedelta(hours=6)),  # Tuesday's digest is out already
        ]:
            findings_for(config, tmp_path, country)
            composed.append(len(compose_due(store, config, now=now)))
    assert composed == [1, 1, 1, 1, 0]


def test_a_weekly_digest_goes_out_at_the_first_digest_time_of_each_week(tmp_path):
    toml = '[notify.channels.weekly]\nkind = "email"\nto = ["w@example.org"]\nevery = "weekly"\n'
    config = config_with(tmp_path, toml)
    monday_afternoon = datetime(2026, 11, 23, 14, tzinfo=UTC)  # after the 08:00 digest time
    with Store.open(config.database) as store:
        findings_for(config, tmp_path, "kyrgyzstan")
        assert len(compose_due(store, config, now=monday_afternoon)) == 1
        findings_for(config, tmp_path, "kazakhstan")
        for day in range(1, 7):  # Tuesday to Sunday
            assert compose_due(store, config, now=monday_afternoon + timedelta(days=day)) == []
        next_monday = datetime(2026, 11, 30, 8, tzinfo=UTC) + timedelta(milliseconds=5)
        assert compose_due(store, config, now=next_monday - timedelta(minutes=1)) == []
        assert len(compose_due(store, config, now=next_monday)) == 1


@pytest.mark.parametrize(
    ("every", "digest", "now", "began"),
    [
        ("daily", "0 8,20 * * *", "2026-11-24T21:00", "2026-11-24T08:00"),  # still one a day
        ("daily", "0 8 1,15 * *", "2026-11-20T12:00", "2026-11-15T08:00"),  # the last day it fired
        ("daily", "every 6h", "2026-11-24T05:00", "2026-11-24T00:00"),
        ("weekly", "0 8 * * *", "2026-11-29T23:00", "2026-11-23T08:00"),  # Monday's
        ("weekly", "0 8 * * *", "2026-11-30T07:59", "2026-11-23T08:00"),
    ],
)
def test_a_period_begins_with_its_first_digest_time(every, digest, now, began):
    schedule = ScheduleSettings(digest=digest, timezone="UTC")
    at = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert period_began(every, schedule, at) == datetime.fromisoformat(began).replace(tzinfo=UTC)


def test_findings_and_their_outbox_rows_commit_together(tmp_path):
    config = config_with(tmp_path, "")
    folder = tmp_path / "captures"
    folder.mkdir()

    def broken_route(finding, country):
        raise RuntimeError("crash while routing")

    with Store.open(config.database) as store:
        ingest_editions(config, store, folder, ["kyrgyzstan"])
        # ingest assessed with the config's route: undo that to assess again by hand.
        store.db.execute("DELETE FROM outbox")
        store.db.execute("DELETE FROM findings")
        store.db.execute("UPDATE snapshots SET assessed_at = NULL")
        with pytest.raises(RuntimeError):
            assess_pending(store, config.thresholds, route=broken_route)
        counts = [
            store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("findings", "outbox")
        ]
        assert counts == [0, 0]
        found = assess_pending(store, config.thresholds, route=config.notify.route)
        assert found and owed_counts(store) == {"digest": len(found)}


def test_waits_between_tries_of_a_round_are_capped(tmp_path, monkeypatch, httpserver: HTTPServer):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    toml = webhook_toml(httpserver.url_for("/hook")).replace("retry_wait = 0.0", "retry_wait = 1.0")
    toml += "attempts = 40\n"
    config = config_with(tmp_path, toml)
    findings_for(config, tmp_path, "kyrgyzstan")
    waits: list[float] = []
    with Store.open(config.database) as store:
        (delivery,) = notify(store, config, now=NOW, sleep=waits.append).deliveries
    assert delivery.status == "pending" and delivery.attempts == 40
    assert waits[:7] == [1, 2, 4, 8, 16, 32, 60] and max(waits) == 60  # not 2**38 s


def test_a_stop_ends_the_tries_of_a_round(tmp_path, monkeypatch, httpserver: HTTPServer):
    """The daemon stopping mid-delivery: no wait goes on and no further try starts; the
    notification stays pending for the next start."""
    import threading
    import time

    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    toml = webhook_toml(httpserver.url_for("/hook")) + "attempts = 4\n"
    config = config_with(tmp_path, toml.replace("retry_wait = 0.0", "retry_wait = 10.0"))
    findings_for(config, tmp_path, "kyrgyzstan")
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with Store.open(config.database) as store:
        report = notify(store, config, now=NOW, sleep=stop.wait, stop=stop)
    assert time.monotonic() - started < 5  # not 10 + 20 + 40 s of waits
    (delivery,) = report.deliveries
    assert delivery.status == "pending" and delivery.attempts == 1
    assert len(httpserver.log) == 1


def test_two_databases_never_share_a_message_id(tmp_path):
    """Finding ids restart at 1 in every database: the same findings in two monitors (or
    a rebuilt database) must still give distinct notification keys and Message-IDs."""
    ids = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        channel = '[notify.channels.analysts]\nkind = "email"\nto = ["a@x.org"]\n'
        config = config_with(folder, channel)
        findings_for(config, folder, "kyrgyzstan")
        with Store.open(config.database) as store:
            notify(store, config, now=NOW, **NO_WAIT)
        (eml,) = (config.data_dir / "outbox").glob("*.eml")
        ids.append(message_from_bytes(eml.read_bytes())["Message-ID"])
    assert ids[0] != ids[1]


def test_a_channel_removed_from_the_config_keeps_its_notifications_and_raises_no_alarm(
    tmp_path, monkeypatch, httpserver: HTTPServer
):
    """Its notifications are not tried (and do not fail for good, which would fail
    `monitor status` forever); they go out if the channel is configured again."""
    from click.testing import CliRunner

    from monitor.cli.main import cli

    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    with_hook = config_with(tmp_path, webhook_toml(httpserver.url_for("/hook")))
    findings_for(with_hook, tmp_path, "kyrgyzstan")
    with Store.open(with_hook.database) as store:
        notify(store, with_hook, now=NOW, **NO_WAIT)  # the receiver is down: pending
    without = tmp_path / "without.toml"
    without.write_text('data_dir = "data"\n', encoding="utf-8")
    tried = len(httpserver.log)
    with Store.open(with_hook.database) as store:
        report = notify(store, load_config(without), now=NOW + timedelta(days=2), **NO_WAIT)
        (kept,) = notifications(store, status="pending")
    assert report.deliveries == () and len(httpserver.log) == tried
    status = CliRunner().invoke(cli, ["--config", str(without), "status", "--json"])
    assert status.exit_code == 0 and json.loads(status.output)["unconfigured"] == 1
    assert kept.channel == "hook"
