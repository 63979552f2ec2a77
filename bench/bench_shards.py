"""Reminders across three shard processes on one PostgreSQL, through `python -m bot run` each.

Three processes (SHARD_COUNT=3, SHARD_IDS 0, 1, 2) against the loopback fake Discord and a fresh
PostgreSQL schema (the server named by LATCH_BENCH_POSTGRES_URL, else LATCH_TEST_POSTGRES_URL; without
either, one row says the rows were left out).

1. Lateness across processes, no rate limit: 300 reminders are created one after another while the
   processes run, each due 1.5 s after it is created, and announced as a creating process does
   (NOTIFY); whichever process claims one sends it. Lateness = when the fake stored the message minus
   when the reminder was due. Target p99 < 1 s.
2. A burst shared by the three under one global limit of 50 requests/s (the fake's rolling second, real
   global 429s): BURST reminders due at one minute mark (`LATCH_BENCH_BURST`, default 10,000).
   Throughput from the first delivery to the last, lost (no message), duplicated (a nonce or a
   reminder with more than one message), and the share of requests answered 429. Targets: >= 90 % of
   the limit, 0 lost, 0 duplicated, 429s < 1 %.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg

from bench.harness import NO_POSTGRES_BENCH, Result, postgres_bench_url, summarise
from bot.db.database import Database
from bot.db.reminders import ReminderRepository
from bot.db.wakeups import WakeupChannel
from bot.domain.reminders.model import NewReminder, OnceRule, delivery_nonce, rule_to_json
from tests.db.engines import scratch_schema
from tests.process.fake_discord import DISCORD_EPOCH_MS, FakeDiscord
from tests.process.helpers import spawn_cli

SHARDS = 3
RATE = 50
THROUGHPUT_SHARE = 0.9
LATENESS_REMINDERS = 300
LATENESS_LEAD = timedelta(seconds=1.5)  # each is due this long after it is created
LATENESS_EVERY = 0.05  # seconds between two creations (20 a second, inside the budget)
BURST = int(os.environ.get("LATCH_BENCH_BURST", "10000"))
BURST_LEAD = timedelta(seconds=8)
FIRST_USER = 910_000_000_000_000_000
WITHIN = 120.0


@asynccontextmanager
async def _schema(base: str) -> AsyncIterator[str]:
    with scratch_schema(base, "latch_bench") as url:
        database = await Database.open(url)
        try:
            await database.migrate()
        finally:
            await database.close()
        yield url


@asynccontextmanager
async def _processes(fake: FakeDiscord, url: str, logs: Path) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        running: list[asyncio.subprocess.Process] = []
        for shard in range(SHARDS):
            env = fake.env() | {
                "DATABASE_URL": url,
                "SHARD_COUNT": str(SHARDS),
                "SHARD_IDS": str(shard),
                "LOG_LEVEL": "WARNING",
            }
            log = stack.enter_context((logs / f"shard-{shard}.log").open("wb"))
            running.append(
                await spawn_cli(["run"], env=env, stdout=log.fileno(), stderr=asyncio.subprocess.STDOUT)
            )
        try:
            await fake.wait_until(lambda: all(fake.ready_shards[s] for s in range(SHARDS)), WITHIN, "READY")
            yield
            for process in running:
                process.send_signal(signal.SIGTERM)
            for process in running:
                await asyncio.wait_for(process.wait(), WITHIN)
        except BaseException as error:
            for shard in range(SHARDS):
                tail = (logs / f"shard-{shard}.log").read_text(errors="replace")[-2000:]
                error.add_note(f"shard {shard} log:\n{tail}")
            raise
        finally:
            for process in running:
                if process.returncode is None:
                    process.kill()
                    await process.wait()


def _stored_at(message: dict[str, object]) -> datetime:
    return datetime.fromtimestamp(((int(str(message["id"])) >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


async def _lateness(base: str, logs: Path) -> Result:
    async with FakeDiscord() as fake, _schema(base) as url:
        fake.recommended_shards = SHARDS
        database = await Database.open(url)
        try:
            async with _processes(fake, url, logs):
                reminders, wakeups = ReminderRepository(database), WakeupChannel(database)
                await asyncio.sleep(6)  # let each process count the other two (heartbeat every 5 s)
                due: dict[str, datetime] = {}
                for index in range(LATENESS_REMINDERS):
                    user = FIRST_USER + index
                    await _cache_dm(database, user, fake.dm_channel_id(user, member=False))
                    at = datetime.now(UTC) + LATENESS_LEAD
                    new = NewReminder(user, None, None, OnceRule(at=at), "UTC", at)
                    reminder_id = await reminders.create(new, now=datetime.now(UTC))
                    await wakeups.publish(at)
                    due[delivery_nonce(reminder_id, at)] = at
                    await asyncio.sleep(LATENESS_EVERY)
                await fake.wait_until(lambda: all(fake.nonce_messages[n] for n in due), WITHIN, "deliveries")
        finally:
            await database.close()
        late = [
            (_stored_at(message) - due[message["nonce"]]).total_seconds() * 1000
            for message in fake.created_messages
        ]
        duplicated = sum(count - 1 for count in fake.duplicated_nonces().values())
    result = summarise(
        f"{SHARDS} processes (PostgreSQL): fire lateness, {LATENESS_REMINDERS} created on the fly, each "
        f"due {LATENESS_LEAD.total_seconds():g}s later, no rate limit ({duplicated} dup)",
        late,
        p99_target_ms=1000,
    )
    if duplicated or len(late) != LATENESS_REMINDERS:
        return Result(result.name, result.samples, result.p50_ms, result.p99_ms, result.target, False)
    return result


async def _cache_dm(database: Database, user: int, channel: int) -> None:
    await database.sql(
        "INSERT INTO pump_users (user_id, dm_channel_id, updated_at) VALUES (:user, :channel, :now)",
        {"user": user, "channel": channel, "now": datetime.now(UTC)},
    )


def _seed_burst(url: str, fake: FakeDiscord, at: datetime) -> dict[str, int]:
    """BURST one-off DM reminders due at ``at``, stored in bulk; nonce → user."""
    users = [FIRST_USER + 100_000 + index for index in range(BURST)]
    rule = rule_to_json(OnceRule(at=at))
    now = datetime.now(UTC)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO pump_users (user_id, dm_channel_id, updated_at) VALUES (%s, %s, %s)",
            [(user, fake.dm_channel_id(user, member=False), now) for user in users],
        )
        cursor.executemany(
            "INSERT INTO reminders (user_id, kind, rule, timezone, next_fire_at, created_at, updated_at) "
            "VALUES (%s, 'once', %s, 'UTC', %s, %s, %s)",
            [(user, rule, at, now, now) for user in users],
        )
        rows = connection.execute("SELECT id, user_id FROM reminders").fetchall()
    return {delivery_nonce(int(reminder_id), at): int(user) for reminder_id, user in rows}


async def _burst(base: str, logs: Path) -> Result:
    async with FakeDiscord() as fake, _schema(base) as url:
        fake.recommended_shards = SHARDS
        at = datetime.now(UTC) + BURST_LEAD + timedelta(seconds=20)  # after the three are up and counted
        nonces = _seed_burst(url, fake, at)
        limit = fake.enforce_global_rate_limit(RATE)
        async with _processes(fake, url, logs):
            await fake.wait_until(
                lambda: len(fake.created_messages) >= BURST, BURST / RATE * 1.5 + 60, "the burst delivered"
            )
        stored = sorted(_stored_at(message) for message in fake.created_messages)
        lateness = [(moment - at).total_seconds() * 1000 for moment in stored]
        lost = sum(1 for nonce in nonces if not fake.nonce_messages[nonce])
        duplicated = sum(count - 1 for count in fake.duplicated_nonces().values())
        duplicated += sum(max(len(fake.dm_messages(user)) - 1, 0) for user in nonces.values())
        span = (stored[-1] - stored[0]).total_seconds()
        throughput = (len(stored) - 1) / span if span > 0 else 0.0
        requests = len([r for r in fake.requests if r.status])
        share_429 = limit.limited / requests if requests else 0.0
    floor = THROUGHPUT_SHARE * RATE
    passed = throughput >= floor and lost == 0 and duplicated == 0 and share_429 < 0.01
    summary = summarise("", lateness, None)
    return Result(
        f"{SHARDS} processes (PostgreSQL): {BURST:,} due at one minute mark @ {RATE} req/s shared: "
        f"{throughput:.1f} delivered/s, {lost} lost, {duplicated} dup, {limit.limited} global 429s "
        f"({share_429:.2%} of {requests} requests) (ms: due to delivered)",
        len(lateness),
        summary.p50_ms,
        summary.p99_ms,
        f">= {floor:g}/s, 0 lost, 0 dup, 429s < 1%",
        passed,
    )


async def run() -> list[Result]:
    base = postgres_bench_url()
    if base is None:
        return [Result(f"shard processes on PostgreSQL: left out ({NO_POSTGRES_BENCH})", 0, 0, 0, "-", None)]
    with TemporaryDirectory() as scratch:
        logs = Path(scratch)
        return [await _lateness(base, logs), await _burst(base, logs)]
