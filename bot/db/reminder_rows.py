"""Row conversions and checks shared by the reminder repositories (`reminders`, `pump_users`,
deliveries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.database import upsert
from bot.db.schema import pump_users, reminders
from bot.domain.reminders.model import (
    MAX_ACTIVE_PER_USER,
    MAX_KEPT_PER_USER,
    PumpUser,
    Reminder,
    ReminderLimit,
    SentMessage,
    rule_from_json,
)

# (reminder, its owner's last done time, now) → the next occurrence strictly after now, or None. The
# reminder's fired_count is what a rule ending after a count reads.
NextOccurrence = Callable[[Reminder, datetime | None, datetime], datetime | None]


def reminder_from_row(row: Any) -> Reminder:
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
        next_fire_at=row["next_fire_at"],
        snoozed_until=row["snoozed_until"],
        last_fire_at=row["last_fire_at"],
        created_at=row["created_at"],
        fired_count=row["fired_count"],
        unanswered=row["unanswered"],
        last_message=sent_message(row),
    )


def sent_message(row: Any) -> SentMessage | None:
    """The reminder's latest message while it is unanswered (None once answered or never sent)."""
    if row["last_answered"] or row["last_message_id"] is None or row["last_channel_id"] is None:
        return None
    return SentMessage(row["last_channel_id"], row["last_message_id"])


def pump_user_from_row(row: Any) -> PumpUser:
    return PumpUser(
        user_id=row["user_id"],
        timezone=row["timezone"],
        last_done_at=row["last_done_at"],
        dm_channel_id=row["dm_channel_id"],
        notice=row["notice"],
    )


async def ensure_user(connection: AsyncConnection, user_id: int, now: datetime) -> None:
    statement = upsert(connection, pump_users).values(user_id=user_id, updated_at=now)
    await connection.execute(statement.on_conflict_do_nothing(index_elements=[pump_users.c.user_id]))


async def lock_user(connection: AsyncConnection, user_id: int, now: datetime) -> None:
    """Hold the member's row until the transaction ends, so two creates cannot both pass the limits.

    SQLite has one writer at a time anyway (and no FOR UPDATE); on PostgreSQL this is a row lock.
    """
    await ensure_user(connection, user_id, now)
    await connection.execute(
        select(pump_users.c.user_id).where(pump_users.c.user_id == user_id).with_for_update()
    )


async def _count(connection: AsyncConnection, user_id: int, statuses: tuple[str, ...]) -> int:
    counted = await connection.scalar(
        select(func.count())
        .select_from(reminders)
        .where(reminders.c.user_id == user_id, reminders.c.status.in_(statuses))
    )
    return int(counted or 0)


async def check_room(connection: AsyncConnection, user_id: int, *, adding_kept: bool) -> None:
    """ReminderLimit when one more active (and, creating, one more kept) reminder is too many.

    Call it after ``lock_user``, in the same transaction."""
    if await _count(connection, user_id, ("active",)) >= MAX_ACTIVE_PER_USER:
        raise ReminderLimit("active", MAX_ACTIVE_PER_USER)
    if adding_kept and await _count(connection, user_id, ("active", "paused")) >= MAX_KEPT_PER_USER:
        raise ReminderLimit("kept", MAX_KEPT_PER_USER)
