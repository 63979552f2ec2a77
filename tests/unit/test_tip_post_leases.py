"""Claimed tip posts across processes, on both engines: one claimer wins a due post, a live lease keeps
every other process off it, an ended one is taken over, and recording or pausing clears the claim."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.db.database import Database
from bot.db.schema import tip_schedules
from bot.db.tip_schedules import TipScheduleRepository
from bot.domain.tip_posts import Cadenced, PostFailed, next_post_time
from bot.tip_posts.dispatcher import LEASE

DUE = datetime(2026, 1, 1, 9, tzinfo=UTC)
DAILY = Cadenced("daily", time(9, 0), "UTC")
NEXT = next_post_time(DAILY, DUE)
GUILD, OTHER_GUILD, CHANNEL, MODERATOR = 1 << 60, (1 << 60) + (1 << 22), 5151, 4242
A, B, C = "host-a:11:aaaa", "host-b:22:bbbb", "host-c:33:cccc"


async def scheduled(database: Database, guild_id: int = GUILD) -> TipScheduleRepository:
    schedules = TipScheduleRepository(database)
    await schedules.save(
        guild_id=guild_id,
        channel_id=CHANNEL,
        rule=DAILY,
        source="library",
        next_post_at=DUE,
        actor_id=MODERATOR,
        now=DUE - timedelta(days=1),
    )
    return schedules


async def claim_as(
    schedules: TipScheduleRepository, process: str, now: datetime = DUE, *, guild_id: int = GUILD
) -> bool:
    return await schedules.claim(
        guild_id,
        due_at=DUE,
        next_post_at=NEXT,
        now=now,
        claimed_by=process,
        lease_until=now + LEASE,
        claimed_for=DUE,
    )


async def take_over_as(
    schedules: TipScheduleRepository, process: str, now: datetime, *, every_claim: bool = False
) -> bool:
    return await schedules.take_over(
        GUILD,
        claimed_for=DUE,
        now=now,
        claimed_by=process,
        lease_until=now + LEASE,
        every_claim=every_claim,
    )


async def claim_row(database: Database) -> tuple[datetime | None, str | None, datetime | None]:
    row = await database.fetch_one(
        select(tip_schedules.c.claimed_for, tip_schedules.c.claimed_by, tip_schedules.c.lease_until)
    )
    assert row is not None
    return row["claimed_for"], row["claimed_by"], row["lease_until"]


async def test_of_two_processes_claiming_one_due_post_only_one_wins(any_database: Database) -> None:
    schedules = await scheduled(any_database)

    assert await claim_as(schedules, A)
    assert not await claim_as(schedules, B, DUE + timedelta(seconds=1))

    assert await claim_row(any_database) == (DUE, A, DUE + LEASE)
    stored = await schedules.get(GUILD)
    assert stored is not None
    assert (stored.next_post_at, stored.claimed_for) == (NEXT, DUE)
    assert [schedule.guild_id for schedule in await schedules.due(DUE + timedelta(minutes=1))] == []


async def test_two_processes_on_their_own_connections_claim_a_due_post_once(any_database: Database) -> None:
    await scheduled(any_database)
    where = any_database.path or any_database.url.sqlalchemy_url  # as two processes would open it
    peers = [await Database.open(where) for _ in range(2)]
    try:
        claimers = zip(peers, (A, B), strict=True)
        won = await asyncio.gather(
            *(claim_as(TipScheduleRepository(peer), process) for peer, process in claimers)
        )
    finally:
        for peer in peers:
            await peer.close()

    assert sorted(won) == [False, True]
    winner = A if won[0] else B
    assert (await claim_row(any_database))[1] == winner


async def test_a_live_lease_is_left_to_its_process_and_an_ended_one_is_taken_over(
    any_database: Database,
) -> None:
    schedules = await scheduled(any_database)
    await claim_as(schedules, A)

    live = DUE + LEASE - timedelta(seconds=1)
    assert await schedules.abandoned(live) == []
    assert not await take_over_as(schedules, B, live)  # A is posting it

    ended = DUE + LEASE
    [left] = await schedules.abandoned(ended)  # A's lease ended: A is gone
    assert (left.guild_id, left.claimed_for, left.channel_id) == (GUILD, DUE, CHANNEL)
    assert await take_over_as(schedules, B, ended)
    assert await claim_row(any_database) == (DUE, B, ended + LEASE)
    assert not await take_over_as(schedules, C, ended + timedelta(seconds=30))  # B holds it now
    assert await schedules.abandoned(ended + timedelta(seconds=30)) == []


async def test_a_process_alone_takes_every_claim_whatever_its_lease(any_database: Database) -> None:
    schedules = await scheduled(any_database)
    await claim_as(schedules, A)

    soon = DUE + timedelta(seconds=5)
    assert [schedule.claimed_for for schedule in await schedules.abandoned(soon, every_claim=True)] == [DUE]
    assert await take_over_as(schedules, B, soon, every_claim=True)
    assert (await claim_row(any_database))[1] == B


async def test_recording_the_post_clears_its_claim_so_nothing_is_left_to_recover(
    any_database: Database,
) -> None:
    schedules = await scheduled(any_database)
    await claim_as(schedules, A)

    await schedules.record_post(GUILD, "tip-a", new_cycle=False, now=DUE, claimed_for=DUE)

    assert await claim_row(any_database) == (None, None, None)
    assert await schedules.abandoned(DUE + 2 * LEASE) == []
    assert not await take_over_as(schedules, B, DUE + 2 * LEASE)
    stored = await schedules.get(GUILD)
    assert stored is not None and stored.last_posted_at == DUE and stored.next_post_at == NEXT


async def test_a_moderators_post_now_leaves_a_claim_in_flight_alone(any_database: Database) -> None:
    schedules = await scheduled(any_database)
    await claim_as(schedules, A)

    await schedules.record_post(GUILD, "tip-b", new_cycle=False, now=DUE, posted_by=MODERATOR, channel_id=1)

    assert await claim_row(any_database) == (DUE, A, DUE + LEASE)


async def test_pausing_after_a_failed_post_clears_its_claim(any_database: Database) -> None:
    schedules = await scheduled(any_database)
    await claim_as(schedules, A)

    paused = await schedules.pause(
        GUILD, channel_id=CHANNEL, failure=PostFailed("channel_gone"), actor_id=None, now=DUE
    )

    assert paused
    assert await claim_row(any_database) == (None, None, None)
    assert await schedules.abandoned(DUE + 2 * LEASE) == []


async def test_a_released_claim_is_gone_and_a_skipped_post_claims_nothing(any_database: Database) -> None:
    schedules = await scheduled(any_database)
    await claim_as(schedules, A)
    assert await schedules.release(GUILD, claimed_for=DUE)
    assert not await schedules.release(GUILD, claimed_for=DUE)
    assert await claim_row(any_database) == (None, None, None)

    later = NEXT + timedelta(hours=3)  # the next post, missed by too much: skipped, nothing claimed
    following = next_post_time(DAILY, later)
    assert await schedules.claim(
        GUILD, due_at=NEXT, next_post_at=following, now=later, claimed_by=B, lease_until=later + LEASE
    )
    assert await claim_row(any_database) == (None, None, None)
    assert (await schedules.get(GUILD)).next_post_at == following  # type: ignore[union-attr]


async def test_the_claims_list_names_each_server_and_the_end_of_its_lease(any_database: Database) -> None:
    schedules = await scheduled(any_database)
    await scheduled(any_database, OTHER_GUILD)
    await claim_as(schedules, A, guild_id=OTHER_GUILD)

    assert await schedules.claims() == [(OTHER_GUILD, DUE + LEASE)]


async def test_a_claimer_passes_over_a_schedule_another_is_claiming(any_database: Database) -> None:
    if any_database.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no row another claimer holds")
    schedules = await scheduled(any_database)
    await scheduled(any_database, OTHER_GUILD)
    await claim_as(schedules, A)
    ended = DUE + LEASE
    async with any_database.transaction() as connection:
        # Another process's transaction, still open, holding both schedules' rows.
        await connection.execute(select(tip_schedules.c.guild_id).with_for_update())
        claimed = await asyncio.wait_for(claim_as(schedules, B, guild_id=OTHER_GUILD), timeout=5)
        taken = await asyncio.wait_for(take_over_as(schedules, B, ended), timeout=5)
    assert (claimed, taken) == (False, False)  # passed over, not waited for

    assert await claim_as(schedules, B, guild_id=OTHER_GUILD)
    assert await take_over_as(schedules, B, ended)
