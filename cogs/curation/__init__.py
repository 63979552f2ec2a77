"""/curate: moderators shape their server. Settings and audit live here; each other area of curation
(resources, tips, the suggestion queue, scheduled posts) is a module in this package with a
``register(bot, curate)`` function that adds its subcommands to the one ``/curate`` group.

``/curate`` is guild-only with Manage Server as its default permission, so Discord hides it from plain
members. A server can reopen it to everyone in its Integrations settings, so every subcommand is also
checked when it runs (Manage Server or the configured moderator role): ``require_curator``, the gate the
command tree runs for every /curate interaction, autocomplete included (see ``LatchTree._passes_gate``).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import discord
from discord import app_commands

from bot.app import LatchBot
from bot.content.models import GLOBAL_REGION, ISO_REGIONS
from bot.curation import require_curator, server_id
from bot.db.audit import AuditRepository
from bot.db.guild_settings import GuildSettingsRepository
from bot.errors import UserFacingError
from bot.timezones import UnknownZoneError, resolve_zone, zone_choices
from bot.ui.curation import audit_embed, settings_embed
from bot.ui.tip_post import missing_permission_text, missing_permissions


class CurateGroup(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(
            name="curate",
            description="Moderator tools: server tips, suggestions, resources, scheduled posts, settings",
            guild_only=True,
            default_permissions=discord.Permissions(manage_guild=True),
        )


def _region(text: str) -> str:
    code = text.strip().lower()
    if code == GLOBAL_REGION or code.upper() in ISO_REGIONS:
        return GLOBAL_REGION if code == GLOBAL_REGION else code.upper()
    raise UserFacingError(
        f"“{discord.utils.escape_markdown(text[:40])}” is not a region. Use a two-letter country code "
        "such as US, GB, AU, IN or CA, or “global”."
    )


@app_commands.command(name="settings", description="Show or change this server's Latch settings")
@app_commands.describe(
    review_channel="Where suggested tips are posted for review",
    mod_role="A role that may use /curate besides Manage Server",
    timezone="The server's time zone for scheduled posts, e.g. Europe/London",
    region="Default country for /resources: a two-letter code such as US or GB, or global",
    allow_channel_reminders="Let members have pumping reminders delivered in a channel",
    allow_invites="Allow Discord invite links in this server's resources and tips",
)
async def settings_command(
    interaction: discord.Interaction[LatchBot],
    review_channel: discord.TextChannel | None = None,
    mod_role: discord.Role | None = None,
    timezone: str | None = None,
    region: str | None = None,
    allow_channel_reminders: bool | None = None,
    allow_invites: bool | None = None,
) -> None:
    guild_id = server_id(interaction)
    bot = interaction.client
    changes: dict[str, Any] = {}
    if review_channel is not None:
        missing = missing_permissions(review_channel.permissions_for(review_channel.guild.me))
        if missing:
            raise UserFacingError(missing_permission_text(review_channel.mention, missing))
        changes["review_channel_id"] = review_channel.id
    if mod_role is not None:
        if mod_role.is_default():
            raise UserFacingError("@everyone can't be the moderator role. Pick a role only moderators have.")
        changes["mod_role_id"] = mod_role.id
    if timezone is not None:
        try:
            changes["timezone"] = resolve_zone(timezone)
        except UnknownZoneError as error:
            raise UserFacingError(str(error)) from None
    if region is not None:
        changes["region"] = _region(region)
    if allow_channel_reminders is not None:
        changes["allow_channel_reminders"] = allow_channel_reminders
    if allow_invites is not None:
        changes["allow_invites"] = allow_invites
    repository = GuildSettingsRepository(bot.db)
    if changes:
        _before, current = await repository.update(
            guild_id, actor_id=interaction.user.id, now=bot.clock.now(), **changes
        )
        heading = "Settings saved."
    else:
        current = await repository.get(guild_id)
        heading = "This server's settings. Pass any option to change it."
    await interaction.response.send_message(heading, embed=settings_embed(current), ephemeral=True)


@settings_command.autocomplete("timezone")
async def _timezone_autocomplete(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(current)]


@app_commands.command(name="audit", description="The last 25 changes moderators made in this server")
async def audit_command(interaction: discord.Interaction[LatchBot]) -> None:
    entries = await AuditRepository(interaction.client.db).recent(server_id(interaction))
    await interaction.response.send_message(embed=audit_embed(entries), ephemeral=True)


async def setup(bot: LatchBot) -> None:
    curate = CurateGroup()
    curate.add_command(settings_command)
    curate.add_command(audit_command)
    for module in pkgutil.iter_modules(__path__):
        section = importlib.import_module(f"{__name__}.{module.name}")
        await section.register(bot, curate)
    bot.command_gates[curate.name] = require_curator
    bot.tree.add_command(curate)


async def teardown(bot: LatchBot) -> None:
    bot.tree.remove_command("curate")
    bot.command_gates.pop("curate", None)
