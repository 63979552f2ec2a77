"""Repository for pumping reminders: `reminders`, `reminder_deliveries` and `pump_users`.

The dispatcher's cycle lives here as SQL: `claim_due` moves every due reminder to its next occurrence
and writes a delivery row in state 'sending' in one transaction; the engine then sends (outside any
transaction) and records the outcome with `mark_sent` / `mark_failed`. A crash between the two leaves
'sending' rows that `recover_sending` hands back on the next start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import aiosqlite

from bot.clock import from_storage, to_storage
from bot.db.database import Database
from bot.reminders.rules import AtRule, EveryRule, OnceRule, Rule, rule_from_json, rule_to_json

MAX_ACTIVE_PER_USER = 10
MAX_KEPT_PER_USER = 25  # active and paused together: what one select menu can list

ReminderKind = Literal["every", "at", "once"]
ReminderStatus = Literal["active", "paused", "finished"]

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class ReminderLimitError(Exception):
    """Creating or resuming would take the user past a limit; the message says which."""


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if number == 0:
            return digits


def delivery_nonce(reminder_id: int, scheduled_for: datetime) -> str:
    """The same short text for the same occurrence, every time: Discord dedupes a resend with it.

    "p" + base-36 reminder id + "." + base-36 milliseconds since the epoch: 17 characters for the
    millionth reminder, and at most 25 for any id below 36**13.
    """
    millis = int(scheduled_for.timestamp() * 1000)
    return f"p{_base36(reminder_id)}.{_base36(millis)}"[:25]


def kind_of(rule: Rule) -> ReminderKind:
    if isinstance(rule, EveryRule):
        return "every"
    if isinstance(rule, AtRule):
        return "at"
    if isinstance(rule, OnceRule):
        return "once"
    raise TypeError(f"not a reminder rule: {rule!r}")


@dataclass(frozen=True, slots=True)
class NewReminder:
    user_id: int
    guild_id: int | None
    channel_id: int | None  # None: delivered by DM
    rule: Rule
    timezone: str
    next_fire_at: datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    user_id: int
    guild_id: int | None
    channel_id: int | None
    kind: ReminderKind
    rule: Rule
    timezone: str
    status: ReminderStatus
    paused_reason: str | None
    next_fire_at: datetime | None
    snoozed_until: datetime | None
    last_fire_at: datetime | None
    created_at: datetime

    @property
    def since_last(self) -> bool:
        return isinstance(self.rule, EveryRule) and self.rule.since_last

    def counting_from(self, last_done_at: datetime | None) -> datetime:
        """Where a since-last reminder counts from: the latest of last done, last fire, creation."""
        moments = [self.created_at, self.last_fire_at, last_done_at]
        return max(moment for moment in moments if moment is not None)


@dataclass(frozen=True, slots=True)
class PumpUser:
    user_id: int
    timezone: str | None = None
    last_done_at: datetime | None = None
    dm_channel_id: int | None = None
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed occurrence to send."""

    reminder_id: int
    user_id: int
    channel_id: int | None  # None: by DM
    dm_channel_id: int | None  # the cached DM channel, when known
    scheduled_for: datetime
    late: bool
    next_fire_at: datetime | None  # the reminder's next occurrence right after this one (for Skip)
    rule: Rule
    timezone: str

    @property
    def nonce(self) -> str:
        return delivery_nonce(self.reminder_id, self.scheduled_for)


# (reminder, its owner's last done time, now) → the next occurrence strictly after now, or None.
NextOccurrence = Callable[[Reminder, datetime | None, datetime], datetime | None]


def _optional_time(value: Any) -> datetime | None:
    return from_storage(value) if value is not None else None


def _optional_text(value: datetime | None) -> str | None:
    return to_storage(value) if value is not None else None


def _reminder(row: Any) -> Reminder:
    return Reminder(
        id=row["id"],
        user_id=row["user_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        rule=rule_from_json(row["rule"]),
        timezone=row["timezone"],
        status=row["status"],
        paused_reason=row["paused_reason"],
        next_fire_at=_optional_time(row["next_fire_at"]),
        snoozed_until=_optional_time(row["snoozed_until"]),
        last_fire_at=_optional_time(row["last_fire_at"]),
        created_at=from_storage(row["created_at"]),
    )


def _pump_user(row: Any) -> PumpUser:
    return PumpUser(
        user_id=row["user_id"],
        timezone=row["timezone"],
        last_done_at=_optional_time(row["last_done_at"]),
        dm_channel_id=row["dm_channel_id"],
        notice=row["notice"],
    )


# A reminder with what delivering it needs from its owner's row: last done (since-last) and DM channel.
_DUE_SELECT = (
    "SELECT r.*, u.last_done_at AS owner_last_done, u.dm_channel_id AS owner_dm "
    "FROM reminders r LEFT JOIN pump_users u ON u.user_id = r.user_id "
)
_UPSERT_USER = "INSERT INTO pump_users (user_id, updated_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING"


async def _ensure_user(connection: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    await connection.execute(_UPSERT_USER, (user_id, to_storage(now)))


async def _count(connection: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> int:
    rows = list(await connection.execute_fetchall(sql, tuple(params)))
    return int(rows[0][0])


async def _check_room(connection: aiosqlite.Connection, user_id: int, *, adding_kept: bool) -> None:
    active = await _count(
        connection, "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status = 'active'", (user_id,)
    )
    if active >= MAX_ACTIVE_PER_USER:
        raise ReminderLimitError(
            f"You already have {MAX_ACTIVE_PER_USER} active reminders, the most Latch keeps per person. "
            "Pause or delete one first (`/pump list`)."
        )
    if adding_kept:
        kept = await _count(
            connection,
            "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status IN ('active', 'paused')",
            (user_id,),
        )
        if kept >= MAX_KEPT_PER_USER:
            raise ReminderLimitError(
                f"You have {MAX_KEPT_PER_USER} reminders kept (active and paused). "
                "Delete a paused one first (`/pump delete`)."
            )


class ReminderRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    # ------------------------------------------------------------------ reminders

    async def create(self, new: NewReminder, *, now: datetime) -> int:
        """Store a new active reminder and return its id; ReminderLimitError past the limits."""
        async with self._db.transaction() as connection:
            await _check_room(connection, new.user_id, adding_kept=True)
            await _ensure_user(connection, new.user_id, now)
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
        return _reminder(rows[0]) if rows else None

    async def for_user(self, user_id: int) -> list[Reminder]:
        """The user's active and paused reminders, oldest first."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT * FROM reminders WHERE user_id = ? AND status IN ('active', 'paused') ORDER BY id",
            (user_id,),
        )
        return [_reminder(row) for row in rows]

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
        so it is finished). False when it was not paused; ReminderLimitError when the user is full."""
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
            await _check_room(connection, rows[0]["user_id"], adding_kept=False)
            await connection.execute(
                "UPDATE reminders SET status = 'active', paused_reason = NULL, next_fire_at = ?, "
                "updated_at = ? WHERE id = ?",
                (to_storage(next_fire_at), to_storage(now), reminder_id),
            )
            return True

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
                    _optional_text(next_fire_at),
                    _optional_text(next_fire_at),
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

    # ------------------------------------------------------------------ people

    async def user(self, user_id: int) -> PumpUser:
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT * FROM pump_users WHERE user_id = ?", (user_id,)
            )
        )
        return _pump_user(rows[0]) if rows else PumpUser(user_id=user_id)

    async def set_timezone(self, user_id: int, zone: str, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await _ensure_user(connection, user_id, now)
            await connection.execute(
                "UPDATE pump_users SET timezone = ?, updated_at = ? WHERE user_id = ?",
                (zone, to_storage(now), user_id),
            )

    async def record_done(self, user_id: int, *, now: datetime, next_occurrence: NextOccurrence) -> int:
        """Record a session done now (only that timestamp) and restart the user's active since-last
        reminders from it. Returns how many were restarted."""
        restarted = 0
        async with self._db.transaction() as connection:
            await _ensure_user(connection, user_id, now)
            await connection.execute(
                "UPDATE pump_users SET last_done_at = ?, updated_at = ? WHERE user_id = ?",
                (to_storage(now), to_storage(now), user_id),
            )
            rows = await connection.execute_fetchall(
                "SELECT * FROM reminders WHERE user_id = ? AND status = 'active' AND kind = 'every'",
                (user_id,),
            )
            for reminder in map(_reminder, rows):
                if not reminder.since_last:
                    continue
                upcoming = next_occurrence(reminder, now, now)
                await connection.execute(
                    "UPDATE reminders SET next_fire_at = ?, updated_at = ? WHERE id = ?",
                    (_optional_text(upcoming), to_storage(now), reminder.id),
                )
                restarted += 1
        return restarted

    async def take_notice(self, user_id: int, *, now: datetime) -> str | None:
        """The user's pending notice, cleared as it is read (it is shown once)."""
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT notice FROM pump_users WHERE user_id = ? AND notice IS NOT NULL", (user_id,)
            )
        )
        if not rows:
            return None
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE pump_users SET notice = NULL, updated_at = ? WHERE user_id = ?",
                (to_storage(now), user_id),
            )
        return str(rows[0]["notice"])

    async def cache_dm_channel(self, user_id: int, channel_id: int | None, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await _ensure_user(connection, user_id, now)
            await connection.execute(
                "UPDATE pump_users SET dm_channel_id = ?, updated_at = ? WHERE user_id = ?",
                (channel_id, to_storage(now), user_id),
            )

    async def delete_user(self, user_id: int) -> int:
        """Erase every reminder and the pump_users row of this user; returns the reminders removed."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
            await connection.execute("DELETE FROM pump_users WHERE user_id = ?", (user_id,))
            return cursor.rowcount

    # ------------------------------------------------------------------ the dispatcher's cycle

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
                reminder = _reminder(row)
                scheduled = from_storage(row["next_fire_at"])
                # This occurrence is the reminder's latest fire: since-last reminders count from it.
                fired = replace(reminder, last_fire_at=scheduled)
                upcoming = next_occurrence(fired, _optional_time(row["owner_last_done"]), now)
                await connection.execute(
                    "UPDATE reminders SET next_fire_at = ?, last_fire_at = ?, "
                    "status = CASE WHEN ? IS NULL AND snoozed_until IS NULL THEN 'finished' ELSE status END, "
                    "updated_at = ? WHERE id = ?",
                    (
                        _optional_text(upcoming),
                        row["next_fire_at"],
                        _optional_text(upcoming),
                        stamp,
                        reminder.id,
                    ),
                )
                delivery = await self._claim_one(
                    connection, row, reminder, scheduled, upcoming, now, grace=grace, late_after=late_after
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
                    reminder = _reminder(row)
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
                reminder = _reminder(row)
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
                    )
                )
        return resend, stale

    async def mark_sent(self, delivery: Delivery, *, attempts: int, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE reminder_deliveries SET state = 'sent', attempts = ?, sent_at = ? "
                "WHERE reminder_id = ? AND scheduled_for = ?",
                (attempts, to_storage(now), delivery.reminder_id, to_storage(delivery.scheduled_for)),
            )

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
                await _ensure_user(connection, delivery.user_id, now)
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
                "sent_at": _optional_time(row["sent_at"]),
            }
            for row in rows
        ]
