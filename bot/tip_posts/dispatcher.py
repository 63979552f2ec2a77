"""The tip-post dispatcher: one scheduler job armed for the earliest work of any of its servers.

It claims what is due (in one transaction the schedule's next post moves forward and the post is claimed
by this process, with a lease), posts with a nonce made of the server and the post's due instant,
records the post (which clears the claim), and re-arms itself. At start it is armed from the database,
so schedules survive restarts, and a post missed while the bot was down is sent once if less than two
hours late, else skipped (`bot.domain.tip_posts.catch_up`). A post that fails pauses the schedule with
its reason. `/curate post-now` posts through `post_tip` too, so both write the same rotation and audit.

Several processes (shards) may share the database; each posts only for the servers on its own shards.
A crash between claim and post leaves the claim behind. The dispatcher also wakes when a claim's lease
on one of its servers ends: the process running that server's shard takes the claim over and makes the
post again with the same nonce (Discord keeps one copy), or, when the post is two hours late or more,
clears it with a log line. Discord remembers a nonce for a few minutes only, so a claim taken over
later than that after its due instant is first looked for in the channel (`bot.recovery`): a post
found there is recorded as made, not made again. A process that runs every shard is alone, so at start
it takes over at once whatever its previous run left claimed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import discord

from bot.clock import Clock
from bot.content.models import Card
from bot.domain.tip_posts import (
    POST_PERMISSIONS,
    PauseReason,
    PostFailed,
    Source,
    TipSchedule,
    catch_up,
    post_nonce,
    still_postable,
)
from bot.inflight import WorkGate
from bot.metrics import SCHEDULED_POSTS
from bot.recovery import find_sent, may_succeed_later, nonce_outlived
from bot.scheduling import Scheduler
from bot.tip_posts.service import TipPostService

log = logging.getLogger(__name__)

DISPATCH_JOB = "tip-posts"
# How long a claimed post stays this process's. A post gives up after half of it (`post_timeout`), so
# the lease never ends while its post is in flight and needs no renewal. It is also how long a post a
# crash left behind waits before it is made again, so it stays within the few minutes Discord
# remembers a nonce when the server's shard is running.
LEASE = timedelta(minutes=2)
# Work a dispatch left due (a claim another process was writing at that instant, a take-over that
# failed) is looked at again this much later, not at once and again.
RECHECK_AFTER = timedelta(seconds=10)

# Renders a card for a server (the crisis lines of a sensitive card follow the server's region), as the
# scheduled post due at the instant given, if one is.
RenderCard = Callable[[Card, int, datetime | None], Awaitable[discord.Embed]]
# Whether a message is the scheduled post due at the instant given.
IsScheduledPost = Callable[[discord.Message, datetime], bool]


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
        already_posted: IsScheduledPost,
        process_id: str,
        owns_guild: Callable[[int], bool] | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        # With several processes, each posts only for the servers on its own shards (None: all).
        self.owns_guild = owns_guild
        self.service = service
        self.client = client
        self.clock = clock
        self.scheduler = scheduler
        self.work = work
        self.render = render
        self.already_posted = already_posted
        self.process_id = process_id  # names this process in its claims
        self.lease = lease
        self.post_timeout = lease / 2
        self._take_every_claim = False
        self._dispatching = asyncio.Lock()

    async def start(self) -> None:
        """Arm the first wake-up. Alone (running every shard), that wake-up also takes over every claimed
        post at once: they were left by this process's previous run."""
        self._take_every_claim = self.owns_guild is None
        await self.arm()

    async def arm(self, *, after_dispatch: bool = False) -> None:
        """Wake the dispatcher at the earliest next post, or end of a claim's lease, of its servers (now,
        if one is overdue; after a dispatch, a little later: it left that work as it could not do it)."""
        earliest = await self.service.next_wake(self.owns_guild, every_claim=self._take_every_claim)
        if earliest is None:
            self.scheduler.remove(DISPATCH_JOB)
            return
        now = self.clock.now()
        when = now + RECHECK_AFTER if after_dispatch and earliest <= now else max(earliest, now)
        self.scheduler.run_at(DISPATCH_JOB, when, self.dispatch)

    def stop(self) -> None:
        self.scheduler.remove(DISPATCH_JOB)

    async def dispatch(self) -> None:
        # Armed at start, so an overdue post wakes this before the servers are known: wait for them.
        await self.client.wait_until_ready()
        if not self.work.accepting_work:
            return
        async with self.work.track(), self._dispatching:
            try:
                await self._recover()
                now = self.clock.now()
                for schedule in await self.service.due(now, self.owns_guild):
                    try:
                        await self._run_due(schedule, now)
                    except Exception:
                        SCHEDULED_POSTS.labels(outcome="failed").inc()
                        log.exception("scheduled tip post failed in server %s", schedule.guild_id)
            finally:
                await self.arm(after_dispatch=True)

    async def _recover(self) -> None:
        """Take over the posts whose claim's lease ended (their process stopped) and make them again."""
        every_claim, self._take_every_claim = self._take_every_claim, False
        for schedule in await self.service.abandoned(self.owns_guild, every_claim=every_claim):
            claimed_for = schedule.claimed_for
            if claimed_for is None:
                continue
            try:
                taken = await self.service.take_over(
                    schedule,
                    claimed_by=self.process_id,
                    lease_until=self.clock.now() + self.lease,
                    every_claim=every_claim,
                )
                if not taken:
                    continue  # another process took it, or it was finished meanwhile
                if not still_postable(claimed_for, self.clock.now()):
                    await self.service.release(schedule.guild_id, claimed_for=claimed_for)
                    SCHEDULED_POSTS.labels(outcome="skipped_late").inc()
                    log.info(
                        "server %s: skipped the scheduled tip post of %s whose claim's lease ended "
                        "unfinished (too late now)",
                        schedule.guild_id,
                        claimed_for.isoformat(),
                    )
                    continue
                if nonce_outlived(claimed_for, self.clock.now()):
                    found = await self._find_posted(schedule, claimed_for)
                    if found is not None:
                        await self._record_found(schedule, claimed_for, found)
                        continue
                log.info(
                    "server %s: making again the scheduled tip post of %s whose claim's lease ended",
                    schedule.guild_id,
                    claimed_for.isoformat(),
                )
                await self._post_claimed(schedule, claimed_for)
            except Exception:
                SCHEDULED_POSTS.labels(outcome="failed").inc()
                log.exception("recovered tip post failed in server %s", schedule.guild_id)

    async def _find_posted(self, schedule: TipSchedule, claimed_for: datetime) -> discord.Message | None:
        me = self.client.user
        if me is None:
            return None
        channel = self.client.get_partial_messageable(
            schedule.channel_id, guild_id=schedule.guild_id, type=discord.ChannelType.text
        )
        return await find_sent(
            channel,
            author_id=me.id,
            due=claimed_for,
            matches=lambda message: self.already_posted(message, claimed_for),
            what=f"server {schedule.guild_id}: scheduled tip post of {claimed_for.isoformat()}",
        )

    async def _record_found(
        self, schedule: TipSchedule, claimed_for: datetime, found: discord.Message
    ) -> None:
        """Record a post the stopped process made (its tip is the one its nonce draws), clearing the
        claim."""
        try:
            card, new_cycle = await self.service.choose(
                schedule.guild_id, schedule.source, nonce=post_nonce(schedule.guild_id, claimed_for)
            )
        except PostFailed:
            # The pool emptied meanwhile: the post stands, with no tip to record it under.
            await self.service.release(schedule.guild_id, claimed_for=claimed_for)
            return
        await self.service.record_post(
            schedule.guild_id,
            card,
            new_cycle=new_cycle,
            posted_by=None,
            channel_id=schedule.channel_id,
            claimed_for=claimed_for,
            posted_at=found.created_at,
        )
        SCHEDULED_POSTS.labels(outcome="posted").inc()
        log.info(
            "server %s: the scheduled tip post of %s was found in the channel (message %s); not made again",
            schedule.guild_id,
            claimed_for.isoformat(),
            found.id,
        )

    async def _run_due(self, schedule: TipSchedule, now: datetime) -> None:
        if schedule.next_post_at is None:
            return  # paused meanwhile
        plan = catch_up(schedule.rule, schedule.next_post_at, now)
        posting = plan.action == "post"
        claimed = await self.service.claim(
            schedule.guild_id,
            due_at=schedule.next_post_at,
            next_post_at=plan.next_at,
            claimed_by=self.process_id,
            lease_until=self.clock.now() + self.lease,
            claimed_for=plan.scheduled_for if posting else None,
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
        if posting:
            await self._post_claimed(schedule, plan.scheduled_for)

    async def _post_claimed(self, schedule: TipSchedule, claimed_for: datetime) -> None:
        """Make the post this process claimed, then record it (clearing the claim) or pause the
        schedule."""
        try:
            async with asyncio.timeout(self.post_timeout.total_seconds()):
                await self.post_tip(
                    schedule.guild_id, self._channel(schedule), schedule.source, claimed_for=claimed_for
                )
        except PostFailed as failure:
            SCHEDULED_POSTS.labels(outcome="failed").inc()
            me = self.client.user
            await self.service.pause(schedule, failure, actor_id=me.id if me is not None else None)
            log.info("server %s: scheduled tip posts paused (%s)", schedule.guild_id, failure.reason)
            return
        except Exception as error:
            if may_succeed_later(error):
                log.warning(
                    "server %s: scheduled tip post not made (%r); trying again when its lease ends",
                    schedule.guild_id,
                    error,
                )
            else:
                await self.service.release(schedule.guild_id, claimed_for=claimed_for)
            raise
        SCHEDULED_POSTS.labels(outcome="posted").inc()

    def _channel(self, schedule: TipSchedule) -> discord.TextChannel:
        guild = self.client.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild is not None else None
        if not isinstance(channel, discord.TextChannel):
            raise PostFailed("channel_gone", channel_id=schedule.channel_id)
        require_postable(channel)
        return channel

    async def post_tip(
        self,
        guild_id: int,
        channel: discord.TextChannel,
        source: Source,
        *,
        posted_by: int | None = None,
        claimed_for: datetime | None = None,
    ) -> Card:
        """Post the server's next tip in its rotation to ``channel``; PostFailed says why it could not.

        A scheduled post (``claimed_for``: its due instant) carries that post's nonce, which discord.py
        sends with ``enforce_nonce``, and picks its tip by it: made again after a crash, it is the same
        post, and Discord keeps one copy.
        """
        nonce = post_nonce(guild_id, claimed_for) if claimed_for is not None else None
        card, new_cycle = await self.service.choose(guild_id, source, nonce=nonce)
        embed = await self.render(card, guild_id, claimed_for)
        try:
            if nonce is None:
                await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
            else:
                await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none(), nonce=nonce)
        except (discord.Forbidden, discord.NotFound) as error:
            reason: PauseReason = "not_found" if error.status == 404 else "post_refused"
            raise PostFailed(reason, channel_id=channel.id, status=error.status, text=error.text) from error
        await self.service.record_post(
            guild_id,
            card,
            new_cycle=new_cycle,
            posted_by=posted_by,
            channel_id=channel.id,
            claimed_for=claimed_for,
        )
        return card
