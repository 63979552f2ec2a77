"""Base view and modal classes whose errors go through the one error reporter."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import report_error


class LatchView(discord.ui.View):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} component")


class LatchModal(discord.ui.Modal):
    # discord.py's own Modal narrows View.on_error's signature the same way.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} modal")
