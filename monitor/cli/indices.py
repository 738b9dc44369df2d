"""`monitor indices [check FILE]`: the index definitions this monitor knows, and a check
of a user's own definition file (exit 2 naming the key at fault)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Column, Table
from rich.text import Text

from monitor.cli import display
from monitor.cli.context import config_of, print_json
from monitor.indices import IndexDefinition, Measure, load_definition, registry

console = display.terminal()


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the definitions as JSON.")
@click.pass_context
def indices(ctx: click.Context, as_json: bool) -> None:
    """The known indices (shipped, and the config's indices_dir) and their measures."""
    if ctx.invoked_subcommand is not None:
        return
    config = config_of(ctx, required=False)
    known = registry(config.indices_dir)
    if as_json:
        print_json([_summary(d) for d in known.values()])
        return
    for definition in known.values():
        _show(definition)


@indices.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Validate an index definition FILE; a problem names the key at fault (exit 2)."""
    definition = load_definition(file)
    console.print(
        f"{file}: {definition.id} ({definition.name}) is a valid definition: "
        f"{len(definition.measures)} measures, editions "
        + ", ".join(str(e) for e in definition.editions),
        highlight=False,
        soft_wrap=True,
    )


def _describe(m: Measure) -> str:
    if m.kind == "score" and m.scale is not None:
        step = f", step {m.step:g}" if m.step else ""
        what = f"{m.level} score {m.scale.min:g}-{m.scale.max:g}{step}"
        if m.arithmetic != "none":
            what += f", {m.arithmetic} of its parts ±{m.tolerance:g}"
        return what
    if m.kind == "rank":
        return f"rank of {m.of} ({', '.join(m.groups)})"
    if m.kind == "category":
        return "category: " + " / ".join(m.levels)
    return "membership (on the list or not)"


def _show(d: IndexDefinition) -> None:
    console.print(Text.assemble((d.id, "bold"), f"  {d.name} — {d.publisher}"))
    console.print(
        f"{d.home}; editions {', '.join(str(e) for e in d.editions)}, "
        f"expected every {d.cadence_months} months; {d.path}",
        highlight=False,
    )
    # Folded, never cut: a key cut to `standard_e…` cannot be typed into --where or export.
    headers = ("measure", "name", "kind", "direction", "threshold", "editions")
    table = Table(*(Column(h, overflow="fold") for h in headers))
    for m in d.measures:
        editions = f"{m.since or d.editions[0]}-{m.until or ''}"
        significant = f"{m.significance:g}" if m.kind in ("score", "rank") else "any change"
        direction = "" if m.kind == "rank" else m.direction.replace("_", " ")
        table.add_row(m.key, m.name, _describe(m), direction, significant, editions)
    console.print(table)
    for change in d.changes:
        what = [f"groups redefined: {', '.join(change.groups_redefined)}"] * bool(
            change.groups_redefined
        )
        what += [f"scale changed: {', '.join(change.scale_changed)}"] * bool(change.scale_changed)
        console.print(f"  {change.edition}: {'; '.join(what) or change.note}", highlight=False)
    console.print()


def _summary(d: IndexDefinition) -> dict[str, object]:
    return {
        "id": d.id,
        "name": d.name,
        "publisher": d.publisher,
        "home": d.home,
        "editions": list(d.editions),
        "path": d.path,
        "measures": [
            {"key": m.key, "name": m.name, "kind": m.kind, "significance": m.significance}
            for m in d.measures
        ],
    }
