"""profile-monitor: watch published country profiles, snapshot them, alert on what moved.

The public Python API. Every command of the CLI is a thin wrapper over one of these:

    import monitor

    config = monitor.load_config("config.toml")
    with monitor.Store.open(config.database) as store:
        report = monitor.run_cycle(config, store)

Names are loaded on first use (PEP 562), so `import monitor` stays cheap and a command
pays only for what it touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from monitor.version import __version__

# public name -> (module, name there); public names never shadow a stage package
_EXPORTS = {
    "load_config": ("monitor.ops.settings", "load_config"),
    "Config": ("monitor.config.settings", "Config"),
    "ConfigError": ("monitor.errors", "ConfigError"),
    "MonitorError": ("monitor.errors", "MonitorError"),
    "Store": ("monitor.store", "Store"),
    "extract_capture": ("monitor.sources", "extract"),
    "Extraction": ("monitor.models", "Extraction"),
    "Profile": ("monitor.models", "Profile"),
    "Finding": ("monitor.models", "Finding"),
    "Fetcher": ("monitor.fetch.client", "Fetcher"),
    "run_cycle": ("monitor.ops.cycle", "run_cycle"),
    "ingest": ("monitor.ops.cycle", "ingest"),
    "import_workbook": ("monitor.ops.workbook_import", "import_workbook"),
    "reextract": ("monitor.ops.reextract", "reextract"),
    "source_status": ("monitor.ops.status", "status"),
    "diff_snapshots": ("monitor.diff.snapshots", "diff_snapshots"),
    "send_digests": ("monitor.notify.deliver", "notify"),
    "score_history": ("monitor.review.history", "score_history"),
    "movers": ("monitor.review.movers", "movers"),
    "export_rows": ("monitor.review.export", "export_rows"),
    "write_reports": ("monitor.review.report", "write_reports"),
}

__all__ = [
    "Config",
    "ConfigError",
    "Extraction",
    "Fetcher",
    "Finding",
    "MonitorError",
    "Profile",
    "Store",
    "__version__",
    "diff_snapshots",
    "export_rows",
    "extract_capture",
    "import_workbook",
    "ingest",
    "load_config",
    "movers",
    "reextract",
    "run_cycle",
    "score_history",
    "send_digests",
    "source_status",
    "write_reports",
]

if TYPE_CHECKING:
    from monitor.config.settings import Config
    from monitor.diff.snapshots import diff_snapshots
    from monitor.errors import ConfigError, MonitorError
    from monitor.fetch.client import Fetcher
    from monitor.models import Extraction, Finding, Profile
    from monitor.notify.deliver import notify as send_digests
    from monitor.ops.cycle import ingest, run_cycle
    from monitor.ops.reextract import reextract
    from monitor.ops.settings import load_config
    from monitor.ops.status import status as source_status
    from monitor.ops.workbook_import import import_workbook
    from monitor.review.export import export_rows
    from monitor.review.history import score_history
    from monitor.review.movers import movers
    from monitor.review.report import write_reports
    from monitor.sources import extract as extract_capture
    from monitor.store import Store


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'monitor' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
