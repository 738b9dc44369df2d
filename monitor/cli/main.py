"""The `monitor` command: thin wrappers over the Python API, with clear errors.

A `MonitorError` is printed as one line (no traceback) and exits with its code:
2 for a bad config, 3 when another process holds the data directory, 1 otherwise.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import click

from monitor.cli.context import CliContext
from monitor.cli.logs import FORMATS, setup_logging
from monitor.errors import MonitorError
from monitor.version import __version__

# httpx imports its own command line (rich.progress, rich.syntax, pygments: ~50 ms) when
# those are installed, as they are here; this process never runs httpx's command line, so
# that import is refused (httpx then defines a stub `httpx.main`). Issue 19, start-up.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# Command name -> "module:attribute". A command's module is imported only when that
# command runs (or --help lists it), so `monitor --version` loads no stage at all.
COMMANDS = {
    "backup": "monitor.cli.operations:backup",
    "browse": "monitor.cli.review:browse",
    "capture": "monitor.cli.review:capture",
    "check": "monitor.cli.watch:check",
    "daemon": "monitor.cli.operations:daemon",
    "demo": "monitor.cli.operations:demo",
    "diff": "monitor.cli.watch:diff",
    "digest": "monitor.cli.notify:digest",
    "export": "monitor.cli.review:export",
    "extract": "monitor.cli.watch:extract",
    "history": "monitor.cli.review:history",
    "import-workbook": "monitor.cli.watch:import_workbook_command",
    "init": "monitor.cli.onboard:init",
    "indices": "monitor.cli.indices:indices",
    "ingest": "monitor.cli.watch:ingest_command",
    "kinds": "monitor.cli.watch:kinds",
    "movers": "monitor.cli.review:movers_command",
    "notify": "monitor.cli.channels:notify",
    "outbox": "monitor.cli.notify:outbox",
    "reextract": "monitor.cli.watch:reextract_command",
    "report": "monitor.cli.review:report",
    "run": "monitor.cli.watch:run",
    "show": "monitor.cli.review:show",
    "sources": "monitor.cli.watch:sources",
    "status": "monitor.cli.operations:status_command",
    "watch": "monitor.cli.onboard:watch",
}


class _Group(click.Group):
    """The root command: subcommands loaded on demand; a `MonitorError` becomes one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name].partition(":")
        command: click.Command = getattr(import_module(module), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            from rich.text import Text

            from monitor.cli.display import terminal

            terminal(stderr=True).print(Text.assemble(("Error:", "red"), f" {exc}"), soft_wrap=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: $MONITOR_CONFIG, else ./config.toml, else the user config"
    " directory's, where `monitor init` writes it).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory (overrides the config's data_dir).",
)
@click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another monitor writing to the same data directory.",
)
@click.option("--log-format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="Default: info for the daemon, warning otherwise.",
)
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path | None,
    data_dir: Path | None,
    lock_wait: float,
    log_format: str,
    log_level: str | None,
) -> None:
    """Watch published country profiles, snapshot them into SQLite, report what moved."""
    daemon = ctx.invoked_subcommand == "daemon"
    setup_logging(log_format, log_level or ("info" if daemon else "warning"))
    ctx.obj = CliContext(config_path, data_dir, lock_wait)


def main() -> None:
    cli(prog_name="monitor")
