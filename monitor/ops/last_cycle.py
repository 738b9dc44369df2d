"""How the last cycle (`monitor run` or a daemon check) ended, for `monitor status`.

Kept in a small file beside the database, not in it: a cycle that failed because the
database is damaged, or the disk full, must still be able to say so. Written whole and
renamed, so a reader never sees half of it; a write that fails is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.files import private_opener

FILE = "monitor.last-cycle.json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LastCycle:
    finished_at: str
    problem: str  # "": every source it could check was recorded


def record(data_dir: Path, problem: str = "") -> None:
    """Note that a cycle just ended, with the `problem` that kept it from completing."""
    path = data_dir / FILE
    partial = path.with_name(FILE + ".partial")
    entry = LastCycle(datetime.now(UTC).isoformat(timespec="seconds"), problem)
    try:
        with open(partial, "w", encoding="utf-8", opener=private_opener) as stream:
            json.dump(asdict(entry), stream)
        os.replace(partial, path)
    except OSError as exc:
        log.warning("cannot record how the cycle ended in %s: %s", path, exc.strerror)


def read(data_dir: Path) -> LastCycle | None:
    """The last cycle's ending; None when none was recorded (or the file is unreadable)."""
    try:
        found = json.loads((data_dir / FILE).read_text(encoding="utf-8"))
        return LastCycle(str(found["finished_at"]), str(found["problem"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
