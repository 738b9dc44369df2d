"""Migrations 9-11: one country key everywhere, the store keyed by index and measure,
categories and list memberships. Never edited once shipped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.identity import canonical_slug
from monitor.store.migrations.initial import _VIEWS_DDL

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database


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


def m011_categories(db: Database) -> None:
    for statement in _CATEGORIES_DDL:
        db.execute(statement)
