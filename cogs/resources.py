"""/resources [topic] [region]: support organisations, helplines and crisis lines, as link buttons.

The region defaults to the server's setting ("global" in DMs). The answer is ephemeral: what a member
looks for here is their own business, and nothing about the lookup is stored or logged.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.content.models import GLOBAL_REGION, RESOURCE_TOPICS
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.server_resources import ServerResourceRepository
from bot.resources import (
    ResourceEntry,
    library_entry,
    parse_region,
    parse_topic,
    region_choices,
    select_groups,
    server_entry,
)
from bot.ui.resource_views import ResourcePages, ResourcesView

TOPIC_CHOICES = [app_commands.Choice(name=label, value=slug) for slug, label in RESOURCE_TOPICS.items()]


async def region_autocomplete(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=value) for label, value in region_choices(current)]


class Resources(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot
        self.library_entries = tuple(library_entry(resource) for resource in bot.content.resources)

    async def _region(self, guild_id: int | None, typed: str | None) -> str:
        if typed is not None and typed.strip():
            return parse_region(typed)
        if guild_id is None:
            return GLOBAL_REGION
        return (await GuildSettingsRepository(self.bot.db).get(guild_id)).region

    async def _server_entries(self, guild_id: int | None) -> list[ResourceEntry]:
        if guild_id is None:
            return []
        return [
            server_entry(r.id, r.name, r.url, r.description, r.topic, r.region)
            for r in await ServerResourceRepository(self.bot.db).list(guild_id)
        ]

    @app_commands.command(
        name="resources", description="Support organisations, helplines and crisis lines, as links"
    )
    @app_commands.describe(
        topic="Only this kind of help, e.g. crisis lines or lactation consultants",
        region="Your country: a two-letter code such as US, GB, AU or IN, or global",
    )
    @app_commands.choices(topic=TOPIC_CHOICES)
    @app_commands.autocomplete(region=region_autocomplete)
    async def resources(
        self,
        interaction: discord.Interaction[LatchBot],
        topic: str | None = None,
        region: str | None = None,
    ) -> None:
        chosen_topic = parse_topic(topic) if topic else None
        chosen_region = await self._region(interaction.guild_id, region)
        groups = select_groups(
            self.library_entries,
            await self._server_entries(interaction.guild_id),
            topic=chosen_topic,
            region=chosen_region,
        )
        pages = ResourcePages(groups, topic=chosen_topic, region=chosen_region)
        if pages.is_empty:
            await interaction.response.send_message(embed=pages.embed(0), ephemeral=True)
            return
        await interaction.response.send_message(
            embed=pages.embed(0), view=ResourcesView(pages), ephemeral=True
        )


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Resources(bot))
