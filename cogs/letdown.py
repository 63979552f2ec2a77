"""/letdown: a guided letdown routine, one private step at a time, with Back / Next / Done buttons."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.letdown import check_routine
from bot.ui.letdown_view import LetdownButton, step_embed, step_view


class Letdown(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Refuse to start with a routine that names a tip the library does not have.
        check_routine(self.bot.content)
        self.bot.add_dynamic_items(LetdownButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(LetdownButton)

    @app_commands.command(
        name="letdown", description="A guided letdown routine, step by step (only you see it)"
    )
    async def letdown(self, interaction: discord.Interaction[LatchBot]) -> None:
        embed = step_embed(1, library=self.bot.content, now=self.bot.clock.now())
        await interaction.response.send_message(embed=embed, view=step_view(1), ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Letdown(bot))
