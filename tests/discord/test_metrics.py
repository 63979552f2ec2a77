"""Commands and components are counted by name and outcome; /metrics serves them over loopback."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
import pytest
import simcord
from discord import app_commands

from bot.app import LatchBot
from bot.domain.reminders.parsing import parse_interval
from bot.health import start_health_server
from bot.metrics import REGISTRY
from bot.ui.messages import INTERVAL_HELP
from tests.conftest import Server, answer, refusals

PRIVATE_TEXT = "my nipple hurts and I only got 20 ml"


def _count(command: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("latch_commands_total", {"command": command, "outcome": outcome})
    return value or 0.0


def _latency_observations() -> float:
    return REGISTRY.get_sample_value("latch_interaction_latency_seconds_count") or 0.0


def _add_test_commands(bot: LatchBot) -> None:
    @app_commands.command(name="picky", description="rejects its input")
    async def picky(interaction: discord.Interaction, words: str) -> None:
        parse_interval(words)

    @app_commands.command(name="crash", description="raises a bug")
    async def crash(interaction: discord.Interaction, words: str) -> None:
        raise ZeroDivisionError("bug")

    commands: list[app_commands.Command[Any, Any, None]] = [picky, crash]
    for command in commands:
        bot.tree.add_command(command)


@pytest.fixture
def simcord_bot(bot_factory: Any) -> LatchBot:
    bot = bot_factory()
    assert isinstance(bot, LatchBot)
    _add_test_commands(bot)
    return bot


async def test_a_slash_command_is_counted_and_served_on_metrics(
    server: Server, simcord_env: simcord.Env
) -> None:
    before = _count("/about", "ok")
    observed = _latency_observations()

    await server.member.slash(server.channel, "about")

    assert _count("/about", "ok") == before + 1
    assert _latency_observations() == observed + 1
    bot = simcord_env.bot
    assert isinstance(bot, LatchBot)
    runner = await start_health_server(bot, 0, "127.0.0.1")
    try:
        port = runner.addresses[0][1]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            status, content_type, exposition = response.status, response.content_type, await response.text()
    finally:
        await runner.cleanup()
    assert status == 200
    assert content_type == "text/plain"
    line = f'latch_commands_total{{command="/about",outcome="ok"}} {before + 1}'
    assert line in exposition.splitlines()
    for family in (
        "latch_interaction_latency_seconds_bucket",
        "latch_reminders_sent_total",
        "latch_reminders_late_total",
        "latch_reminder_lateness_seconds_count",
    ):
        assert family in exposition


async def test_bad_input_counts_as_a_user_error(server: Server, simcord_env: simcord.Env) -> None:
    before = _count("/picky", "user_error")

    await server.member.slash(server.channel, "picky", words=PRIVATE_TEXT)

    [refusal] = refusals(simcord_env)
    assert refusal.endswith(INTERVAL_HELP)
    assert _count("/picky", "user_error") == before + 1
    assert _count("/picky", "ok") == 0


async def test_a_bug_counts_as_an_error_and_its_log_holds_no_user_text(
    server: Server, simcord_env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    before = _count("/crash", "error")

    with caplog.at_level(logging.DEBUG):
        await server.member.slash(server.channel, "crash", words=PRIVATE_TEXT)

    assert [type(error) for error in simcord_env.errors] == [app_commands.CommandInvokeError]
    assert _count("/crash", "error") == before + 1
    logged = "\n".join(
        f"{record.getMessage()}\n{logging.Formatter().formatException(record.exc_info)}"
        if record.exc_info
        else record.getMessage()
        for record in caplog.records
    )
    assert "unexpected error in /crash (ref " in logged
    assert PRIVATE_TEXT not in logged
    assert "nipple" not in logged


async def test_a_persistent_button_is_counted_by_its_name(server: Server) -> None:
    before = _count("the Another tip button", "ok")
    shown = await server.member.slash(server.channel, "tip")

    await server.member.click(answer(shown), label="Another tip")

    assert _count("the Another tip button", "ok") == before + 1
