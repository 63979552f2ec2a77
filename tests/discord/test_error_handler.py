"""Every failure answers the user: friendly text for expected errors, a reference for bugs.

Expected errors are ordinary replies: SimCord records no error for them (it would for a bug).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands

from bot.app import LatchBot
from bot.errors import UserFacingError
from bot.ui.views import LatchView
from tests.conftest import Server, answer, refusals, text

REFERENCE = re.compile(r"Something went wrong \(ref ([A-Z2-9]{6})\)")


class BrokenButton(LatchView):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Break", custom_id="test:break")
    async def break_it(self, interaction: discord.Interaction, button: discord.ui.Button[LatchView]) -> None:
        raise KeyError("bug in a button")


def _add_test_commands(bot: LatchBot) -> None:
    @app_commands.command(name="crash", description="raises a bug")
    async def crash(interaction: discord.Interaction) -> None:
        raise ZeroDivisionError("bug")

    @app_commands.command(name="slowcrash", description="defers, then raises a bug")
    async def slowcrash(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        raise ZeroDivisionError("bug after defer")

    @app_commands.command(name="picky", description="rejects its input")
    async def picky(interaction: discord.Interaction, duration: str) -> None:
        raise UserFacingError(f"`{duration}` isn't a duration. Use a number and a unit, e.g. `3h` or `90m`.")

    @app_commands.command(name="onceaminute", description="has a cooldown")
    @app_commands.checks.cooldown(1, 60)
    async def onceaminute(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("done", ephemeral=True)

    @app_commands.command(name="modsonly", description="needs Manage Server")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def modsonly(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("welcome, moderator", ephemeral=True)

    @app_commands.command(name="button", description="shows a button that breaks")
    async def button(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("press it", view=BrokenButton(), ephemeral=True)

    commands: list[app_commands.Command[Any, Any, None]] = [
        crash,
        slowcrash,
        picky,
        onceaminute,
        modsonly,
        button,
    ]
    for command in commands:
        bot.tree.add_command(command)


@pytest.fixture
def simcord_bot(bot_factory: object) -> LatchBot:
    bot = bot_factory()  # type: ignore[operator]
    assert isinstance(bot, LatchBot)
    _add_test_commands(bot)
    return bot


async def test_a_bug_gets_a_reference_that_matches_the_log(
    server: Server, simcord_env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="latch.errors"):
        result = await server.member.slash(server.channel, "crash")

    assert result.ephemeral
    match = REFERENCE.search(text(result))
    assert match is not None
    logged = [record for record in caplog.records if match.group(1) in record.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and logged[0].exc_info[0] is ZeroDivisionError
    assert any(isinstance(error, app_commands.CommandInvokeError) for error in simcord_env.errors)


async def test_a_bug_after_defer_is_still_answered(server: Server, simcord_env: simcord.Env) -> None:
    result = await server.member.slash(server.channel, "slowcrash")

    callbacks = [request.json for request in simcord_env.http_requests if request.path.endswith("/callback")]
    assert [callback["type"] for callback in callbacks if isinstance(callback, dict)] == [
        5
    ]  # deferred, "Latch is thinking…"
    assert result.ephemeral
    assert REFERENCE.search(text(result))  # the thinking message became the answer
    assert simcord_env.errors


async def test_bad_input_gets_the_accepted_form_and_no_reference(
    server: Server, simcord_env: simcord.Env
) -> None:
    result = await server.member.slash(server.channel, "picky", duration="soon")

    assert result.ephemeral
    assert text(result) == "`soon` isn't a duration. Use a number and a unit, e.g. `3h` or `90m`."
    assert refusals(simcord_env) == [text(result)]
    assert not simcord_env.errors  # an answer, not a failure


async def test_cooldown_is_explained(server: Server, simcord_env: simcord.Env) -> None:
    first = await server.member.slash(server.channel, "onceaminute")
    second = await server.member.slash(server.channel, "onceaminute")

    assert text(first) == "done"
    assert second.ephemeral
    assert text(second).startswith("Slow down a little")
    assert refusals(simcord_env) == [text(second)]
    assert not simcord_env.errors


async def test_missing_permission_is_named(server: Server, simcord_env: simcord.Env) -> None:
    refused = await server.member.slash(server.channel, "modsonly")
    allowed = await server.moderator.slash(server.channel, "modsonly")

    assert refused.ephemeral
    assert text(refused) == "You need the Manage Server permission to do that."
    assert text(allowed) == "welcome, moderator"
    assert refusals(simcord_env) == [text(refused)]
    assert not simcord_env.errors


async def test_a_bug_in_a_button_gets_a_reference(server: Server, simcord_env: simcord.Env) -> None:
    shown = await server.member.slash(server.channel, "button")
    pressed = await server.member.click(answer(shown), label="Break")

    assert pressed.ephemeral
    assert REFERENCE.search(text(pressed))
    assert simcord_env.errors
