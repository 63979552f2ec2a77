"""Start-to-READY time of `python -m bot run` against the loopback fake Discord (fresh database each run)."""

from __future__ import annotations

import asyncio
import signal
import tempfile
import time
from pathlib import Path

from bench.harness import Result, summarise
from tests.process.fake_discord import FakeDiscord
from tests.process.helpers import spawn_cli

RUNS = 5


async def _start_to_ready_ms(database: Path) -> float:
    async with FakeDiscord() as fake:
        start = time.perf_counter()
        process = await spawn_cli(
            ["run"],
            env={**fake.env(), "DATABASE_URL": f"sqlite:///{database}"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await fake.wait_ready(within=60)
            elapsed = (time.perf_counter() - start) * 1000
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    return elapsed


async def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as scratch:
        timings = [await _start_to_ready_ms(Path(scratch) / f"run-{index}.sqlite3") for index in range(RUNS)]
    return [summarise("python -m bot run: start to READY", timings, p99_target_ms=5000)]
