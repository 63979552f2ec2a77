"""/search query: full-text search over facts, tips and resources, and this server's own tips.

A server's tips are indexed with its id and found only by searches made in that server. The query is
used for this one search and forgotten: it is not stored, not logged, and not repeated in the answer
or in any component.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.content.search import MAX_QUERY_LENGTH
from bot.ui.checks import latch_server
from bot.ui.replies import reply
from bot.ui.search_views import no_results_message, results_embed, results_view

# Longer queries are refused with a message rather than cut off by Discord.
MAX_QUERY_INPUT = 300


class Search(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @app_commands.command(name="search", description="Search Latch's facts, tips and support resources")
    @app_commands.describe(query=f"A few words, up to {MAX_QUERY_LENGTH} characters, e.g. letdown at work")
    async def search(
        self, interaction: discord.Interaction[LatchBot], query: app_commands.Range[str, 1, MAX_QUERY_INPUT]
    ) -> None:
        service = self.bot.services.search
        hits = await service.search(query, guild_id=latch_server(interaction))
        if hits:
            await reply(interaction, embed=results_embed(hits), view=results_view(hits), ephemeral=True)
            return
        content, view = no_results_message(service.did_you_mean(query))
        if view is None:
            await reply(interaction, content, ephemeral=True)
        else:
            await reply(interaction, content, view=view, ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Search(bot))
