"""/search query: full-text search over facts, tips and resources, and this server's own tips.

A server's tips are indexed with its id and found only by searches made in that server.

The query is used for this one search and forgotten: it is not stored, not logged, and not repeated
in the answer or in any component.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.content.search import (
    MAX_QUERY_LENGTH,
    InvalidQuery,
    Suggester,
    library_documents,
    query_words,
    validate_query,
)
from bot.db.search_index import SearchIndexRepository
from bot.errors import UserFacingError
from bot.ui.search_views import OpenResultSelect, no_results_message, results_embed, results_view


class Search(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot
        self.index = SearchIndexRepository(bot.db)
        self.suggester = Suggester((), ())

    async def cog_load(self) -> None:
        # setup_hook has opened and migrated the database and loaded the content before loading cogs.
        documents = list(library_documents(self.bot.content))
        await self.index.rebuild_library(documents)
        self.suggester = Suggester.from_documents(documents)
        self.bot.add_dynamic_items(OpenResultSelect)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(OpenResultSelect)

    @app_commands.command(name="search", description="Search Latch's facts, tips and support resources")
    @app_commands.describe(query=f"A few words, up to {MAX_QUERY_LENGTH} characters, e.g. letdown at work")
    async def search(self, interaction: discord.Interaction[LatchBot], query: str) -> None:
        try:
            text = validate_query(query)
        except InvalidQuery as problem:
            raise UserFacingError(str(problem)) from None
        hits = await self.index.search(query_words(text), guild_id=interaction.guild_id)
        if hits:
            await interaction.response.send_message(
                embed=results_embed(hits), view=results_view(hits), ephemeral=True
            )
            return
        content, view = no_results_message(self.suggester.suggest(text))
        if view is None:
            await interaction.response.send_message(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, view=view, ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Search(bot))
