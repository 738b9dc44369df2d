"""What the cog blocks in docs/*.md print: the references generated from the code.

`cog -r docs/*.md` runs the blocks (cog puts this directory on `sys.path`), and
`tests/test_docs.py` fails when a page differs from what they would print now, so a
new command, option or kind cannot be left out of the docs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click

# Help is wrapped as on a terminal this wide, whatever terminal cog runs in.
WIDTH = 100
PACKAGE = Path(__file__).resolve().parents[1] / "monitor"


def commands() -> Iterator[click.Context]:
    """Every command and subcommand of `monitor`, each in the context its help prints in
    (so that its usage line reads `monitor outbox retry`)."""
    from monitor.cli.main import cli

    def walk(ctx: click.Context) -> Iterator[click.Context]:
        yield ctx
        if isinstance(ctx.command, click.Group):
            for name in ctx.command.list_commands(ctx):
                sub = ctx.command.get_command(ctx, name)
                if sub is not None:
                    yield from walk(click.Context(sub, info_name=name, parent=ctx))

    root = click.Context(cli, info_name="monitor", terminal_width=WIDTH, max_content_width=WIDTH)
    yield from walk(root)


def cli_reference() -> str:
    """One section per command: its `--help`, as the terminal shows it."""
    return "\n".join(
        f"## `{ctx.command_path}`\n\n```\n{ctx.command.get_help(ctx)}\n```\n" for ctx in commands()
    )


def source_kinds() -> str:
    """The registered source kinds: what each declares, its documentation and options."""
    from monitor.sources import KINDS

    columns = (
        "kind",
        "a source is",
        "one document, many sources",
        "a changed score is",
        "extractor",
    )
    rows = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for name, kind in sorted(KINDS.items()):
        if kind.takes_url:
            address = "a URL given in `[[watch]] url`"
        else:
            address = f"a country and {_editions(kind)}"
            address += "" if kind.per_edition else ", within one document"
        shared = "yes" if kind.shared_document else "no"
        changed = "a revision by the publisher" if kind.revised_in_place else "a movement"
        rows.append(f"| `{name}` | {address} | {shared} | {changed} | version {kind.version} |")
    return "\n".join(rows) + "\n\n" + _documented(KINDS, "kinds.{}")


def _editions(kind: type[Any]) -> str:
    """Which editions a kind can watch: it refuses to name an undated document if it has
    none (PDF summaries are published under dated URLs only)."""
    try:
        kind().url("kyrgyzstan", None)
    except ValueError:
        return "an edition year"
    return "an edition (`current` or a year)"


def channel_kinds() -> str:
    """The registered notification channel kinds, their documentation and options."""
    from monitor.notify.channels import CHANNEL_KINDS

    return _documented(CHANNEL_KINDS, "notify.channels.<name>")


def number_ranges() -> str:
    """Every number config.toml may set, with its range (`monitor.config.numbers`)."""
    from monitor.config.numbers import NUMBERS

    rows = [f"| `{key}` | {limit.describe()} |" for key, limit in NUMBERS.items()]
    return "\n".join(["| Key | Range |", "|-----|-------|", *rows]) + "\n"


def _documented(registry: Mapping[str, Any], table: str) -> str:
    parts = []
    for name, kind in sorted(registry.items()):
        parts.append(f"### `{name}`\n\n{_text(kind.doc())}\n")
        options = [f"| `{option}` | {meaning} |" for option, meaning in kind.options.items()]
        if options:
            parts.append(f"| `[{table.format(name)}]` option | meaning |\n| --- | --- |")
            parts.append("\n".join(options) + "\n")
        else:
            parts.append(f"No `[{table.format(name)}]` options of its own.\n")
    return "\n".join(parts)


def _text(doc: str) -> str:
    """A docstring as Markdown text: `<slug>` outside code spans is escaped, or a browser
    would take it for an HTML tag and show nothing."""
    spans = doc.split("`")
    spans[::2] = [span.replace("<", "&lt;") for span in spans[::2]]
    return "`".join(spans)


def layout(order: list[str]) -> str:
    """Every module of the package and what it is (the first paragraph of its docstring),
    package by package in the given order; any not named in it come last."""

    def place(file: Path) -> tuple[int, str]:
        top = file.relative_to(PACKAGE).parts[0].removesuffix(".py")
        return (order.index(top) if top in order else len(order), file.as_posix())

    rows = ["| module | what it is |", "| --- | --- |"]
    for file in sorted(PACKAGE.rglob("*.py"), key=place):
        module = ".".join(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        doc = ast.get_docstring(ast.parse(file.read_text(encoding="utf-8"))) or ""
        summary = " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")
        rows.append(f"| `{module.removesuffix('.__init__')}` | {_text(summary)} |")
    return "\n".join(rows) + "\n"
