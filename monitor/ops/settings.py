"""`load_config`: config.toml read against every registered source and channel kind.

The config reader imports no stage; the registries it validates kinds and options
against are passed in here, where both are known.
"""

from __future__ import annotations

from pathlib import Path

from monitor.config.reader import read_config
from monitor.config.settings import Config
from monitor.notify.channels import CHANNEL_KINDS
from monitor.sources import KINDS


def load_config(path: str | Path | None, *, data_dir: str | Path | None = None) -> Config:
    """Read and validate `path` (None: the defaults, no watch list); a problem is a
    `ConfigError` naming the file and the dotted key."""
    return read_config(path, source_kinds=KINDS, channel_kinds=CHANNEL_KINDS, data_dir=data_dir)
