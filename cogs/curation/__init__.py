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
from bot.domain.resources import parse_region_code
from bot.errors import Refusal
from bot.tip_posts.dispatcher import require_postable
from bot.ui.checks import require_curator, server_id
from bot.ui.curation import SETTINGS_SAVED, SETTINGS_SHOWN, audit_embed, settings_embed
from bot.ui.options import TimeZone
from bot.ui.replies import reply

MAX_REGION_LENGTH = 60


class CurateGroup(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(
            name="curate",
            description="Moderator tools: server tips, suggestions, resources, scheduled posts, settings",
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=False, private_channel=False
            ),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            default_permissions=discord.Permissions(manage_guild=True),
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
    timezone: TimeZone | None = None,
    region: app_commands.Range[str, 1, MAX_REGION_LENGTH] | None = None,
    allow_channel_reminders: bool | None = None,
    allow_invites: bool | None = None,
) -> None:
    guild_id = server_id(interaction)
    curation = interaction.client.services.curation
    changes: dict[str, Any] = {}
    if review_channel is not None:
        require_postable(review_channel)
        changes["review_channel_id"] = review_channel.id
    if mod_role is not None:
        if mod_role.is_default():
            raise Refusal("curate.everyone_role")
        changes["mod_role_id"] = mod_role.id
    if timezone is not None:
        changes["timezone"] = timezone
    if region is not None:
        changes["region"] = parse_region_code(region)
    if allow_channel_reminders is not None:
        changes["allow_channel_reminders"] = allow_channel_reminders
    if allow_invites is not None:
        changes["allow_invites"] = allow_invites
    if changes:
        _before, current = await curation.update_settings(guild_id, actor_id=interaction.user.id, **changes)
        heading = SETTINGS_SAVED
    else:
        current = await curation.settings(guild_id)
        heading = SETTINGS_SHOWN
    await reply(interaction, heading, embed=settings_embed(current), ephemeral=True)


@app_commands.command(name="audit", description="The last 25 changes moderators made in this server")
async def audit_command(interaction: discord.Interaction[LatchBot]) -> None:
    entries = await interaction.client.services.curation.audit(server_id(interaction))
    await reply(interaction, embed=audit_embed(entries), ephemeral=True)


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
