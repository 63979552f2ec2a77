"""Row conversions shared by the reminder repositories (`reminders`, `pump_users`, deliveries)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_storage, to_storage
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


def optional_time(value: Any) -> datetime | None:
    return from_storage(value) if value is not None else None


def optional_text(value: datetime | None) -> str | None:
    return to_storage(value) if value is not None else None


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
        next_fire_at=optional_time(row["next_fire_at"]),
        snoozed_until=optional_time(row["snoozed_until"]),
        last_fire_at=optional_time(row["last_fire_at"]),
        created_at=from_storage(row["created_at"]),
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
        last_done_at=optional_time(row["last_done_at"]),
        dm_channel_id=row["dm_channel_id"],
        notice=row["notice"],
    )


_UPSERT_USER = "INSERT INTO pump_users (user_id, updated_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING"


async def ensure_user(connection: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    await connection.execute(_UPSERT_USER, (user_id, to_storage(now)))


async def _count(connection: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> int:
    rows = list(await connection.execute_fetchall(sql, tuple(params)))
    return int(rows[0][0])


async def check_room(connection: aiosqlite.Connection, user_id: int, *, adding_kept: bool) -> None:
    """ReminderLimit when one more active (and, creating, one more kept) reminder is too many."""
    active = await _count(
        connection, "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status = 'active'", (user_id,)
    )
    if active >= MAX_ACTIVE_PER_USER:
        raise ReminderLimit("active", MAX_ACTIVE_PER_USER)
    if adding_kept:
        kept = await _count(
            connection,
            "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status IN ('active', 'paused')",
            (user_id,),
        )
        if kept >= MAX_KEPT_PER_USER:
            raise ReminderLimit("kept", MAX_KEPT_PER_USER)
