"""The SQL behind /privacy and data retention, driven by the declared lists in ``bot.privacy``.

Reading everything about a member, and erasing it, each happen in one transaction, so an export is a
consistent snapshot and an erasure is all or nothing. Table and column names come only from the
declared lists, never from input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_storage, to_storage
from bot.db.database import Database
from bot.domain.privacy import (
    SERVER_DATA,
    SERVER_KEYED_TABLES,
    Erase,
    ServerData,
    UserData,
)

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Departure:
    guild_id: int
    left_at: datetime


def _select_sql(entry: UserData) -> str:
    return f"SELECT * FROM {entry.table} WHERE {entry.condition}"  # noqa: S608 - declared names only


def _erase_sql(entry: UserData) -> str:
    if entry.erase is Erase.DELETE_ROW:
        return f"DELETE FROM {entry.table} WHERE {entry.condition}"  # noqa: S608 - declared names only
    cleared = ", ".join(f"{column} = NULL" for column in entry.cleared_columns)
    return f"UPDATE {entry.table} SET {cleared} WHERE {entry.condition}"  # noqa: S608


def _server_erase_sql(entry: ServerData) -> str:
    if entry.erase is Erase.DELETE_ROW:
        return f"DELETE FROM {entry.table} WHERE {entry.condition}"  # noqa: S608 - declared names only
    return f"UPDATE {entry.table} SET guild_id = NULL WHERE {entry.condition}"  # noqa: S608


async def _rows(connection: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> list[Row]:
    return [dict(row) for row in await connection.execute_fetchall(sql, params)]


class PrivacyRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    # ------------------------------------------------------------------ one member

    async def collect(self, user_id: int, user_data: Sequence[UserData]) -> dict[str, list[Row]]:
        """Every row about the member, by kind (export and view), read as one snapshot."""
        sections: dict[str, list[Row]] = {entry.kind: [] for entry in user_data}
        async with self._db.transaction() as connection:
            for entry in user_data:
                sections[entry.kind].extend(await _rows(connection, _select_sql(entry), {"user_id": user_id}))
        return sections

    async def erase_member(self, user_id: int, user_data: Sequence[UserData]) -> dict[str, int]:
        """Erase every row about the member in one transaction, in declaration order; rows touched,
        by kind."""
        counts: dict[str, int] = {entry.kind: 0 for entry in user_data}
        async with self._db.transaction() as connection:
            for entry in user_data:
                cursor = await connection.execute(_erase_sql(entry), {"user_id": user_id})
                counts[entry.kind] += max(cursor.rowcount, 0)
                await cursor.close()
        return counts

    # ------------------------------------------------------------------ servers

    async def record_departure(self, guild_id: int, *, now: datetime) -> None:
        """The bot left ``guild_id``; the first departure counts until the bot returns."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, to_storage(now)),
            )

    async def clear_departure(self, guild_id: int) -> bool:
        """The bot is back in ``guild_id``: keep its data. True when a departure was waiting."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))
            removed = cursor.rowcount > 0
            await cursor.close()
        return removed

    async def departures(self) -> list[Departure]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT guild_id, left_at FROM departed_guilds ORDER BY left_at"
        )
        return [Departure(row["guild_id"], from_storage(row["left_at"])) for row in rows]

    async def departed_before(self, cutoff: datetime) -> list[int]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT guild_id FROM departed_guilds WHERE left_at < ? ORDER BY left_at",
            (to_storage(cutoff),),
        )
        return [int(row["guild_id"]) for row in rows]

    async def servers_with_data(self) -> set[int]:
        """Every server id that any server table holds rows for."""
        found: set[int] = set()
        for table in SERVER_KEYED_TABLES:
            rows = await self._db.connection.execute_fetchall(
                f"SELECT DISTINCT guild_id FROM {table} WHERE guild_id IS NOT NULL"  # noqa: S608
            )
            found.update(int(row["guild_id"]) for row in rows)
        return found

    async def erase_server(self, guild_id: int) -> int:
        """Erase every row of a server the bot left, and its departure record; rows erased."""
        erased = 0
        async with self._db.transaction() as connection:
            for entry in SERVER_DATA:
                cursor = await connection.execute(_server_erase_sql(entry), {"guild_id": guild_id})
                erased += max(cursor.rowcount, 0)
                await cursor.close()
        return erased

    # ------------------------------------------------------------------ deliveries

    async def purge_deliveries(self, cutoff: datetime) -> int:
        """Delete delivery records scheduled before ``cutoff``; how many."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM reminder_deliveries WHERE scheduled_for < ?", (to_storage(cutoff),)
            )
            purged = max(cursor.rowcount, 0)
            await cursor.close()
        return purged
