"""Every string option of every command, sent the longest value Discord lets through and a set of hostile
strings: every reply fits Discord's limits, pings no one, and none is an error reference.

Discord lets a member type up to 6,000 characters into a string option unless the option says less; each
option of Latch's says how much it takes, so the longest value that can arrive is the smaller of the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands

from bot.app import LatchBot
from tests.conftest import Server

DISCORD_STRING_MAX = 6000
CONTENT_LIMIT = 2000
EMBED_LIMITS = {"title": 256, "description": 4096, "field_name": 256, "field_value": 1024, "footer": 2048}

HOSTILE = (
    "@everyone @here",
    "<@123456789012345678> <@&123456789012345678> <#123456789012345678>",
    "```" + "x" * 50,
    "**__~~||`unbalanced",
    "[click me](https://evil.example/phish)",
    "\u200b\u200d\u2060\ufeff",  # only invisible characters
    "\u202eevil.exe\u202c",  # a right-to-left override
    "Robert'); DROP TABLE reminders;--",
    '" OR 1=1 -- *:^ NEAR(',
    "🍼" * 40,
    "localtime",
    "Factory",
    "\n\n\n",
)

# A valid value for each other required option, so the one under test is what gets refused or used.
VALID = {
    "interval": "3h",
    "times": "07:00",
    "after": "45m",
    "tz": "Europe/London",
    "query": "letdown",
    "name": "Night feeds group",
    "url": "https://www.llli.org/",
    "description": "Peer support at night",
    "time": "09:00",
    "tip": "1",
    "resource": "1",
    "reminder": "1",
}


def _leaves(commands: list[Any]) -> Iterator[app_commands.Command[Any, ..., Any]]:
    for command in commands:
        if isinstance(command, app_commands.Group):
            yield from _leaves(command.commands)
        else:
            yield command


# Each command's required options, by the name Discord shows (read from the tree with the options).
REQUIRED: dict[str, set[str]] = {}


def _string_options() -> list[tuple[str, str, int]]:
    """(command, option, the longest value that can arrive) for every free-text option."""
    from bot.config import Settings

    bot = LatchBot(Settings(_env_file=None))
    found: list[tuple[str, str, int]] = []
    import asyncio

    async def load() -> None:
        from bot.app import extension_names

        for name in extension_names():
            await bot.load_extension(name)

    asyncio.run(load())
    for command in _leaves(bot.tree.get_commands()):
        REQUIRED[command.qualified_name] = {
            parameter.display_name for parameter in command.parameters if parameter.required
        }
        for parameter in command.parameters:
            if parameter.type is discord.AppCommandOptionType.string and not parameter.choices:
                limit = int(parameter.max_value) if parameter.max_value is not None else DISCORD_STRING_MAX
                found.append((command.qualified_name, parameter.name, min(limit, DISCORD_STRING_MAX)))
    return found


STRING_OPTIONS = _string_options()


def _others(server: Server, command: str, option: str) -> dict[str, Any]:
    """Valid values for the command's other required options."""
    values: dict[str, Any] = {}
    if command == "curate schedule set":
        values |= {"channel": server.channel, "cadence": "daily"}
    if command == "curate resource add":
        values["topic"] = "peer-support"
    for name in ("interval", "times", "after", "tz", "query", "name", "url", "description", "time"):
        if name != option and _is_required(command, name):
            values[name] = VALID[name]
    for name in ("tip", "resource", "reminder"):
        if name != option and _is_required(command, name):
            values[name] = VALID[name]
    if _is_required(command, "with"):
        values["with"] = server.moderator.user
    return values


def _is_required(command: str, option: str) -> bool:
    return option in REQUIRED.get(command, set())


def _assert_fits(message: discord.Message | simcord.ResponseMessage) -> None:
    content = message.content or ""
    assert len(content) <= CONTENT_LIMIT
    assert "Something went wrong" not in content
    assert len(message.embeds) <= 10
    for embed in message.embeds:
        assert len(embed.title or "") <= EMBED_LIMITS["title"]
        assert len(embed.description or "") <= EMBED_LIMITS["description"]
        assert len(embed.fields) <= 25
        for field in embed.fields:
            assert len(field.name or "") <= EMBED_LIMITS["field_name"]
            assert len(field.value or "") <= EMBED_LIMITS["field_value"]
        assert len(embed.footer.text or "") <= EMBED_LIMITS["footer"]
        assert len(embed) <= 6000
        assert "Something went wrong" not in (embed.description or "")


def test_every_free_text_option_is_covered() -> None:
    assert len(STRING_OPTIONS) >= 20
    assert all(longest <= 300 or option == "url" for _command, option, longest in STRING_OPTIONS)


@pytest.mark.parametrize(("command", "option", "longest"), STRING_OPTIONS)
async def test_long_and_hostile_input_gets_a_reply_within_discords_limits(
    server: Server, simcord_env: simcord.Env, command: str, option: str, longest: int
) -> None:
    actor = server.moderator if command.startswith("curate") else server.member
    others = _others(server, command, option)
    for value in ("x" * longest, "é" * longest, *(hostile[:longest] for hostile in HOSTILE)):
        result = await actor.slash(server.channel, command, **{**others, option: value})
        replies = [message for message in (result.response, *result.followups) if message is not None]
        assert replies or result.modal is not None, f"/{command} {option}={value[:20]!r} got no answer"
        for message in replies:
            _assert_fits(message)
    assert not simcord_env.errors, simcord_env.errors  # nothing failed: every answer was an answer
