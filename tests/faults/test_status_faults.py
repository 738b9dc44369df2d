"""What `monitor status` says about faults that do not stop a run: a mail server down
(a warning after the first failed round, exit 1 once a notification waited too long)
and a page served with 200 that is no profile (a failed check, with its reason)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.faults.conftest import FAULTY, Bench, check_guarantees, key_of
from tests.faults.db_helpers import (
    COUNTRIES,
    integrity_ok,
    monitor,
    serve,
    stored_countries,
    wait_for,
    write_config,
)
from tests.helpers.mailserver import free_port, smtp_server
from tests.helpers.site import respond

MAINTENANCE = b"<html><body><h1>Down for maintenance</h1><p>Back soon.</p></body></html>"


def mail_config(tmp_path: Path, httpserver: HTTPServer, port: int, max_age: float) -> Path:
    return write_config(
        tmp_path,
        httpserver,
        tmp_path / "data",
        f"[notify]\nmax_pending_age = {max_age}\n"
        f'[notify.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = 5\n'
        "[notify.delivery]\nattempts = 1\nretry_wait = 0\nround_backoff = 0\n"
        '[notify.channels.desk]\nkind = "email"\nto = ["desk@example.org"]\n',
    )


@pytest.mark.slow
@pytest.mark.fault("SMTP down then up")
def test_status_warns_then_fails_while_mail_waits_and_nothing_is_sent_twice(
    tmp_path, httpserver: HTTPServer
):
    port = free_port()  # nothing listens there yet: connections are refused
    serve(httpserver, 2021)
    config = mail_config(tmp_path, httpserver, port, 3600)
    assert monitor(config, "run").returncode == 0
    serve(httpserver, 2023)  # moved scores: a digest is owed
    refused = monitor(config, "run")
    assert refused.returncode == 0 and "Traceback" not in refused.stderr, refused.stderr
    assert stored_countries(tmp_path / "data" / "monitor.db") == set(COUNTRIES)
    status = monitor(config, "status")
    assert status.returncode == 0, status.stdout  # one failed round: a warning only
    assert "Warning: 1 notification(s) not delivered yet" in status.stdout
    assert "ConnectionRefusedError" in status.stdout
    config = mail_config(tmp_path, httpserver, port, 0.5)
    wait_for(lambda: monitor(config, "status").returncode == 1, 30, "the mail to be overdue")
    overdue = json.loads(monitor(config, "status", "--json").stdout)["attention"]
    assert any("waiting longer than 0.5 s" in line for line in overdue), overdue
    with smtp_server(port=port) as (mailbox, _):
        assert monitor(config, "run").returncode == 0
        assert monitor(config, "run").returncode == 0  # nothing more to send
        assert len(mailbox.messages) == 1  # delivered once, not lost, not twice
    after = monitor(config, "status")
    assert after.returncode == 0 and "All well." in after.stdout and "Warning" not in after.stdout
    integrity_ok(tmp_path / "data" / "monitor.db")


@pytest.mark.fault("200 error page (maintenance)")
def test_a_maintenance_page_served_with_200_is_a_failed_check_with_its_reason(bench: Bench):
    key = key_of(FAULTY)
    first = json.loads(bench.command("status", "--json").stdout)
    before = {s["key"]: s for s in first["sources"]}
    result = bench.fault(respond(MAINTENANCE))
    check_guarantees(bench, result, "failed", ("no scores", "Down for maintenance"))
    status = bench.command("status", "--json")
    assert status.exit_code == 1
    report = json.loads(status.stdout)
    sources = {s["key"]: s for s in report["sources"]}
    broken = sources[key]
    assert broken["consecutive_failures"] == 1
    assert broken["last_success_at"] == before[key]["last_success_at"]
    assert broken["last_error"].startswith("not a profile:")
    (reason,) = report["attention"]
    assert reason.startswith(f"{key}: broken: 1 failed check(s) in a row")
    assert "last: not a profile:" in reason
    assert [s["consecutive_failures"] for k, s in sources.items() if k != key] == [0, 0, 0]
    shown = bench.command("status").stdout
    assert "broken: 1 failed check(s)" in shown and "not a profile" in shown
