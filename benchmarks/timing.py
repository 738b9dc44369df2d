"""Timing shared by the benchmark scripts (imported from the scripts' own folder)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timings(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Milliseconds per call. Round-robin (each repetition runs every call once), so that
    machine noise hits all calls alike; a warm-up of a tenth of the repetitions first."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    warmup = max(5, repeat // 10)
    for n in range(warmup + repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            if n >= warmup:
                times[name].append((time.perf_counter() - start) * 1000)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]
