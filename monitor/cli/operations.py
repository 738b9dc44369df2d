"""`monitor demo|daemon|backup|status`: running the monitor and looking after it."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli import display
from monitor.cli.context import config_of, print_json

console = display.terminal()


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the whole pipeline on bundled sample pages served on loopback.

    Uses a temporary data directory unless --data-dir is given; no network is used.
    """
    from monitor.cli.walkthrough import run_demo

    run_demo(ctx.obj.data_dir, console)


@click.command()
@click.pass_context
def daemon(ctx: click.Context) -> None:
    """Check sources and send digests on the config's [schedule] until SIGTERM/SIGINT.

    Each check takes the data directory's writer lock (waiting up to --lock-wait), so a
    cron `monitor run` and the daemon never write at once. Logs one line per cycle.
    """
    from monitor.ops.daemon import run_daemon

    sys.exit(run_daemon(config_of(ctx), lock_wait=ctx.obj.lock_wait))


@click.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, destination: Path) -> None:
    """Copy the database to DESTINATION (a new file), safely, even while a daemon writes."""
    config = config_of(ctx, required=False)
    with ctx.obj.reading(config) as store:
        store.backup(destination)
    console.print(f"Backed up {config.database} to {destination}", highlight=False)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (every source).")
@click.option(
    "--all",
    "every_source",
    is_flag=True,
    help="List every source, also those not in the watch list (imported workbook rows).",
)
@click.pass_context
def status_command(ctx: click.Context, as_json: bool, every_source: bool) -> None:
    """Sources' health, the outbox and the database; exit 1 when something needs
    attention (a broken, stale or overdue source, a notification failed for good).
    Sources not in the watch list and needing nothing are one line unless --all."""
    from monitor.ops.status import status

    config = config_of(ctx, required=False)
    with ctx.obj.reading(config) as store:
        report = status(store, config, now=datetime.now(UTC))
    if as_json:
        print_json({**asdict(report), "attention": report.attention})
    else:
        console.print(display.status_view(report, every_source=every_source, width=console.width))
    sys.exit(1 if report.attention else 0)
