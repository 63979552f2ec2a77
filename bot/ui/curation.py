"""Embeds for /curate settings and /curate audit."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.db.audit import AuditEntry
from bot.db.guild_settings import GuildSettings
from bot.ui.cards import escape_mentions

CURATE_COLOUR = discord.Colour(0x5865F2)


def _yes_no(value: bool) -> str:
    return "on" if value else "off"


def settings_embed(settings: GuildSettings) -> discord.Embed:
    embed = discord.Embed(title="Latch settings for this server", colour=CURATE_COLOUR)
    review = (
        f"<#{settings.review_channel_id}>" if settings.review_channel_id else "not set (suggestions are off)"
    )
    role = f"<@&{settings.mod_role_id}>" if settings.mod_role_id else "not set (Manage Server only)"
    embed.add_field(name="Review channel", value=review, inline=True)
    embed.add_field(name="Moderator role", value=role, inline=True)
    embed.add_field(name="Time zone", value=settings.timezone, inline=True)
    embed.add_field(name="Region for /resources", value=settings.region, inline=True)
    embed.add_field(
        name="Reminders in channels", value=_yes_no(settings.allow_channel_reminders), inline=True
    )
    embed.add_field(name="Discord invite links", value=_yes_no(settings.allow_invites), inline=True)
    return embed


def audit_line(entry: AuditEntry) -> str:
    when = int(entry.created_at.timestamp())
    who = f"<@{entry.actor_id}>" if entry.actor_id is not None else "a member who erased their data"
    detail = escape_mentions(discord.utils.escape_markdown(entry.detail))[:300]
    return f"<t:{when}:f> · {who} · `{entry.action}` · {detail}"


def audit_embed(entries: Sequence[AuditEntry]) -> discord.Embed:
    embed = discord.Embed(title="Recent changes", colour=CURATE_COLOUR)
    if not entries:
        embed.description = "No changes yet."
        return embed
    lines: list[str] = []
    size = 0
    for entry in entries:
        line = audit_line(entry)
        if size + len(line) + 1 > 4000:
            break
        lines.append(line)
        size += len(line) + 1
    embed.description = "\n".join(lines)
    embed.set_footer(text=f"The last {len(lines)} changes, newest first")
    return embed
