"""Who may curate a server: the rule, and the check every /curate subcommand and review button runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from bot.db.guild_settings import GuildSettings, GuildSettingsRepository
from bot.errors import UserFacingError

NOT_A_CURATOR = (
    "Only moderators can do that: you need the Manage Server permission or this server's moderator role."
)


def is_curator(*, manage_guild: bool, role_ids: Iterable[int], mod_role_id: int | None) -> bool:
    """Manage Server, or the moderator role a server chose with /curate settings."""
    return manage_guild or (mod_role_id is not None and mod_role_id in set(role_ids))


def server_id(interaction: discord.Interaction[Any]) -> int:
    """The server an interaction came from; /curate and the review buttons only work in one."""
    if interaction.guild_id is None:
        raise UserFacingError("This command only works in a server.")
    return interaction.guild_id


async def require_curator(interaction: discord.Interaction[Any]) -> GuildSettings:
    """The server's settings when the caller may curate; otherwise a UserFacingError."""
    settings = await GuildSettingsRepository(interaction.client.db).get(server_id(interaction))
    member = interaction.user
    manage_guild = isinstance(member, discord.Member) and member.guild_permissions.manage_guild
    role_ids = [role.id for role in member.roles] if isinstance(member, discord.Member) else []
    if not is_curator(manage_guild=manage_guild, role_ids=role_ids, mod_role_id=settings.mod_role_id):
        raise UserFacingError(NOT_A_CURATOR)
    return settings
