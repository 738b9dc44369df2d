"""Atom feeds: each channel's findings as a file a feed reader follows.

`<data_dir>/feeds/<channel>.atom` holds the newest findings the channel heard (in a
digest already or still waiting for one), newest first, one entry each; it is written
again after each cycle, whole and then renamed into place, so a reader never fetches
half a feed. Entry ids are stable (the database's own id and the finding's), so a reader
shows each finding once however often the feed is rewritten. Like every file in the
data directory it is private (0600): serve it, or copy it, where your readers can reach it.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from monitor.config.settings import Config
from monitor.files import private_dir, private_opener
from monitor.identity import lookup
from monitor.indices import find
from monitor.redact import redact
from monitor.store import Store
from monitor.store.outbox import OwedFinding, heard
from monitor.version import __version__

log = logging.getLogger(__name__)
ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 200  # per feed: readers keep what they saw; older findings are in the database


def feed_path(data_dir: Path, channel: str) -> Path:
    """Where a channel's feed is written (a channel name made safe as a file name)."""
    return data_dir / "feeds" / (re.sub(r"[^A-Za-z0-9_.-]", "_", channel) + ".atom")


def write_feeds(store: Store, config: Config, *, now: datetime) -> list[Path]:
    """Every configured channel's feed, written afresh; the paths written. A feed that
    cannot be written (a full disk) is a warning: the previous one stays, and the next
    cycle writes it again; findings and deliveries never wait on a feed."""
    written = []
    for spec in config.notify.channels:
        path = feed_path(config.data_dir, spec.name)
        try:
            written.append(_write(path, feed(store, spec.name, now=now)))
        except OSError as exc:
            log.warning("feed %s not written: %s", path, exc.strerror or exc)
    return written


def feed(store: Store, channel: str, *, now: datetime) -> bytes:
    """The channel's feed as Atom 1.0 (RFC 4287) bytes."""
    ET.register_namespace("", ATOM)
    items = heard(store, channel, ENTRIES)
    root = ET.Element(f"{{{ATOM}}}feed")
    _add(root, "id", _urn(store, f"feed/{channel}"))
    _add(root, "title", f"profile-monitor: {channel}")
    _add(root, "subtitle", "What moved in the country profiles this channel follows")
    _add(root, "updated", items[0].created_at if items else now.isoformat())
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _add(author, "name", "profile-monitor")
    _add(root, "generator", "profile-monitor", version=__version__)
    urls = {r.key: redact(r.url) for r in store.sources()}  # a URL may hold a credential
    for item in items:
        _entry(root, store, item, urls.get(item.source_key))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _entry(root: ET.Element, store: Store, item: OwedFinding, url: str | None) -> None:
    f = item.finding
    country = lookup(item.country) if item.country else None
    name = country.name if country else (item.country or "").replace("_", " ")
    definition = find(item.index)
    index = (definition.short_name or definition.name) if definition else item.index
    entry = ET.SubElement(root, f"{{{ATOM}}}entry")
    _add(entry, "id", _urn(store, f"finding/{item.finding_id}"))
    # Country first, then the index: a reader sorting or filtering by title groups a
    # country's findings across indices ("Kyrgyzstan — CPI: …").
    _add(entry, "title", f"{name} — {index}: {f.message}" if name else f"{index}: {f.message}")
    _add(entry, "updated", item.created_at)
    if url:
        _add(entry, "link", None, href=url, rel="alternate")
    for term in (f.kind, f.severity):
        _add(entry, "category", None, term=term)
    _add(entry, "category", None, term=f"index:{item.index}", label=index)
    if item.country:
        _add(entry, "category", None, term=f"country:{item.country}", label=name)
    said = f"{f.severity} {f.kind.replace('_', ' ')}: {f.message}"
    if item.snapshot_id is not None:
        said += f" (snapshot {item.snapshot_id}, compared with {item.base_snapshot_id})"
    _add(entry, "summary", said)


def _add(parent: ET.Element, tag: str, text: str | None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def _urn(store: Store, name: str) -> str:
    """A stable URI for a feed or an entry: unique to this database, never reused."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"profile-monitor:{store.instance_id}:{name}").urn


def _write(path: Path, content: bytes) -> Path:
    private_dir(path.parent)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb", opener=private_opener) as stream:
            stream.write(content)
        os.replace(partial, path)  # readers see the old feed or the new, never half of one
    finally:
        partial.unlink(missing_ok=True)  # after a failure: no half feed left behind
    return path
