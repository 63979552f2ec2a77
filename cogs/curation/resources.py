"""/curate resource add · remove · list: a server's own support resources, shown by /resources.

The /curate group checks the caller (Manage Server or the moderator role) before any of these run.
Every field is checked before anything is written; the change and its audit entry (and its /search
row) are one transaction.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import LatchBot
from bot.curation import server_id
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.server_resources import (
    MAX_PER_SERVER,
    DuplicateResourceName,
    ServerResourceLimit,
    ServerResourceRepository,
)
from bot.errors import UserFacingError
from bot.resources import DESCRIPTION_LIMIT, NAME_LIMIT, clean_line, parse_region, parse_topic
from bot.ui.resource_views import added_embed, safe, server_resources_embed
from bot.urls import check_url
from cogs.resources import TOPIC_CHOICES, region_autocomplete

resource_group = app_commands.Group(
    name="resource", description="This server's own support resources, listed in /resources"
)


def _resource_id(text: str) -> int:
    digits = text.strip().removeprefix("#")
    if not digits.isdigit() or len(digits) > 18:
        raise UserFacingError(
            "Pick a resource from the list as you type, or give its number from "
            "`/curate resource list`, for example `#3`."
        )
    return int(digits)


@resource_group.command(name="add", description="Add a support resource to this server's /resources")
@app_commands.describe(
    name=f"The organisation's name, up to {NAME_LIMIT} characters",
    url="Its website: an https:// link (no short links)",
    description=f"One line on what it offers, up to {DESCRIPTION_LIMIT} characters",
    topic="The kind of help it gives",
    region="The country it serves (two-letter code) or global; the server's region if left out",
)
@app_commands.choices(topic=TOPIC_CHOICES)
@app_commands.autocomplete(region=region_autocomplete)
async def add_command(
    interaction: discord.Interaction[LatchBot],
    name: str,
    url: str,
    description: str,
    topic: str,
    region: str | None = None,
) -> None:
    guild_id = server_id(interaction)
    bot = interaction.client
    settings = await GuildSettingsRepository(bot.db).get(guild_id)
    clean_name = clean_line(name, field="name", limit=NAME_LIMIT)
    clean_description = clean_line(description, field="description", limit=DESCRIPTION_LIMIT)
    chosen_topic = parse_topic(topic)
    chosen_region = parse_region(region) if region is not None and region.strip() else settings.region
    checked = check_url(url, allow_invites=settings.allow_invites)
    try:
        added = await ServerResourceRepository(bot.db).add(
            guild_id=guild_id,
            name=clean_name,
            url=checked.url,
            description=clean_description,
            topic=chosen_topic,
            region=chosen_region,
            actor_id=interaction.user.id,
            now=bot.clock.now(),
        )
    except DuplicateResourceName:
        raise UserFacingError(
            f"This server already has a resource called “{safe(clean_name)}”. Pick another name, or "
            "remove the old one first with `/curate resource remove`."
        ) from None
    except ServerResourceLimit:
        raise UserFacingError(
            f"This server has {MAX_PER_SERVER} resources, the most it can have. Remove one with "
            "`/curate resource remove` first."
        ) from None
    await interaction.response.send_message(embed=added_embed(added, checked.display_host), ephemeral=True)


@resource_group.command(name="remove", description="Remove one of this server's resources")
@app_commands.describe(resource="Start typing its name, or give its number, e.g. #3")
async def remove_command(interaction: discord.Interaction[LatchBot], resource: str) -> None:
    guild_id = server_id(interaction)
    bot = interaction.client
    removed = await ServerResourceRepository(bot.db).remove(
        guild_id, _resource_id(resource), actor_id=interaction.user.id, now=bot.clock.now()
    )
    if removed is None:
        raise UserFacingError(
            "This server has no resource with that number. `/curate resource list` shows them all."
        )
    await interaction.response.send_message(
        f"Removed “{safe(removed.name)}” (`#{removed.id}`). It no longer shows in `/resources`.",
        ephemeral=True,
    )


@remove_command.autocomplete("resource")
async def _resource_autocomplete(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    # Only moderators get here: the /curate gate answers anyone else's autocomplete with no choices.
    if interaction.guild_id is None:
        return []
    typed = current.strip().removeprefix("#").casefold()
    resources = await ServerResourceRepository(interaction.client.db).list(interaction.guild_id)
    matches = [r for r in resources if not typed or typed in r.name.casefold() or typed == str(r.id)]
    return [app_commands.Choice(name=f"#{r.id} {r.name}"[:100], value=str(r.id)) for r in matches[:25]]


@resource_group.command(name="list", description="This server's own resources, with their numbers")
async def list_command(interaction: discord.Interaction[LatchBot]) -> None:
    resources = await ServerResourceRepository(interaction.client.db).list(server_id(interaction))
    await interaction.response.send_message(
        embed=server_resources_embed(resources, MAX_PER_SERVER), ephemeral=True
    )


async def register(bot: LatchBot, curate: app_commands.Group) -> None:
    curate.add_command(resource_group)
