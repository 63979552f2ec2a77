"""The bot's clock and its scheduler follow SimCord's virtual time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest
import simcord
from discord import app_commands

from bot.app import LatchBot
from tests.conftest import Server

fired_at: list[datetime] = []


def _add_scheduling_commands(bot: LatchBot) -> None:
    async def job() -> None:
        fired_at.append(bot.clock.now())

    @app_commands.command(name="in", description="schedule a job some minutes from now")
    async def schedule_in(interaction: discord.Interaction, minutes: int) -> None:
        bot.scheduler.run_at("test-once", bot.clock.now() + timedelta(minutes=minutes), job)
        await interaction.response.send_message("scheduled", ephemeral=True)

    @app_commands.command(name="daily", description="schedule a daily job at 09:30 London time")
    async def daily(interaction: discord.Interaction) -> None:
        bot.scheduler.daily("test-daily", job, hour=9, minute=30, timezone="Europe/London")
        await interaction.response.send_message("scheduled", ephemeral=True)

    bot.tree.add_command(schedule_in)
    bot.tree.add_command(daily)


@pytest.fixture
def simcord_bot(bot_factory: Callable[[], LatchBot]) -> LatchBot:
    fired_at.clear()
    bot = bot_factory()
    _add_scheduling_commands(bot)
    return bot


async def test_a_job_fires_when_virtual_time_reaches_it(simcord_env: simcord.Env, server: Server) -> None:
    bot = simcord_env.bot
    assert isinstance(bot, LatchBot)
    assert bot.scheduler.running
    start = simcord_env.now()

    await server.member.slash(server.channel, "in", minutes=3 * 24 * 60 + 5)
    await simcord_env.advance_time(timedelta(days=3, minutes=4).total_seconds())
    assert fired_at == []

    await simcord_env.advance_time(60)
    assert fired_at == [start + timedelta(days=3, minutes=5)]
    assert bot.scheduler.last_tick == fired_at[0]


async def test_a_daily_job_runs_once_a_day_at_local_time(simcord_env: simcord.Env, server: Server) -> None:
    await server.member.slash(server.channel, "daily")
    await simcord_env.advance_time(timedelta(days=3).total_seconds())

    assert len(fired_at) == 3
    london = [moment.astimezone(ZoneInfo("Europe/London")) for moment in fired_at]
    assert [(moment.hour, moment.minute) for moment in london] == [(9, 30)] * 3
    assert [moment.date() for moment in london] == sorted({moment.date() for moment in london})
