"""`monitor browse`: the snapshot database in Datasette, described and with canned queries.

Datasette is an optional extra (`pip install '.[browse]'` from the clone): it is heavy,
and only people who browse need it. Column descriptions are the `--` comments of the DDL
itself, read back from sqlite_master, so the schema is documented in one place.

What we give Datasette besides the metadata (`datasette_plugin/`): a template that lists
the views (the tables to start from) first, and a `country_key(text)` SQL function, so
that canned queries take a country's name, slug or ISO code as `monitor` commands do.
The narrative view is searchable (SQLite FTS5, `narrative_fts`).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from monitor.errors import MonitorError
from monitor.files import private_opener
from monitor.store import Store

TABLES = {
    "sources": "One watched URL (kind, country, edition), its validators and last state.",
    "fetch_attempts": "One HTTP request made for a source, successful or not.",
    "raw_documents": "Response bodies, content-addressed by sha256, stored once (zstd; "
    "a new capture against its source's previous one, named in `dictionary`).",
    "snapshots": "One distinct content of one source (per extractor version): its status "
    "and extracted profile (zstd-compressed JSON).",
    "scores": "One composite or indicator score of a snapshot (a view of score_values "
    "and measures).",
    "score_values": "A snapshot's scores: each a measure's value, in the profile's order.",
    "measures": "One measure scores are of (key, name, kind, pillar, direction), stored once.",
    "ranks": "One rank line of a snapshot (global, continental, regional).",
    "sections": "One narrative section of a snapshot, in page order (a view of "
    "narrative_sections, passages and sentences).",
    "narrative_sections": "One narrative section of a snapshot: its position, key and passage.",
    "passages": "One distinct narrative section: its title and paragraphs as lists of "
    "sentence keys, stored once however many snapshots hold it.",
    "sentences": "One narrative sentence, stored once however many snapshots hold it.",
    "descriptions": "One indicator description, stored once however many snapshots hold it.",
    "comparisons": "One snapshot compared with the one before it: the deltas as "
    "zstd-compressed JSON.",
    "findings": "One significant thing about a snapshot, as the rules decided (a view of "
    "finding_rows and sentences).",
    "finding_rows": "One finding as stored: a narrative sentence's text by key, its message "
    "written by the findings view.",
    "baselines": "Per source and score, the value thresholds are measured against.",
    "outbox": "A finding a notification channel owes its readers.",
    "notifications": "One composed message for one channel, and its delivery.",
    "source_conditions": "A condition a source is in (broken, stale, edition overdue), since when.",
    "instance": "This database's random id, part of every notification key.",
    "snapshot_scores": "Every score of every snapshot, with its country, edition and source "
    "(what `monitor export` writes).",
    "edition_snapshots": "The snapshot standing for each country's edition: the most "
    "recently seen complete one with scores, from any source.",
    "score_history": "Each country's scores by edition, with the delta from the edition before.",
    "latest_scores": "Each country's scores in its latest edition.",
    "score_movers": "Each score's move between any two editions of a country, with its direction.",
    "narrative": "Each narrative section of each snapshot, with its country and edition; "
    "search it in full text (SQLite FTS5).",
}
# Bookkeeping, not for review: hidden from Datasette's lists (still there with
# ?_show_hidden=1). The FTS index's own tables Datasette hides by itself.
HIDDEN = (
    "_sqlite_migrations",
    "baselines",
    "comparisons",
    "instance",
    "notifications",
    "outbox",
    "raw_documents",
)
PLUGIN_DIR = Path(__file__).parent / "datasette_plugin"

# Datasette passes parameters as text: editions and thresholds are cast explicitly.
QUERIES = {
    "country_scores": {
        "title": "A country's scores by edition",
        "description": "Every score of one country (a name, key or ISO code: Kyrgyzstan, "
        "kyrgyzstan, KGZ) by edition.",
        "sql": "SELECT indicator, name, edition, score, delta, change, source, snapshot_id\n"
        "FROM score_history WHERE country = country_key(:country)\n"
        "ORDER BY indicator, edition",
    },
    "ranking": {
        "title": "Every country's latest score",
        "description": "One score (criminality, resilience, an indicator key) for every "
        "country in its latest edition, highest first.",
        "sql": "SELECT country, country_name, edition, score, delta\n"
        "FROM latest_scores WHERE indicator = :indicator ORDER BY score DESC, country",
    },
    "movers": {
        "title": "Biggest movers between two editions",
        "description": "One score's moves between two editions across all countries, "
        "largest first.",
        "sql": "SELECT country, country_name, from_score, to_score, delta, direction\n"
        "FROM score_movers WHERE indicator = :indicator\n"
        "AND from_edition = CAST(:from_edition AS INTEGER)\n"
        "AND to_edition = CAST(:to_edition AS INTEGER)\n"
        "ORDER BY ABS(delta) DESC, country",
    },
    "criminality_up_resilience_down": {
        "title": "Criminality rose while resilience fell",
        "description": "Countries whose criminality rose by at least :rise while their "
        "resilience fell by more than :fall (e.g. 0.2 and 0.3).",
        "sql": "SELECT c.country, c.country_name, c.delta AS criminality_delta,\n"
        "r.delta AS resilience_delta\n"
        "FROM score_movers c JOIN score_movers r ON r.country = c.country\n"
        "AND r.from_edition = c.from_edition AND r.to_edition = c.to_edition\n"
        "AND r.indicator = 'resilience'\n"
        "WHERE c.indicator = 'criminality'\n"
        "AND c.from_edition = CAST(:from_edition AS INTEGER)\n"
        "AND c.to_edition = CAST(:to_edition AS INTEGER)\n"
        "AND c.delta >= CAST(:rise AS REAL) AND r.delta < -CAST(:fall AS REAL)\n"
        "ORDER BY c.delta DESC, c.country",
    },
    "recent_findings": {
        "title": "Latest findings",
        "description": "The 200 most recent findings, newest first.",
        "sql": "SELECT created_at, country_slug, kind, key, severity, message\n"
        "FROM findings ORDER BY id DESC LIMIT 200",
    },
}

_TABLE_COLUMN = r"(\w+) (?:INTEGER|TEXT|REAL|BLOB|NUMERIC)\b"


def column_descriptions(store: Store) -> dict[str, dict[str, str]]:
    """Table or view -> column -> the `--` comment beside it in the DDL.

    A comment-only line continues the comment above it; a comment indented past its
    `--` continues the previous column's sentence, which then describes both columns.
    A view column without a comment takes the description of the first view column of
    that name.
    """
    schema = store.db.execute(
        "SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    found = {name: _comments(sql, is_view=kind == "view") for name, kind, sql in schema}
    views = [name for name, kind, _ in schema if kind == "view"]
    shared: dict[str, str] = {}
    for view in views:  # in creation order: the first view to describe a name wins
        for column, text in found[view].items():
            shared.setdefault(column, text)
    for view in views:
        found[view] = {
            c.name: found[view].get(c.name) or shared[c.name]
            for c in store.db.view(view).columns
            if c.name in shared
        }
    return {name: columns for name, columns in found.items() if columns}


def _comments(sql: str, *, is_view: bool) -> dict[str, str]:
    described: dict[str, str] = {}
    previous: str | None = None
    for line in sql.splitlines():
        code, dashes, comment = line.partition("--")
        code = code.strip().rstrip(",").strip()
        if not code:
            if dashes and previous:
                described[previous] += " " + comment.strip()
            continue
        # A view names its columns last (`x.y AS name`), a table first (`name TYPE ...`).
        column = re.search(r"\bAS (\w+)$", code) if is_view else re.match(_TABLE_COLUMN, code)
        if column is None or not dashes:
            previous = None
            continue
        text = comment.strip()
        if comment.startswith("   ") and previous:
            described[previous] += " " + text
            text = described[previous]
        described[column[1]] = text
        previous = column[1]
    return described


def metadata(store: Store) -> dict[str, Any]:
    """Datasette's metadata: descriptions of tables, views and columns; canned queries."""
    columns = column_descriptions(store)
    tables: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys([*TABLES, *columns, *HIDDEN]):
        tables[name] = {"description": TABLES[name]} if name in TABLES else {}
        if name in columns:
            tables[name]["columns"] = columns[name]
        if name in HIDDEN:
            tables[name]["hidden"] = True
    # A view has no rowid: the search joins the index's rowid (the section's passage)
    # to text_id.
    tables["narrative"] |= {"fts_table": "narrative_fts", "fts_pk": "text_id"}
    return {
        "title": "profile-monitor",
        "description": "Snapshots of published country profiles (Global Organized Crime "
        "Index): scores, ranks, narrative, and what moved between them.",
        "databases": {store.path.stem: {"tables": tables, "queries": QUERIES}},
    }


@dataclass(frozen=True)
class BrowsePlan:
    command: tuple[str, ...]
    metadata_file: Path
    metadata: dict[str, Any]

    def write_metadata(self) -> None:
        # Beside the database, in the data directory: private like all there.
        with open(self.metadata_file, "w", encoding="utf-8", opener=private_opener) as stream:
            json.dump(self.metadata, stream, indent=2)


def browse_plan(store: Store, *, host: str = "127.0.0.1", port: int = 8001) -> BrowsePlan:
    """What `monitor browse` runs: Datasette on `host` (loopback by default: the
    database is not meant for the network) with our metadata, from this Python."""
    metadata_file = store.path.parent / "datasette-metadata.json"
    command = (
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(store.path),
        "--metadata",
        str(metadata_file),
        "--template-dir",
        str(PLUGIN_DIR / "templates"),
        "--plugins-dir",
        str(PLUGIN_DIR),
        "--host",
        host,
        "--port",
        str(port),
    )
    return BrowsePlan(command, metadata_file, metadata(store))


def require_datasette() -> None:
    """MonitorError saying how to install Datasette into this Python, unless it is."""
    if importlib.util.find_spec("datasette") is not None:
        return
    # The requirement our `browse` extra declares, installed into the Python that runs us
    # (a clone's venv, pipx's): what `pip install '.[browse]'` from the clone would add.
    wanted = next(
        (
            r.partition(";")[0].strip()
            for r in importlib.metadata.requires("profile-monitor") or []
            if r.startswith("datasette") and "browse" in r
        ),
        "datasette",
    )
    install = shlex.join([sys.executable, "-m", "pip", "install", wanted])
    raise MonitorError(
        f"Datasette is not installed: {install} (or, from the clone, pip install '.[browse]');"
        " --dry-run shows the command and metadata without it"
    )


def launch(plan: BrowsePlan) -> int:
    """Write the metadata file and run Datasette until it stops; its exit code (0 when
    stopped by Ctrl-C or SIGTERM). SIGTERM to us is passed on: Datasette stops too."""
    require_datasette()
    plan.write_metadata()
    child = subprocess.Popen(plan.command)

    def stop(signum: int, frame: FrameType | None) -> None:
        child.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = child.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches Datasette too, which stops
        code = child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0 if code in (-signal.SIGTERM, -signal.SIGINT) else code
