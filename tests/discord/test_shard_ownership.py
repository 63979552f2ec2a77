"""A process running shard 0 of 2: guild work only for servers on its own shard.

Retention decides departures only for servers of this process's shards while they are up; a server on
the other process's shard, which this process never sees, keeps its data. Tip posts for a server on the
other shard are neither posted nor paused here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.config import Settings
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.privacy import PrivacyRepository
from bot.db.tip_schedules import TipScheduleRepository
from bot.domain.shards import shard_of
from bot.domain.tip_posts import Cadenced
from bot.reminders.dispatcher import ReminderDispatcher
from tests.conftest import Server

DAY = timedelta(days=1).total_seconds()
SHARDS = 2
OWN_SHARD = 0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """This process runs shard 0 of 2; another process (not here) runs shard 1."""
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'latch.sqlite3'}",
        shard_count=SHARDS,
        shard_ids=(OWN_SHARD,),
    )


def stop_reminder_dispatcher_once_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """With peers the reminder dispatcher polls every few seconds, which makes virtual days slow to
    pass; tests about guild work stop it once it has started (inside setup_hook, so the scheduler
    re-arms on SimCord's clock). Its own tests cover it."""
    start = ReminderDispatcher.start

    async def start_then_stop(dispatcher: ReminderDispatcher) -> None:
        await start(dispatcher)
        dispatcher.stop()

    monkeypatch.setattr(ReminderDispatcher, "start", start_then_stop)


@pytest.fixture
def simcord_bot(bot_factory: Callable[[], LatchBot], monkeypatch: pytest.MonkeyPatch) -> LatchBot:
    """The bot, its reminder dispatcher stopped once started: these tests are about guild work."""
    stop_reminder_dispatcher_once_started(monkeypatch)
    return bot_factory()


async def server_on_shard(env: simcord.Env, shard: int) -> Server:
    """A demo server whose id Discord deals to ``shard``. SimCord's ids are snowflakes of virtual
    time, and the shard is the id's millisecond modulo the count: step time a millisecond at a time."""
    for _ in range(SHARDS):
        if shard_of(discord.utils.time_snowflake(env.now()), SHARDS) == shard:
            break
        await env.advance_time(0.001)
    server = Server(env)
    assert shard_of(server.guild.id, SHARDS) == shard
    return server


def id_on_shard(shard: int, n: int) -> int:
    """A server id on ``shard`` that SimCord never made (a server Latch was removed from while down)."""
    return ((1_000_000 + n) * SHARDS + shard) << 22


async def _settings_for(bot: LatchBot, guild_id: int) -> None:
    await GuildSettingsRepository(bot.db).update(guild_id, actor_id=1, now=bot.clock.now(), region="US")


async def _departed(bot: LatchBot) -> list[int]:
    return [departure.guild_id for departure in await PrivacyRepository(bot.db).departures()]


async def test_the_process_runs_only_its_own_shard(simcord_env: simcord.Env, simcord_bot: LatchBot) -> None:
    assert simcord_bot.shard_count == SHARDS
    assert sorted(simcord_bot.shards) == [OWN_SHARD]
    mine = await server_on_shard(simcord_env, OWN_SHARD)
    await server_on_shard(simcord_env, 1)
    await simcord_env.settle()

    assert [guild.id for guild in simcord_bot.guilds] == [mine.guild.id]


async def test_retention_judges_only_servers_of_its_own_shard(
    simcord_env: simcord.Env, simcord_bot: LatchBot
) -> None:
    mine = await server_on_shard(simcord_env, OWN_SHARD)
    theirs = await server_on_shard(simcord_env, 1)  # Latch is in it, on the other process's shard
    await simcord_env.settle()
    gone = id_on_shard(OWN_SHARD, 1)  # removed while this process was down: no leave event came
    for guild_id in (mine.guild.id, theirs.guild.id, gone):
        await _settings_for(simcord_bot, guild_id)

    await simcord_env.advance_time(1 * DAY)  # the daily job

    assert await _departed(simcord_bot) == [gone]
    seen = await PrivacyRepository(simcord_bot.db).shards_seen()
    assert [(shard.shard_count, shard.shard_id) for shard in seen] == [(SHARDS, OWN_SHARD)]
    assert seen[0].last_seen > simcord_bot.clock.now() - timedelta(days=1)

    await simcord_env.advance_time(31 * DAY)

    settings = GuildSettingsRepository(simcord_bot.db)
    assert (await settings.get(gone)).region == "global"  # erased: back to the defaults
    assert (await settings.get(theirs.guild.id)).region == "US"  # never judged here, kept
    assert (await settings.get(mine.guild.id)).region == "US"
    assert await _departed(simcord_bot) == []


async def test_a_server_of_its_own_shard_that_latch_left_is_departed(
    simcord_env: simcord.Env, simcord_bot: LatchBot
) -> None:
    left = await server_on_shard(simcord_env, OWN_SHARD)
    await simcord_env.settle()
    await _settings_for(simcord_bot, left.guild.id)

    simcord_env.backend.remove_guild(left.guild.id)  # GUILD_DELETE, on shard 0
    await simcord_env.settle()
    assert await _departed(simcord_bot) == [left.guild.id]

    await simcord_env.advance_time(31 * DAY)
    assert (await GuildSettingsRepository(simcord_bot.db).get(left.guild.id)).region == "global"


async def test_while_its_shard_is_down_nothing_is_judged(
    simcord_env: simcord.Env, simcord_bot: LatchBot
) -> None:
    mine = await server_on_shard(simcord_env, OWN_SHARD)
    await simcord_env.settle()
    await _settings_for(simcord_bot, mine.guild.id)
    gone = id_on_shard(OWN_SHARD, 2)
    await _settings_for(simcord_bot, gone)

    shard = simcord_bot.get_shard(OWN_SHARD)
    assert shard is not None
    await shard.disconnect()
    await simcord_env.advance_time(1 * DAY)

    assert await _departed(simcord_bot) == []
    assert await PrivacyRepository(simcord_bot.db).shards_seen() == []

    await shard.reconnect()
    await simcord_env.settle()
    await simcord_env.advance_time(1 * DAY)
    assert await _departed(simcord_bot) == [gone]


async def test_tip_posts_of_another_shards_server_are_neither_posted_nor_paused(
    simcord_env: simcord.Env, simcord_bot: LatchBot
) -> None:
    mine = await server_on_shard(simcord_env, OWN_SHARD)
    theirs = await server_on_shard(simcord_env, 1)
    await simcord_env.settle()
    schedules = TipScheduleRepository(simcord_bot.db)
    due = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    # The other process's server was scheduled there (this process never sees its commands)…
    await schedules.save(
        guild_id=theirs.guild.id,
        channel_id=theirs.channel.id,
        rule=Cadenced("daily", time(9, 0), "UTC"),
        source="library",
        next_post_at=due,
        actor_id=theirs.moderator.id,
        now=simcord_bot.clock.now(),
    )
    # …and this one's here, at the same time.
    await mine.moderator.slash(
        mine.channel, "curate schedule set", channel=mine.channel, cadence="daily", time="09:00"
    )
    assert (await schedules.get(mine.guild.id)).next_post_at == due  # type: ignore[union-attr]

    await simcord_env.advance_time(1 * DAY)

    assert [message for message in mine.channel.history() if message.embeds]
    assert not list(theirs.channel.history())
    other = await schedules.get(theirs.guild.id)
    assert other is not None
    assert not other.paused
    assert other.next_post_at == due  # left for the process that runs shard 1
