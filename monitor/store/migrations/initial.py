"""Migrations 1-8: the tables and views of the first releases (profiles, findings, the
outbox, health, baselines, the database's own id). Never edited once shipped."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database


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
