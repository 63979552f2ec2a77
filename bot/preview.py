"""The offline preview: the real bot against SimCord's in-memory Discord, in a local browser page."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import simcord

from bot.app import LatchBot, create_bot
from bot.config import Settings

DEMO_SERVER = "Latch demo server"
DEMO_CHANNEL = "pumping-support"
WELCOME = (
    "Welcome to the Latch preview! This is the real bot, running offline. Type `/` in the box below "
    "to see its commands, and switch between the member and the moderator with **Viewing as** at the top.\n"
    "Try `/fact`, `/tip`, `/resources`, or `/pump every interval:3h` and then `/pump list`. "
    "As the member, `/suggest` a tip; in this demo suggestions come to this channel, where the "
    "moderator can approve them."
)


@dataclass(frozen=True, slots=True)
class PreviewSession:
    url: str
    env: simcord.Env
    bot: LatchBot
    channel: Any
    member: simcord.MemberActor
    moderator: simcord.MemberActor


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
            }
        )
        bot = create_bot(preview_settings)
        try:
            async with simcord.run(bot, check_errors=False) as env:
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
                await moderator.send(channel, WELCOME)
                async with env.preview(
                    channel, viewers=[member, moderator], layout="channel", port=port
                ) as preview:
                    yield PreviewSession(preview.url, env, bot, channel, member, moderator)
        finally:
            if bot._db is not None:
                await bot._db.close()
