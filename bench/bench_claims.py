"""Claim throughput: how fast the dispatcher's claim path takes due reminders, with 1 and 3 processes.

CLAIMS reminders are seeded due (half one-off, half every three hours, so claiming also computes the
next occurrence), then 1 or 3 claimer processes (`python -m bench.bench_claims claim URL`) each run
`DeliveryRepository.claim_due` exactly as the dispatcher does (batches of `CLAIM_BATCH`, its grace,
lateness and lease) until nothing is left to claim. The processes connect first and start together
when all are connected; claims/s = reminders claimed / (last claimer done - first claimer started).
Each claimer reports the reminders it took: a reminder claimed twice, or not at all, fails the row,
as does a delivery count other than CLAIMS. Sending is left out: this measures the database's side.

On PostgreSQL (a fresh schema on the server named by LATCH_BENCH_POSTGRES_URL, else
LATCH_TEST_POSTGRES_URL) the claimers pass each other by (`FOR UPDATE SKIP LOCKED`). SQLite, the
engine for one process, is shown with one claimer for comparison. Informational rows, no target: the
claim path is not where a burst waits (Discord's 50 requests/s is: 10,000 reminders take 200 s to send).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.harness import NO_POSTGRES_BENCH, Result, postgres_bench_url
from bench.reminder_load import Planned, seed
from bot.db.database import Database
from bot.db.deliveries import DeliveryRepository
from bot.db.schema import reminder_deliveries
from bot.domain.reminders.model import EveryRule, OnceRule
from bot.reminders.dispatcher import CLAIM_BATCH, GRACE, LATE_AFTER, LEASE
from bot.reminders.service import next_occurrence
from tests.db.engines import scratch_schema
from tests.process.helpers import PROJECT_ROOT, cli_environment

CLAIMS = 20_000
PROCESSES = (1, 3)
FIRST_USER = 920_000_000_000_000_000
WITHIN = 300.0


def _due(count: int, now: datetime) -> list[Planned]:
    every = EveryRule(timedelta(hours=3), datetime.min.time(), None)
    planned = []
    for index in range(count):
        at = now - timedelta(seconds=1 + index % 60)  # due within the last minute
        rule = OnceRule(at) if index % 2 else every
        planned.append(Planned(FIRST_USER + index, rule, "Europe/London", at))
    return planned


# ---------------------------------------------------------------------------------------------- a claimer


async def _claim_all(url: str, name: str) -> dict[str, object]:
    database = await Database.open(url)
    try:
        repository = DeliveryRepository(database)
        await repository.earliest_due()  # connected and warm before the start
        print("connected", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        started = time.time()
        taken: list[int] = []
        while True:
            now = datetime.now(UTC)
            claimed, skipped = await repository.claim_due(
                now,
                limit=CLAIM_BATCH,
                grace=GRACE,
                late_after=LATE_AFTER,
                next_occurrence=next_occurrence,
                claimed_by=name,
                lease_until=now + LEASE,
            )
            taken.extend(delivery.reminder_id for delivery in claimed)
            if not claimed and not skipped:
                break
        return {"started": started, "finished": time.time(), "taken": taken}
    finally:
        await database.close()


def main(argv: Sequence[str]) -> int:
    if len(argv) != 3 or argv[0] != "claim":
        print("usage: python -m bench.bench_claims claim DATABASE_URL NAME", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(_claim_all(argv[1], argv[2]))), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------- the parent


async def _spawn_claimer(url: str, name: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.bench_claims", "claim", url, name),
        cwd=PROJECT_ROOT,
        env=cli_environment(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _claim_with(target: Path | str, processes: int) -> tuple[float, int, int]:
    """Claim CLAIMS due reminders in the SQLite file ``target`` (a path) or PostgreSQL (a URL) with
    ``processes`` claimers: (claims per second, reminders claimed more than once, reminders not claimed)."""
    ids = await seed(target, _due(CLAIMS, datetime.now(UTC)))
    url = target if isinstance(target, str) else f"sqlite:///{target}"
    claimers = [await _spawn_claimer(url, f"claimer-{index}") for index in range(processes)]
    try:
        for claimer in claimers:
            assert claimer.stdout is not None
            line = await asyncio.wait_for(claimer.stdout.readline(), WITHIN)
            if line.strip() != b"connected":
                raise RuntimeError(f"a claimer did not connect: {line!r}")
        for claimer in claimers:
            assert claimer.stdin is not None
            claimer.stdin.write(b"go\n")
            await claimer.stdin.drain()
        reports = []
        for claimer in claimers:
            stdout, stderr = await asyncio.wait_for(claimer.communicate(), WITHIN)
            if claimer.returncode != 0:
                raise RuntimeError(f"a claimer failed ({claimer.returncode}): {stderr.decode()[-2000:]}")
            reports.append(json.loads(stdout.decode().strip().splitlines()[-1]))
    finally:
        for claimer in claimers:
            if claimer.returncode is None:
                claimer.kill()
                await claimer.wait()
    taken = [reminder_id for report in reports for reminder_id in report["taken"]]
    twice = len(taken) - len(set(taken))
    missing = len(set(ids) - set(taken))
    database = await Database.open(url)
    try:
        recorded = await database.scalar(select(func.count()).select_from(reminder_deliveries))
    finally:
        await database.close()
    if recorded != CLAIMS:
        missing += abs(CLAIMS - int(recorded or 0))
    span = max(report["finished"] for report in reports) - min(report["started"] for report in reports)
    return len(set(taken)) / span, twice, missing


def _row(engine: str, processes: int, figures: tuple[float, int, int]) -> Result:
    rate, twice, missing = figures
    name = (
        f"{engine}: claim throughput, {CLAIMS:,} due, {processes} process(es) claiming: "
        f"{rate:,.0f} claims/s [not ms] ({twice} claimed twice, {missing} not claimed)"
    )
    return Result(name, CLAIMS, 0.0, 0.0, "-", None if not (twice or missing) else False)


async def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as scratch:  # SQLite is the one-process engine
        results.append(_row("SQLite", 1, await _claim_with(Path(scratch) / "claims.sqlite3", 1)))
    base = postgres_bench_url()
    if base is None:
        left_out = f"PostgreSQL claim throughput: left out ({NO_POSTGRES_BENCH})"
        return [*results, Result(left_out, 0, 0, 0, "-", None)]
    for processes in PROCESSES:
        with scratch_schema(base, "latch_bench") as url:
            results.append(_row("PostgreSQL", processes, await _claim_with(url, processes)))
    return results


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
