"""`monitor extract|run|sources|ingest|import-workbook|diff|reextract|kinds`: the
pipeline's commands, thin over `monitor.sources`, `monitor.ops` and `monitor.diff`."""

from __future__ import annotations

import sys
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from monitor.cli import plaintext
from monitor.cli.context import LazyConsole, config_of, print_json
from monitor.config.settings import Config
from monitor.errors import MonitorError, NotAProfileError, StoreError
from monitor.fetch.client import Fetcher, Outcome
from monitor.identity import country_key
from monitor.models import Status
from monitor.ops import last_cycle
from monitor.ops.cycle import SourceResult, ingest, run_cycle
from monitor.redact import redact, redact_text
from monitor.review.snapshots import country_slug, resolve_snapshot, snapshot_kind
from monitor.sources import KINDS, extract_safely, get_kind, kind_class
from monitor.store import SourceRecord, Store
from monitor.store.findings import findings_after, latest_finding_id

if TYPE_CHECKING:
    from monitor.ops.workbook_import import ImportReport

# Rich (and `display`, built on it) is imported where a command prints through it: a
# `monitor run` printed to a file or a pipe needs neither (issue 19, start-up).
console = LazyConsole()
err_console = LazyConsole(stderr=True)


@click.command()
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
        print_json(extraction.to_dict())
    else:
        from monitor.cli import display

        console.print(display.extraction_view(extraction))
    sys.exit(0 if extraction.status is Status.COMPLETE else 1)


VERBOSE_HELP = "Print every finding (default: a line per country)."


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--verbose", "-v", is_flag=True, help=VERBOSE_HELP)
@click.pass_context
def run(ctx: click.Context, as_json: bool, verbose: bool) -> None:
    """Check every watched source once: fetch, extract, store, assess; then compose
    the digests that are due and deliver what is waiting in the outbox.

    Exit code 0 when every source was checked, 1 when any failed (listed).
    """
    config = config_of(ctx)
    if not config.sources:
        raise MonitorError(
            f"{config.path}: the watch list is empty (add countries: `monitor watch add NAME`)"
        )
    _check(ctx, config, as_json, deliver=True, verbose=verbose)


@click.command()
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--verbose", "-v", is_flag=True, help=VERBOSE_HELP)
@click.pass_context
def check(ctx: click.Context, target: str, as_json: bool, verbose: bool) -> None:
    """Check now the watched sources of one COUNTRY (name, slug or ISO code), or one
    SOURCE key (`monitor sources` lists them): fetch, extract, store, assess. Digests
    are left to `monitor run`.

    Exit code 0 when every source was checked, 1 when any failed.
    """
    config = config_of(ctx)
    chosen = [s for s in config.sources if s.key == target]
    if not chosen:
        country = country_key(target)  # an unknown name is an error that says so
        chosen = [s for s in config.sources if s.country == country]
        if not chosen:
            raise MonitorError(
                f"{config.path}: {country} is not watched (`monitor watch add {country}`)"
            )
    chosen_config = replace(config, sources=tuple(chosen))
    _check(ctx, chosen_config, as_json, deliver=False, verbose=verbose)


def _check(
    ctx: click.Context, config: Config, as_json: bool, *, deliver: bool, verbose: bool
) -> None:
    """Run a cycle over `config.sources`, print it, and exit 0 when all went well."""
    try:
        with ctx.obj.writing(config) as store:
            before = latest_finding_id(store)
            report = _run_with_progress(config, store, quiet=as_json)
            found = findings_after(store, before)  # with their countries, as stored
            # Here, not at the top: digests, templates and channels wait until the cycle
            # is done, so `monitor run` starts fetching sooner (issue 19, start-up).
            from monitor.notify.deliver import notify

            sent = notify(store, config, now=datetime.now(UTC)) if deliver else None
    except StoreError as exc:
        last_cycle.record(config.data_dir, str(exc))  # for `monitor status`
        raise
    if deliver:
        last_cycle.record(config.data_dir, report.problem)
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "problem": report.problem,
                "results": [vars(r) for r in report.results],
                "findings": [asdict(f) for _, f in found],
                "deliveries": [asdict(d) for d in sent.deliveries] if sent else [],
            }
        )
    elif not found and not any(plaintext.is_terminal(s) for s in (sys.stdout, sys.stderr)):
        # To a file or a pipe with no finding to word: plain lines, rich not loaded.
        click.echo("\n".join(plaintext.cycle_lines(report, plaintext.width())))
        for r in report.failed:
            click.echo(f"failed: {r.key}: {r.detail}", err=True)
        if report.problem:
            click.echo(f"Error: {report.problem}", err=True)
        if sent and sent.deliveries:
            from monitor.cli.notify import report_deliveries  # see notify above

            report_deliveries(sent)
    else:
        from rich.text import Text

        from monitor.cli import display

        console.print(display.cycle_table(report, width=console.width))
        console.print(display.cycle_summary(report))
        if found:
            # One line a finding, however narrow the terminal: a search or a pipe finds it whole.
            console.print(
                display.findings_view(found, verbose=verbose), highlight=False, soft_wrap=True
            )
        for r in report.failed:
            # One line however narrow the terminal: a wrapped reason reads as two faults.
            line = Text.assemble(("failed:", "red"), f" {r.key}: {r.detail}")
            err_console.print(line, soft_wrap=True)
        if report.problem:
            err_console.print(Text.assemble(("Error:", "red"), f" {report.problem}"))
        if sent and sent.deliveries:
            from monitor.cli.notify import report_deliveries  # see notify above

            report_deliveries(sent)
    sys.exit(0 if report.ok else 1)


def _run_with_progress(config: Config, store: Store, *, quiet: bool) -> Any:
    if quiet or not plaintext.is_terminal(sys.stderr):
        # Nobody sees a bar: rich's progress machinery (~75 ms to import) is not loaded.
        return run_cycle(config, store)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False),  # a source key holds a URL
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=len(config.sources))

        def advance(result: SourceResult) -> None:
            bar.update(task, advance=1, description=result.key)

        return run_cycle(config, store, progress=advance)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """What is watched, and each source's last state (a source not checked yet has id 0).
    Only reads: it runs while a cycle holds the data directory."""
    config = config_of(ctx)
    stored: dict[str, SourceRecord] = {}
    if config.database.exists():
        with ctx.obj.reading(config) as store:
            stored = {r.key: r for r in store.sources()}
    for spec in config.sources:
        # The config says where a source is fetched from next; the store, how it went.
        record = stored.get(spec.key) or SourceRecord(
            id=0,
            key=spec.key,
            kind=spec.kind,
            country_slug=spec.country,
            edition=spec.edition,
            url=spec.url,
            etag=None,
            last_modified=None,
            created_at="",
            last_checked_at=None,
            last_outcome=None,
            last_error=None,
            current_snapshot_id=None,
            last_success_at=None,
        )
        stored[spec.key] = replace(record, url=redact(spec.url), kind=spec.kind)
    records = [stored[key] for key in sorted(stored)]
    if as_json:
        print_json([vars(r) for r in records])
    else:
        from monitor.cli import display

        console.print(display.sources_table(records, width=console.width))


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the capture was taken from.")
@click.option("--kind", default="ocindex_page", show_default=True, help="Source kind.")
@click.option("--captured-at", default=None, help="When it was captured (ISO 8601).")
@click.pass_context
def ingest_command(
    ctx: click.Context, files: tuple[Path, ...], url: str, kind: str, captured_at: str | None
) -> None:
    """Record captures you already have (saved pages, archived copies) as if fetched."""
    config = config_of(ctx, required=False)
    if kind_class(kind) is None:
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


@click.command("import-workbook")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--kind",
    default="ocindex_workbook",
    show_default=True,
    help="The release's kind: a shared-document kind, or an index whose definition "
    "declares a dataset [source] (its id).",
)
@click.pass_context
def import_workbook_command(ctx: click.Context, target: str, as_json: bool, kind: str) -> None:
    """Import the publisher's dataset workbook (FILE or URL): every country, every edition.

    Each country's row of each edition is a snapshot of its own source
    (ocindex_workbook:<country>:<edition>); importing the same workbook again adds
    nothing, and a revised cell is reported as a revision. A document that cannot be
    imported whole stores nothing (exit code 1).
    """
    config = config_of(ctx, required=False)
    with ctx.obj.writing(config) as store:
        before = latest_finding_id(store)
        try:
            report = _import_with_progress(store, target, config, kind, quiet=as_json)
        except NotAProfileError as exc:
            # Any release read as the OC workbook (the default) fails: say what to pass.
            if ctx.get_parameter_source("kind") is not ParameterSource.DEFAULT:
                raise
            hint = "another index's release needs --kind ID (`monitor indices` lists the ids)"
            raise NotAProfileError(f"{exc} ({hint})") from None
        # With their countries, as stored: a release's findings concern many countries.
        found = findings_after(store, before)
    if as_json:
        findings = [{"country": country, **asdict(f)} for country, f in found]
        editions = [asdict(e) for e in report.editions]
        print_json({**asdict(report), "findings": findings, "editions": editions})
        return
    for e in report.editions:
        others = {"reverted": e.reverted, "incomplete": e.incomplete, "failed": e.failed}
        extra = "".join(f", {n} {what}" for what, n in others.items() if n)
        console.print(
            f"{e.edition}: {e.added} snapshot(s) added, {e.unchanged} unchanged{extra}",
            highlight=False,
        )
    from rich.text import Text

    from monitor.cli import display

    for w in report.warnings:
        err_console.print(Text.assemble(("warning:", "yellow"), f" {w.message}"))
    if found:
        # Each finding under its country's name, one line each (as `run --verbose`).
        console.print(display.findings_view(found, verbose=True), highlight=False, soft_wrap=True)
    else:
        console.print("0 finding(s)", highlight=False)


def _import_with_progress(
    store: Store, target: str, config: Config, kind: str, *, quiet: bool
) -> ImportReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # see run

    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn())
    # Off the terminal the bar draws nothing useful, and its end left an empty line.
    shown = not quiet and err_console.is_terminal
    with Progress(*columns, console=err_console, transient=True, disable=not shown) as bar:
        task = bar.add_task("", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        from monitor.ops.workbook_import import import_workbook  # openpyxl: this command only

        return import_workbook(store, target, progress=advance, config=config, kind_name=kind)


def _known_kind(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from monitor.cli import display  # when the option is given, not at import

    return display.known_kind(ctx, param, value)


@click.command()
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
    callback=_known_kind,
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
    config = config_of(ctx, required=False)
    with ctx.obj.reading(config) as store:
        country = country_slug(store, country)
        new_id = resolve_snapshot(store, country, to, kind=kind, warn=_warn)
        # By default like with like (a page with the page before it); a --from edition
        # may come from any source with scores.
        like = kind or (snapshot_kind(store, new_id) if from_ is None else None)
        old_id = resolve_snapshot(store, country, from_, other_than=new_id, kind=like)
        from monitor.diff.snapshots import diff_snapshots  # deepdiff: this command only

        comparison = diff_snapshots(store, old_id, new_id)
    if as_json:
        data = asdict(comparison)
        # The deltas' own reading of change and direction, which asdict leaves out.
        for row, delta in zip(data["scores"], comparison.scores, strict=True):
            row |= {"change": delta.change, "direction": delta.direction}
        for row, rank in zip(data["ranks"], comparison.ranks, strict=True):
            row |= {"change": rank.places, "direction": rank.direction}
        print_json({"from_snapshot": old_id, "to_snapshot": new_id, **data})
    else:
        from monitor.cli import display

        console.print(display.comparison_view(comparison, plain=display.plain(console)))


def _warn(message: str) -> None:
    from rich.text import Text

    err_console.print(Text.assemble(("warning:", "yellow"), f" {message}"), soft_wrap=True)


@click.command("reextract")
@click.pass_context
def reextract_command(ctx: click.Context) -> None:
    """Re-read stored raw documents with the current extractors (after an upgrade).

    New snapshots are stored beside the old ones and become the baselines; a parser
    change never produces score findings.
    """
    config = config_of(ctx, required=False)
    with ctx.obj.writing(config) as store:
        from monitor.ops.reextract import reextract  # assessment: this command only

        report = reextract(config, store)
    console.print(
        f"{report.checked} snapshot(s) read by an older extractor; {report.added} re-extracted,"
        f" {report.changed_status} with a different status",
        highlight=False,
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the kinds as JSON.")
@click.pass_context
def kinds(ctx: click.Context, as_json: bool) -> None:
    """The source kinds and notification channel kinds this monitor knows; under a
    generic kind (dataset, country_list), the ids of the indices it reads, which are
    what `[[watch]] kinds` names."""
    from monitor.indices import registry  # the indices: this command only
    from monitor.notify.channels import CHANNEL_KINDS  # the channels: this command only

    known = registry(config_of(ctx, required=False).indices_dir).values()
    reads = {name: sorted(d.id for d in known if d.source.get("kind") == name) for name in KINDS}
    tables = (
        ("source kind", "kinds.{}", KINDS),
        ("channel kind", "notify.channels.<name>", CHANNEL_KINDS),
    )
    if as_json:
        print_json(
            {
                what.split()[0]: [
                    {"name": name, "doc": cls.doc(), "options": dict(cls.options)}
                    | ({"indices": reads[name]} if reads.get(name) else {})
                    for name, cls in sorted(members.items())
                ]
                for what, _, members in tables
            }
        )
        return
    from rich.text import Text

    for what, table, members in tables:
        for name, cls in sorted(members.items()):
            console.print(Text.assemble((name, "bold"), f" ({what})"))
            console.print(cls.doc(), highlight=False, soft_wrap=True)
            if reads.get(name):
                said = ", ".join(reads[name])
                console.print(f"  Indices read by it (watch each by its id): {said}")
            for option, meaning in cls.options.items():
                line = f"  [{table.format(name)}] {option}: {meaning}"
                console.print(line, highlight=False)
            console.print()
