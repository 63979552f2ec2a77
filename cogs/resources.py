"""/resources [topic] [region]: support organisations, helplines and crisis lines, as link buttons.

The region defaults to the server's setting ("global" in DMs). The answer is ephemeral: what a member
looks for here is their own business, and nothing about the lookup is stored or logged.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.content.models import RESOURCE_TOPICS
from bot.domain.resources import parse_topic
from bot.ui.checks import latch_server
from bot.ui.options import region_autocomplete
from bot.ui.replies import reply
from bot.ui.resource_views import ResourcePages, ResourcesView

TOPIC_CHOICES = [app_commands.Choice(name=label, value=slug) for slug, label in RESOURCE_TOPICS.items()]
MAX_REGION_LENGTH = 60


class Resources(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

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
        region: app_commands.Range[str, 0, MAX_REGION_LENGTH] | None = None,
    ) -> None:
        service = self.bot.services.resources
        chosen_topic = parse_topic(topic) if topic else None
        chosen_region = await service.region_for(latch_server(interaction), region)
        groups = await service.groups(latch_server(interaction), topic=chosen_topic, region=chosen_region)
        pages = ResourcePages(groups, topic=chosen_topic, region=chosen_region)
        if pages.is_empty:
            await reply(interaction, embed=pages.embed(0), ephemeral=True)
            return
        await reply(interaction, embed=pages.embed(0), view=ResourcesView(pages), ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Resources(bot))
