"""What every `monitor` command gets from the global options: config, and the store
under the writer lock (commands that write) or read-only (commands that only read).

Imports of the pipeline happen inside the methods: the root command loads this module,
and `monitor --version` must not pay for the config reader's stages.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from monitor.config.settings import Config
    from monitor.store import Store


@dataclass(frozen=True)
class CliContext:
    config_path: Path | None
    data_dir: Path | None
    lock_wait: float

    def config(self, *, required: bool = True) -> Config:
        """The config file found (`monitor.config.locate`), else the defaults when it is
        not `required` or a data directory is given (to read a demo's database)."""
        from monitor.config.locate import CONFIG_NAME, find_config, not_found_message
        from monitor.errors import ConfigError
        from monitor.ops.settings import load_config

        path = find_config(self.config_path)
        if path is None and required and self.data_dir is None:
            raise ConfigError(CONFIG_NAME, None, not_found_message())
        return load_config(path, data_dir=self.data_dir)

    def writing(self, config: Config) -> AbstractContextManager[Store]:
        """The store, opened under the data directory's writer lock."""
        from monitor.ops import lock

        return lock.writing(config, wait=self.lock_wait)

    @staticmethod
    def reading(config: Config) -> Store:
        """The store for a command that only reads: opened read-only, without the writer
        lock (WAL lets readers run beside a writer), so it runs while a cycle does."""
        from monitor.store import Store

        return Store.open(config.database, read_only=True)


def config_of(ctx: click.Context, *, required: bool = True) -> Config:
    """The command's config (see `CliContext.config`)."""
    context: CliContext = ctx.obj
    return context.config(required=required)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


class LazyConsole:
    """A rich `Console` (`display.terminal`) made on first use, so that a command that
    prints through `plaintext` does not import rich."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr

    @cached_property
    def console(self) -> Console:
        from monitor.cli.display import terminal

        return terminal(stderr=self._stderr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)
