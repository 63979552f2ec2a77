"""Repository for the dispatcher's cycle: claiming due reminders, `reminder_deliveries`, recovery.

`claim_due` moves every due reminder to its next occurrence and writes a delivery row in state 'sending'
in one transaction; the dispatcher then sends (outside any transaction) and records the outcome with
`mark_sent` / `mark_failed`. A crash between the two leaves 'sending' rows that `recover_sending`
hands back on the next start.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import from_storage, to_storage
from bot.db.database import Database
from bot.db.reminder_rows import (
    NextOccurrence,
    ensure_user,
    optional_text,
    optional_time,
    reminder_from_row,
    sent_message,
)
from bot.domain.reminders.model import Delivery, Reminder, SentMessage, ends_with

# A reminder with what delivering it needs from its owner's row: last done (since-last) and DM channel.
_DUE_SELECT = (
    "SELECT r.*, u.last_done_at AS owner_last_done, u.dm_channel_id AS owner_dm "
    "FROM reminders r LEFT JOIN pump_users u ON u.user_id = r.user_id "
)


class DeliveryRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def earliest_due(self) -> datetime | None:
        """The earliest instant an active reminder fires (its next occurrence or its snooze)."""
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT (SELECT MIN(next_fire_at) FROM reminders WHERE status = 'active'), "
                "(SELECT MIN(snoozed_until) FROM reminders "
                "WHERE status = 'active' AND snoozed_until IS NOT NULL)"
            )
        )
        found = [from_storage(value) for value in rows[0] if value is not None]
        return min(found, default=None)

    async def claim_due(
        self,
        now: datetime,
        *,
        limit: int,
        grace: timedelta,
        late_after: timedelta,
        next_occurrence: NextOccurrence,
    ) -> tuple[list[Delivery], int]:
        """Claim up to ``limit`` due occurrences in one transaction: (deliveries to send, skipped).

        Each due reminder moves to its next occurrence after ``now`` (never a burst). An occurrence
        missed by less than ``grace`` is claimed ('sending', marked late beyond ``late_after``); an
        older one is recorded as skipped.
        """
        claimed: list[Delivery] = []
        skipped = 0
        stamp = to_storage(now)
        async with self._db.transaction() as connection:
            regular = list(
                await connection.execute_fetchall(
                    _DUE_SELECT
                    + "WHERE r.status = 'active' AND r.next_fire_at <= ? ORDER BY r.next_fire_at LIMIT ?",
                    (stamp, limit),
                )
            )
            for row in regular:
                reminder = reminder_from_row(row)
                scheduled = from_storage(row["next_fire_at"])
                # This occurrence is the reminder's latest fire: since-last reminders count from it. Only
                # one that is sent counts towards an end after a count (not one missed while offline).
                sending = now - scheduled < grace
                fired = replace(
                    reminder, last_fire_at=scheduled, fired_count=reminder.fired_count + int(sending)
                )
                upcoming = next_occurrence(fired, optional_time(row["owner_last_done"]), now)
                await connection.execute(
                    "UPDATE reminders SET next_fire_at = ?, last_fire_at = ?, fired_count = ?, "
                    "status = CASE WHEN ? IS NULL AND snoozed_until IS NULL THEN 'finished' ELSE status END, "
                    "updated_at = ? WHERE id = ?",
                    (
                        optional_text(upcoming),
                        row["next_fire_at"],
                        fired.fired_count,
                        optional_text(upcoming),
                        stamp,
                        reminder.id,
                    ),
                )
                delivery = await self._claim_one(
                    connection, row, fired, scheduled, upcoming, now, grace=grace, late_after=late_after
                )
                if delivery is None:
                    skipped += 1
                else:
                    claimed.append(delivery)
            room = limit - len(regular)
            if room > 0:
                snoozed = list(
                    await connection.execute_fetchall(
                        _DUE_SELECT + "WHERE r.status = 'active' AND r.snoozed_until IS NOT NULL "
                        "AND r.snoozed_until <= ? ORDER BY r.snoozed_until LIMIT ?",
                        (stamp, room),
                    )
                )
                for row in snoozed:
                    reminder = reminder_from_row(row)
                    scheduled = from_storage(row["snoozed_until"])
                    await connection.execute(
                        "UPDATE reminders SET snoozed_until = NULL, "
                        "status = CASE WHEN next_fire_at IS NULL THEN 'finished' ELSE status END, "
                        "updated_at = ? WHERE id = ?",
                        (stamp, reminder.id),
                    )
                    delivery = await self._claim_one(
                        connection,
                        row,
                        reminder,
                        scheduled,
                        reminder.next_fire_at,
                        now,
                        grace=grace,
                        late_after=late_after,
                    )
                    if delivery is None:
                        skipped += 1
                    else:
                        claimed.append(delivery)
        return claimed, skipped

    @staticmethod
    async def _claim_one(
        connection: aiosqlite.Connection,
        row: Any,
        reminder: Reminder,
        scheduled: datetime,
        upcoming: datetime | None,
        now: datetime,
        *,
        grace: timedelta,
        late_after: timedelta,
    ) -> Delivery | None:
        lateness = now - scheduled
        if lateness >= grace:
            await connection.execute(
                "INSERT INTO reminder_deliveries (reminder_id, scheduled_for, state, late) "
                "VALUES (?, ?, 'skipped', 1) ON CONFLICT DO NOTHING",
                (reminder.id, to_storage(scheduled)),
            )
            return None
        late = lateness > late_after
        cursor = await connection.execute(
            "INSERT INTO reminder_deliveries (reminder_id, scheduled_for, state, late) "
            "VALUES (?, ?, 'sending', ?) ON CONFLICT DO NOTHING",
            (reminder.id, to_storage(scheduled), int(late)),
        )
        if cursor.rowcount == 0:
            return None  # this occurrence was already handled (a snooze landing on a regular time)
        return Delivery(
            reminder_id=reminder.id,
            user_id=reminder.user_id,
            channel_id=reminder.channel_id,
            dm_channel_id=row["owner_dm"],
            scheduled_for=scheduled,
            late=late,
            next_fire_at=upcoming,
            rule=reminder.rule,
            timezone=reminder.timezone,
            last=ends_with(reminder, upcoming),
        )

    async def recover_sending(
        self, now: datetime, *, grace: timedelta, late_after: timedelta
    ) -> tuple[list[Delivery], int]:
        """After a crash: claims still 'sending' → (recent ones to re-send with their nonce, stale
        ones marked skipped)."""
        cutoff = to_storage(now - grace)
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE reminder_deliveries SET state = 'skipped' "
                "WHERE state = 'sending' AND scheduled_for < ?",
                (cutoff,),
            )
            stale = cursor.rowcount
            rows = list(
                await connection.execute_fetchall(
                    "SELECT d.scheduled_for AS delivery_time, r.*, u.dm_channel_id AS owner_dm "
                    "FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id "
                    "LEFT JOIN pump_users u ON u.user_id = r.user_id "
                    "WHERE d.state = 'sending' ORDER BY d.scheduled_for",
                )
            )
            resend: list[Delivery] = []
            for row in rows:
                reminder = reminder_from_row(row)
                scheduled = from_storage(row["delivery_time"])
                late = now - scheduled > late_after
                if late:
                    await connection.execute(
                        "UPDATE reminder_deliveries SET late = 1 WHERE reminder_id = ? AND scheduled_for = ?",
                        (reminder.id, row["delivery_time"]),
                    )
                resend.append(
                    Delivery(
                        reminder_id=reminder.id,
                        user_id=reminder.user_id,
                        channel_id=reminder.channel_id,
                        dm_channel_id=row["owner_dm"],
                        scheduled_for=scheduled,
                        late=late,
                        next_fire_at=reminder.next_fire_at,
                        rule=reminder.rule,
                        timezone=reminder.timezone,
                        last=ends_with(reminder, reminder.next_fire_at),
                    )
                )
        return resend, stale

    async def mark_sent(
        self, delivery: Delivery, *, attempts: int, now: datetime, message: SentMessage | None = None
    ) -> SentMessage | None:
        """Record a delivery sent as ``message``; returns the reminder's previous message when it was
        left unanswered (to be marked skipped), and counts it."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE reminder_deliveries SET state = 'sent', attempts = ?, sent_at = ? "
                "WHERE reminder_id = ? AND scheduled_for = ?",
                (attempts, to_storage(now), delivery.reminder_id, to_storage(delivery.scheduled_for)),
            )
            if message is None:
                return None
            rows = list(
                await connection.execute_fetchall(
                    "SELECT last_answered, last_channel_id, last_message_id FROM reminders WHERE id = ?",
                    (delivery.reminder_id,),
                )
            )
            if not rows:
                return None  # deleted while it was being sent
            previous = sent_message(rows[0])
            if previous == message:
                return None  # the same message recorded again (a recovered claim)
            await connection.execute(
                "UPDATE reminders SET last_channel_id = ?, last_message_id = ?, last_answered = 0, "
                "unanswered = unanswered + ? WHERE id = ?",
                (message.channel_id, message.message_id, int(previous is not None), delivery.reminder_id),
            )
            return previous

    async def mark_failed(
        self,
        delivery: Delivery,
        *,
        attempts: int,
        now: datetime,
        pause_reason: str | None = None,
        forget_dm_channel: bool = False,
    ) -> None:
        """Record a failed delivery; with ``pause_reason``, pause the reminder and leave its owner a
        notice that the next /pump command shows."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE reminder_deliveries SET state = 'failed', attempts = ? "
                "WHERE reminder_id = ? AND scheduled_for = ?",
                (attempts, delivery.reminder_id, to_storage(delivery.scheduled_for)),
            )
            if pause_reason is not None:
                await connection.execute(
                    "UPDATE reminders SET status = 'paused', paused_reason = ?, snoozed_until = NULL, "
                    "updated_at = ? WHERE id = ? AND status = 'active'",
                    (pause_reason, to_storage(now), delivery.reminder_id),
                )
                await ensure_user(connection, delivery.user_id, now)
                await connection.execute(
                    "UPDATE pump_users SET notice = ?, updated_at = ? WHERE user_id = ?",
                    (pause_reason, to_storage(now), delivery.user_id),
                )
            if forget_dm_channel:
                await connection.execute(
                    "UPDATE pump_users SET dm_channel_id = NULL WHERE user_id = ?", (delivery.user_id,)
                )

    async def deliveries(self, reminder_id: int) -> list[dict[str, Any]]:
        """The delivery records of one reminder, oldest first (for /privacy export and tests)."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT scheduled_for, state, attempts, late, sent_at FROM reminder_deliveries "
            "WHERE reminder_id = ? ORDER BY scheduled_for",
            (reminder_id,),
        )
        return [
            {
                "scheduled_for": from_storage(row["scheduled_for"]),
                "state": row["state"],
                "attempts": row["attempts"],
                "late": bool(row["late"]),
                "sent_at": optional_time(row["sent_at"]),
            }
            for row in rows
        ]
