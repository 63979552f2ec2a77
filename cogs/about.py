"""/about: what Latch is."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.ui.about import about_embed, about_links
from bot.ui.replies import reply


class About(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What Latch is, how it treats your data, and its version")
    async def about(self, interaction: discord.Interaction[LatchBot]) -> None:
        content = self.bot.content
        privacy_url = self.bot.settings.privacy_url
        embed = about_embed(
            version=self.bot.version,
            fact_count=len(content.facts),
            tip_count=len(content.tips),
            privacy_url=privacy_url,
        )
        links = about_links(privacy_url)
        if links is None:
            await reply(interaction, embed=embed, ephemeral=True)
        else:
            await reply(interaction, embed=embed, view=links, ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(About(bot))
