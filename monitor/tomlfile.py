"""Reading a TOML file we are given (config.toml, an index definition): any problem
reading or parsing it is a `ConfigError` naming the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from None
