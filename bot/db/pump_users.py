"""Repository for `pump_users`: each member's reminder settings (time zone, last session, DM channel)
and the one-time notice about a reminder the dispatcher paused."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_storage
from bot.db.database import Database
from bot.db.reminder_rows import ensure_user, pump_user_from_row
from bot.domain.reminders.model import PumpUser


class PumpUserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def user(self, user_id: int) -> PumpUser:
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT * FROM pump_users WHERE user_id = ?", (user_id,)
            )
        )
        return pump_user_from_row(rows[0]) if rows else PumpUser(user_id=user_id)

    async def set_timezone(self, user_id: int, zone: str, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await ensure_user(connection, user_id, now)
            await connection.execute(
                "UPDATE pump_users SET timezone = ?, updated_at = ? WHERE user_id = ?",
                (zone, to_storage(now), user_id),
            )

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
            await ensure_user(connection, user_id, now)
            await connection.execute(
                "UPDATE pump_users SET dm_channel_id = ?, updated_at = ? WHERE user_id = ?",
                (channel_id, to_storage(now), user_id),
            )
