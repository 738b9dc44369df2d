"""Where the config file is: `--config`, else `$MONITOR_CONFIG`, else `./config.toml`,
else `config.toml` in the user config directory (platformdirs: `~/.config/profile-monitor`
on Linux), so that commands work from any directory once `monitor init` has run."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_NAME = "config.toml"
ENVIRONMENT = "MONITOR_CONFIG"
APP_NAME = "profile-monitor"


def user_config_dir() -> Path:
    """The directory `monitor init` writes to when given none."""
    # Imported here: a command given --config or $MONITOR_CONFIG never looks there.
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def candidates(given: Path | None) -> list[tuple[str, Path]]:
    """Each place a config may be, with what named it, in the order they are tried."""
    if given is not None:
        return [("--config", given)]
    places = []
    if os.environ.get(ENVIRONMENT):
        places.append((f"${ENVIRONMENT}", Path(os.environ[ENVIRONMENT])))
    places.append(("the current directory", Path(CONFIG_NAME)))
    places.append(("the user config directory", user_config_dir() / CONFIG_NAME))
    return places


def find_config(given: Path | None) -> Path | None:
    """The config file to read: the one given or named by the environment (even if
    missing: the reader then says so), else the first that exists, else None."""
    places = candidates(given)
    if places[0][0] in ("--config", f"${ENVIRONMENT}"):
        return places[0][1]
    return next((path for _, path in places if path.is_file()), None)


def not_found_message() -> str:
    looked = ", ".join(str(path) for _, path in candidates(None))
    return (
        f"no config file found (looked for {looked}); run `monitor init` to write one, "
        f"or give --config FILE or ${ENVIRONMENT}"
    )
