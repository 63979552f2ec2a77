"""Repository for `reminders`: a member's pumping reminders and the changes they make to them.

The dispatcher's cycle (claims, deliveries, recovery) is in `bot.db.deliveries`; each member's time zone,
last session and DM channel in `bot.db.pump_users`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, insert, literal, select, update

from bot.db.database import Database
from bot.db.reminder_rows import NextOccurrence, check_room, ensure_user, lock_user, reminder_from_row
from bot.db.schema import pump_users, reminders
from bot.db.types import UTCDateTime
from bot.domain.reminders.model import NewReminder, Reminder, Rule, kind_of, rule_to_json


def finished_unless_snoozed(upcoming: datetime | None) -> Any:
    """The status after moving to ``upcoming``: finished when nothing follows and no snooze waits."""
    if upcoming is not None:
        return reminders.c.status
    return case((reminders.c.snoozed_until.is_(None), "finished"), else_=reminders.c.status)


class ReminderRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(self, new: NewReminder, *, now: datetime) -> int:
        """Store a new active reminder and return its id; ReminderLimit past the limits."""
        async with self._db.transaction() as connection:
            await lock_user(connection, new.user_id, now)
            await check_room(connection, new.user_id, adding_kept=True)
            reminder_id = await connection.scalar(
                insert(reminders)
                .values(
                    user_id=new.user_id,
                    guild_id=new.guild_id,
                    channel_id=new.channel_id,
                    kind=kind_of(new.rule),
                    rule=rule_to_json(new.rule),
                    timezone=new.timezone,
                    status="active",
                    next_fire_at=new.next_fire_at,
                    created_at=now,
                    updated_at=now,
                )
                .returning(reminders.c.id)
            )
        if reminder_id is None:
            raise RuntimeError("the database returned no id for the new reminder")
        return int(reminder_id)

    async def get(self, reminder_id: int) -> Reminder | None:
        row = await self._db.fetch_one(select(reminders).where(reminders.c.id == reminder_id))
        return reminder_from_row(row) if row is not None else None

    async def for_user(self, user_id: int) -> list[Reminder]:
        """The user's active and paused reminders, oldest first."""
        rows = await self._db.fetch_all(
            select(reminders)
            .where(reminders.c.user_id == user_id, reminders.c.status.in_(("active", "paused")))
            .order_by(reminders.c.id)
        )
        return [reminder_from_row(row) for row in rows]

    async def pause(self, reminder_id: int, *, now: datetime, reason: str | None = None) -> bool:
        """Pause an active reminder (reason None: by its owner). False when it was not active."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id, reminders.c.status == "active")
                .values(status="paused", paused_reason=reason, snoozed_until=None, updated_at=now)
            )
            return result.rowcount > 0

    async def resume(self, reminder_id: int, *, next_fire_at: datetime | None, now: datetime) -> bool:
        """Make a paused reminder active again from ``next_fire_at`` (None: it has no occurrence left,
        so it is finished). False when it was not paused; ReminderLimit when the user is full."""
        async with self._db.transaction() as connection:
            user_id = await connection.scalar(
                select(reminders.c.user_id).where(
                    reminders.c.id == reminder_id, reminders.c.status == "paused"
                )
            )
            if user_id is None:
                return False
            this = update(reminders).where(reminders.c.id == reminder_id)
            if next_fire_at is None:
                await connection.execute(
                    this.values(status="finished", paused_reason=None, next_fire_at=None, updated_at=now)
                )
                return True
            await lock_user(connection, user_id, now)
            await check_room(connection, user_id, adding_kept=False)
            await connection.execute(
                this.values(status="active", paused_reason=None, next_fire_at=next_fire_at, updated_at=now)
            )
            return True

    async def change(
        self,
        reminder_id: int,
        *,
        rule: Rule,
        zone: str,
        channel_id: int | None,
        next_fire_at: datetime,
        now: datetime,
    ) -> bool:
        """Store a reminder's edited schedule, zone and delivery. An active one fires next at
        ``next_fire_at``; a paused one works its next fire out when resumed. False when it is gone or
        has finished."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id, reminders.c.status.in_(("active", "paused")))
                .values(
                    kind=kind_of(rule),
                    rule=rule_to_json(rule),
                    timezone=zone,
                    channel_id=channel_id,
                    next_fire_at=case(
                        (reminders.c.status == "active", literal(next_fire_at, UTCDateTime())),
                        else_=reminders.c.next_fire_at,
                    ),
                    updated_at=now,
                )
            )
            return result.rowcount > 0

    async def delete(self, reminder_id: int) -> bool:
        async with self._db.transaction() as connection:
            result = await connection.execute(delete(reminders).where(reminders.c.id == reminder_id))
            return result.rowcount > 0

    async def snooze(self, reminder_id: int, *, until: datetime, now: datetime) -> bool:
        """Add a one-off fire at ``until`` (replacing an earlier snooze). A finished one-off reminder
        becomes active again just for it. False when the reminder is paused or gone."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id, reminders.c.status.in_(("active", "finished")))
                .values(snoozed_until=until, status="active", updated_at=now)
            )
            return result.rowcount > 0

    async def move_next(
        self, reminder_id: int, *, expected: datetime, next_fire_at: datetime | None, now: datetime
    ) -> bool:
        """Skip: move an active reminder's next occurrence from ``expected`` to ``next_fire_at``.

        Only when it is still at ``expected``, so pressing Skip twice skips one occurrence, not two.
        """
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(reminders)
                .where(
                    reminders.c.id == reminder_id,
                    reminders.c.status == "active",
                    reminders.c.next_fire_at == expected,
                )
                .values(
                    next_fire_at=next_fire_at, status=finished_unless_snoozed(next_fire_at), updated_at=now
                )
            )
            return result.rowcount > 0

    async def clear_snooze(self, reminder_id: int, *, now: datetime) -> None:
        ends = (reminders.c.status == "active") & reminders.c.next_fire_at.is_(None)
        async with self._db.transaction() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(
                    snoozed_until=None,
                    status=case((ends, "finished"), else_=reminders.c.status),
                    updated_at=now,
                )
            )

    async def record_done(self, user_id: int, *, now: datetime, next_occurrence: NextOccurrence) -> int:
        """Record a session done now (only that timestamp) and restart the user's active since-last
        reminders from it. Returns how many were restarted."""
        restarted = 0
        async with self._db.transaction() as connection:
            await ensure_user(connection, user_id, now)
            await connection.execute(
                update(pump_users)
                .where(pump_users.c.user_id == user_id)
                .values(last_done_at=now, updated_at=now)
            )
            rows = (
                await connection.execute(
                    select(reminders).where(
                        reminders.c.user_id == user_id,
                        reminders.c.status == "active",
                        reminders.c.kind == "every",
                    )
                )
            ).mappings()
            for reminder in [reminder_from_row(row) for row in rows]:
                if not reminder.since_last:
                    continue
                upcoming = next_occurrence(reminder, now, now)
                await connection.execute(
                    update(reminders)
                    .where(reminders.c.id == reminder.id)
                    .values(next_fire_at=upcoming, updated_at=now)
                )
                restarted += 1
        return restarted

    async def mark_answered(self, reminder_id: int) -> None:
        """The member answered the reminder (Done, Snooze, Skip or Pause on it): nothing is left
        unanswered."""
        async with self._db.transaction() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(last_answered=True, unanswered=0)
            )

    async def mark_all_answered(self, user_id: int) -> None:
        """A session recorded with /pump done answers every reminder of the member's."""
        async with self._db.transaction() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.user_id == user_id)
                .values(last_answered=True, unanswered=0)
            )
