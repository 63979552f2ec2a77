"""/tip [technique]: a letdown tip; without a technique, the next tip in a rotation.

The rotation never shows a member the same tip twice in a row. It remembers the last tip shown to each
member in memory only (a bounded map on this cog): nothing about the member is written to the
database, and a restart forgets it. The Another tip button carries the shown tip in its custom_id, so
it never repeats either, even after a restart.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.content.catalog import catalog_for, next_card
from bot.content.models import Card
from bot.content.ranking import CardIndex
from bot.errors import UserFacingError
from bot.ui.card_views import (
    TIPS_COG,
    autocomplete_choices,
    edit_to_card,
    register_card_components,
    send_card,
    send_unknown,
)

LAST_TIP_MEMORY = 10_000  # members remembered; the least recently served are forgotten first

NO_TIPS = "There are no tips to show yet."


class LastShown:
    """The last tip id shown to each member, for at most ``limit`` members (least recent dropped)."""

    def __init__(self, limit: int = LAST_TIP_MEMORY) -> None:
        self.limit = limit
        self._last: OrderedDict[int, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._last)

    def get(self, user_id: int) -> str | None:
        return self._last.get(user_id)

    def remember(self, user_id: int, card_id: str) -> None:
        self._last[user_id] = card_id
        self._last.move_to_end(user_id)
        while len(self._last) > self.limit:
            self._last.popitem(last=False)


class Tips(commands.Cog, name=TIPS_COG):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot
        self.last_shown = LastShown()

    async def cog_load(self) -> None:
        register_card_components(self.bot)

    def _next_tip(self, tips: CardIndex, user_id: int, after: str | None) -> Card:
        start = secrets.randbelow(len(tips)) if len(tips) else 0
        card = next_card(tips, after, start=start)
        if card is None:
            raise UserFacingError(NO_TIPS)
        self.last_shown.remember(user_id, card.id)
        return card

    @app_commands.command(
        name="tip", description="A letdown tip; leave it empty for the next tip in rotation"
    )
    @app_commands.describe(technique="Start typing: warmth, massage, hands-on pumping… (a typo is fine)")
    async def tip(self, interaction: discord.Interaction[LatchBot], technique: str | None = None) -> None:
        tips = await catalog_for(self.bot).tips_for(interaction.guild_id)
        user_id = interaction.user.id
        if technique is None or not technique.strip():
            card = self._next_tip(tips, user_id, self.last_shown.get(user_id))
        else:
            found = tips.resolve(technique)
            if found is None:
                await send_unknown(interaction, technique, tips.closest(technique, 3))
                return
            card = found
            self.last_shown.remember(user_id, card.id)
        await send_card(interaction, card)

    @tip.autocomplete("technique")
    async def technique_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        tips = await catalog_for(self.bot).tips_for(interaction.guild_id)
        return autocomplete_choices(tips, current)

    async def show_another_tip(self, interaction: discord.Interaction[Any], current_id: str) -> None:
        """The Another tip button: replace the shown tip with the next one, never the same."""
        tips = await catalog_for(self.bot).tips_for(interaction.guild_id)
        card = self._next_tip(tips, interaction.user.id, current_id)
        await edit_to_card(interaction, card)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Tips(bot))
