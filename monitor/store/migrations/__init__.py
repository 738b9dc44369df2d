"""The schema's history, one migration a step, in the order applied (`STEPS`).

Each step is a function of the database, run inside its own transaction by
sqlite-utils' `Migrations`; one statement per `execute`, since sqlite3's
executescript() would commit early. Append new steps; never edit or reorder one that
has shipped: databases in the field recorded it as applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from monitor.store.migrations.compact import (
    m016_profile_once,
    m017_narrative_indexed_once,
    m018_scores_by_measure,
    m019_comparisons_narrative_only,
    m020_profile_zstd,
)
from monitor.store.migrations.findings import (
    m021_findings_by_sentence,
    m023_findings_updatable,
)
from monitor.store.migrations.indices import m009_one_country_key, m010_indices, m011_categories
from monitor.store.migrations.initial import (
    m001_initial,
    m002_findings,
    m003_outbox,
    m004_views,
    m005_health,
    m006_views_hold_scores,
    m007_snapshot_baselines,
    m008_instance,
)
from monitor.store.migrations.narrative import m012_narrative_search, m013_narrative_once, m014_zstd
from monitor.store.migrations.passages import m022_passages_once
from monitor.store.migrations.releases import m015_document_origin
from monitor.store.migrations.state import (
    m024_baselines_after_by_scores,
    m025_outbox_lean,
    m026_narrative_detail_by_key,
    m027_profile_dictionary,
    m028_baselines_without_rowid,
)

if TYPE_CHECKING:  # a type only: a cycle that migrates nothing does not load sqlite-utils
    from sqlite_utils import Database

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
    m015_document_origin,
    m016_profile_once,
    m017_narrative_indexed_once,
    m018_scores_by_measure,
    m019_comparisons_narrative_only,
    m020_profile_zstd,
    m021_findings_by_sentence,
    m022_passages_once,
    m023_findings_updatable,
    m024_baselines_after_by_scores,
    m025_outbox_lean,
    m026_narrative_detail_by_key,
    m027_profile_dictionary,
    m028_baselines_without_rowid,
)
