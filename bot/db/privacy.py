"""The SQL behind /privacy and data retention, driven by the declared lists in ``bot.privacy``.

Reading everything about a member, and erasing it, each happen in one transaction, so an export is a
consistent snapshot and an erasure is all or nothing. Table and column names come only from the
declared lists, never from input; the conditions are plain SQL with ``:user_id`` / ``:guild_id``, the
same on both engines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import to_storage
from bot.db.database import Database, upsert
from bot.db.schema import departed_guilds, reminder_deliveries, shard_presence
from bot.domain.privacy import (
    SERVER_DATA,
    SERVER_KEYED_TABLES,
    Erase,
    ServerData,
    UserData,
)

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ShardSeen:
    shard_count: int
    shard_id: int
    last_seen: datetime


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


def _plain(value: Any) -> Any:
    """A stored value as the export shows it on either engine: times as UTC ISO text, flags as 0/1."""
    if isinstance(value, datetime):
        return to_storage(value)
    if isinstance(value, bool):
        return int(value)
    return value


async def _rows(connection: AsyncConnection, sql: str, params: dict[str, Any]) -> list[Row]:
    result = await connection.execute(text(sql), params)
    return [{key: _plain(value) for key, value in row.items()} for row in result.mappings()]


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
                result = await connection.execute(text(_erase_sql(entry)), {"user_id": user_id})
                counts[entry.kind] += max(result.rowcount, 0)
        return counts

    # ------------------------------------------------------------------ servers

    async def record_departure(self, guild_id: int, *, now: datetime) -> None:
        """The bot left ``guild_id``; the first departure counts until the bot returns."""
        async with self._db.transaction() as connection:
            await connection.execute(
                upsert(connection, departed_guilds)
                .values(guild_id=guild_id, left_at=now)
                .on_conflict_do_nothing(index_elements=[departed_guilds.c.guild_id])
            )

    async def clear_departure(self, guild_id: int) -> bool:
        """The bot is back in ``guild_id``: keep its data. True when a departure was waiting."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                delete(departed_guilds).where(departed_guilds.c.guild_id == guild_id)
            )
            return result.rowcount > 0

    async def record_shards_up(self, shard_count: int, shard_ids: Iterable[int], *, now: datetime) -> None:
        """A heartbeat: these shards (of ``shard_count``) are up, their server lists complete, now."""
        rows = [
            {"shard_count": shard_count, "shard_id": shard_id, "last_seen": now} for shard_id in shard_ids
        ]
        if not rows:
            return
        async with self._db.transaction() as connection:
            statement = upsert(connection, shard_presence).values(rows)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[shard_presence.c.shard_count, shard_presence.c.shard_id],
                    set_={"last_seen": statement.excluded.last_seen},
                )
            )

    async def shards_seen(self) -> list[ShardSeen]:
        """Every shard seen up, with when it last was, by shard count and id."""
        rows = await self._db.fetch_all(
            select(shard_presence).order_by(shard_presence.c.shard_count, shard_presence.c.shard_id)
        )
        return [ShardSeen(row["shard_count"], row["shard_id"], row["last_seen"]) for row in rows]

    async def departures(self) -> list[Departure]:
        rows = await self._db.fetch_all(select(departed_guilds).order_by(departed_guilds.c.left_at))
        return [Departure(row["guild_id"], row["left_at"]) for row in rows]

    async def departed_before(self, cutoff: datetime) -> list[int]:
        rows = await self._db.fetch_all(
            select(departed_guilds.c.guild_id)
            .where(departed_guilds.c.left_at < cutoff)
            .order_by(departed_guilds.c.left_at)
        )
        return [int(row["guild_id"]) for row in rows]

    async def servers_with_data(self) -> set[int]:
        """Every server id that any server table holds rows for."""
        found: set[int] = set()
        async with self._db.read() as connection:
            for table in SERVER_KEYED_TABLES:
                result = await connection.execute(
                    text(f"SELECT DISTINCT guild_id FROM {table} WHERE guild_id IS NOT NULL")  # noqa: S608
                )
                found.update(int(value) for value in result.scalars())
        return found

    async def erase_server(self, guild_id: int) -> int:
        """Erase every row of a server the bot left, and its departure record; rows erased."""
        erased = 0
        async with self._db.transaction() as connection:
            for entry in SERVER_DATA:
                result = await connection.execute(text(_server_erase_sql(entry)), {"guild_id": guild_id})
                erased += max(result.rowcount, 0)
        return erased

    # ------------------------------------------------------------------ deliveries

    async def purge_deliveries(self, cutoff: datetime) -> int:
        """Delete delivery records scheduled before ``cutoff``; how many."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                delete(reminder_deliveries).where(reminder_deliveries.c.scheduled_for < cutoff)
            )
            return max(result.rowcount, 0)
