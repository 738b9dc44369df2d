"""Re-extract stored raw documents after the extractor improved (provenance).

Each snapshot records the extractor version that read it. When a kind's extractor moves
on, its stored documents are read again and stored as new snapshots beside the old
ones. They are marked assessed without findings and become the baselines, so the next
real change is compared like with like: a parser change is never a score change.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.assess.findings import rebase
from monitor.config.settings import Config
from monitor.sources import configured_kind, extract_safely
from monitor.store import Store


@dataclass(frozen=True)
class ReextractReport:
    checked: int  # snapshots read by an older extractor
    added: int  # new snapshots stored
    changed_status: int  # re-extractions whose status differs from the old one


def reextract(config: Config, store: Store) -> ReextractReport:
    checked = added = changed = 0
    for source in store.sources():
        kind = configured_kind(config, source.kind)
        for old in store.snapshots_for(source.id):
            if old.extraction.extractor_version == kind.version:
                continue
            checked += 1
            raw = store.raw_content(old.raw_sha256)
            extraction = extract_safely(kind, raw, url=source.url, edition=source.edition)
            new_id = store.save_reextraction(old, extraction)
            if new_id is None:
                continue
            added += 1
            changed += extraction.status != old.status
            rebase(store, source.id, new_id, reading_of=old.id)
    return ReextractReport(checked, added, changed)
