"""What /curate schedule shows: the schedule summary, and why posts are paused (with how to fix it).
And the mark of a scheduled post: the embed's timestamp is the post's due instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.domain.tip_posts import TipSchedule
from bot.ui.curation import CURATE_COLOUR, SOURCE_LABELS, cadence_text
from bot.ui.messages import refusal_text
from bot.ui.text import counted, safe, timestamp

HOW_TO_RESUME = "Fix that, then run `/curate schedule set` again to resume."
OFF_TEXT = "Off. Turn them on with `/curate schedule set`, e.g. channel #tips, cadence daily, time 09:00."


def scheduled_post_embed(embed: discord.Embed, due_at: datetime) -> discord.Embed:
    """A tip card as the scheduled post due at ``due_at``: the embed's timestamp (each reader sees it
    in local time beside the footer) is that instant, which tells this post apart from any other card
    Latch posted in the channel (a share, a moderator's post-now, another day's post)."""
    embed.timestamp = due_at
    return embed


def is_scheduled_post(message: discord.Message, due_at: datetime) -> bool:
    """Whether ``message`` is the scheduled post due at ``due_at`` (recovery after a crash)."""
    return any(
        embed.timestamp is not None and abs(embed.timestamp - due_at) < timedelta(milliseconds=1)
        for embed in message.embeds
    )


def describe_cadence(schedule: TipSchedule) -> str:
    rule = schedule.rule
    return cadence_text(rule.cadence, rule.at.strftime("%H:%M"), rule.weekday)


def schedule_summary(schedule: TipSchedule) -> str:
    """ "every day at 09:00 (Europe/London) in #tips"."""
    return f"{describe_cadence(schedule)} ({schedule.rule.zone}) in <#{schedule.channel_id}>"


def scheduled_text(schedule: TipSchedule) -> str:
    text = f"Scheduled: a tip {schedule_summary(schedule)}."
    if schedule.next_post_at is not None:
        at = schedule.next_post_at
        text += f" Next post {timestamp(at, 'f')} ({timestamp(at, 'R')})."
    return text


def turned_off_text(removed: TipSchedule | None) -> str:
    return "Scheduled tips are off." if removed is not None else "There were no scheduled tips to turn off."


def posted_text(title: str, channel_mention: str) -> str:
    return f"Posted **{safe(title)}** in {channel_mention}."


def schedule_embed(schedule: TipSchedule | None, *, pool_size: int, posted_in_cycle: int) -> discord.Embed:
    embed = discord.Embed(title="Scheduled tips", colour=CURATE_COLOUR)
    if schedule is None:
        embed.description = OFF_TEXT
        return embed
    embed.add_field(name="Channel", value=f"<#{schedule.channel_id}>", inline=True)
    embed.add_field(name="When", value=describe_cadence(schedule), inline=True)
    embed.add_field(name="Time zone", value=schedule.rule.zone, inline=True)
    embed.add_field(name="Tips from", value=SOURCE_LABELS[schedule.source], inline=True)
    embed.add_field(
        name="Rotation",
        value=f"{min(posted_in_cycle, pool_size)} of {counted(pool_size, 'tip')} posted this cycle",
        inline=True,
    )
    if schedule.last_posted_at is not None:
        embed.add_field(name="Last post", value=timestamp(schedule.last_posted_at, "f"), inline=True)
    paused = schedule.pause_refusal
    if paused is not None:
        embed.description = f"**Paused.** {refusal_text(paused)}\n{HOW_TO_RESUME}"
        embed.colour = discord.Colour.orange()
    elif schedule.next_post_at is not None:
        at = schedule.next_post_at
        embed.description = f"Next post {timestamp(at, 'f')} ({timestamp(at, 'R')})."
    return embed
