"""Shared pieces for benchmarks: timing samples and a result row with its target."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

NO_POSTGRES_BENCH = "no LATCH_BENCH_POSTGRES_URL or LATCH_TEST_POSTGRES_URL"


def postgres_bench_url() -> str | None:
    """The PostgreSQL server the benchmarks' PostgreSQL rows use (each makes its own schemas on it)."""
    return os.environ.get("LATCH_BENCH_POSTGRES_URL") or os.environ.get("LATCH_TEST_POSTGRES_URL") or None


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    samples: int
    p50_ms: float
    p99_ms: float
    target: str
    passed: bool | None  # None: informational, no target


def measure(name: str, operation: Callable[[], object], *, runs: int, p99_target_ms: float | None) -> Result:
    """Time `operation` `runs` times (after a short warm-up) and compare its p99 with the target."""
    for _ in range(min(20, runs)):
        operation()
    timings: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        timings.append((time.perf_counter() - start) * 1000)
    return summarise(name, timings, p99_target_ms)


def summarise(name: str, timings_ms: list[float], p99_target_ms: float | None) -> Result:
    ordered = sorted(timings_ms)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    if p99_target_ms is None:
        return Result(name, len(ordered), p50, p99, "-", None)
    return Result(name, len(ordered), p50, p99, f"p99 < {p99_target_ms:g} ms", p99 < p99_target_ms)
