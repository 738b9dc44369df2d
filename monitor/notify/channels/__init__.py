"""Channel kinds: where digests go, as a registry of plug-ins.

A kind turns a digest into the message it stores in the outbox (`compose`) and delivers
a stored message (`send`). A new kind is one module in this package defining a
`ChannelKind` subclass decorated with `@register`; modules here are discovered on
import. The class docstring is the kind's user documentation (`monitor kinds`).
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from monitor.config.notify import ChannelSpec, NotifySettings
from monitor.errors import DeliveryError
from monitor.store.outbox import Notification

if TYPE_CHECKING:  # types only: loading the registry must not load digests and templates
    from monitor.notify.digest import Digest
    from monitor.notify.render import Templates


class ChannelKind:
    """Base class of channel kinds."""

    name: ClassVar[str]
    # Keys a `[notify.channels.<name>]` table of this kind may set, with what each means.
    options: ClassVar[dict[str, str]] = {}

    def __init__(
        self, spec: ChannelSpec, settings: NotifySettings, data_dir: Path, templates: Templates
    ) -> None:
        self.spec, self.settings, self.data_dir, self.templates = (
            spec,
            settings,
            data_dir,
            templates,
        )

    @classmethod
    def check(cls, options: dict[str, Any]) -> Iterable[tuple[str, str]]:
        """Config problems as (key, problem); nothing when the options are valid."""
        return ()

    def compose(self, digest: Digest, idempotency_key: str) -> dict[str, Any]:
        """The message to store: JSON-able, complete enough to send without the digest."""
        raise NotImplementedError

    def send(self, notification: Notification) -> str:
        """Deliver once; where it went. Raises `DeliveryError` on any failure."""
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


def secret(variable: str, what: str) -> str:
    """A secret from the environment, read when needed and never stored."""
    value = os.environ.get(variable, "")
    if not value:
        raise DeliveryError(f"{what}: environment variable {variable} is not set")
    return value


CHANNEL_KINDS: dict[str, type[ChannelKind]] = {}


def register(cls: type[ChannelKind]) -> type[ChannelKind]:
    if CHANNEL_KINDS.get(cls.name, cls) is not cls:
        raise ValueError(f"channel kind {cls.name!r} registered twice")
    CHANNEL_KINDS[cls.name] = cls
    return cls


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
