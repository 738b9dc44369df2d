"""The one way tests write `config.toml`: a watch list served by a loopback site.

`site_config` writes what most tests need — sources of one kind on a local server, with
nothing to be polite to (no robots.txt, no spacing, no retries) — and takes any other
table as data. Tests of the config reader itself write their TOML by hand, since the
text is what they test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Our own loopback servers: nothing to be polite to, and a fault should show at once.
LOOPBACK_FETCH = {"max_retries": 0, "respect_robots": False, "per_host_interval": 0}


def toml_table(header: str, values: Mapping[str, Any]) -> str:
    """A table (`[name]` or `[[name]]`) and its keys: strings, numbers, booleans and
    lists, which JSON spells as TOML does."""
    lines = [header, *(f"{key} = {json.dumps(value)}" for key, value in values.items())]
    return "\n".join(lines) + "\n"


def site_config(
    folder: Path,
    base_url: str,
    countries: Sequence[str] = ("kyrgyzstan",),
    *,
    kind: str = "ocindex_page",
    editions: Sequence[int | str] | None = None,
    fetch: Mapping[str, Any] | None = None,
    tables: Mapping[str, Mapping[str, Any]] | None = None,
    data_dir: str | Path = "data",
    extra: str = "",
) -> Path:
    """Write `folder/config.toml` watching `countries` (of `kind`) on `base_url`.

    `fetch` adds to or overrides the loopback fetch settings; `tables` adds tables such
    as `{"schedule": {"check": "every 6h"}}`; `extra` is appended as written (for
    `[notify.channels.…]` and other nested tables)."""
    watch: dict[str, Any] = {"countries": list(countries)}
    if kind != "ocindex_page":
        watch["kinds"] = [kind]
    if editions is not None:
        watch["editions"] = list(editions)
    parts = [
        f"data_dir = {json.dumps(str(data_dir))}\n",
        toml_table("[fetch]", {**LOOPBACK_FETCH, **(fetch or {})}),
        toml_table(f"[kinds.{kind}]", {"base_url": base_url.rstrip("/")}),
        *(toml_table(f"[{name}]", values) for name, values in (tables or {}).items()),
        toml_table("[[watch]]", watch),
        extra,
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
