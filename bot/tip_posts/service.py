"""Scheduled tip posts: a server's schedule, the pool its tips come from, and the rotation through it.

The database is the truth: each schedule stores its next post (UTC) and the post a process is making
(its claim and lease). Setting or turning off a schedule re-arms the dispatcher
(`bot.tip_posts.dispatcher`), which posts; a failed post pauses the schedule with its reason as a code
and facts (`PostFailed`), never a sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.catalog.service import CatalogService, ServerTipCard
from bot.clock import Clock
from bot.content.models import Card
from bot.db.database import Database
from bot.db.tip_schedules import TipScheduleRepository
from bot.domain.tip_posts import (
    Cadenced,
    PostFailed,
    Source,
    TipSchedule,
    drawn_by,
    next_post_time,
    next_tip,
)


class Rearm(Protocol):
    async def arm(self) -> None: ...


class _NoDispatcher:
    async def arm(self) -> None:
        return None


class TipPostService:
    def __init__(
        self, database: Database, clock: Clock, catalog: CatalogService, dispatcher: Rearm | None = None
    ) -> None:
        self.clock = clock
        self.catalog = catalog
        self.schedules = TipScheduleRepository(database)
        self.dispatcher: Rearm = dispatcher or _NoDispatcher()

    async def schedule(self, guild_id: int) -> TipSchedule | None:
        return await self.schedules.get(guild_id)

    async def pool(self, guild_id: int, source: Source) -> list[Card]:
        """The tips a server's posts come from: the library's, the server's own, or both."""
        tips = (await self.catalog.tips_for(guild_id)).cards
        if source == "library":
            return [card for card in tips if not isinstance(card, ServerTipCard)]
        if source == "server":
            return [card for card in tips if isinstance(card, ServerTipCard)]
        return list(tips)

    async def rotation(self, guild_id: int, source: Source) -> tuple[int, int]:
        """(tips in the pool, how many of them were posted this cycle)."""
        pool = {card.id for card in await self.pool(guild_id, source)}
        posted, _last = await self.schedules.posted_this_cycle(guild_id)
        return len(pool), len(posted & pool)

    async def set(
        self, guild_id: int, *, channel_id: int, rule: Cadenced, source: Source, actor_id: int
    ) -> TipSchedule:
        """Create or replace the server's schedule (resuming it if paused), audited, and re-arm."""
        if not await self.pool(guild_id, source):
            raise PostFailed("no_server_tips" if source == "server" else "no_tips")
        now = self.clock.now()
        schedule = await self.schedules.save(
            guild_id=guild_id,
            channel_id=channel_id,
            rule=rule,
            source=source,
            next_post_at=next_post_time(rule, now),
            actor_id=actor_id,
            now=now,
        )
        await self.dispatcher.arm()
        return schedule

    async def off(self, guild_id: int, *, actor_id: int) -> TipSchedule | None:
        """Turn the schedule off, audited; None when there was none."""
        removed = await self.schedules.remove(guild_id, actor_id=actor_id, now=self.clock.now())
        await self.dispatcher.arm()
        return removed

    async def choose(self, guild_id: int, source: Source, *, nonce: str | None = None) -> tuple[Card, bool]:
        """The next tip of the server's rotation, and whether it starts a new cycle. With a scheduled
        post's ``nonce``, the same post picks the same tip each time it is made."""
        cards = {card.id: card for card in await self.pool(guild_id, source)}
        posted, last = await self.schedules.posted_this_cycle(guild_id)
        if nonce is None:
            chosen = next_tip(list(cards), posted, last=last)
        else:
            chosen = next_tip(list(cards), posted, last=last, draw=drawn_by(nonce))
        if chosen is None:
            raise PostFailed("no_server_tips" if source == "server" else "no_tips")
        card_id, new_cycle = chosen
        return cards[card_id], new_cycle

    async def record_post(
        self,
        guild_id: int,
        card: Card,
        *,
        new_cycle: bool,
        posted_by: int | None,
        channel_id: int | None,
        claimed_for: datetime | None = None,
        posted_at: datetime | None = None,
    ) -> None:
        """Record a posted tip (made now, unless ``posted_at`` says when)."""
        await self.schedules.record_post(
            guild_id,
            card.id,
            new_cycle=new_cycle,
            now=posted_at or self.clock.now(),
            posted_by=posted_by,
            channel_id=channel_id,
            claimed_for=claimed_for,
        )

    # ------------------------------------------------------------------ for the dispatcher

    async def next_wake(
        self, owns: Callable[[int], bool] | None = None, *, every_claim: bool = False
    ) -> datetime | None:
        """When the dispatcher next has work, of the servers ``owns`` accepts (None: all): the earliest
        next post, or the end of a claim's lease (``every_claim``: now, if any post is claimed)."""
        now = self.clock.now()
        if owns is None:
            soonest = await self.schedules.earliest()
            posts = [] if soonest is None else [soonest]
        else:
            posts = [when for guild_id, when in await self.schedules.next_posts() if owns(guild_id)]
        leases = [
            now if every_claim or until is None else until
            for guild_id, until in await self.schedules.claims()
            if owns is None or owns(guild_id)
        ]
        return min(posts + leases, default=None)

    async def due(self, now: datetime, owns: Callable[[int], bool] | None = None) -> list[TipSchedule]:
        due = await self.schedules.due(now)
        return due if owns is None else [schedule for schedule in due if owns(schedule.guild_id)]

    async def claim(
        self,
        guild_id: int,
        *,
        due_at: datetime,
        next_post_at: datetime,
        claimed_by: str,
        lease_until: datetime,
        claimed_for: datetime | None,
    ) -> bool:
        return await self.schedules.claim(
            guild_id,
            due_at=due_at,
            next_post_at=next_post_at,
            now=self.clock.now(),
            claimed_by=claimed_by,
            lease_until=lease_until,
            claimed_for=claimed_for,
        )

    async def abandoned(
        self, owns: Callable[[int], bool] | None = None, *, every_claim: bool = False
    ) -> list[TipSchedule]:
        """Claimed posts of the servers ``owns`` accepts whose lease ended (``every_claim``: all)."""
        left = await self.schedules.abandoned(self.clock.now(), every_claim=every_claim)
        return left if owns is None else [schedule for schedule in left if owns(schedule.guild_id)]

    async def take_over(
        self, schedule: TipSchedule, *, claimed_by: str, lease_until: datetime, every_claim: bool = False
    ) -> bool:
        if schedule.claimed_for is None:
            return False
        return await self.schedules.take_over(
            schedule.guild_id,
            claimed_for=schedule.claimed_for,
            now=self.clock.now(),
            claimed_by=claimed_by,
            lease_until=lease_until,
            every_claim=every_claim,
        )

    async def release(self, guild_id: int, *, claimed_for: datetime) -> bool:
        return await self.schedules.release(guild_id, claimed_for=claimed_for)

    async def pause(self, schedule: TipSchedule, failure: PostFailed, *, actor_id: int | None) -> bool:
        return await self.schedules.pause(
            schedule.guild_id,
            channel_id=schedule.channel_id,
            failure=failure,
            actor_id=actor_id,
            now=self.clock.now(),
        )
