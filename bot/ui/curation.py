"""Embeds for /curate settings and /curate audit: settings and changes in words, people and channels as
mentions (the client never pings: mentions only render)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.content.models import RESOURCE_TOPICS
from bot.domain.curation import AuditEntry, GuildSettings
from bot.domain.resources import region_label
from bot.errors import Refusal
from bot.ui.messages import refusal_text
from bot.ui.text import safe, timestamp

CURATE_COLOUR = discord.Colour(0x5865F2)
SETTINGS_SAVED = "Settings saved."
SETTINGS_SHOWN = "This server's settings. Pass any option to change it."

SETTING_LABELS = {
    "review_channel_id": "review channel",
    "mod_role_id": "moderator role",
    "timezone": "time zone",
    "region": "region",
    "allow_channel_reminders": "reminders in channels",
    "allow_invites": "Discord invite links",
}
SOURCE_LABELS = {
    "library": "Latch's tip library",
    "server": "this server's own tips",
    "both": "Latch's tips and this server's own",
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _on_off(value: bool) -> str:
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
        name="Reminders in channels", value=_on_off(settings.allow_channel_reminders), inline=True
    )
    embed.add_field(name="Discord invite links", value=_on_off(settings.allow_invites), inline=True)
    return embed


def setting_value(name: str, value: Any) -> str:
    """A setting's value as the settings embed shows it."""
    if value is None:
        return "not set"
    if name == "review_channel_id":
        return f"<#{value}>"
    if name == "mod_role_id":
        return f"<@&{value}>"
    if isinstance(value, bool):
        return _on_off(value)
    if name == "region":
        return region_label(str(value))
    return safe(str(value), 60)


def cadence_text(cadence: str, at: str, weekday: int | None) -> str:
    """ "every day at 09:00", "on weekdays at 09:00", "every Monday at 09:00"."""
    if cadence == "daily":
        return f"every day at {at}"
    if cadence == "weekdays":
        return f"on weekdays at {at}"
    return f"every {WEEKDAY_NAMES[weekday or 0]} at {at}"


def _title(data: Mapping[str, Any], key: str = "title") -> str:
    return f"“{safe(str(data.get(key, '')), 80)}”"


def _schedule(data: Mapping[str, Any]) -> str:
    when = cadence_text(str(data.get("cadence")), str(data.get("at")), data.get("weekday"))
    source = SOURCE_LABELS.get(str(data.get("source")), "tips")
    return f"{when} ({safe(str(data.get('zone', '')), 40)}) in <#{data.get('channel')}>, from {source}"


def audit_text(entry: AuditEntry) -> str:
    """What the entry's change was, in words."""
    data = entry.data
    action = entry.action
    if "text" in data and len(data) == 1:  # written before entries kept their facts
        return safe(str(data["text"]), 300)
    if action == "tip.add":
        credit = " (credited to the member who suggested it)" if data.get("credited") else ""
        return f"added tip #{data.get('tip')} {_title(data)}{credit}"
    if action == "tip.edit":
        return f"edited tip #{data.get('tip')} {_title(data)}"
    if action == "tip.remove":
        return f"removed tip #{data.get('tip')} {_title(data)}"
    if action == "suggestion.approve":
        edited = " after editing it" if data.get("edited") else ""
        return f"approved suggestion #{data.get('suggestion')} as tip #{data.get('tip')}{edited}"
    if action == "suggestion.reject":
        reason = data.get("reason")
        return f"rejected suggestion #{data.get('suggestion')}" + (
            f": {safe(str(reason), 200)}" if reason else ""
        )
    if action == "resource.add":
        topic = RESOURCE_TOPICS.get(str(data.get("topic")), str(data.get("topic")))
        region = region_label(str(data.get("region")))
        return f"added resource #{data.get('resource')} {_title(data, 'name')} ({topic}, {region})"
    if action == "resource.remove":
        return f"removed resource #{data.get('resource')} {_title(data, 'name')}"
    if action == "settings":
        changes = [
            f"{SETTING_LABELS.get(name, name)} {setting_value(name, before)} → {setting_value(name, after)}"
            for name, before, after in data.get("changes", [])
        ]
        return "changed " + "; ".join(changes)
    if action == "schedule.set":
        return f"scheduled a tip {_schedule(data)}"
    if action == "schedule.off":
        return "turned scheduled tips off"
    if action == "schedule.paused":
        facts = {key: value for key, value in data.items() if key != "reason"}
        return "scheduled tips paused: " + refusal_text(Refusal(f"post.{data.get('reason')}", **facts))
    if action == "schedule.post_now":
        return f"posted a tip in <#{data.get('channel')}>"
    return safe(action, 60)


def audit_line(entry: AuditEntry) -> str:
    when = timestamp(entry.created_at, "f") if entry.created_at is not None else ""
    who = f"<@{entry.actor_id}>" if entry.actor_id is not None else "a member who erased their data"
    return f"{when} · {who} {audit_text(entry)}"


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
