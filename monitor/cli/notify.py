"""`monitor digest` and `monitor outbox`: thin commands over `monitor.notify.deliver`."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli import display
from monitor.cli.context import print_json
from monitor.config.settings import Config
from monitor.errors import MonitorError
from monitor.files import private_opener, within
from monitor.notify.deliver import NotifyReport, notify, preview, retry
from monitor.notify.render import Templates
from monitor.store.outbox import notifications, owed_counts

console = display.terminal()


def report_deliveries(report: NotifyReport) -> None:
    if report.deliveries:
        console.print(display.deliveries_table(report.deliveries))


@click.command()
@click.option("--channel", default=None, help="Which channel's digest (default: the first).")
@click.option("--preview", "mode", flag_value="preview", default=True, help="Render, don't send.")
@click.option("--send", "mode", flag_value="send", help="Compose every channel's digest now, send.")
@click.option("--due", is_flag=True, help="With --send: only the channels whose digest is due.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--text", "text_out", is_flag=True, help="Print the plain-text part.")
@click.option("--json", "as_json", is_flag=True, help="Print the digest (or deliveries) as JSON.")
@click.pass_context
def digest(
    ctx: click.Context,
    channel: str | None,
    mode: str,
    due: bool,
    html_out: Path | None,
    text_out: bool,
    as_json: bool,
) -> None:
    """Render the next digest without sending it (--preview, the default), or compose
    and send every channel's digest now, whatever its period (--send); with --send --due,
    only the channels whose digest is due (daily and weekly ones at [schedule] digest).

    --html FILE writes the HTML part to FILE; --text (or no --html) prints the text part.
    """
    if due and mode != "send":
        raise click.UsageError("--due goes with --send")
    config: Config = ctx.obj.config(required=False)
    now = datetime.now(UTC)
    if mode == "send":
        with ctx.obj.writing(config) as store:
            report = notify(store, config, now=now, force=not due)
        if as_json:
            print_json({"ok": report.ok, "deliveries": [asdict(d) for d in report.deliveries]})
            sys.exit(0 if report.ok else 1)
        if not report.composed:
            why = "no channel with findings waiting is due" if due else "no findings are waiting"
            console.print(f"Nothing to send: {why}.")
        report_deliveries(report)
        sys.exit(0 if report.ok else 1)
    with ctx.obj.reading(config) as store:
        upcoming = preview(store, config, channel, now=now)
    if as_json:
        print_json(asdict(upcoming))
        return
    templates = Templates(config.notify.templates)
    if not upcoming.countries:
        console.print("Nothing waiting: the next digest would be empty.")
        return
    if html_out is not None:
        opener = private_opener if within(html_out, config.data_dir) else None
        with open(html_out, "w", encoding="utf-8", opener=opener) as stream:
            stream.write(templates.html(upcoming))
        console.print(f"HTML digest written to {html_out}", highlight=False)
    if text_out or html_out is None:
        click.echo(templates.text(upcoming))


@click.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the notifications as JSON.")
@click.pass_context
def outbox(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """Notifications: pending, delivered and failed (newest first). Exit code 1 when any
    failed for good, whether listed or not."""
    if ctx.invoked_subcommand is not None:
        return
    config: Config = ctx.obj.config(required=False)
    with ctx.obj.reading(config) as store:
        rows = notifications(store, status=status, limit=limit)
        waiting = owed_counts(store)
        # Any failed for good, listed or not: the exit code is a health check.
        failed = bool(notifications(store, status="failed", limit=1))
    if as_json:
        listed = [asdict(n) | {"message": None} for n in rows]
        click.echo(json.dumps({"notifications": listed, "owed": waiting}, indent=2))
    else:
        console.print(display.notifications_table(rows, waiting))
    sys.exit(1 if failed else 0)


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.pass_context
def outbox_retry(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Deliver failed notifications again now: IDS, or every failed one."""
    config: Config = ctx.obj.config(required=False)
    with ctx.obj.writing(config) as store:
        status = {n.id: n.status for n in notifications(store)}
        unknown = [str(i) for i in ids if i not in status]
        if unknown:
            raise MonitorError(f"no notification with id {', '.join(unknown)} (`monitor outbox`)")
        if settled := [f"{i} ({status[i]})" for i in ids if status[i] != "failed"]:
            raise MonitorError(f"not failed, so not retried: {', '.join(settled)}")
        deliveries = retry(store, config, ids, now=datetime.now(UTC))
    if not deliveries:
        console.print("No failed notifications to retry.")
    else:
        console.print(display.deliveries_table(deliveries))
    sys.exit(0 if all(d.status == "delivered" for d in deliveries) else 1)
