"""`monitor history|show|movers|export|report|browse`: thin commands over `monitor.review`."""

from __future__ import annotations

import json
import shlex
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from monitor.cli import display
from monitor.config.settings import Config
from monitor.files import private_opener, within
from monitor.indices import get
from monitor.review.browse import browse_plan, launch, require_datasette
from monitor.review.capture import stored_capture
from monitor.review.export import FORMATS, ExportFilter, write_export
from monitor.review.headlines import country_headlines
from monitor.review.history import score_history
from monitor.review.keys import PILLARS, resolve_key
from monitor.review.movers import movers
from monitor.review.report import MAP_BY, ReportOptions, write_reports
from monitor.review.snapshots import country_slug, latest_snapshot, previous_profile
from monitor.review.tables import history_table, movers_table, snapshot_header
from monitor.review.where import Where, WhereError, parse
from monitor.store import Store

console = display.terminal()
err_console = display.terminal(stderr=True)
JSON_HELP = "Print the result as JSON."
SOURCE_OPTION = click.option(
    "--source",
    default=None,
    callback=display.known_kind,
    help="Only snapshots of this source kind.",
)
INDEX_OPTION = click.option(
    "--index", "index_id", default=None, help="Only this index (`monitor indices`: cpi, fiw…)."
)


def _store(ctx: click.Context) -> Store:
    """The store for reading: read-only, no writer lock."""
    config: Config = ctx.obj.config(required=False)
    store: Store = ctx.obj.reading(config)
    return store


def _known_index(index_id: str | None) -> None:
    """An unknown --index is a usage error (exit 2) naming the known ones. Checked once
    the config is read: it may name a directory of the user's own definitions."""
    if index_id is not None:
        try:
            get(index_id)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="--index") from None


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _score_keys(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    keys = [resolve_key(v) for v in values]
    for value, key in zip(values, keys, strict=True):
        if key is None:
            raise click.BadParameter(f"{value!r} names no score of the index", ctx, param)
    return [k for k in keys if k is not None]


def _where(ctx: click.Context, param: click.Parameter, value: str | None) -> Where | None:
    try:
        return parse(value) if value is not None else None
    except WhereError as exc:
        raise click.BadParameter(str(exc).removeprefix("--where: "), ctx, param) from None


@click.command()
@click.argument("country")
@click.option(
    "--indicator",
    "keys",
    multiple=True,
    callback=_score_keys,
    help="Only this score: a key or name (criminality, human_trafficking); repeatable.",
)
@SOURCE_OPTION
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def history(
    ctx: click.Context,
    country: str,
    keys: list[str],
    source: str | None,
    index_id: str | None,
    as_json: bool,
) -> None:
    """Every edition of COUNTRY (a name, slug or ISO code) holding scores, index by index
    and oldest edition first: each score across them, with a sparkline and its change
    from first to last."""
    with _store(ctx) as store:
        _known_index(index_id)
        slug = country_slug(store, country)
        result = score_history(store, slug, keys=keys, source=source, index=index_id)
    if as_json:
        _print_json(result.to_dict())
    else:
        console.print(history_table(result, plain=display.plain(console), width=console.width))


@click.command()
@click.argument("country")
@click.option("--edition", type=int, default=None, help="This edition (default: the latest).")
@SOURCE_OPTION
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def show(
    ctx: click.Context,
    country: str,
    edition: int | None,
    source: str | None,
    index_id: str | None,
    as_json: bool,
) -> None:
    """COUNTRY across every index first (each one's latest headline values, their change
    from the edition before, ranks, status and lists), then the latest (or --edition's,
    or --index's) snapshot in detail: scores grouped by pillar, ranks, narrative sections
    and the capture's status. Complete snapshots are preferred."""
    with _store(ctx) as store:
        _known_index(index_id)
        slug = country_slug(store, country)
        chosen = latest_snapshot(store, slug, edition=edition, kind=source, index=index_id)
        headlines = country_headlines(store, slug)
        profile = chosen.snapshot.extraction.profile
        previous = (
            previous_profile(store, slug, profile.index, profile.edition) if profile else None
        )
        if index_id is not None:
            headlines = tuple(h for h in headlines if h.index == index_id)
    snapshot = chosen.snapshot
    if as_json:
        _print_json(
            {
                "headlines": [h.to_dict() for h in headlines],
                "snapshot_id": snapshot.id,
                "source": chosen.source_key,
                "kind": chosen.source_kind,
                "captured_at": snapshot.captured_at,
                "last_seen_at": snapshot.last_seen_at,
                **snapshot.extraction.to_dict(),
            }
        )
    else:
        console.print(display.headlines_view(headlines))
        console.print(display.extraction_view(snapshot.extraction, previous))
        console.print(snapshot_header(chosen))


@click.command("movers")
@click.option("--from", "from_edition", type=int, required=True, help="The earlier edition.")
@click.option("--to", "to_edition", type=int, required=True, help="The later edition.")
@click.option(
    "--pillar",
    "pillars",
    multiple=True,
    type=click.Choice(list(PILLARS)),
    help="Rank this pillar's scores and indicators (default: the composites); repeatable.",
)
@click.option(
    "--top", type=click.IntRange(min=0), default=20, show_default=True, help="Moves shown (0: all)."
)
@click.option(
    "--where",
    callback=_where,
    help="Only countries whose deltas match, e.g. 'criminality >= +0.2 and resilience < -0.3'"
    " (and, or, not, parentheses; < <= > >= = !=).",
)
@click.option(
    "--index",
    "index_id",
    default="ocindex",
    show_default=True,
    help="This index's moves (`monitor indices`: cpi, fiw…).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def movers_command(
    ctx: click.Context,
    from_edition: int,
    to_edition: int,
    pillars: tuple[str, ...],
    top: int,
    where: Where | None,
    index_id: str,
    as_json: bool,
) -> None:
    """The biggest moves of an index's headline scores between two editions across all
    countries (of the OC Index unless --index names another)."""
    with _store(ctx) as store:
        _known_index(index_id)
        result = movers(
            store,
            from_edition,
            to_edition,
            pillars=pillars,
            top=top,
            where=where,
            index=index_id,
        )
    if as_json:
        _print_json(result.to_dict())
    else:
        console.print(movers_table(result, plain=display.plain(console)))


@click.command()
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: stdout."
)
@click.option("--country", default=None, help="Only this country (name, slug or ISO code).")
@INDEX_OPTION
@click.option("--edition", type=int, default=None, help="Only this edition.")
@click.option(
    "--since", default=None, help="Only snapshots captured on or after this ISO date or time."
)
@click.pass_context
def export(
    ctx: click.Context,
    fmt: str,
    as_json: bool,
    out: Path | None,
    country: str | None,
    index_id: str | None,
    edition: int | None,
    since: str | None,
) -> None:
    """Every score of every snapshot in tidy long format: country, country_name, iso3,
    region, edition, source, index_id, indicator, indicator_name, pillar, score, change
    (as printed), status, snapshot_id, captured_at, level_name (a category's level as
    named: Not Free)."""
    fmt = "json" if as_json else fmt
    if since is not None:
        try:  # compared as text with the stored ISO 8601 times
            datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(
                f"{since!r} is not an ISO date", param_hint="--since"
            ) from None
    with _store(ctx) as store:
        _known_index(index_id)
        only = ExportFilter(
            country_slug(store, country) if country else None, index_id, edition, since
        )
        if out is None:
            write_export(store, sys.stdout, fmt, only)
            return
        # newline="": the csv module writes its own line endings. Into the data
        # directory, private like all there.
        opener = private_opener if within(out, store.path.parent) else None
        with open(out, "w", encoding="utf-8", newline="", opener=opener) as stream:
            count = write_export(store, stream, fmt, only)
    err_console.print(f"{count} rows written to {out}", highlight=False)


@click.command()
@click.argument("country", required=False)
@click.option("--all", "every", is_flag=True, help="Every country with a complete snapshot.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for <country>.html and index.html.",
)
@click.option(
    "--map",
    "measure",
    default="ocindex:criminality",
    show_default=True,
    help="The score the overview's map colours: INDEX:KEY (cpi:score), or a key of the OC Index.",
)
@click.option(
    "--map-by",
    type=click.Choice(MAP_BY),
    default="change",
    show_default=True,
    help="Colour the map by the score's latest change or by its value.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the pages written as JSON.")
@click.pass_context
def report(
    ctx: click.Context,
    country: str | None,
    every: bool,
    out: Path,
    measure: str,
    map_by: str,
    as_json: bool,
) -> None:
    """Static HTML report of COUNTRY (or --all): an overview (every country's headline
    scores, biggest movers first, and a world map) and a page per country with a
    section per index (chart, scores, ranks, methodology notes, the publisher's links),
    the state of its latest captures and what the narrative says differently."""
    if (country is None) == (not every):
        raise click.UsageError("give a COUNTRY or --all (not both)")
    config: Config = ctx.obj.config(required=False)
    options = ReportOptions(measure, map_by, config)
    started = time.perf_counter()
    with ctx.obj.reading(config) as store:
        chosen = None if every else [country_slug(store, country or "")]
        pages = write_reports(store, out, chosen, options)
    seconds = round(time.perf_counter() - started, 2)
    if as_json:
        _print_json({"pages": [str(p) for p in pages], "seconds": seconds})
    else:
        console.print(
            f"{len(pages) - 1} report(s) and an index written to {out} in {seconds} s",
            highlight=False,
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--dry-run", is_flag=True, help="Show the command and metadata; start nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON (implies --dry-run).")
@click.pass_context
def browse(ctx: click.Context, host: str, port: int, dry_run: bool, as_json: bool) -> None:
    """Open the snapshot database in Datasette (the `browse` extra), with table and
    column descriptions and canned queries for the usual questions."""
    with _store(ctx) as store:
        plan = browse_plan(store, host=host, port=port)
    if as_json:
        _print_json(
            {
                "command": plan.command,
                "metadata_file": str(plan.metadata_file),
                "metadata": plan.metadata,
            }
        )
    elif dry_run:
        click.echo(f"Would write {plan.metadata_file}:")
        click.echo(json.dumps(plan.metadata, indent=2, ensure_ascii=False))
        click.echo(f"Would run: {shlex.join(plan.command)}")
    else:
        require_datasette()  # before announcing an address nothing will serve
        console.print(f"Datasette on http://{host}:{port}/ (Ctrl-C stops it)", highlight=False)
        sys.exit(launch(plan))


COMMANDS = (history, show, movers_command, export, report, browse)


@click.command()
@click.argument("snapshot_id", type=int)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File for the raw bytes (`-`: stdout).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metadata as JSON.")
@click.pass_context
def capture(ctx: click.Context, snapshot_id: int, out: Path, as_json: bool) -> None:
    """Write the raw document of SNAPSHOT_ID exactly as captured (the page, PDF or
    workbook bytes) and print its URL, capture time, sha256 and HTTP validators."""
    if as_json and str(out) == "-":
        raise click.UsageError("--json and --out - would mix on stdout")
    with _store(ctx) as store:
        found = stored_capture(store, snapshot_id)
    if str(out) == "-":
        sys.stdout.buffer.write(found.content)
        sys.stdout.flush()
    else:
        out.write_bytes(found.content)
    facts = found.metadata() | {"out": str(out)}
    if as_json:
        _print_json(facts)
        return
    stream = err_console if str(out) == "-" else console
    for name, value in facts.items():
        shown = "not kept for this capture" if value is None else value
        stream.print(f"{name + ':':<15} {shown}", highlight=False, soft_wrap=True)
