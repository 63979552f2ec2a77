"""The tip-post dispatcher: one scheduler job armed for the earliest next post of any server.

It claims what is due (moving the schedule's next post forward first, so a crash never posts twice),
posts, and re-arms itself. At start it is armed from the database, so schedules survive restarts, and
a post missed while the bot was down is sent once if less than two hours late, else skipped
(`bot.domain.tip_posts.catch_up`). A post that fails pauses the schedule with its reason.
`/curate post-now` posts through `post_tip` too, so both write the same rotation and audit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import discord

from bot.clock import Clock
from bot.content.models import Card
from bot.domain.tip_posts import POST_PERMISSIONS, PauseReason, PostFailed, Source, TipSchedule, catch_up
from bot.inflight import WorkGate
from bot.metrics import SCHEDULED_POSTS
from bot.scheduling import Scheduler
from bot.tip_posts.service import TipPostService

log = logging.getLogger(__name__)

DISPATCH_JOB = "tip-posts"

# Renders a card for a server (the crisis lines of a sensitive card follow the server's region).
RenderCard = Callable[[Card, int], Awaitable[discord.Embed]]


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """The permissions a tip post needs (discord.py's names) that ``permissions`` lacks."""
    return [name for name in POST_PERMISSIONS if not getattr(permissions, name)]


def require_postable(channel: discord.abc.GuildChannel) -> None:
    """PostFailed naming what Latch lacks in ``channel``, if anything."""
    missing = missing_permissions(channel.permissions_for(channel.guild.me))
    if missing:
        raise PostFailed("missing_permissions", channel_id=channel.id, missing=tuple(missing))


class TipPostDispatcher:
    def __init__(
        self,
        service: TipPostService,
        *,
        client: discord.Client,
        clock: Clock,
        scheduler: Scheduler,
        work: WorkGate,
        render: RenderCard,
        owns_guild: Callable[[int], bool] | None = None,
    ) -> None:
        # With several processes, each posts only for the servers on its own shards (None: all).
        self.owns_guild = owns_guild
        self.service = service
        self.client = client
        self.clock = clock
        self.scheduler = scheduler
        self.work = work
        self.render = render

    async def arm(self) -> None:
        """Wake the dispatcher at the earliest next post of any server (now, if one is overdue)."""
        earliest = await self.service.earliest(self.owns_guild)
        if earliest is None:
            self.scheduler.remove(DISPATCH_JOB)
        else:
            self.scheduler.run_at(DISPATCH_JOB, max(earliest, self.clock.now()), self.dispatch)

    def stop(self) -> None:
        self.scheduler.remove(DISPATCH_JOB)

    async def dispatch(self) -> None:
        # Armed at start, so an overdue post wakes this before the servers are known: wait for them.
        await self.client.wait_until_ready()
        if not self.work.accepting_work:
            return
        async with self.work.track():
            try:
                now = self.clock.now()
                for schedule in await self.service.due(now, self.owns_guild):
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
        claimed = await self.service.claim(
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
            me = self.client.user
            await self.service.pause(schedule, failure, actor_id=me.id if me is not None else None)
            log.info("server %s: scheduled tip posts paused (%s)", schedule.guild_id, failure.reason)
            return
        SCHEDULED_POSTS.labels(outcome="posted").inc()

    def _channel(self, schedule: TipSchedule) -> discord.TextChannel:
        guild = self.client.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild is not None else None
        if not isinstance(channel, discord.TextChannel):
            raise PostFailed("channel_gone", channel_id=schedule.channel_id)
        require_postable(channel)
        return channel

    async def post_tip(
        self, guild_id: int, channel: discord.TextChannel, source: Source, *, posted_by: int | None = None
    ) -> Card:
        """Post the server's next tip in its rotation to ``channel``; PostFailed says why it could not."""
        card, new_cycle = await self.service.choose(guild_id, source)
        try:
            await channel.send(
                embed=await self.render(card, guild_id), allowed_mentions=discord.AllowedMentions.none()
            )
        except (discord.Forbidden, discord.NotFound) as error:
            reason: PauseReason = "not_found" if error.status == 404 else "post_refused"
            raise PostFailed(reason, channel_id=channel.id, status=error.status, text=error.text) from error
        await self.service.record_post(
            guild_id, card, new_cycle=new_cycle, posted_by=posted_by, channel_id=channel.id
        )
        return card
