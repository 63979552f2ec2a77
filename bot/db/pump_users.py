"""Repository for `pump_users`: each member's reminder settings (time zone, last session, DM channel)
and the one-time notice about a reminder the dispatcher paused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.db.database import Database
from bot.db.reminder_rows import ensure_user, pump_user_from_row
from bot.db.schema import pump_users
from bot.domain.reminders.model import PumpUser


class PumpUserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def user(self, user_id: int) -> PumpUser:
        row = await self._db.fetch_one(select(pump_users).where(pump_users.c.user_id == user_id))
        return pump_user_from_row(row) if row is not None else PumpUser(user_id=user_id)

    async def set_timezone(self, user_id: int, zone: str, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await ensure_user(connection, user_id, now)
            await connection.execute(
                update(pump_users)
                .where(pump_users.c.user_id == user_id)
                .values(timezone=zone, updated_at=now)
            )

    async def take_notice(self, user_id: int, *, now: datetime) -> str | None:
        """The user's pending notice, cleared as it is read (it is shown once)."""
        notice = await self._db.scalar(
            select(pump_users.c.notice).where(
                pump_users.c.user_id == user_id, pump_users.c.notice.is_not(None)
            )
        )
        if notice is None:
            return None
        async with self._db.transaction() as connection:
            await connection.execute(
                update(pump_users).where(pump_users.c.user_id == user_id).values(notice=None, updated_at=now)
            )
        return str(notice)

    async def cache_dm_channel(self, user_id: int, channel_id: int | None, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await ensure_user(connection, user_id, now)
            await connection.execute(
                update(pump_users)
                .where(pump_users.c.user_id == user_id)
                .values(dm_channel_id=channel_id, updated_at=now)
            )
