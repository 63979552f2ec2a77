"""/letdown: a guided letdown routine, one private step at a time, with Back / Next / Done buttons."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.ui.letdown_view import step_embed, step_view
from bot.ui.replies import reply


class Letdown(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="letdown", description="A guided letdown routine, step by step (only you see it)"
    )
    async def letdown(self, interaction: discord.Interaction[LatchBot]) -> None:
        embed = step_embed(1, library=self.bot.content, now=self.bot.clock.now())
        await reply(interaction, embed=embed, view=step_view(1), ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Letdown(bot))
