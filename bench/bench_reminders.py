"""Reminders at scale, through the real bot against the loopback fake Discord.

1. Start-up with 100,000 active reminders: a fresh process (`python -m bench.reminder_load start`)
   builds the bot with `create_bot` and starts it; timed from `bot.start()` (and, more strictly, from
   spawning the process, so interpreter start and imports count) until the reminder dispatcher
   reports ready (crash recovery done, first wake-up armed). Memory: the high-water mark of
   the resident set (VmHWM) minus the resident set just before `bot.start()` (VmRSS), from
   /proc/self/status, so a transient load that was freed again still counts. The same probe on an
   empty database is shown for comparison. The same again on PostgreSQL (a fresh schema on the server
   named by LATCH_BENCH_POSTGRES_URL, else LATCH_TEST_POSTGRES_URL; without either, one row says the
   rows were left out).
2. A burst: 10,000 reminders due within the same minute, delivered by `python -m bot run` to a fake
   that enforces Discord's global limit of 50 requests/s (rolling second, real global 429s). Every
   user's DM channel is already known, as it is for anyone who has had one reminder (one request per
   delivery). Throughput: delivered messages per second from the first to the last; lost: due
   reminders with no message in their DM channel; duplicated: channels or nonces holding more than one.
   At 50/s the burst alone takes 200 s; `LATCH_BENCH_BURST=2000` runs a shorter one.
3. Lateness without a rate limit: 400 reminders spread over 20 s (20 a second, inside Discord's global
   limit and the dispatcher's own pacing of 48 sends a second); lateness = when the fake stored the
   message minus when the reminder was due, per reminder.

Figures that are not times (throughput, megabytes) go in the name and target columns, marked.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from time import time as epoch_seconds

from bench.harness import NO_POSTGRES_BENCH, Result, postgres_bench_url, summarise
from bench.reminder_load import Planned, migrated, seed, tally
from bot.domain.reminders.model import AtRule, EveryRule, OnceRule, QuietHours, Rule, delivery_nonce
from bot.domain.reminders.schedule import next_fire
from tests.db.engines import scratch_schema
from tests.process.fake_discord import FakeDiscord
from tests.process.helpers import PROJECT_ROOT, cli_environment, spawn_cli

START_REMINDERS = 100_000
PER_USER = 10
START_RUNS = 3
START_TARGET_MS = 3000.0
EXTRA_RSS_TARGET_MB = 60.0
BURST = int(os.environ.get("LATCH_BENCH_BURST", "10000"))
RATE = 50
THROUGHPUT_SHARE = 0.9
LATENESS_REMINDERS = 400
LATENESS_SPREAD = timedelta(seconds=20)
LEAD = timedelta(seconds=8)  # seeded reminders fall due this long after the bot is spawned
ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe")
FIRST_USER = 900_000_000_000_000_000
WITHIN = 120.0


def _templates(now: datetime) -> list[tuple[Rule, str, datetime]]:
    """The shapes people set up, in five zones, each with its real next fire (all an hour or more away)."""
    six = time(6, 0)
    rules: list[Rule] = [
        EveryRule(timedelta(hours=3), six, QuietHours(time(23, 0), six)),
        EveryRule(timedelta(hours=2, minutes=30), six, None, since_last=True),
        AtRule((six, time(9, 30), time(13, 0), time(16, 30), time(20, 0))),
        OnceRule(now + timedelta(days=3)),
    ]
    found: list[tuple[Rule, str, datetime]] = []
    for zone in ZONES:
        for rule in rules:
            fire = next_fire(rule, zone, now + timedelta(hours=1))
            assert fire is not None
            found.append((rule, zone, fire))
    return found


def _many_reminders(count: int, now: datetime) -> list[Planned]:
    templates = _templates(now)
    return [
        Planned(FIRST_USER + index // PER_USER, *templates[index % len(templates)]) for index in range(count)
    ]


# ---------------------------------------------------------------------------------------------- start-up


async def _probe(fake: FakeDiscord, database: Path | str) -> dict[str, float]:
    """The start-up probe against the SQLite file ``database`` (a path) or PostgreSQL (a URL)."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    env = cli_environment({**fake.env(), "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    spawned = epoch_seconds()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.reminder_load", "start",
        cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), WITHIN)
    if process.returncode != 0:
        raise RuntimeError(f"start probe failed ({process.returncode}): {stderr.decode()[-2000:]}")
    figures: dict[str, float] = json.loads(stdout.decode().strip().splitlines()[-1])
    figures["spawn_to_dispatcher_ready_s"] = figures["dispatcher_ready_epoch"] - spawned
    return figures


async def _start_results(folder: Path) -> list[Result]:
    full, empty = folder / "full.sqlite3", folder / "empty.sqlite3"
    await seed(full, _many_reminders(START_REMINDERS, datetime.now(UTC)))
    await migrated(empty)
    runs: list[dict[str, float]] = []
    for index in range(START_RUNS):
        copy = folder / f"start-{index}.sqlite3"  # a file no earlier run has warmed
        shutil.copyfile(full, copy)
        async with FakeDiscord() as fake:
            runs.append(await _probe(fake, copy))
    async with FakeDiscord() as fake:
        baseline = await _probe(fake, empty)
    return _start_rows(f"{START_REMINDERS:,} reminders", runs, baseline)


async def _postgres_start_results(base: str) -> list[Result]:
    """The same probe on PostgreSQL: one schema seeded with START_REMINDERS, one left empty."""
    with scratch_schema(base, "latch_bench") as full, scratch_schema(base, "latch_bench") as empty:
        await seed(full, _many_reminders(START_REMINDERS, datetime.now(UTC)))
        await migrated(empty)
        runs: list[dict[str, float]] = []
        for _ in range(START_RUNS):
            async with FakeDiscord() as fake:
                runs.append(await _probe(fake, full))
        async with FakeDiscord() as fake:
            baseline = await _probe(fake, empty)
    return _start_rows(f"PostgreSQL: {START_REMINDERS:,} reminders", runs, baseline)


def _start_rows(label: str, runs: list[dict[str, float]], baseline: dict[str, float]) -> list[Result]:
    if not all(run["armed_for_epoch"] > 0 for run in runs) or baseline["armed_for_epoch"] != 0:
        raise RuntimeError("the start probe did not see the seeded reminders")

    def extra_mb(figures: dict[str, float]) -> float:
        return (figures["peak_kb"] - figures["rss_before_kb"]) / 1024

    ready_ms = [run["dispatcher_ready_s"] * 1000 for run in runs]
    extras = sorted(extra_mb(run) for run in runs)
    worst = extras[-1]
    return [
        summarise(f"{label}: bot.start() to dispatcher ready", ready_ms, p99_target_ms=START_TARGET_MS),
        summarise(
            f"{label}: process spawn (imports included) to dispatcher ready",
            [run["spawn_to_dispatcher_ready_s"] * 1000 for run in runs],
            p99_target_ms=START_TARGET_MS,
        ),
        summarise(f"{label}: bot.start() to READY", [run["gateway_ready_s"] * 1000 for run in runs], None),
        Result(
            f"{label}: extra peak RSS at start [MB, not ms] (empty db: {extra_mb(baseline):.1f} MB)",
            len(runs),
            extras[len(extras) // 2],
            worst,
            f"< {EXTRA_RSS_TARGET_MB:g} MB",
            worst < EXTRA_RSS_TARGET_MB,
        ),
    ]


# ---------------------------------------------------------------------------------------------- deliveries


def _received_at(message: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(message["timestamp"]))


async def _deliver_all(
    fake: FakeDiscord, database: Path, due: list[datetime], *, rate: int | None, within: float
) -> tuple[list[float], float, int, int, int]:
    """Seed one DM reminder per user due at `due`, run the bot until each has an outcome (at most
    `within` seconds after the last one is due).

    Returns (lateness in ms per delivered reminder, deliveries per second, lost, duplicated, 429s)."""
    users = [FIRST_USER + index for index in range(len(due))]
    planned = [
        Planned(user, OnceRule(at), "Europe/London", at, fake.dm_channel_id(user, member=False))
        for user, at in zip(users, due, strict=True)
    ]
    ids = await seed(database, planned)
    limit = fake.enforce_global_rate_limit(rate) if rate else None
    env = {**fake.env(), "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "WARNING"}
    log_path = database.with_suffix(".log")
    with log_path.open("wb") as log:
        process = await spawn_cli(["run"], env=env, stdout=log.fileno(), stderr=asyncio.subprocess.STDOUT)
        try:
            remaining = (max(due) - datetime.now(UTC)).total_seconds()
            await _wait_for_outcomes(fake, database, len(due), within=max(remaining, 0) + within)
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), WITHIN)
        except BaseException as error:
            error.add_note("bot log:\n" + log_path.read_text(errors="replace")[-3000:])
            raise
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    lateness: list[float] = []
    times: list[datetime] = []
    lost = duplicated = 0
    for reminder_id, user, at in zip(ids, users, due, strict=True):
        messages = fake.dm_messages(user)
        if not messages:
            lost += 1
            continue
        duplicated += len(messages) - 1
        if messages[0].get("nonce") != delivery_nonce(reminder_id, at):
            duplicated += 1  # a message that is not this occurrence's
        received = _received_at(messages[0])
        times.append(received)
        lateness.append((received - at).total_seconds() * 1000)
    duplicated += sum(count - 1 for count in fake.duplicated_nonces().values())
    times.sort()
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    throughput = (len(times) - 1) / span if span > 0 else 0.0
    return lateness, throughput, lost, duplicated, limit.limited if limit else 0


async def _wait_for_outcomes(fake: FakeDiscord, database: Path, count: int, *, within: float) -> None:
    """Until every reminder has a message, or every claimed one is settled, or `within` seconds pass
    (whatever is undelivered then counts as lost)."""
    deadline = monotonic() + within
    while monotonic() < deadline:
        try:
            await fake.wait_until(lambda: len(fake.created_messages) >= count, 2.0, "deliveries")
            return
        except TimeoutError:
            settled = tally(database)
            if settled.sent + settled.failed + settled.skipped >= count and settled.sending == 0:
                return


async def _burst_result(folder: Path) -> Result:
    # All at the same minute mark: reminders are set at wall-clock minutes ("at 06:00"), so this is
    # the peak a popular time produces.
    due = [datetime.now(UTC) + LEAD] * BURST
    async with FakeDiscord() as fake:
        lateness, throughput, lost, duplicated, limited = await _deliver_all(
            fake, folder / "burst.sqlite3", due, rate=RATE, within=BURST / RATE * 1.5 + 30
        )
    floor = THROUGHPUT_SHARE * RATE
    passed = throughput >= floor and lost == 0 and duplicated == 0
    return Result(
        f"{BURST:,} due at one minute mark @ {RATE} req/s: {throughput:.1f} delivered/s, {lost} lost, "
        f"{duplicated} dup, {limited} global 429s (ms: due to delivered)",
        len(lateness),
        *_p50_p99(lateness),
        f">= {floor:g}/s, 0 lost, 0 dup",
        passed,
    )


async def _lateness_result(folder: Path) -> Result:
    start = datetime.now(UTC) + LEAD
    due = [start + LATENESS_SPREAD * index / LATENESS_REMINDERS for index in range(LATENESS_REMINDERS)]
    async with FakeDiscord() as fake:
        lateness, _, lost, duplicated, _ = await _deliver_all(
            fake, folder / "lateness.sqlite3", due, rate=None, within=60
        )
    result = summarise(
        f"fire lateness, {LATENESS_REMINDERS} due over {LATENESS_SPREAD.seconds}s, no rate limit "
        f"({lost} not delivered within 60 s, {duplicated} dup)",
        lateness or [float("inf")],
        p99_target_ms=1000,
    )
    if lost or duplicated:
        return Result(result.name, result.samples, result.p50_ms, result.p99_ms, result.target, False)
    return result


def _p50_p99(values: list[float]) -> tuple[float, float]:
    summary = summarise("", values or [float("inf")], None)
    return summary.p50_ms, summary.p99_ms


async def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        results = await _start_results(folder)
        base = postgres_bench_url()
        if base is None:
            results.append(Result(f"PostgreSQL rows: left out ({NO_POSTGRES_BENCH})", 0, 0, 0, "-", None))
        else:
            results.extend(await _postgres_start_results(base))
        results.append(await _lateness_result(folder))
        results.append(await _burst_result(folder))
    return results
