"""/curate schedule set · off · show and /curate post-now: a tip posted in a channel at the server's
local time, every day, on weekdays or once a week.

The schedule is stored by the tip-post service; the bot's tip-post dispatcher posts it (and survives
restarts: a post missed while the bot was down is sent once if less than two hours late, else skipped).
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from bot.app import LatchBot
from bot.domain.reminders.parsing import MAX_INPUT_LENGTH, parse_time_of_day
from bot.domain.tip_posts import WEEKDAYS, Cadenced, Source
from bot.errors import Refusal
from bot.metrics import SCHEDULED_POSTS
from bot.tip_posts.dispatcher import require_postable
from bot.ui.checks import server_id
from bot.ui.options import TimeZone
from bot.ui.replies import reply
from bot.ui.tip_post import posted_text, schedule_embed, scheduled_text, turned_off_text

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _rule(
    cadence: Literal["daily", "weekdays", "weekly"],
    time: str,
    weekday: Weekday | None,
    zone: str,
) -> Cadenced:
    at = parse_time_of_day(time)
    if cadence == "weekly" and weekday is None:
        raise Refusal("curate.weekly_needs_weekday")
    if cadence != "weekly" and weekday is not None:
        raise Refusal("curate.weekday_not_weekly", cadence=cadence)
    return Cadenced(
        cadence=cadence,
        at=at,
        zone=zone,
        weekday=WEEKDAYS.index(weekday) if weekday is not None else None,
    )


schedule_group = app_commands.Group(
    name="schedule", description="A tip posted in a channel at the server's local time"
)


@schedule_group.command(name="set", description="Post a tip in a channel every day, on weekdays or weekly")
@app_commands.describe(
    channel="Where the tips are posted",
    cadence="Every day, Monday to Friday, or once a week",
    time="Local time of day, e.g. 09:00 or 9pm",
    weekday="For weekly posts: the day of the week",
    timezone="Defaults to the server's time zone (/curate settings), e.g. Europe/London",
    source="Which tips: Latch's library, this server's own, or both (default)",
)
async def schedule_set(
    interaction: discord.Interaction[LatchBot],
    channel: discord.TextChannel,
    cadence: Literal["daily", "weekdays", "weekly"],
    time: app_commands.Range[str, 1, MAX_INPUT_LENGTH],
    weekday: Weekday | None = None,
    timezone: TimeZone | None = None,
    source: Literal["library", "server", "both"] = "both",
) -> None:
    guild_id = server_id(interaction)
    services = interaction.client.services
    zone = timezone if timezone is not None else (await services.curation.settings(guild_id)).timezone
    rule = _rule(cadence, time, weekday, zone)
    require_postable(channel)
    schedule = await services.tip_posts.set(
        guild_id, channel_id=channel.id, rule=rule, source=source, actor_id=interaction.user.id
    )
    await reply(interaction, scheduled_text(schedule), ephemeral=True)


@schedule_group.command(name="off", description="Stop the scheduled tip posts")
async def schedule_off(interaction: discord.Interaction[LatchBot]) -> None:
    removed = await interaction.client.services.tip_posts.off(
        server_id(interaction), actor_id=interaction.user.id
    )
    await reply(interaction, turned_off_text(removed), ephemeral=True)


@schedule_group.command(name="show", description="When and where tips are posted, and any problem")
async def schedule_show(interaction: discord.Interaction[LatchBot]) -> None:
    guild_id = server_id(interaction)
    service = interaction.client.services.tip_posts
    schedule = await service.schedule(guild_id)
    pool_size = posted = 0
    if schedule is not None:
        pool_size, posted = await service.rotation(guild_id, schedule.source)
    embed = schedule_embed(schedule, pool_size=pool_size, posted_in_cycle=posted)
    await reply(interaction, embed=embed, ephemeral=True)


@app_commands.command(name="post-now", description="Post the next tip of the rotation now")
@app_commands.describe(channel="Where to post; defaults to the scheduled channel, else this one")
async def post_now(
    interaction: discord.Interaction[LatchBot], channel: discord.TextChannel | None = None
) -> None:
    guild_id = server_id(interaction)
    bot = interaction.client
    schedule = await bot.services.tip_posts.schedule(guild_id)
    target = channel
    if target is None and schedule is not None and interaction.guild is not None:
        scheduled = interaction.guild.get_channel(schedule.channel_id)
        target = scheduled if isinstance(scheduled, discord.TextChannel) else None
    if target is None:
        here = interaction.channel
        if not isinstance(here, discord.TextChannel):
            raise Refusal("curate.choose_text_channel")
        target = here
    require_postable(target)
    source: Source = schedule.source if schedule is not None else "both"
    dispatcher = bot.tip_post_dispatcher
    if dispatcher is None:
        raise RuntimeError("the tip-post dispatcher starts in setup_hook")
    card = await dispatcher.post_tip(guild_id, target, source, posted_by=interaction.user.id)
    SCHEDULED_POSTS.labels(outcome="posted").inc()
    await reply(interaction, posted_text(card.title, target.mention), ephemeral=True)


async def register(bot: LatchBot, curate: app_commands.Group) -> None:
    curate.add_command(schedule_group)
    curate.add_command(post_now)
