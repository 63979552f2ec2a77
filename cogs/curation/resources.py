"""/curate resource add · remove · list: a server's own support resources, shown by /resources.

The /curate group checks the caller (Manage Server or the moderator role) before any of these run.
Every field is checked before anything is written; the change and its audit entry (and its /search
row) are one transaction.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import LatchBot
from bot.domain.curation import MAX_RESOURCES_PER_SERVER
from bot.domain.resources import DESCRIPTION_LIMIT, NAME_LIMIT, clean_line, parse_region, parse_topic
from bot.domain.urls import check_url
from bot.errors import Refusal
from bot.ui.checks import server_id
from bot.ui.options import MAX_CHOICES, region_autocomplete
from bot.ui.replies import reply
from bot.ui.resource_views import (
    added_embed,
    removed_resource_text,
    resource_choice_name,
    server_resources_embed,
)
from cogs.resources import MAX_REGION_LENGTH, TOPIC_CHOICES

MAX_FIELD_INPUT = 300  # a little over the limits, so a long entry is refused with its length
MAX_LINK_INPUT = 2000  # links can be long; the URL rules refuse past 512 characters with the length

resource_group = app_commands.Group(
    name="resource", description="This server's own support resources, listed in /resources"
)


def _resource_id(text: str) -> int:
    digits = text.strip().removeprefix("#")
    if not digits.isdigit() or len(digits) > 18:
        raise Refusal("resource.bad_number")
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
    name: app_commands.Range[str, 1, MAX_FIELD_INPUT],
    url: app_commands.Range[str, 1, MAX_LINK_INPUT],
    description: app_commands.Range[str, 1, MAX_FIELD_INPUT],
    topic: str,
    region: app_commands.Range[str, 0, MAX_REGION_LENGTH] | None = None,
) -> None:
    guild_id = server_id(interaction)
    curation = interaction.client.services.curation
    settings = await curation.settings(guild_id)
    clean_name = clean_line(name, field="name", limit=NAME_LIMIT)
    clean_description = clean_line(description, field="description", limit=DESCRIPTION_LIMIT)
    chosen_topic = parse_topic(topic)
    chosen_region = parse_region(region) if region is not None and region.strip() else settings.region
    checked = check_url(url, allow_invites=settings.allow_invites)
    added = await curation.add_resource(
        guild_id,
        name=clean_name,
        url=checked.url,
        description=clean_description,
        topic=chosen_topic,
        region=chosen_region,
        actor_id=interaction.user.id,
    )
    await reply(interaction, embed=added_embed(added, checked.display_host), ephemeral=True)


@resource_group.command(name="remove", description="Remove one of this server's resources")
@app_commands.describe(resource="Start typing its name, or give its number, e.g. #3")
async def remove_command(
    interaction: discord.Interaction[LatchBot], resource: app_commands.Range[str, 1, MAX_FIELD_INPUT]
) -> None:
    removed = await interaction.client.services.curation.remove_resource(
        server_id(interaction), _resource_id(resource), actor_id=interaction.user.id
    )
    await reply(interaction, removed_resource_text(removed), ephemeral=True)


@remove_command.autocomplete("resource")
async def _resource_autocomplete(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    # Only moderators get here: the /curate gate answers anyone else's autocomplete with no choices.
    if interaction.guild_id is None:
        return []
    typed = current.strip().removeprefix("#").casefold()
    resources = await interaction.client.services.curation.resources(interaction.guild_id)
    matches = [r for r in resources if not typed or typed in r.name.casefold() or typed == str(r.id)]
    return [app_commands.Choice(name=resource_choice_name(r), value=str(r.id)) for r in matches[:MAX_CHOICES]]


@resource_group.command(name="list", description="This server's own resources, with their numbers")
async def list_command(interaction: discord.Interaction[LatchBot]) -> None:
    resources = await interaction.client.services.curation.resources(server_id(interaction))
    await reply(
        interaction, embed=server_resources_embed(resources, MAX_RESOURCES_PER_SERVER), ephemeral=True
    )


async def register(bot: LatchBot, curate: app_commands.Group) -> None:
    curate.add_command(resource_group)
