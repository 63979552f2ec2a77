"""Repository for `app_state`: small facts the bot keeps about itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.db.database import Database
from bot.db.schema import app_state


class AppStateRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, key: str) -> str | None:
        value = await self._db.scalar(select(app_state.c.value).where(app_state.c.key == key))
        return str(value) if value is not None else None

    async def set(self, key: str, value: str, *, now: datetime) -> None:
        statement = self._db.insert(app_state).values(key=key, value=value, updated_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[app_state.c.key],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
        async with self._db.transaction() as connection:
            await connection.execute(statement)
