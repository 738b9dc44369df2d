"""The package's metadata as setuptools reads it: nothing it warns about on install."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"


def test_the_license_is_an_spdx_string_that_setuptools_reads_without_a_warning():
    # A `license = { text = … }` table made every `pip install .` print setuptools'
    # deprecation warning (twice); the SPDX string needs setuptools 77.
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]
