"""Start-up: how soon `monitor` is at work after it is launched.

    python benchmarks/bench_startup.py [--repeat 10]

Two figures, each the median of `--repeat` fresh processes (interleaved, so machine
noise hits both alike):
- `monitor --version`: launch to exit;
- `monitor run` whose sources all answer 304: launch to the first request reaching the
  loopback server (the demo's five pages; one cold run first stores their ETags), and
  launch to exit.
Goals (issue "One house"): --version <= 0.15 s; first request of a 304 run <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_side_by_side import compile_bytecode
from monitor.cli.walkthrough import editions_as_pages
from monitor.demo.server import PageSite, serve

MONITOR = [sys.executable, "-m", "monitor"]


class FirstRequest(PageSite):
    """A site that notes when its first request arrives."""

    first: float | None = None

    def publish(self, pages: dict[str, tuple[bytes, str]]) -> None:
        super().publish(pages)
        self.first = None

    def __setattr__(self, name: str, value: object) -> None:
        if name == "requests" and self.first is None and value:
            object.__setattr__(self, "first", time.perf_counter())
        object.__setattr__(self, name, value)


def write_config(folder: Path, base_url: str, slugs: list[str]) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'data_dir = "data"\n[fetch]\nper_host_interval = 0\nrespect_robots = false\n'
        f'[kinds.ocindex_page]\nbase_url = "{base_url}"\n'
        f'[[watch]]\ncountries = {slugs!r}\neditions = ["current"]\n'.replace("'", '"')
    )
    return path


def timed(args: list[str], site: FirstRequest | None = None) -> tuple[float, float | None]:
    """Seconds from launch to exit, and to the site's first request (if a site)."""
    if site is not None:
        site.publish(site.pages)
    start = time.perf_counter()
    subprocess.run(args, check=False, capture_output=True)
    end = time.perf_counter()
    first = site.first - start if site is not None and site.first is not None else None
    return end - start, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    compile_bytecode()
    pages = editions_as_pages()
    live = pages[min(pages)]
    slugs = sorted(path.rsplit("/", 1)[1] for path in live)
    site = FirstRequest()
    site.publish(live)
    with tempfile.TemporaryDirectory() as folder, serve(site):
        config = write_config(Path(folder), site.base_url, slugs)
        run = [*MONITOR, "--config", str(config), "run"]
        subprocess.run(run, check=True, capture_output=True)  # cold: stores the ETags
        version, first, whole = [], [], []
        for _ in range(repeat):
            version.append(timed([*MONITOR, "--version"])[0])
            took, to_first = timed(run, site)
            assert to_first is not None, "the run made no request"
            whole.append(took)
            first.append(to_first)
    print(f"{repeat} launches each, medians (min-max), seconds:")
    for name, values, goal in (
        ("monitor --version, to exit", version, 0.15),
        ("monitor run (all 304), to first request", first, 0.3),
        ("monitor run (all 304), to exit", whole, None),
    ):
        median = statistics.median(values)
        met = "" if goal is None else f"  goal <= {goal}: {'met' if median <= goal else 'NOT met'}"
        print(f"  {name:<42} {median:.3f} ({min(values):.3f}-{max(values):.3f}){met}")


if __name__ == "__main__":
    main()
