"""`monitor notify test`: try each channel with a test message, say what happened."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime

import click
from rich.text import Text

from monitor.cli import display
from monitor.cli.context import config_of, print_json
from monitor.notify.deliver import channel_named, send_test

console = display.terminal()


@click.group()
def notify() -> None:
    """Notification channels."""


@notify.command("test")
@click.option("--channel", default=None, help="Only this channel (default: every channel).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def notify_test(ctx: click.Context, channel: str | None, as_json: bool) -> None:
    """Send a test message through each channel now (not through the outbox: it is
    not news, so nothing is stored or retried) and say where it went or why it failed.

    Exit code 0 when every channel took it, 1 when any failed.
    """
    config = config_of(ctx, required=False)
    chosen = [channel_named(config, channel)] if channel else list(config.notify.channels)
    now = datetime.now(UTC)
    results = [send_test(config, spec, now=now) for spec in chosen]
    if as_json:
        print_json([asdict(r) | {"kind": s.kind} for s, r in zip(chosen, results, strict=True)])
    else:
        for spec, r in zip(chosen, results, strict=True):
            ok = r.status == "delivered"
            line = Text.assemble(
                (spec.name, "bold"),
                f" ({spec.kind}): ",
                ("delivered" if ok else "failed", "green" if ok else "red"),
                f" — {'sent to ' + r.where if ok else r.error}",
            )
            console.print(line, soft_wrap=True)  # one line a channel, however narrow
    sys.exit(0 if all(r.status == "delivered" for r in results) else 1)
