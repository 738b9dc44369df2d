"""Issue 19's table from one side-by-side run of the kit in ../shared/bench (urlwatch 2.29
and profile-monitor on the same 193 loopback pages, interleaved repetitions).

    python benchmarks/bench_side_by_side.py [--reps 5] [--kit ../shared/bench]
    python benchmarks/bench_side_by_side.py --results DIR   # the table of a finished run

Runs `run_side_by_side.sh` (both server modes, no precision passes) with this checkout's
venv as MONITOR_VENV; urlwatch's venv is the kit's default ($TMPDIR/anchors/venv, see the
kit's README). Prints urlwatch, profile-monitor, the ratio and the issue's goal per row,
medians over the repetitions, from the kit's own measurement functions.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
GOALS = {
    "cold, wall": 1.5,
    "unchanged (server sends 304), wall": 0.5,
    "unchanged (always 200), wall": 0.8,
    "all changed (new edition), wall": 1.0,
    "state growth per changed cycle": 0.25,
    "disk written per changed cycle": 2.0,
    "peak RSS": 1.0,
}


def compile_bytecode() -> None:
    """Compile this checkout's modules as an installed wheel ships them: run from an
    editable install with PYTHONDONTWRITEBYTECODE set (as on the shared machine), each
    launch compiled ~85 modules from source again: 0.1-0.2 s of CPU under load (a 304
    run, 3 in turns), which no installed copy pays."""
    compileall.compile_dir(ROOT / "monitor", quiet=1)


def load_compare(kit: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare", kit / "compare.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(compare: ModuleType, runs: Path) -> list[tuple[str, str, float | None, float | None]]:
    """(row, unit, urlwatch, monitor): medians over the repetitions."""

    def records(name: str) -> list[dict]:
        return json.loads((runs / name / "results.json").read_text())["records"]

    def wall(cycle: str):
        return lambda rs: compare.med(rs, cycle, lambda r: r["wall_s"])

    def growth(by: dict) -> float:
        return (by["changed"]["state_bytes"] - by["unchanged"]["state_bytes"]) / 1e6

    measures = [
        ("cold, wall", "s", "validators", wall("cold")),
        ("unchanged (server sends 304), wall", "s", "validators", wall("unchanged")),
        ("unchanged (always 200), wall", "s", "no-validators", wall("unchanged")),
        ("all changed (new edition), wall", "s", "validators", wall("changed")),
        (
            "state growth per changed cycle",
            "MB",
            "validators",
            lambda rs: compare.per_rep(rs, growth),
        ),
        (
            "disk written per changed cycle",
            "MB",
            "validators",
            lambda rs: compare.med(rs, "changed", compare.disk_written_mb),
        ),
        (
            "peak RSS",
            "MiB",
            "validators",
            lambda rs: max(
                compare.med(rs, c, lambda r: (r["maxrss_kb"] or 0) / 1024)
                for c in ("cold", "unchanged", "changed")
            ),
        ),
    ]
    return [
        (name, unit, fn(records(f"urlwatch-{mode}")), fn(records(f"monitor-{mode}")))
        for name, unit, mode, fn in measures
    ]


def print_table(table: list[tuple[str, str, float | None, float | None]]) -> None:
    print("| cycle | urlwatch | profile-monitor | ratio | goal | reached |")
    print("|---|---|---|---|---|---|")
    for name, unit, base, ours in table:
        ratio = ours / base if base and ours is not None else None
        goal = GOALS[name]
        shown = f"{ratio:.2f}" if ratio is not None else "?"
        reached = "yes" if ratio is not None and ratio <= goal else "no"
        print(
            f"| {name} | {base:.2f} {unit} | {ours:.2f} {unit} | {shown} | ≤ {goal} | {reached} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--kit", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--results", type=Path, help="a finished run's WORK directory")
    args = parser.parse_args()
    work = args.results
    if work is None:
        compile_bytecode()
        work = Path(tempfile.gettempdir()) / "anchors" / "side-by-side"
        env = os.environ | {
            "MONITOR_VENV": str(ROOT / ".venv"),
            "REPS": str(args.reps),
            "PRECISION": "0",
            "WORK": str(work),
        }
        done = subprocess.run([str(args.kit / "run_side_by_side.sh")], env=env, check=False)
        if done.returncode:
            sys.exit(done.returncode)
    print_table(rows(load_compare(args.kit), work / "runs"))


if __name__ == "__main__":
    main()
