"""`monitor init` and `monitor watch add|list|remove`: from install to a watch list
without opening an editor; edits keep the config's comments (`monitor.config.edit`)."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import display
from monitor.cli.context import CliContext, config_of, print_json
from monitor.config import edit
from monitor.config.locate import CONFIG_NAME, find_config, not_found_message, user_config_dir
from monitor.errors import ConfigError
from monitor.ops.settings import load_config
from monitor.sources import KINDS, kind_class

console = display.terminal()


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path | None) -> None:
    """Write a commented starter config.toml and its data directory to DIRECTORY
    (default: the user config directory, found from any directory afterwards)."""
    config = edit.write_starter(directory or user_config_dir())
    where = f"wrote {config} (data in {config.parent / 'data'})"
    console.print(where, highlight=False, soft_wrap=True)
    console.print("next: monitor watch add kyrgyzstan kazakhstan; then monitor run")


@click.group()
def watch() -> None:
    """The watch list: add, list or remove countries (the config keeps its comments)."""


def _config_file(ctx: click.Context) -> Path:
    context: CliContext = ctx.obj
    path = find_config(context.config_path)
    if path is None:
        raise ConfigError(CONFIG_NAME, None, not_found_message())
    return path


@watch.command("add")
@click.argument("countries", nargs=-1, required=True)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Source kind (repeatable; default ocindex_page; `monitor kinds` lists them).",
)
@click.option(
    "--edition",
    "editions",
    multiple=True,
    help='"current" (default: the live edition) or a year (repeatable; PDFs need years).',
)
@click.pass_context
def watch_add(
    ctx: click.Context,
    countries: tuple[str, ...],
    kinds: tuple[str, ...],
    editions: tuple[str, ...],
) -> None:
    """Watch COUNTRIES (names, slugs or ISO codes) with each --kind and --edition."""
    for kind in kinds:
        if kind_class(kind) is None:
            known = ", ".join(sorted(KINDS))
            raise click.BadParameter(f"unknown source kind {kind!r} (known: {known})")
    path = _config_file(ctx)
    when = [int(e) if e.isdigit() else e for e in editions]
    added = edit.add_countries(path, countries, kinds, when, load_config)
    skipped = len(set(countries)) - len(added)
    message = f"{path}: watching {', '.join(added) or 'nothing new'}"
    note = f" ({skipped} already watched)" if skipped > 0 else ""
    console.print(message + note, highlight=False, soft_wrap=True)


@watch.command("remove")
@click.argument("countries", nargs=-1, required=True)
@click.pass_context
def watch_remove(ctx: click.Context, countries: tuple[str, ...]) -> None:
    """Stop watching COUNTRIES (every kind and edition of each)."""
    path = _config_file(ctx)
    removed = edit.remove_countries(path, countries, load_config)
    message = f"{path}: no longer watching {', '.join(removed)}"
    console.print(message, highlight=False, soft_wrap=True)


@watch.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the watched sources as JSON.")
@click.pass_context
def watch_list(ctx: click.Context, as_json: bool) -> None:
    """The watched sources: country, kind, edition, one a line."""
    config = config_of(ctx)
    rows = [
        {"key": s.key, "country": s.country, "kind": s.kind, "edition": s.edition or "current"}
        for s in config.sources
    ]
    if as_json:
        print_json(rows)
        return
    console.print(f"{config.path}: {len(rows)} source(s)", highlight=False, soft_wrap=True)
    for r in rows:
        console.print(f"  {r['country']:<24} {r['kind']:<18} {r['edition']}", highlight=False)
