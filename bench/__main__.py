"""Run every benchmark module and print one table; exit 1 if any target is missed."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

from bench.harness import Result


def _modules() -> list[str]:
    folder = Path(__file__).parent
    return sorted(
        f"bench.{info.name}" for info in pkgutil.iter_modules([str(folder)]) if info.name.startswith("bench_")
    )


def collect() -> list[Result]:
    results: list[Result] = []
    for name in _modules():
        run = importlib.import_module(name).run
        produced = asyncio.run(run()) if inspect.iscoroutinefunction(run) else run()
        results.extend(produced)
    return results


def table(results: list[Result]) -> str:
    header = ("benchmark", "samples", "p50 ms", "p99 ms", "target", "ok")
    rows = [
        (
            result.name,
            str(result.samples),
            f"{result.p50_ms:.3f}",
            f"{result.p99_ms:.3f}",
            result.target,
            "-" if result.passed is None else ("yes" if result.passed else "NO"),
        )
        for result in results
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> int:
    results = collect()
    print(table(results))
    return 1 if any(result.passed is False for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
