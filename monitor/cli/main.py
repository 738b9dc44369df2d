"""The `monitor` command: thin wrappers over the Python API, with clear errors.

A `MonitorError` is printed as one line (no traceback) and exits with its code:
2 for a bad config, 3 when another process holds the data directory, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from monitor.cli import display
from monitor.cli.context import DEFAULT_CONFIG, CliContext
from monitor.cli.logs import FORMATS, setup_logging
from monitor.cli.notify import digest, outbox, report_deliveries
from monitor.cli.review import COMMANDS as REVIEW_COMMANDS
from monitor.config.reader import Config
from monitor.errors import MonitorError
from monitor.fetch.client import Fetcher, Outcome
from monitor.models import Status
from monitor.notify.channels import CHANNEL_KINDS
from monitor.notify.deliver import notify
from monitor.ops.cycle import SourceResult, ingest, run_cycle
from monitor.ops.reextract import reextract
from monitor.ops.workbook_import import ImportReport, import_workbook
from monitor.redact import redact_text
from monitor.review.snapshots import (
    country_slug,
    diff_snapshots,
    resolve_snapshot,
    snapshot_kind,
)
from monitor.sources import KINDS, extract_safely, get_kind
from monitor.store import Store

console = display.terminal()
err_console = display.terminal(stderr=True)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            err_console.print(Text.assemble(("Error:", "red"), f" {exc}"), soft_wrap=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Config file (default ./{DEFAULT_CONFIG}).",
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
@click.version_option(package_name="profile-monitor")
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


def _config(ctx: click.Context, *, required: bool = True) -> Config:
    return ctx.obj.config(required=required)


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@cli.command()
@click.argument("target")
@click.option("--kind", default="ocindex_page", show_default=True, help="Source kind.")
@click.option("--edition", type=int, default=None, help="Edition hint (content decides).")
@click.option("--json", "as_json", is_flag=True, help="Print the extraction as JSON.")
def extract(target: str, kind: str, edition: int | None, as_json: bool) -> None:
    """Extract a profile from FILE or URL and print it with its validation status.

    Exit code 0 when the capture is complete, 1 when incomplete or not a profile.
    """
    try:
        source_kind = get_kind(kind)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--kind") from None
    if target.startswith(("http://", "https://")):
        with Fetcher() as fetcher:
            fetched = fetcher.fetch(target)
        if fetched.outcome is not Outcome.OK:
            raise MonitorError(redact_text(f"{target}: {fetched.error}"))
        content, content_type, url = fetched.content or b"", fetched.content_type, target
    else:
        path = Path(target)
        if not path.is_file():
            raise MonitorError(f"{target}: no such file (give a file path or an http(s) URL)")
        content, content_type, url = path.read_bytes(), None, None
    extraction = extract_safely(
        source_kind, content, url=url, content_type=content_type, edition=edition
    )
    if as_json:
        _json(extraction.to_dict())
    else:
        console.print(display.extraction_view(extraction))
    sys.exit(0 if extraction.status is Status.COMPLETE else 1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def run(ctx: click.Context, as_json: bool) -> None:
    """Check every watched source once: fetch, extract, store, assess; then compose
    the digests that are due and deliver what is waiting in the outbox.

    Exit code 0 when every source was checked, 1 when any failed (listed).
    """
    config = _config(ctx)
    if not config.sources:
        raise MonitorError(f"{config.path}: the watch list is empty (add [[watch]] entries)")
    with ctx.obj.writing(config) as store:
        report = _run_with_progress(config, store, quiet=as_json)
        sent = notify(store, config, now=datetime.now(UTC))
    if as_json:
        _json(
            {
                "ok": report.ok,
                "results": [vars(r) for r in report.results],
                "findings": [asdict(f) for f in report.findings],
                "deliveries": [asdict(d) for d in sent.deliveries],
            }
        )
    else:
        console.print(display.cycle_table(report))
        console.print(display.cycle_summary(report))
        for f in report.findings:
            console.print(f"[{f.severity}] {f.kind}: {f.message}", highlight=False)
        for r in report.failed:
            err_console.print(Text.assemble(("failed:", "red"), f" {r.key}: {r.detail}"))
        report_deliveries(sent)
    sys.exit(0 if report.ok else 1)


def _run_with_progress(config: Config, store: Store, *, quiet: bool) -> Any:
    columns = (
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False),  # a source key holds a URL
    )
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
        task = bar.add_task("", total=len(config.sources))

        def advance(result: SourceResult) -> None:
            bar.update(task, advance=1, description=result.key)

        return run_cycle(config, store, progress=advance)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """What is watched, and each source's last state."""
    config = _config(ctx)
    with ctx.obj.writing(config) as store:
        for spec in config.sources:
            store.ensure_source(
                key=spec.key,
                kind=spec.kind,
                country_slug=spec.country,
                edition=spec.edition,
                url=spec.url,
            )
        records = store.sources()
    if as_json:
        _json([vars(r) for r in records])
    else:
        console.print(display.sources_table(records))


@cli.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the capture was taken from.")
@click.option("--kind", default="ocindex_page", show_default=True, help="Source kind.")
@click.option("--captured-at", default=None, help="When it was captured (ISO 8601).")
@click.pass_context
def ingest_command(
    ctx: click.Context, files: tuple[Path, ...], url: str, kind: str, captured_at: str | None
) -> None:
    """Record captures you already have (saved pages, archived copies) as if fetched."""
    config = _config(ctx, required=False)
    if kind not in KINDS:
        raise click.BadParameter(f"unknown source kind {kind!r}", param_hint="--kind")
    with ctx.obj.writing(config) as store:
        results = ingest(config, store, files, url=url, kind_name=kind, captured_at=captured_at)
    for path, r in zip(files, results, strict=True):
        status = r.status.value if r.status else "-"
        console.print(
            f"{path}: {r.change.replace('_', ' ')} (snapshot {r.snapshot_id}, {status}) {r.detail}",
            highlight=False,
            soft_wrap=True,
        )


@cli.command("import-workbook")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_workbook_command(ctx: click.Context, target: str, as_json: bool) -> None:
    """Import the publisher's dataset workbook (FILE or URL): every country, every edition.

    Each country's row of each edition is a snapshot of its own source
    (ocindex_workbook:<country>:<edition>); importing the same workbook again adds
    nothing, and a revised cell is reported as a revision. A document that cannot be
    imported whole stores nothing (exit code 1).
    """
    config = _config(ctx, required=False)
    with ctx.obj.writing(config) as store:
        report = _import_with_progress(store, target, config, quiet=as_json)
    if as_json:
        _json({**asdict(report), "editions": [asdict(e) for e in report.editions]})
        return
    for e in report.editions:
        others = {"reverted": e.reverted, "incomplete": e.incomplete, "failed": e.failed}
        extra = "".join(f", {n} {what}" for what, n in others.items() if n)
        console.print(
            f"{e.edition}: {e.added} snapshot(s) added, {e.unchanged} unchanged{extra}",
            highlight=False,
        )
    for w in report.warnings:
        err_console.print(Text.assemble(("warning:", "yellow"), f" {w.message}"))
    console.print(f"{len(report.findings)} finding(s)", highlight=False)
    for f in report.findings:
        console.print(f"[{f.severity}] {f.kind}: {f.message}", highlight=False)


def _import_with_progress(
    store: Store, target: str, config: Config, *, quiet: bool
) -> ImportReport:
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
        task = bar.add_task("", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return import_workbook(store, target, progress=advance, config=config)


@cli.command()
@click.argument("country")
@click.option(
    "--from",
    "from_",
    default=None,
    help="Edition year or snapshot id (default: the one before --to).",
)
@click.option("--to", default=None, help="Edition year or snapshot id (default: the latest).")
@click.option(
    "--source",
    "kind",
    default=None,
    help="Only snapshots from this source kind (default: without --from, --to's kind).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the deltas as JSON.")
@click.pass_context
def diff(
    ctx: click.Context,
    country: str,
    from_: str | None,
    to: str | None,
    kind: str | None,
    as_json: bool,
) -> None:
    """Score and text deltas between two snapshots of COUNTRY (a name, slug or ISO code)."""
    config = _config(ctx, required=False)
    with Store.open(config.database, create=False) as store:
        country = country_slug(store, country)
        new_id = resolve_snapshot(store, country, to, kind=kind)
        # By default like with like (a page with the page before it); a --from edition
        # may come from any source with scores.
        like = kind or (snapshot_kind(store, new_id) if from_ is None else None)
        old_id = resolve_snapshot(store, country, from_, other_than=new_id, kind=like)
        comparison = diff_snapshots(store, old_id, new_id)
    if as_json:
        _json({"from_snapshot": old_id, "to_snapshot": new_id, **asdict(comparison)})
    else:
        console.print(display.comparison_view(comparison))


@cli.command("reextract")
@click.pass_context
def reextract_command(ctx: click.Context) -> None:
    """Re-read stored raw documents with the current extractors (after an upgrade).

    New snapshots are stored beside the old ones and become the baselines; a parser
    change never produces score findings.
    """
    config = _config(ctx, required=False)
    with ctx.obj.writing(config) as store:
        report = reextract(config, store)
    console.print(
        f"{report.checked} snapshot(s) read by an older extractor; {report.added} re-extracted,"
        f" {report.changed_status} with a different status",
        highlight=False,
    )


@cli.command()
def kinds() -> None:
    """The source kinds and notification channel kinds this monitor knows."""
    tables = (
        ("source kind", "kinds.{}", KINDS),
        ("channel kind", "notify.channels.<name>", CHANNEL_KINDS),
    )
    for what, table, registry in tables:
        for name, cls in sorted(registry.items()):
            console.print(Text.assemble((name, "bold"), f" ({what})"))
            console.print(cls.doc(), highlight=False, soft_wrap=True)
            for option, meaning in cls.options.items():
                line = f"  [{table.format(name)}] {option}: {meaning}"
                console.print(line, highlight=False)
            console.print()


@cli.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the whole pipeline on bundled sample pages served on loopback.

    Uses a temporary data directory unless --data-dir is given; no network is used.
    """
    from monitor.demo.walkthrough import run_demo

    run_demo(ctx.obj.data_dir, console)


@cli.command()
@click.pass_context
def daemon(ctx: click.Context) -> None:
    """Check sources and send digests on the config's [schedule] until SIGTERM/SIGINT.

    Each check takes the data directory's writer lock (waiting up to --lock-wait), so a
    cron `monitor run` and the daemon never write at once. Logs one line per cycle.
    """
    from monitor.ops.daemon import run_daemon

    sys.exit(run_daemon(_config(ctx), lock_wait=ctx.obj.lock_wait))


@cli.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, destination: Path) -> None:
    """Copy the database to DESTINATION (a new file), safely, even while a daemon writes."""
    config = _config(ctx, required=False)
    with Store.open(config.database, create=False) as store:
        store.backup(destination)
    console.print(f"Backed up {config.database} to {destination}", highlight=False)


@cli.command("status")
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

    config = _config(ctx, required=False)
    with Store.open(config.database, create=False) as store:
        report = status(store, config, now=datetime.now(UTC))
    if as_json:
        _json({**asdict(report), "attention": report.attention})
    else:
        console.print(display.status_view(report, every_source=every_source))
    sys.exit(1 if report.attention else 0)


cli.add_command(digest)
cli.add_command(outbox)
for _command in REVIEW_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="monitor")
