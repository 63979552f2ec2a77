"""/fact [topic]: a short, sourced fact card; without a topic, a menu of every fact by topic."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.ui.card_views import autocomplete_choices, browse_embed, browse_view, send_card, send_unknown
from bot.ui.checks import latch_server
from bot.ui.replies import reply

MAX_TOPIC_LENGTH = 100


class Facts(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="fact", description="A short, sourced fact card; leave the topic empty to browse"
    )
    @app_commands.describe(topic="Start typing: letdown, D-MER, pumping, leaking… (a typo is fine)")
    async def fact(
        self,
        interaction: discord.Interaction[LatchBot],
        topic: app_commands.Range[str, 0, MAX_TOPIC_LENGTH] | None = None,
    ) -> None:
        facts = await self.bot.services.catalog.facts_for(latch_server(interaction))
        if topic is None or not topic.strip():
            cards = list(facts.cards)
            await reply(interaction, embed=browse_embed(cards), view=browse_view(cards), ephemeral=True)
            return
        card = facts.resolve(topic)
        if card is None:
            await send_unknown(interaction, topic, facts.closest(topic, 3))
            return
        await send_card(interaction, card)

    @fact.autocomplete("topic")
    async def topic_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        facts = await self.bot.services.catalog.facts_for(latch_server(interaction))
        return autocomplete_choices(facts, current)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Facts(bot))
