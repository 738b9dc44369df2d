"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.rawserver import raw_server  # noqa: F401 - a fixture for every test module

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (corpus and workbook). In CI its absence fails; elsewhere it skips."""
    if not (SHARED / "corpus").is_dir():
        message = f"real-data tests need {SHARED} (the shared corpus and workbook)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED
