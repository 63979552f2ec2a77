"""What /curate schedule and scheduled tip posts show: the schedule summary, and why a post could not
be made (with how to fix it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.db.tip_schedules import TipSchedule
from bot.ui.curation import CURATE_COLOUR

# The channel permissions a tip post needs, as Discord names them in its settings.
POST_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)

SOURCE_LABELS = {
    "library": "Latch's tip library",
    "server": "this server's own tips",
    "both": "Latch's tips and this server's own",
}

HOW_TO_RESUME = "Fix that, then run `/curate schedule set` again to resume."


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """The names of the permissions a tip post needs that ``permissions`` lacks."""
    return [label for name, label in POST_PERMISSIONS if not getattr(permissions, name)]


def missing_permission_text(channel_mention: str, missing: Sequence[str]) -> str:
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    plural, them = ("permission", "it") if len(missing) == 1 else ("permissions", "them")
    return (
        f"I can't post in {channel_mention}: I'm missing the {names} {plural} there. "
        f"A server admin can grant {them} in the channel's settings, under Permissions."
    )


def http_failure_text(channel_mention: str, status: int, text: str) -> str:
    if status == 404:
        return f"Discord could not find {channel_mention} (404: {text or 'Unknown Channel'}); was it deleted?"
    return f"Discord refused the post in {channel_mention} ({status}: {text or 'Forbidden'})."


def timestamp(instant: datetime, style: str) -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def schedule_summary(schedule: TipSchedule) -> str:
    """ "every day at 09:00 (Europe/London) in #tips"."""
    return f"{schedule.rule.describe()} ({schedule.rule.zone}) in <#{schedule.channel_id}>"


def schedule_embed(schedule: TipSchedule | None, *, pool_size: int, posted_in_cycle: int) -> discord.Embed:
    embed = discord.Embed(title="Scheduled tips", colour=CURATE_COLOUR)
    if schedule is None:
        embed.description = (
            "Off. Turn them on with `/curate schedule set`, e.g. channel #tips, cadence daily, time 09:00."
        )
        return embed
    embed.add_field(name="Channel", value=f"<#{schedule.channel_id}>", inline=True)
    embed.add_field(name="When", value=schedule.rule.describe(), inline=True)
    embed.add_field(name="Time zone", value=schedule.rule.zone, inline=True)
    embed.add_field(name="Tips from", value=SOURCE_LABELS[schedule.source], inline=True)
    embed.add_field(
        name="Rotation",
        value=f"{min(posted_in_cycle, pool_size)} of {pool_size} tips posted this cycle",
        inline=True,
    )
    if schedule.last_posted_at is not None:
        embed.add_field(name="Last post", value=timestamp(schedule.last_posted_at, "f"), inline=True)
    if schedule.paused_reason is not None:
        embed.description = f"**Paused.** {schedule.paused_reason}\n{HOW_TO_RESUME}"
        embed.colour = discord.Colour.orange()
    elif schedule.next_post_at is not None:
        at = schedule.next_post_at
        embed.description = f"Next post {timestamp(at, 'f')} ({timestamp(at, 'R')})."
    return embed
