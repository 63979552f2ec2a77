"""Repository for `app_state`: small facts the bot keeps about itself."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_storage
from bot.db.database import Database


class AppStateRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, key: str) -> str | None:
        async with self._db.connection.execute("SELECT value FROM app_state WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return str(row["value"]) if row is not None else None

    async def set(self, key: str, value: str, *, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, to_storage(now)),
            )
