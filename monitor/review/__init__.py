"""Reviewing the snapshot database: one module per question people ask of it.

`snapshots` (which snapshots to show or compare), `history` (a country's scores over
every snapshot), `movers` (the biggest changes between two editions, filtered by the
`where` language), `export` (tidy long format), `report` (static HTML per country, with
`chart`), `browse` (Datasette with metadata). The SQL views they share are migration
`m004_views` in `monitor.store.schema`.
"""

from monitor.review.snapshots import resolve_snapshot

__all__ = ["resolve_snapshot"]
