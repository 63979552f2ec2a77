"""A process running shard 0 of 2, on each engine: a tip post claimed by a process that stopped before
making it is made once its lease ends, with the same nonce, by the process running the server's shard;
one two hours late or more is skipped; another shard's claims are left to that shard's process.

A claim taken over three minutes or more after its due instant outlives Discord's memory of the nonce
(SimCord keeps none), so the channel is looked at first: the post the stopped process made is recorded,
not made again; a post that is not there (or a channel that cannot be read) is made once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.config import Settings
from bot.db.tip_schedules import TipScheduleRepository
from bot.domain.tip_posts import Cadenced, next_post_time, post_nonce
from bot.recovery import NONCE_TRUSTED_FOR
from bot.tip_posts.dispatcher import LEASE
from tests.conftest import Server
from tests.db.engines import ENGINES, NO_POSTGRES, postgres_url, scratch_schema
from tests.discord.test_shard_ownership import server_on_shard, stop_reminder_dispatcher_once_started

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
DUE = datetime(2026, 1, 1, 9, tzinfo=UTC)
DAILY = Cadenced("daily", time(9, 0), "UTC")
NEXT = next_post_time(DAILY, DUE)
GONE = "host-gone:99:dead"  # the process that claimed the post and stopped
# A lease that ends after Discord stopped deduplicating the post's nonce.
LONG_LEASE = NONCE_TRUSTED_FOR + timedelta(minutes=2)


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """This process runs shard 0 of 2 over a database of each engine; other processes share it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'latch.sqlite3'}"
        yield Settings(_env_file=None, database_url=url, shard_count=2, shard_ids=(0,))
        return
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    with scratch_schema(base, "latch_tips") as url:
        yield Settings(_env_file=None, database_url=url, shard_count=2, shard_ids=(0,))


@pytest.fixture
def simcord_bot(bot_factory: Callable[[], LatchBot], monkeypatch: pytest.MonkeyPatch) -> LatchBot:
    """The bot, its reminder dispatcher stopped once started: these tests are about tip posts."""
    stop_reminder_dispatcher_once_started(monkeypatch)
    return bot_factory()


def current_bot(env: simcord.Env) -> LatchBot:
    bot = env.bot
    assert isinstance(bot, LatchBot)
    return bot


async def advance_to(env: simcord.Env, moment: datetime) -> None:
    await env.advance_time((moment - env.now()).total_seconds())


def posts(channel: simcord.ChannelHandle) -> list[discord.Message]:
    return [message for message in channel.history() if message.embeds]


def sends_to(env: simcord.Env, channel: simcord.ChannelHandle) -> list[dict[str, Any]]:
    """The bodies of the messages the bot posted in ``channel`` through REST."""
    bodies = []
    for request in env.http_requests:
        if request.method == "POST" and request.path == f"/channels/{channel.id}/messages":
            assert isinstance(request.json, dict)
            bodies.append(request.json)
    return bodies


def history_reads(env: simcord.Env, channel: simcord.ChannelHandle) -> int:
    return sum(
        request.method == "GET" and request.path == f"/channels/{channel.id}/messages"
        for request in env.http_requests
    )


async def claimed_then_stopped(
    env: simcord.Env, guild_id: int, channel_id: int, moderator_id: int, *, lease: timedelta = LEASE
) -> None:
    """A 09:00 schedule whose post a process claimed at 09:00 (for ``lease``) and then stopped before
    making it."""
    schedules = TipScheduleRepository(current_bot(env).db)
    await schedules.save(
        guild_id=guild_id,
        channel_id=channel_id,
        rule=DAILY,
        source="library",
        next_post_at=DUE,
        actor_id=moderator_id,
        now=env.now(),
    )
    current_bot(env).scheduler.shutdown()  # this process is not the one that claims: it is down
    await advance_to(env, DUE)
    claimed = await schedules.claim(
        guild_id,
        due_at=DUE,
        next_post_at=NEXT,
        now=DUE,
        claimed_by=GONE,
        lease_until=DUE + lease,
        claimed_for=DUE,
    )
    assert claimed


async def test_a_post_left_claimed_by_a_stopped_process_is_made_once_when_its_lease_ends(
    simcord_env: simcord.Env, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    server = await server_on_shard(simcord_env, 0)
    await simcord_env.settle()
    await claimed_then_stopped(simcord_env, server.guild.id, server.channel.id, server.moderator.id)

    await simcord_env.restart_bot(bot_factory())  # the shard's process, started again
    await advance_to(simcord_env, DUE + LEASE - SECOND)
    assert posts(server.channel) == []  # the claim's process may still be making it

    await advance_to(simcord_env, DUE + LEASE)

    [post] = posts(server.channel)
    assert post.created_at == DUE + LEASE
    [send] = sends_to(simcord_env, server.channel)
    assert send["nonce"] == post_nonce(server.guild.id, DUE)  # what the stopped process sent, if it did
    assert send["enforce_nonce"] is True
    schedules = TipScheduleRepository(current_bot(simcord_env).db)
    stored = await schedules.get(server.guild.id)
    assert stored is not None
    assert (stored.claimed_for, stored.last_posted_at, stored.next_post_at) == (None, DUE + LEASE, NEXT)

    await simcord_env.advance_time((NEXT - simcord_env.now()).total_seconds())
    assert len(posts(server.channel)) == 2  # and the schedule carries on, one post a day
    assert [body["nonce"] for body in sends_to(simcord_env, server.channel)] == [
        post_nonce(server.guild.id, DUE),
        post_nonce(server.guild.id, NEXT),
    ]


async def test_a_claim_two_hours_old_or_more_is_skipped_with_a_log_line(
    simcord_env: simcord.Env,
    simcord_bot: LatchBot,
    bot_factory: Callable[[], LatchBot],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await server_on_shard(simcord_env, 0)
    await simcord_env.settle()
    await claimed_then_stopped(simcord_env, server.guild.id, server.channel.id, server.moderator.id)
    await advance_to(simcord_env, DUE + timedelta(hours=2))

    with caplog.at_level(logging.INFO, logger="bot.tip_posts.dispatcher"):
        await simcord_env.restart_bot(bot_factory())
        await simcord_env.advance_time(1)

    assert posts(server.channel) == []
    assert any("skipped the scheduled tip post" in record.getMessage() for record in caplog.records)
    stored = await TipScheduleRepository(current_bot(simcord_env).db).get(server.guild.id)
    assert stored is not None and stored.claimed_for is None and stored.next_post_at == NEXT
    await advance_to(simcord_env, NEXT)
    assert [post.created_at for post in posts(server.channel)] == [NEXT]


async def test_another_shards_claim_is_left_to_that_shards_process(
    simcord_env: simcord.Env, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    theirs = await server_on_shard(simcord_env, 1)
    await simcord_env.settle()
    await claimed_then_stopped(simcord_env, theirs.guild.id, theirs.channel.id, theirs.moderator.id)

    await simcord_env.restart_bot(bot_factory())
    await advance_to(simcord_env, DUE + timedelta(hours=1))

    assert not list(theirs.channel.history())
    stored = await TipScheduleRepository(current_bot(simcord_env).db).get(theirs.guild.id)
    assert stored is not None and stored.claimed_for == DUE and not stored.paused


async def made_then_stopped(env: simcord.Env, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `claimed_then_stopped` with a long lease, but the process made the post at 09:00 and stopped
    before recording it."""
    await claimed_then_stopped(env, server.guild.id, server.channel.id, server.moderator.id, lease=LONG_LEASE)
    bot = current_bot(env)

    async def stopped(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the process stopped")

    monkeypatch.setattr(bot.services.tip_posts, "record_post", stopped)
    channel = bot.get_channel(server.channel.id)
    dispatcher = bot.tip_post_dispatcher
    assert isinstance(channel, discord.TextChannel) and dispatcher is not None
    with pytest.raises(ConnectionError):
        await dispatcher.post_tip(server.guild.id, channel, "library", claimed_for=DUE)
    [made] = posts(server.channel)
    assert made.created_at == DUE


async def test_a_post_found_in_the_channel_after_the_nonce_window_is_recorded_not_made_again(
    simcord_env: simcord.Env,
    simcord_bot: LatchBot,
    bot_factory: Callable[[], LatchBot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = await server_on_shard(simcord_env, 0)
    await simcord_env.settle()
    await made_then_stopped(simcord_env, server, monkeypatch)

    await simcord_env.restart_bot(bot_factory())
    await advance_to(simcord_env, DUE + LONG_LEASE)

    [post] = posts(server.channel)
    assert post.created_at == DUE
    assert len(sends_to(simcord_env, server.channel)) == 1
    bot = current_bot(simcord_env)
    schedules = TipScheduleRepository(bot.db)
    stored = await schedules.get(server.guild.id)
    assert stored is not None
    assert (stored.claimed_for, stored.last_posted_at, stored.next_post_at) == (None, DUE, NEXT)
    [recorded], _last = await schedules.posted_this_cycle(server.guild.id)
    card = bot.content.get(recorded)
    assert card is not None and card.title == post.embeds[0].title  # the tip the channel shows

    await advance_to(simcord_env, NEXT)
    first, second = posts(server.channel)
    assert second.created_at == NEXT
    assert second.embeds[0].title != first.embeds[0].title  # the rotation moved on past the found tip


async def test_a_post_not_in_the_channel_after_the_nonce_window_is_made_once(
    simcord_env: simcord.Env, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    server = await server_on_shard(simcord_env, 0)
    await simcord_env.settle()
    await claimed_then_stopped(
        simcord_env, server.guild.id, server.channel.id, server.moderator.id, lease=LONG_LEASE
    )

    await simcord_env.restart_bot(bot_factory())
    await advance_to(simcord_env, DUE + LONG_LEASE)

    assert history_reads(simcord_env, server.channel) == 1  # looked for before posting
    [post] = posts(server.channel)
    assert post.created_at == DUE + LONG_LEASE
    [send] = sends_to(simcord_env, server.channel)
    assert send["nonce"] == post_nonce(server.guild.id, DUE)
    stored = await TipScheduleRepository(current_bot(simcord_env).db).get(server.guild.id)
    assert stored is not None
    assert (stored.claimed_for, stored.last_posted_at) == (None, DUE + LONG_LEASE)


async def test_another_card_the_bot_posted_in_the_channel_is_not_taken_for_the_scheduled_post(
    simcord_env: simcord.Env, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    server = await server_on_shard(simcord_env, 0)
    await simcord_env.settle()
    await claimed_then_stopped(
        simcord_env, server.guild.id, server.channel.id, server.moderator.id, lease=LONG_LEASE
    )
    await simcord_env.restart_bot(bot_factory())
    await advance_to(simcord_env, DUE + timedelta(minutes=1))
    await server.moderator.slash(server.channel, "curate post-now")
    [by_hand] = posts(server.channel)

    await advance_to(simcord_env, DUE + LONG_LEASE)

    assert history_reads(simcord_env, server.channel) == 1
    assert [post.id == by_hand.id for post in posts(server.channel)] == [True, False]
    assert sends_to(simcord_env, server.channel)[-1]["nonce"] == post_nonce(server.guild.id, DUE)


async def test_a_channel_that_cannot_be_read_gets_the_post_again_with_a_warning(
    simcord_env: simcord.Env,
    simcord_bot: LatchBot,
    bot_factory: Callable[[], LatchBot],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await server_on_shard(simcord_env, 0)
    await simcord_env.settle()
    await made_then_stopped(simcord_env, server, monkeypatch)
    simcord_env.inject_error(
        "GET", f"/channels/{server.channel.id}/messages", status=403, code=50013, message="Missing Access"
    )

    with caplog.at_level(logging.WARNING, logger="bot.recovery"):
        await simcord_env.restart_bot(bot_factory())
        await advance_to(simcord_env, DUE + LONG_LEASE)

    assert [post.created_at for post in posts(server.channel)] == [DUE, DUE + LONG_LEASE]
    assert any("could not read the channel" in record.getMessage() for record in caplog.records)
    stored = await TipScheduleRepository(current_bot(simcord_env).db).get(server.guild.id)
    assert stored is not None and stored.claimed_for is None
