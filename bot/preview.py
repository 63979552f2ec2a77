"""The offline preview: the real bot against SimCord's in-memory Discord, in a local browser page.

A demo server with one channel, a member and a moderator. The page (see `bot.preview_shell`) shows the
channel and each person's direct messages with Latch, runs the demo clock at real speed with a
"skip ahead", and shows what the bot sends on its own as it happens.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import simcord
from simcord.backend.cdn import CDN_BASE

from bot.app import LatchBot, create_bot
from bot.config import Settings
from bot.preview_shell import PreviewShell, View, avatar_png

BOT_NAME = "Latch"
DEMO_SERVER = "Latch demo server"
DEMO_CHANNEL = "pumping-support"
CHANNEL_VIEW = "channel"
COMMAND_HINT = (
    "**To run a command**, type `/` in the message box and pick it from the pop-up, then fill in its "
    "options. Text you send without picking a command is an ordinary chat message."
)
WELCOME = (
    "Welcome to the Latch preview! This is the real bot, running offline in a simulated Discord.\n"
    f"{COMMAND_HINT}\n"
    "Try `/fact`, `/tip`, `/letdown` or `/resources`. Or `/pump once after:1m`: a minute later the "
    "reminder arrives in your **Direct messages** (on the left), with its buttons. The demo clock runs "
    "at real speed; skip ahead to see later reminders.\n"
    "Switch between the member and the moderator with **Viewing as** at the top. As the member, "
    "`/suggest` a tip; in this demo suggestions come to this channel, where the moderator can approve them."
)
DM_WELCOME = (
    "Hi {name}! These are your direct messages with Latch. Pumping reminders arrive here (unless you "
    "ask for `deliver:channel`), with buttons to mark one done, snooze it or skip it. Commands work "
    "here too: type `/`."
)


@dataclass(frozen=True, slots=True)
class PreviewSession:
    url: str
    env: simcord.Env
    bot: LatchBot
    channel: Any
    member: simcord.MemberActor
    moderator: simcord.MemberActor
    shell: PreviewShell

    def turn(self) -> AbstractAsyncContextManager[None]:
        """Drive the simulated Discord from Python: the page's clock and actions wait meanwhile."""
        return self.shell.turn()

    @staticmethod
    def dm_view(person: simcord.MemberActor) -> str:
        """The key of a person's direct messages with Latch in the page's sidebar."""
        return f"dm-{person.id}"


async def _become_latch(env: simcord.Env, bot: LatchBot) -> dict[str, tuple[str, bytes]]:
    """Give the bot Latch's name and avatar; returns the avatar image for the page to show."""
    avatar = avatar_png()
    key = hashlib.sha256(avatar).hexdigest()[:32]
    # SimCord keeps no uploaded avatars (PATCH /users/@me takes only a username), so the bot account's
    # avatar key is set in its state and the page is handed the image for that address.
    env.backend.bot_user.avatar = key
    await _me(bot).edit(username=BOT_NAME)  # as a bot renames itself on Discord
    return {f"{CDN_BASE}/avatars/{_me(bot).id}/{key}.png": ("latch-avatar.png", avatar)}


def _me(bot: LatchBot) -> discord.ClientUser:
    if bot.user is None:
        raise RuntimeError("the bot is not logged in")
    return bot.user


async def _say_in(bot: LatchBot, channel_id: int, text: str) -> None:
    await bot.get_partial_messageable(channel_id).send(text)


@asynccontextmanager
async def open_preview(settings: Settings, *, port: int | None = None) -> AsyncIterator[PreviewSession]:
    """Run the bot in a demo server with a member and a moderator, served as a browser page."""
    with tempfile.TemporaryDirectory(prefix="latch-preview-") as scratch:
        # A throwaway database: trying Latch out never touches the operator's data.
        preview_settings = settings.model_copy(
            update={
                "database_url": f"sqlite:///{Path(scratch) / 'preview.sqlite3'}",
                "discord_token": None,
                "dev_guild_ids": [],
                # One process, one shard: there is no Discord to recommend a count.
                "shard_count": 1,
                "shard_ids": None,
            }
        )
        bot = create_bot(preview_settings)
        try:
            async with simcord.run(bot, check_errors=False) as env:
                assets = await _become_latch(env, bot)
                guild = env.create_guild(DEMO_SERVER)
                channel = guild.create_text_channel(DEMO_CHANNEL)
                moderators = guild.create_role(
                    "Moderators", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
                )
                member = guild.add_member(env.create_user("member", global_name="Sam (member)"))
                moderator = guild.add_member(
                    env.create_user("moderator", global_name="Robin (moderator)"), roles=[moderators]
                )
                # A server a moderator has set up: suggestions reviewed here, reminders allowed here.
                await bot.services.curation.update_settings(
                    guild.id,
                    actor_id=moderator.id,
                    review_channel_id=channel.id,
                    allow_channel_reminders=True,
                )
                await _say_in(bot, channel.id, WELCOME)
                views = [View(CHANNEL_VIEW, DEMO_CHANNEL, "channel", channel, [member, moderator])]
                for person in (member, moderator):
                    name = person.user.global_name or person.user.name
                    dms = person.user.dm_channel
                    await _say_in(bot, dms.id, DM_WELCOME.format(name=name.split(" (")[0]))
                    views.append(View(PreviewSession.dm_view(person), name, "dm", dms, [person.user]))
                shell = PreviewShell(
                    env,
                    bot_user_id=_me(bot).id,
                    bot_name=_me(bot).name,
                    server_name=guild.name,
                    views=views,
                    assets=assets,
                    port=port or 0,
                )
                await shell.start()
                try:
                    yield PreviewSession(shell.url, env, bot, channel, member, moderator, shell)
                finally:
                    await shell.close()
        finally:
            if bot._db is not None:
                await bot._db.close()
