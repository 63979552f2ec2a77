"""Slash-command options shared by several commands: time zones and regions, with their autocomplete.

A transformer turns what a member typed into the value (raising the refusal that says what is
accepted), and its autocomplete offers choices; Discord caps how much can be typed.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain.resources import region_choices
from bot.domain.timezones import MAX_ZONE_INPUT, resolve_zone, zone_choices
from bot.limits import LIST_LIMIT
from bot.services import services_of

MAX_CHOICES = LIST_LIMIT


class TimeZoneTransformer(app_commands.Transformer[Any]):
    """An IANA zone or a city ("Europe/London", "new york", "Sydney") → the canonical zone name."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def max_value(self) -> int:
        return MAX_ZONE_INPUT  # for a string option: its max_length

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> str:
        return resolve_zone(str(value))

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(value)]


TimeZone = app_commands.Transform[str, TimeZoneTransformer]


async def region_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    offered = services_of(interaction.client).catalog.library.offered_regions
    return [
        app_commands.Choice(name=label, value=value)
        for label, value in region_choices(current, offered, MAX_CHOICES)
    ]
