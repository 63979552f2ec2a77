"""/privacy view · export · delete, and noticing when Latch leaves or rejoins a server.

Works in servers and in DMs; every answer is ephemeral. What each feature stores and how it is erased
is declared by the feature (`bot.domain.privacy`) and carried out by the privacy service; the daily
retention job is the bot's own (`LatchBot.apply_retention`).
"""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.domain.privacy import EXPORT_FILENAME, export_bytes
from bot.ui.privacy_views import CONFIRM_TEXT, EXPORT_ABOUT, EXPORT_TEXT, confirm_view, privacy_embed
from bot.ui.replies import reply

log = logging.getLogger(__name__)


class Privacy(commands.Cog):
    privacy = app_commands.Group(
        name="privacy",
        description="See, take or erase what Latch stores about you",
    )

    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @privacy.command(name="view", description="Everything Latch stores about you, in every server")
    async def view(self, interaction: discord.Interaction[LatchBot]) -> None:
        sections = await self.bot.services.privacy.collect(interaction.user.id)
        await reply(interaction, embed=privacy_embed(sections), ephemeral=True)

    @privacy.command(name="export", description="A file with everything Latch stores about you")
    async def export(self, interaction: discord.Interaction[LatchBot]) -> None:
        document = await self.bot.services.privacy.export(interaction.user.id, about=EXPORT_ABOUT)
        attachment = discord.File(io.BytesIO(export_bytes(document)), filename=EXPORT_FILENAME)
        await reply(interaction, EXPORT_TEXT, file=attachment, ephemeral=True)

    @privacy.command(name="delete", description="Erase everything Latch stores about you")
    async def delete(self, interaction: discord.Interaction[LatchBot]) -> None:
        await reply(interaction, CONFIRM_TEXT, view=confirm_view(interaction.user.id), ephemeral=True)

    # ------------------------------------------------------------------ servers Latch leaves

    # Each is in-flight work, so a shutdown waits for it before closing the database; once the bot is
    # shutting down they do nothing (the next start sees the servers again, the daily sweep catches up).

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        if not self.bot.accepting_work:
            return
        async with self.bot.work.track():
            await self.bot.services.privacy.left_server(guild.id)
        log.info("left server %s; its data will be erased in 30 days unless Latch returns", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if not self.bot.accepting_work:
            return
        async with self.bot.work.track():
            back = await self.bot.services.privacy.back_in_server(guild.id)
        if back:
            log.info("back in server %s; its data is kept", guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        if not self.bot.accepting_work:
            return
        async with self.bot.work.track():
            await self.bot.services.privacy.back_in_server(guild.id)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Privacy(bot))
