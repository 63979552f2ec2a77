"""Three bot processes, one shard each, on one PostgreSQL: every reminder exactly once across a SIGKILL.

`python -m bot run` three times with SHARD_COUNT=3 and SHARD_IDS 0, 1 and 2 against the loopback fake
(one gateway session per shard, each READY listing only its shard's servers, one global 50 requests/s
limit across all of them) and a fresh PostgreSQL schema. 300 reminders come due within two seconds,
in a server on every shard and by DM; the test tells the processes as a creating process would
(NOTIFY). Mid-burst the process running shard 0 is SIGKILLed with claims in flight and started again:
every reminder is delivered once (one message per nonce and per reminder, one 'sent' record each),
the dead process's claims are sent by a live one after their lease ended, and the commands were synced
once. No sleeps: every wait is on the fake (or on the processes exiting).

Two processes (SHARD_COUNT=2) on a fresh schema, and a command where Discord sends it: from a DM on
shard 0's connection, answered by that process; from a server on shard 1, by shard 1's process.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.db.database import Database
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.db.wakeups import WakeupChannel
from bot.domain.reminders.model import NewReminder, OnceRule, delivery_nonce
from tests.db.engines import NO_POSTGRES, postgres_url, scratch_schema
from tests.process.fake_discord import DISCORD_EPOCH_MS, FakeDiscord
from tests.process.helpers import spawn_cli

SHARDS = 3
REMINDERS = 300
WINDOW = timedelta(seconds=2)  # all of them fall due within this
LEASE_SECONDS = 6.0  # REMINDER_LEASE_SECONDS for the processes: a short lease keeps the test short
POLL_SECONDS = 5.0  # bot.reminders.dispatcher.POLL_EVERY
GLOBAL_LIMIT = 50
WITHIN = 90.0
KILLED = 0  # the shard whose process is killed: the one that syncs commands


@pytest.fixture
def database_url() -> Iterator[str]:
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    with scratch_schema(base, "latch_shards") as url:
        yield url


def _created_at(message: dict[str, object]) -> datetime:
    milliseconds = (int(str(message["id"])) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


@asynccontextmanager
async def _process(
    fake: FakeDiscord, url: str, shard: int, logs: Path, generation: int, *, shards: int = SHARDS
) -> AsyncIterator[asyncio.subprocess.Process]:
    log_path = logs / f"shard-{shard}-{generation}.log"
    env = fake.env() | {
        "DATABASE_URL": url,
        "SHARD_COUNT": str(shards),
        "SHARD_IDS": str(shard),
        "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    with log_path.open("wb") as log:
        process = await spawn_cli(["run"], env=env, stdout=log.fileno(), stderr=asyncio.subprocess.STDOUT)
        try:
            yield process
        except BaseException as error:
            error.add_note(
                f"log of shard {shard} ({log_path}):\n" + log_path.read_text(errors="replace")[-3000:]
            )
            raise
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


def _rows(url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(query, params).fetchall()


async def test_three_shard_processes_deliver_every_reminder_once_across_a_sigkill(
    fake_discord: FakeDiscord, database_url: str, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.recommended_shards = SHARDS
    channels = [
        fake.add_guild(f"Server on shard {shard}", shard=(shard, SHARDS))[1] for shard in range(SHARDS)
    ]
    database = await Database.open(database_url)
    try:
        await database.migrate()
    finally:
        await database.close()
    limit = fake.enforce_global_rate_limit(GLOBAL_LIMIT)

    async with AsyncExitStack() as stack:
        processes = {
            shard: await stack.enter_async_context(_process(fake, database_url, shard, tmp_path, 1))
            for shard in range(SHARDS)
        }
        await fake.wait_until(
            lambda: all(fake.ready_shards[shard] for shard in range(SHARDS)), WITHIN, "READY on every shard"
        )
        assert {c.shard for c in fake.connections if c.session_id} == {(s, SHARDS) for s in range(SHARDS)}
        # Each process's READY lists its own shard's server only.
        first = {c.shard: c for c in fake.connections if c.session_id}
        assert all(len(fake.guilds_of_shard(shard)) >= 1 for shard in first)

        # 300 reminders, a third in each shard's server channel... and every third by DM instead.
        database = await Database.open(database_url)
        try:
            repository, users = ReminderRepository(database), PumpUserRepository(database)
            start = datetime.now(UTC) + timedelta(seconds=POLL_SECONDS + 1)  # every process counted all 3
            seeded: dict[int, tuple[datetime, int]] = {}  # reminder id -> (due, channel it goes to)
            for index in range(REMINDERS):
                user_id = int(fake.add_user(username=f"parent{index}", member=False)["id"])
                due = start + WINDOW * index / REMINDERS
                if index % 3 == 2:
                    channel_id, guild_id = None, None
                    target = fake.dm_channel_id(user_id, member=False)
                    await users.cache_dm_channel(user_id, target, now=datetime.now(UTC))
                else:
                    target = channels[index % SHARDS]
                    channel_id, guild_id = target, int(fake.channels[target]["guild_id"])
                new = NewReminder(user_id, guild_id, channel_id, OnceRule(at=due), "UTC", due)
                seeded[await repository.create(new, now=datetime.now(UTC))] = (due, target)
            await WakeupChannel(database).publish(start)  # what the creating process does
        finally:
            await database.close()
        nonces = {delivery_nonce(reminder_id, due): reminder_id for reminder_id, (due, _) in seeded.items()}

        # Mid-burst: shard 0's process dies with claims in flight.
        await fake.wait_for_messages(REMINDERS // 3, within=WITHIN)
        processes[KILLED].send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(processes[KILLED].wait(), WITHIN) == -signal.SIGKILL
        killed_at = datetime.now(UTC)
        [(dead_id,)] = _rows(
            database_url, "SELECT process_id FROM bot_processes WHERE shard_ids = %s", str(KILLED)
        )
        orphaned = {
            int(str(reminder_id))
            for (reminder_id,) in _rows(
                database_url,
                "SELECT reminder_id FROM reminder_deliveries WHERE state = 'sending' AND claimed_by = %s",
                dead_id,
            )
        }
        assert orphaned, "the killed process held no claim: the kill came too late to test recovery"

        processes[KILLED] = await stack.enter_async_context(_process(fake, database_url, KILLED, tmp_path, 2))
        await fake.wait_until(lambda: fake.ready_shards[KILLED] >= 2, WITHIN, "shard 0 READY again")
        await fake.wait_until(
            lambda: all(fake.nonce_messages[nonce] for nonce in nonces), WITHIN, "every reminder delivered"
        )
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            assert await asyncio.wait_for(process.wait(), WITHIN) == 0

    # Exactly once: one message per nonce, per reminder, in the reminder's own channel.
    assert fake.duplicated_nonces() == {}
    assert len(fake.created_messages) == REMINDERS
    by_nonce = {message["nonce"]: message for message in fake.created_messages}
    assert set(by_nonce) == set(nonces)
    for nonce, reminder_id in nonces.items():
        assert int(by_nonce[nonce]["channel_id"]) == seeded[reminder_id][1]
    # A live process's claim was never sent by another; a dead one's at most once more (deduplicated).
    for nonce, reminder_id in nonces.items():
        assert fake.nonce_posts[nonce] in ((1, 2) if reminder_id in orphaned else (1,)), nonce
    states = _rows(database_url, "SELECT reminder_id, state FROM reminder_deliveries ORDER BY reminder_id")
    assert [int(str(reminder_id)) for reminder_id, _ in states] == sorted(seeded)
    assert {state for _, state in states} == {"sent"}
    # None later than its due time plus one lease and a poll (+ the pace of the send budget); the dead
    # process's claims counted from the kill.
    bound = timedelta(seconds=LEASE_SECONDS + POLL_SECONDS + 10)
    lateness: dict[str, timedelta] = {}
    for nonce, message in by_nonce.items():
        reminder_id = nonces[nonce]
        since = seeded[reminder_id][0]
        if reminder_id in orphaned:
            since = max(since, killed_at)
        lateness[nonce] = _created_at(message) - since
    worst = max(lateness.values())
    print(f"orphaned {len(orphaned)}, worst lateness {worst.total_seconds():.2f}s, 429s {limit.limited}")
    assert worst <= bound, worst
    # One command sync for the whole bot: shard 0's first start; its restart found the tree unchanged.
    assert len(fake.command_syncs) == 1
    assert fake.ready_shards == {0: 2, 1: 1, 2: 1}
    # One send budget for the token across the three: barely a 429 under Discord's global limit.
    total = len(fake.requests)
    assert limit.limited <= max(1, total // 100), f"{limit.limited} of {total} requests were rate limited"
    assert fake.unknown_requests == []


async def test_a_dm_command_is_answered_on_shard_0_and_a_server_command_on_the_servers_shard(
    fake_discord: FakeDiscord, database_url: str, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.recommended_shards = 2
    _, on_shard_1 = fake.add_guild("Server on shard 1", shard=(1, 2))

    async with AsyncExitStack() as stack:
        processes = [
            await stack.enter_async_context(_process(fake, database_url, shard, tmp_path, 1, shards=2))
            for shard in range(2)
        ]
        await fake.wait_until(lambda: fake.ready_shards[0] and fake.ready_shards[1], WITHIN, "both READY")
        await fake.wait_until(lambda: fake.commands.get(None), WITHIN, "the global command tree")
        connection = {c.shard: c for c in fake.connections if c.session_id}
        assert set(connection) == {(0, 2), (1, 2)}

        in_dm = await fake.dispatch_slash_command("about", dm=True)
        in_server = await fake.dispatch_slash_command("about", channel_id=on_shard_1)

        for interaction in (in_dm, in_server):
            callback = await fake.wait_for_callback(interaction, within=WITHIN)
            assert callback["type"] == 4
            assert callback["data"]["embeds"][0]["title"] == "About Latch"
        # Only the process holding that connection saw the interaction, so only it could answer.
        assert fake.delivered_on(in_dm) == [connection[(0, 2)]]
        assert fake.delivered_on(in_server) == [connection[(1, 2)]]
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            assert await asyncio.wait_for(process.wait(), WITHIN) == 0
    assert fake.unknown_requests == []
