"""Repository for `reminders`: a member's pumping reminders and the changes they make to them.

The dispatcher's cycle (claims, deliveries, recovery) is in `bot.db.deliveries`; each member's time zone,
last session and DM channel in `bot.db.pump_users`.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_storage
from bot.db.database import Database
from bot.db.reminder_rows import (
    NextOccurrence,
    check_room,
    ensure_user,
    optional_text,
    reminder_from_row,
)
from bot.domain.reminders.model import NewReminder, Reminder, Rule, kind_of, rule_to_json


class ReminderRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(self, new: NewReminder, *, now: datetime) -> int:
        """Store a new active reminder and return its id; ReminderLimit past the limits."""
        async with self._db.transaction() as connection:
            await check_room(connection, new.user_id, adding_kept=True)
            await ensure_user(connection, new.user_id, now)
            cursor = await connection.execute(
                "INSERT INTO reminders (user_id, guild_id, channel_id, kind, rule, timezone, status, "
                "next_fire_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                (
                    new.user_id,
                    new.guild_id,
                    new.channel_id,
                    kind_of(new.rule),
                    rule_to_json(new.rule),
                    new.timezone,
                    to_storage(new.next_fire_at),
                    to_storage(now),
                    to_storage(now),
                ),
            )
            reminder_id = cursor.lastrowid
        if reminder_id is None:
            raise RuntimeError("SQLite returned no id for the new reminder")
        return reminder_id

    async def get(self, reminder_id: int) -> Reminder | None:
        rows = list(
            await self._db.connection.execute_fetchall("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        )
        return reminder_from_row(rows[0]) if rows else None

    async def for_user(self, user_id: int) -> list[Reminder]:
        """The user's active and paused reminders, oldest first."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT * FROM reminders WHERE user_id = ? AND status IN ('active', 'paused') ORDER BY id",
            (user_id,),
        )
        return [reminder_from_row(row) for row in rows]

    async def pause(self, reminder_id: int, *, now: datetime, reason: str | None = None) -> bool:
        """Pause an active reminder (reason None: by its owner). False when it was not active."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE reminders SET status = 'paused', paused_reason = ?, snoozed_until = NULL, "
                "updated_at = ? WHERE id = ? AND status = 'active'",
                (reason, to_storage(now), reminder_id),
            )
            return cursor.rowcount > 0

    async def resume(self, reminder_id: int, *, next_fire_at: datetime | None, now: datetime) -> bool:
        """Make a paused reminder active again from ``next_fire_at`` (None: it has no occurrence left,
        so it is finished). False when it was not paused; ReminderLimit when the user is full."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    "SELECT user_id FROM reminders WHERE id = ? AND status = 'paused'", (reminder_id,)
                )
            )
            if not rows:
                return False
            if next_fire_at is None:
                await connection.execute(
                    "UPDATE reminders SET status = 'finished', paused_reason = NULL, next_fire_at = NULL, "
                    "updated_at = ? WHERE id = ?",
                    (to_storage(now), reminder_id),
                )
                return True
            await check_room(connection, rows[0]["user_id"], adding_kept=False)
            await connection.execute(
                "UPDATE reminders SET status = 'active', paused_reason = NULL, next_fire_at = ?, "
                "updated_at = ? WHERE id = ?",
                (to_storage(next_fire_at), to_storage(now), reminder_id),
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
            cursor = await connection.execute(
                "UPDATE reminders SET kind = ?, rule = ?, timezone = ?, channel_id = ?, "
                "next_fire_at = CASE WHEN status = 'active' THEN ? ELSE next_fire_at END, updated_at = ? "
                "WHERE id = ? AND status IN ('active', 'paused')",
                (
                    kind_of(rule),
                    rule_to_json(rule),
                    zone,
                    channel_id,
                    to_storage(next_fire_at),
                    to_storage(now),
                    reminder_id,
                ),
            )
            return cursor.rowcount > 0

    async def delete(self, reminder_id: int) -> bool:
        async with self._db.transaction() as connection:
            cursor = await connection.execute("DELETE FROM reminders WHERE id = ?", (reminder_id,))
            return cursor.rowcount > 0

    async def snooze(self, reminder_id: int, *, until: datetime, now: datetime) -> bool:
        """Add a one-off fire at ``until`` (replacing an earlier snooze). A finished one-off reminder
        becomes active again just for it. False when the reminder is paused or gone."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE reminders SET snoozed_until = ?, status = 'active', updated_at = ? "
                "WHERE id = ? AND status IN ('active', 'finished')",
                (to_storage(until), to_storage(now), reminder_id),
            )
            return cursor.rowcount > 0

    async def move_next(
        self, reminder_id: int, *, expected: datetime, next_fire_at: datetime | None, now: datetime
    ) -> bool:
        """Skip: move an active reminder's next occurrence from ``expected`` to ``next_fire_at``.

        Only when it is still at ``expected``, so pressing Skip twice skips one occurrence, not two.
        """
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE reminders SET next_fire_at = ?, "
                "status = CASE WHEN ? IS NULL AND snoozed_until IS NULL THEN 'finished' ELSE status END, "
                "updated_at = ? WHERE id = ? AND status = 'active' AND next_fire_at = ?",
                (
                    optional_text(next_fire_at),
                    optional_text(next_fire_at),
                    to_storage(now),
                    reminder_id,
                    to_storage(expected),
                ),
            )
            return cursor.rowcount > 0

    async def clear_snooze(self, reminder_id: int, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE reminders SET snoozed_until = NULL, "
                "status = CASE WHEN status = 'active' AND next_fire_at IS NULL THEN 'finished' "
                "ELSE status END, updated_at = ? WHERE id = ?",
                (to_storage(now), reminder_id),
            )

    async def record_done(self, user_id: int, *, now: datetime, next_occurrence: NextOccurrence) -> int:
        """Record a session done now (only that timestamp) and restart the user's active since-last
        reminders from it. Returns how many were restarted."""
        restarted = 0
        async with self._db.transaction() as connection:
            await ensure_user(connection, user_id, now)
            await connection.execute(
                "UPDATE pump_users SET last_done_at = ?, updated_at = ? WHERE user_id = ?",
                (to_storage(now), to_storage(now), user_id),
            )
            rows = await connection.execute_fetchall(
                "SELECT * FROM reminders WHERE user_id = ? AND status = 'active' AND kind = 'every'",
                (user_id,),
            )
            for reminder in map(reminder_from_row, rows):
                if not reminder.since_last:
                    continue
                upcoming = next_occurrence(reminder, now, now)
                await connection.execute(
                    "UPDATE reminders SET next_fire_at = ?, updated_at = ? WHERE id = ?",
                    (optional_text(upcoming), to_storage(now), reminder.id),
                )
                restarted += 1
        return restarted

    async def mark_answered(self, reminder_id: int) -> None:
        """The member answered the reminder (Done, Snooze, Skip or Pause on it): nothing is left
        unanswered."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE reminders SET last_answered = 1, unanswered = 0 WHERE id = ?", (reminder_id,)
            )

    async def mark_all_answered(self, user_id: int) -> None:
        """A session recorded with /pump done answers every reminder of the member's."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE reminders SET last_answered = 1, unanswered = 0 WHERE user_id = ?", (user_id,)
            )
