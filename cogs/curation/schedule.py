"""/curate schedule set · off · show and /curate post-now: a tip posted in a channel at the server's
local time, every day, on weekdays or once a week.

The database is the truth: each schedule stores its next post (UTC). One scheduler job, armed for the
earliest next post of any server, wakes the dispatcher; it claims what is due, posts, and re-arms
itself. At start the job is armed from the database, so schedules survive restarts, and a post missed
while the bot was down is sent once if less than two hours late, else skipped (bot.tip_posts).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.content.catalog import catalog_for
from bot.content.models import Card
from bot.curation import server_id
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.tip_schedules import TipSchedule, TipScheduleRepository
from bot.errors import UserFacingError
from bot.metrics import SCHEDULED_POSTS
from bot.reminders.rules import ReminderInputError, parse_time_of_day
from bot.timezones import UnknownZoneError, resolve_zone, zone_choices
from bot.tip_posts import (
    WEEKDAYS,
    Cadenced,
    Source,
    catch_up,
    next_post_time,
    next_tip,
)
from bot.ui.card_views import render_card
from bot.ui.tip_post import (
    http_failure_text,
    missing_permission_text,
    missing_permissions,
    schedule_embed,
    schedule_summary,
    timestamp,
)

log = logging.getLogger(__name__)

DISPATCH_JOB = "tip-posts"
COG_NAME = "TipPosts"

NO_SERVER_TIPS = (
    "This server has no tips of its own yet. Add some with `/curate tip add`, or choose source "
    "“both” or “library”."
)
NO_TIPS = "There are no tips to post."

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class PostFailed(Exception):
    """A tip could not be posted; the message says why, in words a moderator can act on."""


class TipPosts(commands.Cog, name=COG_NAME):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot
        self.schedules = TipScheduleRepository(bot.db)

    async def cog_load(self) -> None:
        await self.arm()

    # ------------------------------------------------------------------ the dispatcher

    async def arm(self) -> None:
        """Wake the dispatcher at the earliest next post of any server (now, if one is overdue)."""
        earliest = await self.schedules.earliest()
        if earliest is not None:
            self.bot.scheduler.run_at(DISPATCH_JOB, max(earliest, self.bot.clock.now()), self.dispatch)

    async def dispatch(self) -> None:
        # Armed in cog_load, so an overdue post wakes this before the servers are known: wait for them.
        await self.bot.wait_until_ready()
        if not self.bot.accepting_work:
            return
        async with self.bot.inflight.track():
            try:
                now = self.bot.clock.now()
                for schedule in await self.schedules.due(now):
                    try:
                        await self._run_due(schedule, now)
                    except Exception:
                        SCHEDULED_POSTS.labels(outcome="failed").inc()
                        log.exception("scheduled tip post failed in server %s", schedule.guild_id)
            finally:
                await self.arm()

    async def _run_due(self, schedule: TipSchedule, now: datetime) -> None:
        if schedule.next_post_at is None:
            return  # paused meanwhile
        plan = catch_up(schedule.rule, schedule.next_post_at, now)
        claimed = await self.schedules.claim(
            schedule.guild_id, due_at=schedule.next_post_at, next_post_at=plan.next_at
        )
        if not claimed:
            return
        if plan.skipped:
            SCHEDULED_POSTS.labels(outcome="skipped_late").inc(plan.skipped)
            log.info(
                "server %s: skipped %d scheduled tip post(s) missed while down",
                schedule.guild_id,
                plan.skipped,
            )
        if plan.action == "skip":
            return
        try:
            await self.post_tip(schedule.guild_id, self._channel(schedule), schedule.source)
        except PostFailed as failure:
            SCHEDULED_POSTS.labels(outcome="failed").inc()
            me = self.bot.user
            await self.schedules.pause(
                schedule.guild_id,
                channel_id=schedule.channel_id,
                reason=str(failure),
                actor_id=me.id if me is not None else None,
                now=self.bot.clock.now(),
            )
            log.info("server %s: scheduled tip posts paused: %s", schedule.guild_id, failure)
            return
        SCHEDULED_POSTS.labels(outcome="posted").inc()

    def _channel(self, schedule: TipSchedule) -> discord.abc.Messageable:
        mention = f"<#{schedule.channel_id}>"
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild is not None else None
        if guild is None or not isinstance(channel, discord.TextChannel):
            raise PostFailed(
                f"The channel {mention} no longer exists, or I can no longer see it. Choose another channel."
            )
        missing = missing_permissions(channel.permissions_for(guild.me))
        if missing:
            raise PostFailed(missing_permission_text(mention, missing))
        return channel

    # ------------------------------------------------------------------ posting

    async def pool(self, guild_id: int, source: Source) -> list[Card]:
        """The tips a server's posts come from: the library's, the server's own, or both."""
        tips = await catalog_for(self.bot).tips_for(guild_id)
        library = {card.id for card in self.bot.content.tips}
        if source == "library":
            return [card for card in tips.cards if card.id in library]
        if source == "server":
            return [card for card in tips.cards if card.id not in library]
        return list(tips.cards)

    async def post_tip(
        self,
        guild_id: int,
        channel: discord.abc.Messageable,
        source: Source,
        *,
        posted_by: int | None = None,
    ) -> Card:
        """Post the server's next tip in its rotation to ``channel``; PostFailed says why it could not."""
        cards = {card.id: card for card in await self.pool(guild_id, source)}
        posted, last = await self.schedules.posted_this_cycle(guild_id)
        chosen = next_tip(list(cards), posted, last=last)
        if chosen is None:
            raise PostFailed(NO_SERVER_TIPS if source == "server" else NO_TIPS)
        card_id, new_cycle = chosen
        card = cards[card_id]
        mention = getattr(channel, "mention", "the channel")
        try:
            await channel.send(
                embed=render_card(card, self.bot.content),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.Forbidden, discord.NotFound) as error:
            raise PostFailed(http_failure_text(mention, error.status, error.text)) from error
        await self.schedules.record_post(
            guild_id,
            card_id,
            new_cycle=new_cycle,
            now=self.bot.clock.now(),
            posted_by=posted_by,
            channel_id=getattr(channel, "id", None),
        )
        return card


def _poster(bot: LatchBot) -> TipPosts:
    cog = bot.get_cog(COG_NAME)
    if not isinstance(cog, TipPosts):
        raise RuntimeError(f"the {COG_NAME} cog is not loaded")
    return cog


def _require_postable(channel: discord.TextChannel) -> None:
    missing = missing_permissions(channel.permissions_for(channel.guild.me))
    if missing:
        raise UserFacingError(missing_permission_text(channel.mention, missing))


def _rule(
    cadence: Literal["daily", "weekdays", "weekly"],
    time: str,
    weekday: Weekday | None,
    zone: str,
) -> Cadenced:
    try:
        at = parse_time_of_day(time)
    except ReminderInputError as error:
        raise UserFacingError(str(error)) from None
    if cadence == "weekly" and weekday is None:
        raise UserFacingError(
            "Weekly posts need a weekday: add the weekday option, e.g. cadence weekly, weekday monday."
        )
    if cadence != "weekly" and weekday is not None:
        raise UserFacingError(
            f"A weekday only applies to weekly posts. Leave it out for {cadence} posts, "
            "or choose cadence weekly."
        )
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
    time: str,
    weekday: Weekday | None = None,
    timezone: str | None = None,
    source: Literal["library", "server", "both"] = "both",
) -> None:
    guild_id = server_id(interaction)
    bot = interaction.client
    if timezone is None:
        zone = (await GuildSettingsRepository(bot.db).get(guild_id)).timezone
    else:
        try:
            zone = resolve_zone(timezone)
        except UnknownZoneError as error:
            raise UserFacingError(str(error)) from None
    rule = _rule(cadence, time, weekday, zone)
    _require_postable(channel)
    poster = _poster(bot)
    if not await poster.pool(guild_id, source):
        raise UserFacingError(NO_SERVER_TIPS if source == "server" else NO_TIPS)
    now = bot.clock.now()
    next_at = next_post_time(rule, now)
    schedule = await poster.schedules.save(
        guild_id=guild_id,
        channel_id=channel.id,
        rule=rule,
        source=source,
        next_post_at=next_at,
        actor_id=interaction.user.id,
        now=now,
    )
    await poster.arm()
    await interaction.response.send_message(
        f"Scheduled: a tip {schedule_summary(schedule)}. "
        f"Next post {timestamp(next_at, 'f')} ({timestamp(next_at, 'R')}).",
        ephemeral=True,
    )


@schedule_set.autocomplete("timezone")
async def _timezone_autocomplete(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(current)]


@schedule_group.command(name="off", description="Stop the scheduled tip posts")
async def schedule_off(interaction: discord.Interaction[LatchBot]) -> None:
    bot = interaction.client
    removed = await _poster(bot).schedules.remove(
        server_id(interaction), actor_id=interaction.user.id, now=bot.clock.now()
    )
    message = (
        "Scheduled tips are off." if removed is not None else "There were no scheduled tips to turn off."
    )
    await interaction.response.send_message(message, ephemeral=True)


@schedule_group.command(name="show", description="When and where tips are posted, and any problem")
async def schedule_show(interaction: discord.Interaction[LatchBot]) -> None:
    guild_id = server_id(interaction)
    poster = _poster(interaction.client)
    schedule = await poster.schedules.get(guild_id)
    pool_size = posted = 0
    if schedule is not None:
        pool_ids = {card.id for card in await poster.pool(guild_id, schedule.source)}
        posted_ids, _last = await poster.schedules.posted_this_cycle(guild_id)
        pool_size, posted = len(pool_ids), len(posted_ids & pool_ids)
    embed = schedule_embed(schedule, pool_size=pool_size, posted_in_cycle=posted)
    await interaction.response.send_message(embed=embed, ephemeral=True)


@app_commands.command(name="post-now", description="Post the next tip of the rotation now")
@app_commands.describe(channel="Where to post; defaults to the scheduled channel, else this one")
async def post_now(
    interaction: discord.Interaction[LatchBot], channel: discord.TextChannel | None = None
) -> None:
    guild_id = server_id(interaction)
    poster = _poster(interaction.client)
    schedule = await poster.schedules.get(guild_id)
    target = channel
    if target is None and schedule is not None and interaction.guild is not None:
        scheduled = interaction.guild.get_channel(schedule.channel_id)
        target = scheduled if isinstance(scheduled, discord.TextChannel) else None
    if target is None:
        here = interaction.channel
        if not isinstance(here, discord.TextChannel):
            raise UserFacingError("Choose a text channel to post in with the channel option.")
        target = here
    _require_postable(target)
    source: Source = schedule.source if schedule is not None else "both"
    try:
        card = await poster.post_tip(guild_id, target, source, posted_by=interaction.user.id)
    except PostFailed as failure:
        raise UserFacingError(str(failure)) from None
    SCHEDULED_POSTS.labels(outcome="posted").inc()
    await interaction.response.send_message(
        f"Posted **{discord.utils.escape_markdown(card.title)}** in {target.mention}.", ephemeral=True
    )


async def register(bot: LatchBot, curate: app_commands.Group) -> None:
    curate.add_command(schedule_group)
    curate.add_command(post_now)
    await bot.add_cog(TipPosts(bot))
