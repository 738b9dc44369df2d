"""The snapshot database's tables, indexes and migrations.

Every table is created with explicit column types: sqlite-utils would otherwise guess
types from the first row inserted, and a column first seen as None becomes TEXT.

Timestamps are ISO 8601 text, as the caller passes them (UTC). JSON columns hold text
produced by `json.dumps`.

The schema version is the number of migrations of the `profile-monitor` set recorded in
sqlite-utils' `_sqlite_migrations` table. A database that records a migration this code
does not know was written by a newer profile-monitor; opening it is refused rather than
risking writes the newer schema does not expect. A database with tables but no migration
of ours belongs to another application and is refused untouched.
"""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Callable

import zstandard
from sqlite_utils import Database, Migrations

from monitor.errors import StoreError
from monitor.identity import canonical_slug
from monitor.models import Section
from monitor.store.records import pack_deltas, section_rows

MIGRATION_SET = "profile-monitor"
# zstd level for raw documents: a page against its previous capture is 6% larger than at
# level 12 and ten times faster to compress (0.2 ms against 2.6 ms for 44 KB).
ZSTD_LEVEL = 9

# One statement per entry: sqlite3's executescript() would commit the migration's
# transaction early, so each statement is executed on its own inside it.
_INITIAL_DDL = (
    # One watched URL. `key` names it in config and on the command line, e.g.
    # "ocindex_page:kyrgyzstan" (the current edition) or "ocindex_page:kyrgyzstan:2021".
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,                  -- what the URL serves, e.g. "ocindex_page"
        country_slug TEXT NOT NULL,
        edition INTEGER,                     -- NULL: whatever edition the URL currently shows
        url TEXT NOT NULL,
        etag TEXT,                           -- validators from the last 200 response,
        last_modified TEXT,                  --   sent back for conditional GETs
        created_at TEXT NOT NULL,
        last_checked_at TEXT,                -- last check of any outcome
        last_outcome TEXT,                   -- new_snapshot / unchanged / reverted / incomplete /
                                             -- not_a_profile / not_modified / failed
        last_error TEXT,                     -- message of the last failed check; NULL after success
        current_snapshot_id INTEGER REFERENCES snapshots(id),  -- what the URL serves now
        last_success_at TEXT                 -- last check that got a response (200 or 304)
    )
    """,
    # Every HTTP request made for a source, successful or not (retries included).
    """
    CREATE TABLE fetch_attempts (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        started_at TEXT NOT NULL,
        url TEXT NOT NULL,                   -- the URL requested (may differ from sources.url)
        status_code INTEGER,                 -- NULL when no response arrived
        bytes INTEGER NOT NULL,              -- body bytes received
        duration_ms REAL NOT NULL,
        error TEXT                           -- NULL when the attempt succeeded
    )
    """,
    # Response bodies, content-addressed: stored once however often or by however many
    # sources they are fetched.
    """
    CREATE TABLE raw_documents (
        sha256 TEXT PRIMARY KEY,             -- hex digest of the uncompressed body
        size INTEGER NOT NULL,               -- uncompressed size in bytes
        content_type TEXT,
        compression TEXT NOT NULL,           -- how `content` is encoded: "zlib"
        content BLOB NOT NULL,
        first_seen_at TEXT NOT NULL
    )
    """,
    # One row per distinct content per source and extractor version: re-extracting the
    # same bytes with an improved extractor adds a row and keeps the old one (provenance).
    """
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        raw_sha256 TEXT NOT NULL REFERENCES raw_documents(sha256),
        captured_at TEXT NOT NULL,           -- the capture that created this row
        last_seen_at TEXT NOT NULL,          -- last capture (or 304) confirming this content
        country_slug TEXT NOT NULL,          -- from the profile, else the source
        country_name TEXT,
        edition INTEGER,                     -- from the profile, else the source
        status TEXT NOT NULL,                -- complete / incomplete / not_a_profile
        reasons TEXT NOT NULL,               -- JSON list of models.Reason as dicts
        unparsed_count INTEGER NOT NULL,
        unparsed_lines TEXT NOT NULL,        -- JSON list of strings the extractor skipped
        extractor TEXT NOT NULL,
        extractor_version TEXT NOT NULL,
        profile TEXT,                        -- JSON of models.Profile; NULL when none
        UNIQUE (source_id, raw_sha256, extractor_version)
    )
    """,
    # Composite and indicator scores of a snapshot's profile, one row per key.
    """
    CREATE TABLE scores (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        key TEXT NOT NULL,                   -- "criminality", a pillar, or an indicator key
        name TEXT NOT NULL,
        kind TEXT NOT NULL,                  -- composite / indicator
        pillar TEXT,                         -- NULL for the criminality composite
        value REAL NOT NULL,
        change REAL,                         -- as printed beside the score; NULL if none
        new_this_edition INTEGER NOT NULL,   -- 1 when the page prints n/a as the change
        PRIMARY KEY (snapshot_id, key)
    )
    """,
    # Rank lines of a snapshot's profile ("72nd of 193 countries").
    """
    CREATE TABLE ranks (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        composite TEXT NOT NULL,             -- criminality / resilience
        scope TEXT NOT NULL,                 -- global / continental / regional
        rank INTEGER NOT NULL,
        out_of INTEGER NOT NULL,
        group_name TEXT,                     -- the continent or region; NULL for global
        movement INTEGER,                    -- magnitude printed after the rank, if any
        PRIMARY KEY (snapshot_id, composite, scope)
    )
    """,
    # Narrative sections of a snapshot's profile, in page order.
    """
    CREATE TABLE sections (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        position INTEGER NOT NULL,           -- 0-based order on the page
        key TEXT NOT NULL,                   -- stable across editions and renderings
        title TEXT NOT NULL,
        paragraphs TEXT NOT NULL,            -- JSON list of strings
        PRIMARY KEY (snapshot_id, position)
    )
    """,
    "CREATE INDEX idx_snapshots_source ON snapshots (source_id, id)",
    "CREATE INDEX idx_snapshots_country ON snapshots (country_slug, edition)",
    "CREATE INDEX idx_scores_key ON scores (key)",
    "CREATE INDEX idx_fetch_attempts_source ON fetch_attempts (source_id, started_at)",
)


def m001_initial(db: Database) -> None:
    for statement in _INITIAL_DDL:
        db.execute(statement)


_FINDINGS_DDL = (
    # One comparison of a snapshot with the one it was measured against; the deltas
    # (scores, ranks, sections, revisions) as JSON. Recomputing is idempotent.
    """
    CREATE TABLE comparisons (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        old_snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        new_snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        against_incomplete INTEGER NOT NULL, -- 1 when either capture was not complete
        deltas TEXT NOT NULL,                -- JSON of diff.compare.Comparison
        created_at TEXT NOT NULL,
        UNIQUE (old_snapshot_id, new_snapshot_id)
    )
    """,
    # Something significant about a snapshot, decided by the rules: what digests report.
    """
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),   -- the snapshot it is about
        base_snapshot_id INTEGER REFERENCES snapshots(id),       -- what it was compared with
        country_slug TEXT,
        kind TEXT NOT NULL,                  -- score / rank / methodology / revision /
                                             -- narrative / source_health
        key TEXT NOT NULL,                   -- indicator, composite, rank, section...
        severity TEXT NOT NULL,              -- low / medium / high
        message TEXT NOT NULL,
        old REAL,
        new REAL,
        direction TEXT NOT NULL,             -- deterioration / improvement / ""
        detail TEXT NOT NULL,                -- JSON
        created_at TEXT NOT NULL,
        UNIQUE (snapshot_id, kind, key)
    )
    """,
    # Per source and score, the value thresholds are measured against: the value last
    # alerted on, or the edition baseline. Slow drift adds up against it.
    """
    CREATE TABLE baselines (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        key TEXT NOT NULL,
        value REAL NOT NULL,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        set_at TEXT NOT NULL,
        PRIMARY KEY (source_id, key)
    )
    """,
    # When the rules last looked at a snapshot; NULL = still to assess (a crash between
    # storing and assessing loses nothing: the next run assesses what is pending).
    "ALTER TABLE snapshots ADD COLUMN assessed_at TEXT",
    "CREATE INDEX idx_findings_source ON findings (source_id, id)",
    "CREATE INDEX idx_comparisons_new ON comparisons (new_snapshot_id)",
)


def m002_findings(db: Database) -> None:
    for statement in _FINDINGS_DDL:
        db.execute(statement)


_OUTBOX_DDL = (
    # A finding a channel owes its readers: written in the same transaction as the
    # finding, so a crash or an outage can delay a notification but never lose it.
    # `notification_id` stays NULL until the item is composed into a digest.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,               -- a [notify.channels.<name>] from config
        finding_id INTEGER NOT NULL REFERENCES findings(id),
        notification_id INTEGER REFERENCES notifications(id),
        created_at TEXT NOT NULL,
        UNIQUE (channel, finding_id)
    )
    """,
    # One composed message for one channel, stored as rendered: a retry re-sends the
    # very same message with the same idempotency key, never a re-composed one.
    """
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL,
        message TEXT NOT NULL,               -- JSON: the rendered parts for the channel
        status TEXT NOT NULL,                -- pending / delivered / failed
        attempts INTEGER NOT NULL DEFAULT 0, -- delivery tries
        rounds INTEGER NOT NULL DEFAULT 0,   -- failed delivery rounds (one per run)
        next_attempt_at TEXT NOT NULL,       -- no delivery attempt before this time
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT
    )
    """,
    "CREATE INDEX idx_outbox_pending ON outbox (channel, notification_id)",
    "CREATE INDEX idx_notifications_status ON notifications (status, next_attempt_at)",
)


def m003_outbox(db: Database) -> None:
    for statement in _OUTBOX_DDL:
        db.execute(statement)


# Views for reviewing the store with plain SQL (and Datasette, which shows the `--`
# comments as column descriptions: `monitor.review.browse` reads them from sqlite_master).
# `change` is always the change a source prints beside a score; `delta` is ours.
# No window function sits under a join: SQLite cannot push filters into one, and a
# query over such a view took seconds where these take milliseconds.
_VIEWS_DDL = (
    """
    CREATE VIEW snapshot_scores AS
    SELECT
        s.country_slug AS country,           -- country key, e.g. kyrgyzstan
        s.country_name AS country_name,      -- as the capture spells it
        s.edition AS edition,                -- the index edition the capture is of
        src.kind AS source,                  -- source kind, e.g. ocindex_page
        sc.key AS indicator,                 -- criminality, a pillar, or an indicator key
        sc.pillar AS pillar,                 -- the score's pillar; NULL for criminality
        sc.value AS score,                   -- 1 to 10, as published
        sc.change AS change,                 -- printed beside the score; NULL when none
        s.status AS status,                  -- complete / incomplete (values may be absent)
        s.id AS snapshot_id,                 -- the snapshot holding the score
        s.captured_at AS captured_at         -- when that content was first captured
    FROM scores sc
    JOIN snapshots s ON s.id = sc.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    # The snapshot that stands for a country's edition: the most recently seen complete
    # one with scores from any source (page or workbook; a PDF summary is narrative
    # only), as `monitor diff` and reconciliation choose.
    """
    CREATE VIEW edition_snapshots AS
    SELECT
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        s.id AS snapshot_id,
        src.kind AS source,
        src.key AS source_key,               -- the source, e.g. ocindex_page:kyrgyzstan:current
        s.captured_at AS captured_at
    FROM snapshots s
    JOIN sources src ON src.id = s.source_id
    WHERE s.id = (
        SELECT p.id FROM snapshots p
        WHERE p.country_slug = s.country_slug AND p.edition = s.edition
            AND p.status = 'complete'
            AND EXISTS (SELECT 1 FROM scores x WHERE x.snapshot_id = p.id)
        ORDER BY p.last_seen_at DESC, p.id DESC LIMIT 1
    )
    """,
    """
    CREATE VIEW score_history AS
    SELECT
        e.country AS country,
        e.country_name AS country_name,
        e.edition AS edition,
        sc.key AS indicator,
        sc.name AS name,                     -- the score's name as the source prints it
        sc.pillar AS pillar,
        sc.value AS score,
        sc.change AS change,
        LAG(e.edition) OVER w AS previous_edition,  -- the country's edition before, if any
        ROUND(sc.value - LAG(sc.value) OVER w, 2) AS delta,  -- score minus that edition's
        e.source AS source,
        e.snapshot_id AS snapshot_id,
        e.captured_at AS captured_at
    FROM edition_snapshots e
    JOIN scores sc ON sc.snapshot_id = e.snapshot_id
    WINDOW w AS (PARTITION BY e.country, sc.key ORDER BY e.edition)
    """,
    # A country's latest edition is its latest with a complete snapshot with scores.
    """
    CREATE VIEW latest_scores AS
    SELECT h.*
    FROM score_history h
    WHERE h.edition = (SELECT MAX(e.edition) FROM edition_snapshots e WHERE e.country = h.country)
    """,
    # Every pair of a country's editions, not only consecutive ones (2021 -> 2025 too).
    # Up is a deterioration for every score but resilience and its indicators.
    """
    CREATE VIEW score_movers AS
    SELECT
        a.country AS country,
        b.country_name AS country_name,
        a.edition AS from_edition,           -- the earlier edition
        b.edition AS to_edition,             -- the later edition
        sa.key AS indicator,
        sb.name AS name,
        sb.pillar AS pillar,
        sa.value AS from_score,              -- the score in from_edition
        sb.value AS to_score,                -- the score in to_edition
        ROUND(sb.value - sa.value, 2) AS delta,  -- to_score minus from_score
        CASE
            WHEN ROUND(sb.value - sa.value, 2) = 0 THEN 'unchanged'
            WHEN (sb.value > sa.value) = (COALESCE(sb.pillar, '') <> 'resilience')
                THEN 'deterioration'
            ELSE 'improvement'
        END AS direction,                    -- deterioration / improvement / unchanged
        a.snapshot_id AS from_snapshot_id,   -- the snapshot standing for from_edition
        b.snapshot_id AS to_snapshot_id      -- the snapshot standing for to_edition
    FROM edition_snapshots a
    JOIN edition_snapshots b ON b.country = a.country AND b.edition > a.edition
    JOIN scores sa ON sa.snapshot_id = a.snapshot_id
    JOIN scores sb ON sb.snapshot_id = b.snapshot_id AND sb.key = sa.key
    """,
)


def m004_views(db: Database) -> None:
    for statement in _VIEWS_DDL:
        db.execute(statement)


def m006_views_hold_scores(db: Database) -> None:
    """The views as `_VIEWS_DDL` defines them now (a narrative-only PDF summary stood for
    an edition before, hiding its scores); created last, dropped first."""
    for statement in reversed(_VIEWS_DDL):
        db.execute(f"DROP VIEW {statement.split()[2]}")
    m004_views(db)


_HEALTH_DDL = (
    # Consecutive failed checks (reset by any response we could store): what makes a
    # source broken after [health] failures in a row.
    "ALTER TABLE sources ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sources ADD COLUMN last_failure_at TEXT",
    # A condition a source is in (broken, stale, edition_overdue) since when: its finding
    # was raised when the row was added and a recovery is raised when it goes, so each
    # condition is reported once however many runs it lasts.
    """
    CREATE TABLE source_conditions (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        condition TEXT NOT NULL,
        since TEXT NOT NULL,
        detail TEXT NOT NULL,                -- JSON: why
        PRIMARY KEY (source_id, condition)
    )
    """,
    # Findings about a source rather than a snapshot (a source that stopped answering)
    # have no snapshot: findings.snapshot_id becomes nullable. SQLite cannot alter a
    # column, so the table is rebuilt; the rows go back in after the table of that name
    # exists again, which satisfies the outbox's deferred foreign keys.
    "PRAGMA defer_foreign_keys = ON",
    "CREATE TEMP TABLE findings_copy AS SELECT * FROM findings",
    "DROP TABLE findings",
    """
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        snapshot_id INTEGER REFERENCES snapshots(id),  -- NULL: about the source itself
        base_snapshot_id INTEGER REFERENCES snapshots(id),
        country_slug TEXT,
        kind TEXT NOT NULL,                  -- score / rank / methodology / revision /
                                             -- narrative / disagreement / source_health
        key TEXT NOT NULL,
        severity TEXT NOT NULL,              -- low / medium / high
        message TEXT NOT NULL,
        old REAL,
        new REAL,
        direction TEXT NOT NULL,
        detail TEXT NOT NULL,                -- JSON
        created_at TEXT NOT NULL,
        UNIQUE (snapshot_id, kind, key)
    )
    """,
    "INSERT INTO findings SELECT * FROM findings_copy",
    "DROP TABLE findings_copy",
    "CREATE INDEX idx_findings_source ON findings (source_id, id)",
)


def m005_health(db: Database) -> None:
    for statement in _HEALTH_DDL:
        db.execute(statement)


def m007_snapshot_baselines(db: Database) -> None:
    # JSON {score key: value}: the source's baselines once this snapshot was assessed,
    # which a return to this content (A -> B -> A) restores.
    db.execute("ALTER TABLE snapshots ADD COLUMN baselines_after TEXT")
    # Whether another source reported a move already is asked once per finding.
    db.execute("CREATE INDEX idx_findings_country ON findings (country_slug, kind, key)")


def m008_instance(db: Database) -> None:
    # One random id per database: notification keys (and e-mail Message-IDs) made from
    # finding ids, which restart at 1 in every database, must not collide between two
    # monitors or a rebuilt database.
    db.execute("CREATE TABLE instance (id TEXT NOT NULL)")
    db.execute("INSERT INTO instance (id) VALUES (?)", [secrets.token_hex(8)])


def m009_one_country_key(db: Database) -> None:
    """Every country under its one key (identity.canonical_slug). A spelling that once
    missed the index (`cote-d-ivoire`) keyed its source `cote_d_ivoire` while its
    profiles said `cote_divoire`; the config now keys both `cote_divoire`, so the
    source is renamed and keeps its history. Where a source under the new key exists
    already, the old one keeps its key, and its history stays found under it."""
    for table in ("snapshots", "findings"):
        for (slug,) in db.execute(f"SELECT DISTINCT country_slug FROM {table}").fetchall():
            if slug is not None and (key := canonical_slug(slug)) != slug:
                db.execute(
                    f"UPDATE {table} SET country_slug = ? WHERE country_slug = ?", [key, slug]
                )
    for source_id, key, slug in db.execute("SELECT id, key, country_slug FROM sources").fetchall():
        parts = key.split(":", 2)
        if len(parts) != 3 or parts[1] != slug:
            continue  # not a key the config made (a test's, a hand-made one): left alone
        renamed = f"{parts[0]}:{canonical_slug(slug)}:{parts[2]}"
        taken = db.execute("SELECT 1 FROM sources WHERE key = ?", [renamed]).fetchone()
        if renamed != key and not taken:
            db.execute(
                "UPDATE sources SET key = ?, country_slug = ? WHERE id = ?",
                [renamed, canonical_slug(slug), source_id],
            )


# The views keyed by index: a snapshot is of one index, and an edition snapshot stands
# for a country's edition of that index; a move's direction is the score's own, as its
# index's definition declares it (stored with the score), not a rule about resilience.
_INDEXED_VIEWS_DDL = (
    """
    CREATE VIEW snapshot_scores AS
    SELECT
        s.country_slug AS country,           -- country key, e.g. kyrgyzstan
        s.country_name AS country_name,      -- as the capture spells it
        s.edition AS edition,                -- the index edition the capture is of
        src.kind AS source,                  -- source kind, e.g. ocindex_page
        sc.key AS indicator,                 -- the measure: criminality, a pillar, an indicator
        sc.pillar AS pillar,                 -- the score's pillar; NULL for criminality
        sc.value AS score,                   -- on the measure's scale, as published
        sc.change AS change,                 -- printed beside the score; NULL when none
        s.status AS status,                  -- complete / incomplete (values may be absent)
        s.id AS snapshot_id,                 -- the snapshot holding the score
        s.captured_at AS captured_at,        -- when that content was first captured
        s.index_id AS index_id               -- the index, e.g. ocindex (monitor indices)
    FROM scores sc
    JOIN snapshots s ON s.id = sc.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    """
    CREATE VIEW edition_snapshots AS
    SELECT
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        s.id AS snapshot_id,
        src.kind AS source,
        src.key AS source_key,               -- the source, e.g. ocindex_page:kyrgyzstan:current
        s.captured_at AS captured_at,
        s.index_id AS index_id               -- the index the edition is of
    FROM snapshots s
    JOIN sources src ON src.id = s.source_id
    WHERE s.id = (
        SELECT p.id FROM snapshots p
        WHERE p.country_slug = s.country_slug AND p.edition = s.edition
            AND p.index_id = s.index_id
            AND p.status = 'complete'
            AND EXISTS (SELECT 1 FROM scores x WHERE x.snapshot_id = p.id)
        ORDER BY p.last_seen_at DESC, p.id DESC LIMIT 1
    )
    """,
    """
    CREATE VIEW score_history AS
    SELECT
        e.country AS country,
        e.country_name AS country_name,
        e.edition AS edition,
        sc.key AS indicator,
        sc.name AS name,                     -- the score's name as the source prints it
        sc.pillar AS pillar,
        sc.value AS score,
        sc.change AS change,
        LAG(e.edition) OVER w AS previous_edition,  -- the country's edition before, if any
        ROUND(sc.value - LAG(sc.value) OVER w, 2) AS delta,  -- score minus that edition's
        e.source AS source,
        e.snapshot_id AS snapshot_id,
        e.captured_at AS captured_at,
        e.index_id AS index_id
    FROM edition_snapshots e
    JOIN scores sc ON sc.snapshot_id = e.snapshot_id
    WINDOW w AS (PARTITION BY e.index_id, e.country, sc.key ORDER BY e.edition)
    """,
    """
    CREATE VIEW latest_scores AS
    SELECT h.*
    FROM score_history h
    WHERE h.edition = (
        SELECT MAX(e.edition) FROM edition_snapshots e
        WHERE e.country = h.country AND e.index_id = h.index_id
    )
    """,
    """
    CREATE VIEW score_movers AS
    SELECT
        a.country AS country,
        b.country_name AS country_name,
        a.edition AS from_edition,           -- the earlier edition
        b.edition AS to_edition,             -- the later edition
        sa.key AS indicator,
        sb.name AS name,
        sb.pillar AS pillar,
        sa.value AS from_score,              -- the score in from_edition
        sb.value AS to_score,                -- the score in to_edition
        ROUND(sb.value - sa.value, 2) AS delta,  -- to_score minus from_score
        CASE
            WHEN ROUND(sb.value - sa.value, 2) = 0 THEN 'unchanged'
            WHEN (sb.value > sa.value) = (COALESCE(sb.higher_is_worse, 1) = 1)
                THEN 'deterioration'
            ELSE 'improvement'
        END AS direction,                    -- deterioration / improvement / unchanged
        a.snapshot_id AS from_snapshot_id,   -- the snapshot standing for from_edition
        b.snapshot_id AS to_snapshot_id,     -- the snapshot standing for to_edition
        a.index_id AS index_id               -- the index both editions are of
    FROM edition_snapshots a
    JOIN edition_snapshots b
        ON b.country = a.country AND b.index_id = a.index_id AND b.edition > a.edition
    JOIN scores sa ON sa.snapshot_id = a.snapshot_id
    JOIN scores sb ON sb.snapshot_id = b.snapshot_id AND sb.key = sa.key
    """,
)


def m010_indices(db: Database) -> None:
    """Snapshots and findings keyed by index (every existing row is the OC Index's, the
    only index before definitions), each score with its measure's direction."""
    for statement in reversed(_VIEWS_DDL):
        db.execute(f"DROP VIEW {statement.split()[2]}")
    db.execute("ALTER TABLE snapshots ADD COLUMN index_id TEXT NOT NULL DEFAULT 'ocindex'")
    db.execute("ALTER TABLE findings ADD COLUMN index_id TEXT NOT NULL DEFAULT 'ocindex'")
    # 1 when a higher value is worse (the measure's direction), 0 when better.
    db.execute("ALTER TABLE scores ADD COLUMN higher_is_worse INTEGER")
    # Resilience and its indicators were the OC Index's only scores where up is better.
    db.execute(
        "UPDATE scores SET higher_is_worse ="
        " CASE WHEN COALESCE(pillar, '') = 'resilience' THEN 0 ELSE 1 END"
    )
    db.execute("CREATE INDEX idx_snapshots_index ON snapshots (index_id, country_slug, edition)")
    for statement in _INDEXED_VIEWS_DDL:
        db.execute(statement)


_CATEGORIES_DDL = (
    # Category and membership measures of a snapshot's profile (Status: Partly Free; on
    # the watch list or not), one row per measure, ordered by the definition's levels.
    """
    CREATE TABLE categories (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        key TEXT NOT NULL,                   -- the measure, e.g. status
        name TEXT NOT NULL,
        kind TEXT NOT NULL,                  -- category / membership
        value TEXT NOT NULL,                 -- the level as published; a membership:
                                             -- "on the list" / "not on the list"
        level INTEGER,                       -- its position in the definition's levels
        higher_is_worse INTEGER,             -- 1 when a later level is worse
        PRIMARY KEY (snapshot_id, key)
    )
    """,
    """
    CREATE VIEW snapshot_categories AS
    SELECT
        s.country_slug AS country,           -- country key, e.g. kyrgyzstan
        s.country_name AS country_name,
        s.edition AS edition,
        src.kind AS source,
        c.key AS measure,                    -- the category or membership measure
        c.kind AS kind,                      -- category / membership
        c.value AS value,                    -- the level as published
        c.level AS level,                    -- its position in the definition's levels
        s.status AS status,
        s.id AS snapshot_id,
        s.captured_at AS captured_at,
        s.index_id AS index_id
    FROM categories c
    JOIN snapshots s ON s.id = c.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    # A country's level per edition of an index, beside the edition's before.
    """
    CREATE VIEW category_history AS
    SELECT
        e.country AS country,
        e.country_name AS country_name,
        e.edition AS edition,
        c.key AS measure,
        c.kind AS kind,
        c.value AS value,
        LAG(c.value) OVER w AS previous_value,  -- in the country's edition before, if any
        CASE
            WHEN LAG(c.level) OVER w IS NULL OR LAG(c.level) OVER w = c.level THEN ''
            WHEN (c.level > LAG(c.level) OVER w) = (COALESCE(c.higher_is_worse, 1) = 1)
                THEN 'deterioration'
            ELSE 'improvement'
        END AS direction,
        e.snapshot_id AS snapshot_id,
        e.index_id AS index_id
    FROM edition_snapshots e
    JOIN categories c ON c.snapshot_id = e.snapshot_id
    WINDOW w AS (PARTITION BY e.index_id, e.country, c.key ORDER BY e.edition)

    """,
)

_NARRATIVE_DDL = (
    # Narrative sentences, content-addressed: a sentence unchanged across editions (or
    # shared by a page and its PDF summary) is one row. `id` is 64 bits of its SHA-256.
    "CREATE TABLE sentences (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    # Narrative sections of a snapshot's profile, in page order, by sentence key.
    """
    CREATE TABLE narrative_sections (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        position INTEGER NOT NULL,           -- 0-based order on the page
        key TEXT NOT NULL,                   -- stable across editions and renderings
        title TEXT NOT NULL,
        sentences TEXT NOT NULL,             -- JSON list of paragraphs, each a list of
                                             --   sentences.id; joined they are its text
        PRIMARY KEY (snapshot_id, position)
    )
    """,
    # The sections as they were stored before (a table until migration 13), rebuilt from
    # the sentences: `paragraphs` is the JSON list of paragraph texts.
    """
    CREATE VIEW sections AS
    SELECT n.snapshot_id, n.position, n.key, n.title,
        '[' || coalesce((
            SELECT group_concat(json_quote(p.text), ', ') FROM (
                SELECT coalesce((
                    SELECT group_concat(t.text, '') FROM (
                        SELECT st.text FROM json_each(para.value) AS e
                        JOIN sentences st ON st.id = e.value ORDER BY e.key
                    ) AS t
                ), '') AS text
                FROM json_each(n.sentences) AS para ORDER BY para.key
            ) AS p
        ), '') || ']' AS paragraphs
    FROM narrative_sections n
    """,
)


def m011_categories(db: Database) -> None:
    for statement in _CATEGORIES_DDL:
        db.execute(statement)


# A narrative section's text: its paragraphs (a JSON list) as one string, what the
# full-text index holds and `narrative` shows.
_SECTION_TEXT = "(SELECT group_concat(value, char(10)) FROM json_each({}.paragraphs))"

_SEARCH_DDL = (
    # One narrative section of a snapshot, with its country and edition: what Datasette
    # searches (full text, through narrative_fts).
    f"""
    CREATE VIEW narrative AS
    SELECT
        sec.rowid AS section_id,             -- the section's row: narrative_fts's rowid
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        src.kind AS source,
        sec.title AS title,                  -- the section's heading
        {_SECTION_TEXT.format("sec")} AS text,  -- its paragraphs, one per line
        s.id AS snapshot_id,
        s.captured_at AS captured_at,
        s.index_id AS index_id
    FROM sections sec
    JOIN snapshots s ON s.id = sec.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    # SQLite FTS5 over the narrative: contentless (the text stays in sections only; a
    # search gives section_ids). Sections are only ever inserted; a trigger indexes each.
    # Not external content from the view: FTS5 cannot read a view that calls json_each.
    "CREATE VIRTUAL TABLE narrative_fts USING fts5(title, text, content='',"
    " tokenize='unicode61 remove_diacritics 2')",
    f"""
    CREATE TRIGGER sections_fts_insert AFTER INSERT ON sections BEGIN
        INSERT INTO narrative_fts (rowid, title, text)
        VALUES (new.rowid, new.title, {_SECTION_TEXT.format("new")});
    END
    """,
    "INSERT INTO narrative_fts (rowid, title, text) SELECT section_id, title, text FROM narrative",
)


def m012_narrative_search(db: Database) -> None:
    for statement in _SEARCH_DDL:
        db.execute(statement)


# Full-text search (migration 12) over the sections as migration 13 stores them: a
# section's row is narrative_sections', and the index is filled as one is inserted
# (its sentences are stored first, so the `sections` view can give its text).
_SEARCH_OVER_SENTENCES_DDL = (
    f"""
    CREATE VIEW narrative AS
    SELECT
        n.rowid AS section_id,               -- the section's row: narrative_fts's rowid
        s.country_slug AS country,
        s.country_name AS country_name,
        s.edition AS edition,
        src.kind AS source,
        sec.title AS title,                  -- the section's heading
        {_SECTION_TEXT.format("sec")} AS text,  -- its paragraphs, one per line
        s.id AS snapshot_id,
        s.captured_at AS captured_at,
        s.index_id AS index_id
    FROM narrative_sections n
    JOIN sections sec ON sec.snapshot_id = n.snapshot_id AND sec.position = n.position
    JOIN snapshots s ON s.id = n.snapshot_id
    JOIN sources src ON src.id = s.source_id
    """,
    _SEARCH_DDL[1],  # the FTS5 table itself, as migration 12 made it
    f"""
    CREATE TRIGGER narrative_fts_insert AFTER INSERT ON narrative_sections BEGIN
        INSERT INTO narrative_fts (rowid, title, text)
        SELECT new.rowid, sec.title, {_SECTION_TEXT.format("sec")}
        FROM sections sec WHERE sec.snapshot_id = new.snapshot_id AND sec.position = new.position;
    END
    """,
    "INSERT INTO narrative_fts (rowid, title, text) SELECT section_id, title, text FROM narrative",
)


def m013_narrative_once(db: Database) -> None:
    """Each narrative sentence stored once, and the narrative no longer repeated in the
    snapshot's profile JSON (which keeps its sections' keys and titles)."""
    for statement in _NARRATIVE_DDL[:2]:
        db.execute(statement)
    for (snapshot_id,) in db.execute("SELECT DISTINCT snapshot_id FROM sections").fetchall():
        rows = db.execute(
            "SELECT position, key, title, paragraphs FROM sections WHERE snapshot_id = ?"
            " ORDER BY position",
            [snapshot_id],
        ).fetchall()
        sentences: dict[int, str] = {}
        sections = [Section(key, title, tuple(json.loads(text))) for _, key, title, text in rows]
        for row, (position, *_) in zip(
            section_rows(snapshot_id, sections, sentences), rows, strict=True
        ):
            db.execute(
                "INSERT INTO narrative_sections (snapshot_id, position, key, title, sentences)"
                " VALUES (?, ?, ?, ?, ?)",
                [snapshot_id, position, row["key"], row["title"], row["sentences"]],
            )
        db.conn.executemany(
            "INSERT OR IGNORE INTO sentences (id, text) VALUES (?, ?)", sentences.items()
        )
    db.execute("DROP VIEW narrative")  # it read the sections table by rowid
    db.execute("DROP TABLE narrative_fts")
    db.execute("DROP TABLE sections")  # and its search trigger with it
    db.execute(_NARRATIVE_DDL[2])
    for statement in _SEARCH_OVER_SENTENCES_DDL:
        db.execute(statement)
    for snapshot_id, text in db.execute(
        "SELECT id, profile FROM snapshots WHERE profile IS NOT NULL"
    ).fetchall():
        profile = json.loads(text)
        named = [{"key": s["key"], "title": s["title"]} for s in profile.get("sections", ())]
        db.execute(
            "UPDATE snapshots SET profile = ? WHERE id = ?",
            [json.dumps(profile | {"sections": named}, ensure_ascii=False), snapshot_id],
        )


def m014_zstd(db: Database) -> None:
    """Raw documents in zstd, each new capture possibly against its source's previous
    one (`dictionary`); the zlib ones are recompressed alone. Comparisons' deltas as
    zstd-compressed JSON. A zlib body that does not decompress (a damaged row) is left
    as it was: still read as zlib, failing as before, and no reason to refuse the upgrade."""
    db.execute(
        "ALTER TABLE raw_documents ADD COLUMN dictionary TEXT REFERENCES raw_documents(sha256)"
    )
    packer = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    rows = db.execute("SELECT sha256, content FROM raw_documents WHERE compression = 'zlib'")
    for sha256, content in rows.fetchall():
        try:
            body = zlib.decompress(content)
        except zlib.error:
            continue
        db.execute(
            "UPDATE raw_documents SET compression = 'zstd', content = ? WHERE sha256 = ?",
            [packer.compress(body), sha256],
        )
    for row_id, deltas in db.execute("SELECT id, deltas FROM comparisons").fetchall():
        packed = pack_deltas(json.loads(deltas))
        db.execute("UPDATE comparisons SET deltas = ? WHERE id = ?", [packed, row_id])


# In order; append new migrations, never edit or reorder applied ones.
STEPS: tuple[Callable[[Database], None], ...] = (
    m001_initial,
    m002_findings,
    m003_outbox,
    m004_views,
    m005_health,
    m006_views_hold_scores,
    m007_snapshot_baselines,
    m008_instance,
    m009_one_country_key,
    m010_indices,
    m011_categories,
    m012_narrative_search,
    m013_narrative_once,
    m014_zstd,
)
SCHEMA_VERSION = len(STEPS)

_migrations = Migrations(MIGRATION_SET)
for _step in STEPS:
    _migrations(name=_step.__name__)(_step)


def schema_version(db: Database) -> int:
    """How many of this set's migrations the database records as applied."""
    return len(_migrations.applied(db))


def migrate(db: Database, path: str, *, read_only: bool = False) -> bool:
    """Apply pending migrations (`read_only`: only say whether some are pending); refuse
    another application's database and one written by a newer schema. True when the
    schema is (now) current."""
    known = {step.__name__ for step in STEPS}
    applied = _migrations.applied(db)
    if not applied and (foreign := _tables(db) - {_migrations.migrations_table}):
        # Tables, but no migration of ours: another program's file, which our tables
        # must not be added to (an empty file, or one left by a crash before migration 1
        # committed, is ours to set up).
        raise StoreError(
            f"{path} is not a profile-monitor database: it holds another application's "
            f"tables ({', '.join(sorted(foreign)[:3])}{', …' if len(foreign) > 3 else ''}) "
            "and was left untouched; check that --config and --data-dir point at the "
            "monitor's database"
        )
    unknown = [m.name for m in applied if m.name not in known]
    if unknown:
        raise StoreError(
            f"{path}: database schema is newer than this profile-monitor understands "
            f"(unknown migrations: {', '.join(unknown)}); upgrade profile-monitor"
        )
    if read_only:
        return len(applied) == len(STEPS)
    _migrations.apply(db)
    return True


def _tables(db: Database) -> set[str]:
    """The database's tables, SQLite's internal ones left out."""
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {name for (name,) in rows}
