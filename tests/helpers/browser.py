"""Headless Chromium (Debian's `chromium` package) for tests that check rendered HTML.

`.ci/run` installs the package. Outside CI a machine without it skips these tests with a
reason; in CI (CI=true) a missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Without the networking flags Chromium tries to reach Google at start-up, which a
# closed network refuses many times over; --no-sandbox because CI runs as root.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: .ci/run should install Debian's chromium")
    pytest.skip("chromium is not installed (Debian package `chromium`)")


def _run(page: Path, profile: Path, *extra: str) -> str:
    result = subprocess.run(
        [chromium(), *_FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def rendered_dom(page: Path, profile: Path, *, size: str = "1000,2000") -> str:
    """The DOM after Chromium loaded and laid out `page` in a window of `size` (scripts
    run, if any)."""
    return _run(page, profile, "--dump-dom", "--virtual-time-budget=2000", f"--window-size={size}")


def screenshot(page: Path, png: Path, profile: Path, *, size: str = "1000,2000") -> Path:
    _run(page, profile, f"--screenshot={png}", f"--window-size={size}")
    if not png.exists() or png.stat().st_size == 0:
        raise AssertionError(f"chromium wrote no screenshot to {png}")
    return png
