"""Run every test marked `fault(kind)` and print the figure docs/faults.md quotes:

    python -m tests.faults.count [pytest options]

prints "N fault kinds, F failures" (a kind fails when any of its tests fails), and names
the kinds known not to hold yet (strict xfail). The exit code is pytest's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


class Tally:
    """A pytest plugin: each test's fault kind, and how its test went."""

    def __init__(self) -> None:
        self.kind_of: dict[str, str] = {}
        self.failed: set[str] = set()
        self.known: set[str] = set()

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if (marker := item.get_closest_marker("fault")) is not None:
                self.kind_of[item.nodeid] = marker.args[0]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        kind = self.kind_of.get(report.nodeid)
        if kind is None:
            return
        if report.failed:
            self.failed.add(kind)
        elif hasattr(report, "wasxfail"):
            self.known.add(kind)

    def line(self) -> str:
        kinds = len(set(self.kind_of.values()))
        text = f"{kinds} fault kinds, {len(self.failed)} failures"
        if self.failed:
            text += ": " + "; ".join(sorted(self.failed))
        if self.known:
            text += f" ({len(self.known)} known not to hold yet: {'; '.join(sorted(self.known))})"
        return text


def main(args: list[str]) -> int:
    tally = Tally()
    code = pytest.main(["-m", "fault", "-q", "-p", "no:cacheprovider", str(TESTS), *args], [tally])
    print(tally.line())
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
