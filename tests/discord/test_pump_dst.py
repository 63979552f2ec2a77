"""Reminders across daylight-saving changes, driven through SimCord with its clock set near them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest_asyncio
import simcord

from bot.app import LatchBot
from tests.conftest import Server, text

# America/New_York springs forward on 2026-03-08 (02:00 → 03:00) and falls back on 2026-11-01.
SPRING_EVE = datetime(2026, 3, 7, 12, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest_asyncio.fixture
async def simcord_env(simcord_bot: LatchBot) -> AsyncIterator[simcord.Env]:
    """SimCord starting on the day before the spring-forward (its own clock starts on 1 January)."""
    env = simcord.Env(simcord_bot)
    env.backend.advance_clock((SPRING_EVE - env.now()).total_seconds())
    await env.start()
    try:
        yield env
    finally:
        await env.shutdown()
        env.raise_errors()


def local_times(actor: simcord.MemberActor) -> list[datetime]:
    messages: list[discord.Message] = actor.user.dm_channel.history()
    return [m.created_at.astimezone(NEW_YORK) for m in messages if m.embeds and m.embeds[0].title]


async def test_a_0700_reminder_stays_at_0700_across_the_spring_forward(server: Server) -> None:
    await server.member.slash(server.channel, "pump timezone", tz="New York")
    created = await server.member.slash(server.channel, "pump at", times="07:00")
    assert "America/New_York" in text(created)

    await server.env.advance_time(timedelta(days=3).total_seconds())

    fired = local_times(server.member)
    assert [(moment.day, moment.hour, moment.minute) for moment in fired] == [
        (8, 7, 0),
        (9, 7, 0),
        (10, 7, 0),
    ]
    assert [moment.utcoffset() for moment in fired] == [timedelta(hours=-4)] * 3


async def test_a_time_inside_the_skipped_hour_fires_once_on_the_transition_day(server: Server) -> None:
    await server.member.slash(server.channel, "pump at", times="02:30", timezone="America/New_York")

    await server.env.advance_time(timedelta(days=3).total_seconds())

    fired = local_times(server.member)
    # 02:30 does not exist on 8 March: it fires once, at 03:30 EDT; on other days at 02:30.
    assert [(moment.day, moment.hour, moment.minute) for moment in fired] == [
        (8, 3, 30),
        (9, 2, 30),
        (10, 2, 30),
    ]


async def test_an_every_grid_keeps_local_wall_times_across_the_change(server: Server) -> None:
    await server.member.slash(
        server.channel, "pump every", interval="6h", starting="06:00", timezone="America/New_York"
    )

    await server.env.advance_time(timedelta(days=2).total_seconds())

    fired = local_times(server.member)
    assert {(moment.hour, moment.minute) for moment in fired} == {(0, 0), (6, 0), (12, 0), (18, 0)}
    assert len(fired) == len(set(fired))
