"""Edits of `config.toml` that keep the user's comments and layout (tomlkit), for
`monitor init` and `monitor watch add|remove`.

An edit is written to a temporary file beside the config, validated by `validate`
(the full reader), and only then moved over the config: a failed edit leaves the file
as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, Table

from monitor.errors import ConfigError, MonitorError
from monitor.identity import country_key, known_country_key

DEFAULT_KINDS = ("ocindex_page",)


def starter_text() -> str:
    """The commented starter config `monitor init` writes."""
    return (files("monitor.config") / "starter.toml").read_text(encoding="utf-8")


def write_starter(directory: Path) -> Path:
    """`config.toml` and its data directory in `directory`; an existing config is kept."""
    config = directory / "config.toml"
    if config.exists():
        raise MonitorError(f"{config}: already exists (edit it, or `monitor watch add`)")
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(starter_text(), encoding="utf-8")
    (directory / "data").mkdir(exist_ok=True)
    return config


def add_countries(
    path: Path,
    names: Iterable[str],
    kinds: Iterable[str],
    editions: Iterable[str | int],
    validate: Callable[[Path], Any],
) -> list[str]:
    """Watch the countries `names` (names, slugs or ISO codes) with `kinds` and
    `editions` ("current" or years): added to the first [[watch]] entry watching exactly
    those, else to a new one. Returns the keys added (those already there are skipped)."""
    keys = [known_country_key(name) for name in names]  # an unknown name fails before any edit
    wanted = sorted(set(kinds) or set(DEFAULT_KINDS))
    when = list(editions) or ["current"]
    document = _read(path)
    entries = _watch_entries(path, document)
    entry = next(
        (
            e
            for e in entries
            if "url" not in e
            and "url_env" not in e
            and sorted(e.get("kinds", DEFAULT_KINDS)) == wanted
            and list(e.get("editions", ["current"])) == when
            and "countries" in e
        ),
        None,
    )
    if entry is None:
        entry = tomlkit.table()
        entry["countries"] = tomlkit.array()
        entry["kinds"] = wanted
        entry["editions"] = when
        if len(entries):
            entry.trivia.indent = "\n"  # a blank line after the entry before it
        entries.append(entry)
    present = {country_key(str(c)) for c in entry["countries"]}
    added = [k for k in dict.fromkeys(keys) if k not in present]
    countries: Array = entry["countries"]
    countries.extend(added)
    _replace(path, document, validate)
    return added


def remove_countries(
    path: Path, names: Iterable[str], validate: Callable[[Path], Any]
) -> list[str]:
    """Stop watching `names` in every [[watch]] entry (an entry left with no country is
    dropped). Returns the keys removed; a country not watched is an error."""
    keys = [known_country_key(name) for name in names]
    document = _read(path)
    entries = _watch_entries(path, document)
    removed: set[str] = set()
    for entry in list(entries):
        for field in ("countries", "country"):
            value = entry.get(field)
            listed = [value] if isinstance(value, str) else list(value or [])
            kept = [c for c in listed if country_key(str(c)) not in keys]
            removed |= {country_key(str(c)) for c in listed} - {country_key(str(c)) for c in kept}
            if len(kept) == len(listed):
                continue
            if not kept:
                del entry[field]
            elif isinstance(value, str):
                entry[field] = kept[0]
            else:
                array: Array = entry[field]
                array.clear()
                array.extend(kept)
        if "country" not in entry and "countries" not in entry:
            entries.remove(entry)
    missing = [k for k in keys if k not in removed]
    if missing:
        raise MonitorError(f"{path}: not watched: {', '.join(missing)} (see `monitor watch list`)")
    _replace(path, document, validate)
    return [k for k in dict.fromkeys(keys)]


def _read(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found (run `monitor init`)") from None
    except tomlkit.exceptions.TOMLKitError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from None


def _watch_entries(path: Path, document: tomlkit.TOMLDocument) -> AoT:
    if "watch" not in document:
        document.append("watch", tomlkit.aot())
    entries = document["watch"]
    if not isinstance(entries, AoT) or not all(isinstance(e, Table) for e in entries):
        raise ConfigError(str(path), "watch", "must be an array of [[watch]] tables")
    return entries


def _replace(path: Path, document: tomlkit.TOMLDocument, validate: Callable[[Path], Any]) -> None:
    handle, name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(document))
        os.chmod(temporary, path.stat().st_mode)  # mkstemp's 0600 is not the user's choice
        try:
            validate(temporary)
        except ConfigError as exc:  # name the user's file, not the temporary one
            raise ConfigError(str(path), exc.key, exc.problem) from None
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
