"""Checks an interaction must pass: in a server, by a curator.

Permission checks read what Discord sends with the interaction (`interaction.permissions`), not the
member cache, so they hold wherever the command is run.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.curation import GuildSettings
from bot.errors import Refusal
from bot.services import services_of


def latch_server(interaction: discord.Interaction[Any]) -> int | None:
    """The server whose tips, resources and settings apply: the interaction's, when Latch is a member
    of it. None in DMs, group DMs, and servers where a member uses Latch installed to their account
    (there only the library applies, and Latch answers only through the interaction)."""
    guild_id = interaction.guild_id
    if guild_id is None:
        return None
    if interaction.is_guild_integration() or interaction.client.get_guild(guild_id) is not None:
        return guild_id
    return None


def server_id(interaction: discord.Interaction[Any]) -> int:
    """The server an interaction came from; /curate and the review buttons only work in one."""
    if interaction.guild_id is None:
        raise Refusal("server.only")
    return interaction.guild_id


async def require_curator(interaction: discord.Interaction[Any]) -> GuildSettings:
    """The server's settings when the caller may curate (Manage Server, or the moderator role a
    server chose); otherwise a Refusal. The gate of every /curate command and review button."""
    member = interaction.user
    role_ids = [role.id for role in member.roles] if isinstance(member, discord.Member) else []
    return await services_of(interaction.client).curation.require_curator(
        server_id(interaction), manage_guild=interaction.permissions.manage_guild, role_ids=role_ids
    )
