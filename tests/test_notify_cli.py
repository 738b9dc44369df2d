"""`monitor digest` and the `[notify]` config, through the command line."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli.main import cli
from monitor.ops.settings import load_config
from monitor.store import Store
from monitor.store.outbox import notifications
from tests.helpers.notifying import ingest_editions


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('data_dir = "data"\n', encoding="utf-8")
    config = load_config(path)
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"])
    return path


def test_preview_renders_without_sending(configured: Path, tmp_path: Path):
    html = tmp_path / "preview.html"
    result = CliRunner().invoke(
        cli, ["--config", str(configured), "digest", "--preview", "--html", str(html), "--text"]
    )
    assert result.exit_code == 0, result.output
    assert "== Kyrgyzstan" in result.output  # the text part
    assert "<table" in html.read_text(encoding="utf-8")
    with Store.open(load_config(configured).database) as store:
        assert notifications(store) == []  # nothing composed, nothing sent


def test_send_composes_and_delivers_now(configured: Path):
    result = CliRunner().invoke(cli, ["--config", str(configured), "digest", "--send"])
    assert result.exit_code == 0, result.output
    config = load_config(configured)
    (eml,) = (config.data_dir / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    with Store.open(config.database) as store:
        (sent,) = notifications(store)
    assert sent.status == "delivered" and message["Subject"] == sent.subject
    again = CliRunner().invoke(cli, ["--config", str(configured), "digest", "--send"])
    assert "Nothing to send" in again.output
    assert len(list((config.data_dir / "outbox").glob("*.eml"))) == 1


def test_send_due_leaves_a_weekly_channel_alone_until_its_week_begins(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(
        'data_dir = "data"\n[notify.channels.weekly]\nkind = "email"\n'
        'to = ["w@example.org"]\nevery = "weekly"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    runner = CliRunner()
    send_due = ["--config", str(path), "digest", "--send", "--due"]
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"])
    first = runner.invoke(cli, send_due)  # never sent: due
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kazakhstan"])
    next_day = runner.invoke(cli, send_due)  # the daily cron line again: this week is sent
    assert first.exit_code == next_day.exit_code == 0, first.output + next_day.output
    assert "no channel with findings waiting is due" in next_day.output
    with Store.open(config.database) as store:
        assert len(notifications(store)) == 1
    forced = runner.invoke(cli, ["--config", str(path), "digest", "--send"])
    assert forced.exit_code == 0, forced.output
    with Store.open(config.database) as store:
        assert len(notifications(store)) == 2
    alone = runner.invoke(cli, ["--config", str(path), "digest", "--due"])
    assert alone.exit_code == 2 and "--due goes with --send" in alone.output


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[notify.channels.x]\nkind = "pager"\n', "notify.channels.x.kind"),
        ('[notify.channels.x]\nkind = "email"\nto = ["not an address"]\n', "notify.channels.x.to"),
        (
            '[notify.channels.x]\nkind = "webhook"\nurl = "ftp://h/x"\nsecret_env = "S"\n',
            "notify.channels.x.url",
        ),
        (
            '[notify.channels.x]\nkind = "webhook"\nurl = "https://h/x"\n',
            "notify.channels.x.secret_env",
        ),
        (
            '[notify.channels.x]\nkind = "email"\nto = ["a@b.c"]\nevery = "hourly"\n',
            "notify.channels.x.every",
        ),
        (
            '[notify.channels.x]\nkind = "email"\nto = ["a@b.c"]\nmin_severity = "urgent"\n',
            "notify.channels.x.min_severity",
        ),
        ('[notify.smtp]\nhost = "h"\npassword = "hunter2"\n', "notify.smtp.password"),
        ('[notify.smtp]\nhost = "h"\nsecurity = "tls"\n', "notify.smtp.security"),
        (
            '[notify.channels.x]\nkind = "email"\nto = ["a@b.c"]\ncountries = ["Atlantis!"]\n',
            "notify.channels.x.countries[1]",
        ),
        ("[notify.smtp]\nport = 25\n", "notify.smtp.host"),
        ('[notify.smtp]\nhost = "h"\nca_file = "no-such-ca.pem"\n', "notify.smtp.ca_file"),
        ("[notify.delivery]\nattempts = 0\n", "notify.delivery.attempts"),
        ('[notify]\ntemplates = "missing-dir"\n', "notify.templates"),
    ],
)
def test_a_bad_notify_config_names_the_key_and_exits_2(tmp_path: Path, toml: str, key: str):
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "outbox"])
    assert result.exit_code == 2, result.output
    assert f"{path}: {key}:" in result.output
    assert "Traceback" not in result.output
