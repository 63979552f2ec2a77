"""Repository for `tip_schedules` and `tip_rotation`: each server's scheduled tip post, and the tips
already posted in its current rotation cycle.

Every change a moderator makes is audited in the same transaction. The dispatcher claims a due
schedule by moving its `next_post_at` forward before it posts, so a crash never posts twice.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any, cast

from bot.clock import from_storage, to_storage
from bot.db import audit
from bot.db.database import Database
from bot.domain.tip_posts import Cadence, Cadenced, PauseReason, PostFailed, Source, TipSchedule


def _optional_time(text: str | None) -> datetime | None:
    return from_storage(text) if text is not None else None


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
        next_post_at=_optional_time(row["next_post_at"]),
        paused_reason=cast(PauseReason | None, row["paused_reason"]),
        paused_detail=json.loads(detail) if detail is not None else None,
        last_posted_at=_optional_time(row["last_posted_at"]),
    )


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
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT * FROM tip_schedules WHERE guild_id = ?", (guild_id,)
            )
        )
        return _from_row(rows[0]) if rows else None

    async def earliest(self) -> datetime | None:
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT MIN(next_post_at) AS soonest FROM tip_schedules WHERE next_post_at IS NOT NULL"
            )
        )
        return _optional_time(rows[0]["soonest"]) if rows else None

    async def next_posts(self) -> list[tuple[int, datetime]]:
        """Every running schedule's server and next post (a process picks its own servers' from it)."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT guild_id, next_post_at FROM tip_schedules WHERE next_post_at IS NOT NULL"
        )
        return [(row["guild_id"], from_storage(row["next_post_at"])) for row in rows]

    async def due(self, now: datetime) -> list[TipSchedule]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT * FROM tip_schedules WHERE next_post_at IS NOT NULL AND next_post_at <= ? "
            "ORDER BY next_post_at",
            (to_storage(now),),
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
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO tip_schedules (guild_id, channel_id, cadence, post_time, weekday, timezone, "
                "source, next_post_at, paused_reason, paused_detail, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                "cadence = excluded.cadence, post_time = excluded.post_time, weekday = excluded.weekday, "
                "timezone = excluded.timezone, source = excluded.source, "
                "next_post_at = excluded.next_post_at, paused_reason = NULL, paused_detail = NULL, "
                "updated_at = excluded.updated_at",
                (
                    guild_id,
                    channel_id,
                    rule.cadence,
                    rule.at.strftime("%H:%M"),
                    rule.weekday,
                    rule.zone,
                    source,
                    to_storage(next_post_at),
                    to_storage(now),
                ),
            )
            rows = list(
                await connection.execute_fetchall(
                    "SELECT last_posted_at FROM tip_schedules WHERE guild_id = ?", (guild_id,)
                )
            )
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="schedule.set",
                data=audit_data(schedule),
                now=now,
            )
        last = _optional_time(rows[0]["last_posted_at"]) if rows else None
        return TipSchedule(guild_id, channel_id, rule, source, next_post_at, None, None, last)

    async def remove(self, guild_id: int, *, actor_id: int, now: datetime) -> TipSchedule | None:
        """Turn the server's schedule off, audited. None (and nothing written) when there was none."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    "SELECT * FROM tip_schedules WHERE guild_id = ?", (guild_id,)
                )
            )
            if not rows:
                return None
            removed = _from_row(rows[0])
            await connection.execute("DELETE FROM tip_schedules WHERE guild_id = ?", (guild_id,))
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="schedule.off",
                data=audit_data(removed),
                now=now,
            )
        return removed

    async def claim(self, guild_id: int, *, due_at: datetime, next_post_at: datetime) -> bool:
        """Move a due schedule to its next post. False when it changed meanwhile (set, off, paused)."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE tip_schedules SET next_post_at = ? WHERE guild_id = ? AND next_post_at = ?",
                (to_storage(next_post_at), guild_id, to_storage(due_at)),
            )
            return cursor.rowcount == 1

    async def pause(
        self, guild_id: int, *, channel_id: int, failure: PostFailed, actor_id: int | None, now: datetime
    ) -> bool:
        """Pause the schedule after a failed post, keeping why (its code and facts); audited. False if
        it changed meanwhile."""
        detail = json.dumps(dict(failure.data), ensure_ascii=False)
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE tip_schedules SET next_post_at = NULL, paused_reason = ?, paused_detail = ?, "
                "updated_at = ? WHERE guild_id = ? AND channel_id = ? AND next_post_at IS NOT NULL",
                (failure.reason, detail, to_storage(now), guild_id, channel_id),
            )
            if cursor.rowcount != 1:
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
        rows = await self._db.connection.execute_fetchall(
            "SELECT card_id FROM tip_rotation WHERE guild_id = ? ORDER BY posted_at DESC, card_id",
            (guild_id,),
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
    ) -> None:
        """Remember a posted tip, starting a new cycle first when the pool was used up.

        A scheduled post (``posted_by`` None) also stamps the schedule's last post; a moderator's
        /curate post-now is audited instead.
        """
        async with self._db.transaction() as connection:
            if new_cycle:
                await connection.execute("DELETE FROM tip_rotation WHERE guild_id = ?", (guild_id,))
            await connection.execute(
                "INSERT INTO tip_rotation (guild_id, card_id, posted_at) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, card_id) DO UPDATE SET posted_at = excluded.posted_at",
                (guild_id, card_id, to_storage(now)),
            )
            if posted_by is None:
                await connection.execute(
                    "UPDATE tip_schedules SET last_posted_at = ? WHERE guild_id = ?",
                    (to_storage(now), guild_id),
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
