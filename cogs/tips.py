"""/tip [technique]: a letdown tip; without a technique, the next tip in the member's rotation.

The rotation (in the catalog service) never shows a member the same tip twice in a row; the Another tip
button carries the shown tip in its custom_id, so it never repeats either, even after a restart.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.ui.card_views import autocomplete_choices, send_card, send_unknown
from bot.ui.checks import latch_server

MAX_TECHNIQUE_LENGTH = 100


class Tips(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="tip", description="A letdown tip; leave it empty for the next tip in rotation"
    )
    @app_commands.describe(technique="Start typing: warmth, massage, hands-on pumping… (a typo is fine)")
    async def tip(
        self,
        interaction: discord.Interaction[LatchBot],
        technique: app_commands.Range[str, 0, MAX_TECHNIQUE_LENGTH] | None = None,
    ) -> None:
        catalog = self.bot.services.catalog
        user_id = interaction.user.id
        if technique is None or not technique.strip():
            card = await catalog.next_tip(latch_server(interaction), user_id)
        else:
            tips = await catalog.tips_for(latch_server(interaction))
            found = tips.resolve(technique)
            if found is None:
                await send_unknown(interaction, technique, tips.closest(technique, 3))
                return
            card = found
            catalog.shown(user_id, card)
        await send_card(interaction, card)

    @tip.autocomplete("technique")
    async def technique_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        tips = await self.bot.services.catalog.tips_for(latch_server(interaction))
        return autocomplete_choices(tips, current)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Tips(bot))
