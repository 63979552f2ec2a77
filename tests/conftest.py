"""Shared fixtures: settings isolated from the developer's environment, and the real bot on SimCord."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio
import simcord

from bot.app import LatchBot, create_bot
from bot.config import Settings
from bot.content.loader import ContentLibrary, load_library
from bot.ui.replies import OUTCOME

# Both database engines for the repository tests (`any_database`).
pytest_plugins = ["tests.db.engines"]

_SETTING_VARIABLES = (
    "DISCORD_TOKEN",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DATABASE_URL",
    "DEV_GUILD_IDS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "HEALTH_PORT",
    "HEALTH_HOST",
    "CONTENT_DIR",
    "PRIVACY_URL",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in _SETTING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # One shard, as a small bot runs (SimCord needs the count; Discord would recommend it).
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'latch.sqlite3'}", shard_count=1)


@pytest.fixture(scope="session")
def content_library() -> ContentLibrary:
    """The shipped content, parsed and validated once for the whole run (every bot shares it)."""
    return load_library(Settings(_env_file=None).content_dir)


@pytest_asyncio.fixture
async def bot_factory(
    settings: Settings, content_library: ContentLibrary
) -> AsyncIterator[Callable[[], LatchBot]]:
    """Builds bots on the test's database; closes every database they opened at the end.

    SimCord's `restart_bot` swaps generations without calling `close()` (like a crash), so the old
    generation's connection is closed here.
    """
    built: list[LatchBot] = []

    def build() -> LatchBot:
        bot = create_bot(settings, library=content_library)
        built.append(bot)
        watch_interactions(bot)
        return bot

    yield build
    for bot in built:
        database = bot._db
        if database is not None:
            await database.close()


@pytest.fixture
def simcord_bot(bot_factory: Callable[[], LatchBot]) -> LatchBot:
    return bot_factory()


def answer(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The message an interaction was answered with; fails the test when there was none."""
    assert result.response is not None, "the interaction was not answered with a message"
    return result.response


def text(result: simcord.InteractionResult) -> str:
    return answer(result).content or ""


_INTERACTIONS: weakref.WeakKeyDictionary[discord.Client, list[discord.Interaction]] = (
    weakref.WeakKeyDictionary()
)


def watch_interactions(bot: LatchBot) -> None:
    """Keep every interaction the bot receives, in order, for `refusals`."""
    seen = _INTERACTIONS.setdefault(bot, [])

    async def on_interaction(interaction: discord.Interaction) -> None:
        seen.append(interaction)

    bot.add_listener(on_interaction, "on_interaction")


def _reply_texts(env: simcord.Env, token: str) -> list[str]:
    """The text of every reply the bot sent to one interaction (callback, follow-ups, edits), in order."""
    texts = []
    for request in env.http_requests:
        if f"/{token}" not in request.path or not isinstance(request.json, dict):
            continue
        body = request.json.get("data", request.json) if request.path.endswith("/callback") else request.json
        if isinstance(body, dict) and isinstance(body.get("content"), str):
            texts.append(body["content"])
    return texts


def refusals(env: simcord.Env) -> list[str]:
    """What the bot answered, in order, to each interaction it refused as bad input (a user error).

    Bad input is refused by raising a Refusal (or another expected error), which Latch answers
    with an ordinary ephemeral reply and notes as a user error on the interaction. This reads those
    replies as they were sent to Discord: the last one of each refused interaction.
    """
    refused = [
        interaction
        for interaction in _INTERACTIONS.get(env.bot, [])
        if interaction.extras.get(OUTCOME) == "user_error"
    ]
    answers = []
    for interaction in refused:
        texts = _reply_texts(env, interaction.token)
        assert texts, f"interaction {interaction.id} was refused without an answer"
        answers.append(texts[-1])
    return answers


class Server:
    """A demo server with a plain member and a moderator (Manage Server)."""

    def __init__(self, env: simcord.Env) -> None:
        self.env = env
        self.guild = env.create_guild("Pumping Parents")
        self.channel = self.guild.create_text_channel("general")
        self.moderators = self.guild.create_role(
            "Moderators", permissions=discord.Permissions(manage_guild=True)
        )
        self.member = self.guild.add_member(env.create_user("sam"))
        self.moderator = self.guild.add_member(env.create_user("robin"), roles=[self.moderators])


@pytest.fixture
def server(simcord_env: simcord.Env) -> Server:
    return Server(simcord_env)


async def reopen_command_to_everyone(server: Server, bot: LatchBot, name: str) -> None:
    """Do what a server admin can do in Integrations settings: let @everyone use a restricted command.

    Discord then lets a plain member run it, so only the bot's own run-time check stands in the way.
    """
    registered = await bot.tree.fetch_commands()
    command = next(command for command in registered if command.name == name)
    server.guild.set_command_permissions(command.id, {server.guild.default_role: True})
