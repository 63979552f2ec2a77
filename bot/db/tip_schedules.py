"""Repository for `tip_schedules` and `tip_rotation`: each server's scheduled tip post, and the tips
already posted in its current rotation cycle.

Every change a moderator makes is audited in the same transaction. The dispatcher claims a due post
before it makes it: in one transaction the schedule's `next_post_at` moves forward and the claim is
written (the post's due instant `claimed_for`, the process `claimed_by`, its lease `lease_until`).
Recording the post, or pausing the schedule, clears the claim. A claim whose lease ended (its process
stopped) is taken over by another process (`take_over`), which makes the post again with the same nonce.
On PostgreSQL the row is read ``FOR UPDATE SKIP LOCKED``, so two claimers never wait on each other; a
live lease keeps every other process off the schedule either way.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any, cast

from sqlalchemy import delete, func, select, update

from bot.db import audit
from bot.db.database import Database, upsert
from bot.db.schema import tip_rotation, tip_schedules
from bot.domain.tip_posts import Cadence, Cadenced, PauseReason, PostFailed, Source, TipSchedule


def _from_row(row: Any) -> TipSchedule:
    detail = row["paused_detail"]
    return TipSchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        rule=Cadenced(
            cadence=cast(Cadence, row["cadence"]),
            at=time.fromisoformat(row["post_time"]),
            zone=row["timezone"],
            weekday=row["weekday"],
        ),
        source=cast(Source, row["source"]),
        next_post_at=row["next_post_at"],
        paused_reason=cast(PauseReason | None, row["paused_reason"]),
        paused_detail=json.loads(detail) if detail is not None else None,
        last_posted_at=row["last_posted_at"],
        claimed_for=row["claimed_for"],
    )


def _unheld(now: datetime) -> Any:
    """No process holds the schedule: no claim, or one whose lease ended."""
    return (
        tip_schedules.c.claimed_for.is_(None)
        | tip_schedules.c.lease_until.is_(None)
        | (tip_schedules.c.lease_until <= now)
    )


_NO_CLAIM = {"claimed_for": None, "claimed_by": None, "lease_until": None}


def _of(guild_id: int) -> Any:
    return tip_schedules.c.guild_id == guild_id


def audit_data(schedule: TipSchedule) -> dict[str, Any]:
    """The facts of a schedule for the audit log."""
    rule = schedule.rule
    return {
        "channel": schedule.channel_id,
        "cadence": rule.cadence,
        "at": rule.at.strftime("%H:%M"),
        "weekday": rule.weekday,
        "zone": rule.zone,
        "source": schedule.source,
    }


class TipScheduleRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, guild_id: int) -> TipSchedule | None:
        row = await self._db.fetch_one(select(tip_schedules).where(_of(guild_id)))
        return _from_row(row) if row is not None else None

    async def earliest(self) -> datetime | None:
        soonest: datetime | None = await self._db.scalar(
            select(func.min(tip_schedules.c.next_post_at)).where(tip_schedules.c.next_post_at.is_not(None))
        )
        return soonest

    async def next_posts(self) -> list[tuple[int, datetime]]:
        """Every running schedule's server and next post (a process picks its own servers' from it)."""
        rows = await self._db.fetch_all(
            select(tip_schedules.c.guild_id, tip_schedules.c.next_post_at).where(
                tip_schedules.c.next_post_at.is_not(None)
            )
        )
        return [(row["guild_id"], row["next_post_at"]) for row in rows]

    async def due(self, now: datetime) -> list[TipSchedule]:
        rows = await self._db.fetch_all(
            select(tip_schedules)
            .where(tip_schedules.c.next_post_at.is_not(None), tip_schedules.c.next_post_at <= now)
            .order_by(tip_schedules.c.next_post_at)
        )
        return [_from_row(row) for row in rows]

    async def save(
        self,
        *,
        guild_id: int,
        channel_id: int,
        rule: Cadenced,
        source: Source,
        next_post_at: datetime,
        actor_id: int,
        now: datetime,
    ) -> TipSchedule:
        """Create or replace the server's schedule (and resume it if it was paused), audited."""
        schedule = TipSchedule(guild_id, channel_id, rule, source, next_post_at, None, None, None)
        values = {
            "channel_id": channel_id,
            "cadence": rule.cadence,
            "post_time": rule.at.strftime("%H:%M"),
            "weekday": rule.weekday,
            "timezone": rule.zone,
            "source": source,
            "next_post_at": next_post_at,
            "paused_reason": None,
            "paused_detail": None,
            "updated_at": now,
        }
        async with self._db.transaction() as connection:
            statement = upsert(connection, tip_schedules).values(guild_id=guild_id, **values)
            statement = statement.on_conflict_do_update(
                index_elements=[tip_schedules.c.guild_id],
                set_={name: statement.excluded[name] for name in values},
            )
            await connection.execute(statement)
            last: datetime | None = await connection.scalar(
                select(tip_schedules.c.last_posted_at).where(_of(guild_id))
            )
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="schedule.set",
                data=audit_data(schedule),
                now=now,
            )
        return TipSchedule(guild_id, channel_id, rule, source, next_post_at, None, None, last)

    async def remove(self, guild_id: int, *, actor_id: int, now: datetime) -> TipSchedule | None:
        """Turn the server's schedule off, audited. None (and nothing written) when there was none."""
        async with self._db.transaction() as connection:
            row = (await connection.execute(select(tip_schedules).where(_of(guild_id)))).mappings().first()
            if row is None:
                return None
            removed = _from_row(row)
            await connection.execute(delete(tip_schedules).where(_of(guild_id)))
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="schedule.off",
                data=audit_data(removed),
                now=now,
            )
        return removed

    async def claim(
        self,
        guild_id: int,
        *,
        due_at: datetime,
        next_post_at: datetime,
        now: datetime,
        claimed_by: str | None = None,
        lease_until: datetime | None = None,
        claimed_for: datetime | None = None,
    ) -> bool:
        """Move a due schedule to its next post and, with ``claimed_for``, claim that post for
        ``claimed_by`` until ``lease_until`` (without: the due post is skipped, nothing is claimed).
        False when it changed meanwhile (set, off, paused, claimed by another process)."""
        async with self._db.transaction() as connection:
            found = await connection.scalar(
                select(tip_schedules.c.guild_id)
                .where(_of(guild_id), tip_schedules.c.next_post_at == due_at, _unheld(now))
                .with_for_update(skip_locked=True)
            )
            if found is None:
                return False
            claim = {"claimed_for": claimed_for, "claimed_by": claimed_by, "lease_until": lease_until}
            await connection.execute(
                update(tip_schedules)
                .where(_of(guild_id))
                .values(next_post_at=next_post_at, **(claim if claimed_for is not None else _NO_CLAIM))
            )
            return True

    async def claims(self) -> list[tuple[int, datetime | None]]:
        """Every claimed post's server and the end of its lease (a process picks its own servers')."""
        rows = await self._db.fetch_all(
            select(tip_schedules.c.guild_id, tip_schedules.c.lease_until).where(
                tip_schedules.c.claimed_for.is_not(None)
            )
        )
        return [(row["guild_id"], row["lease_until"]) for row in rows]

    async def abandoned(self, now: datetime, *, every_claim: bool = False) -> list[TipSchedule]:
        """The schedules with a claimed post whose lease ended (its process stopped); ``every_claim``:
        every claimed one, leases or not."""
        claimed = tip_schedules.c.claimed_for.is_not(None)
        rows = await self._db.fetch_all(
            select(tip_schedules)
            .where(claimed if every_claim else claimed & _unheld(now))
            .order_by(tip_schedules.c.claimed_for)
        )
        return [_from_row(row) for row in rows]

    async def take_over(
        self,
        guild_id: int,
        *,
        claimed_for: datetime,
        now: datetime,
        claimed_by: str,
        lease_until: datetime,
        every_claim: bool = False,
    ) -> bool:
        """Make the claim of the post due at ``claimed_for`` this process's, if its lease ended (or, with
        ``every_claim``, whatever its lease). False when another process holds or took it, or it was
        finished meanwhile."""
        held = _of(guild_id) & (tip_schedules.c.claimed_for == claimed_for)
        async with self._db.transaction() as connection:
            found = await connection.scalar(
                select(tip_schedules.c.guild_id)
                .where(held if every_claim else held & _unheld(now))
                .with_for_update(skip_locked=True)
            )
            if found is None:
                return False
            await connection.execute(
                update(tip_schedules).where(held).values(claimed_by=claimed_by, lease_until=lease_until)
            )
            return True

    async def release(self, guild_id: int, *, claimed_for: datetime) -> bool:
        """Clear the claim of the post due at ``claimed_for`` (given up, or found made). False when it
        was no longer there."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(tip_schedules)
                .where(_of(guild_id), tip_schedules.c.claimed_for == claimed_for)
                .values(**_NO_CLAIM)
            )
            return result.rowcount == 1

    async def pause(
        self, guild_id: int, *, channel_id: int, failure: PostFailed, actor_id: int | None, now: datetime
    ) -> bool:
        """Pause the schedule after a failed post, keeping why (its code and facts); audited. False if
        it changed meanwhile."""
        detail = json.dumps(dict(failure.data), ensure_ascii=False)
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(tip_schedules)
                .where(
                    _of(guild_id),
                    tip_schedules.c.channel_id == channel_id,
                    tip_schedules.c.next_post_at.is_not(None),
                )
                .values(
                    next_post_at=None,
                    paused_reason=failure.reason,
                    paused_detail=detail,
                    updated_at=now,
                    **_NO_CLAIM,
                )
            )
            if result.rowcount != 1:
                return False
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="schedule.paused",
                data={"reason": failure.reason, **failure.data},
                now=now,
            )
        return True

    # ------------------------------------------------------------------ rotation

    async def posted_this_cycle(self, guild_id: int) -> tuple[set[str], str | None]:
        """The tips posted in the server's current cycle, and the one posted most recently."""
        rows = await self._db.fetch_all(
            select(tip_rotation.c.card_id)
            .where(tip_rotation.c.guild_id == guild_id)
            .order_by(tip_rotation.c.posted_at.desc(), tip_rotation.c.card_id)
        )
        ids = [row["card_id"] for row in rows]
        return set(ids), (ids[0] if ids else None)

    async def record_post(
        self,
        guild_id: int,
        card_id: str,
        *,
        new_cycle: bool,
        now: datetime,
        posted_by: int | None = None,
        channel_id: int | None = None,
        claimed_for: datetime | None = None,
    ) -> None:
        """Remember a posted tip, starting a new cycle first when the pool was used up.

        A scheduled post (``posted_by`` None) also stamps the schedule's last post and clears its claim
        (of the post due at ``claimed_for``); a moderator's /curate post-now is audited instead.
        """
        async with self._db.transaction() as connection:
            if new_cycle:
                await connection.execute(delete(tip_rotation).where(tip_rotation.c.guild_id == guild_id))
            statement = upsert(connection, tip_rotation).values(
                guild_id=guild_id, card_id=card_id, posted_at=now
            )
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[tip_rotation.c.guild_id, tip_rotation.c.card_id],
                    set_={"posted_at": statement.excluded.posted_at},
                )
            )
            if posted_by is None:
                await connection.execute(
                    update(tip_schedules).where(_of(guild_id)).values(last_posted_at=now)
                )
                if claimed_for is not None:
                    await connection.execute(
                        update(tip_schedules)
                        .where(_of(guild_id), tip_schedules.c.claimed_for == claimed_for)
                        .values(**_NO_CLAIM)
                    )
            else:
                await audit.record(
                    connection,
                    guild_id=guild_id,
                    actor_id=posted_by,
                    action="schedule.post_now",
                    data={"card": card_id, "channel": channel_id},
                    now=now,
                )
