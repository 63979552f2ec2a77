"""Start-up work the bot does before it can answer: migrations on a fresh file, and loading content."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.harness import Result, measure, summarise
from bot.config import Settings
from bot.content.loader import load_library
from bot.db.database import Database


async def _fresh_migration_ms(folder: Path, index: int) -> float:
    start = time.perf_counter()
    database = await Database.open(folder / f"bench-{index}.sqlite3")
    await database.migrate()
    await database.close()
    return (time.perf_counter() - start) * 1000


async def run() -> list[Result]:
    content_dir = Settings(_env_file=None).content_dir
    results = [measure("load content library", lambda: load_library(content_dir), runs=30, p99_target_ms=500)]
    with tempfile.TemporaryDirectory() as scratch:
        timings = [await _fresh_migration_ms(Path(scratch), index) for index in range(30)]
    results.append(summarise("open + migrate a fresh database", timings, p99_target_ms=250))
    return results
