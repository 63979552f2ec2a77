"""Repository for `audit_log`: who changed what in a server, and when.

`record` takes the open transaction's connection, so the entry commits or rolls back with the change
it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_storage, to_storage
from bot.db.database import Database

AUDIT_PAGE = 25


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    guild_id: int
    actor_id: int | None
    action: str
    detail: str
    created_at: datetime


async def record(
    connection: aiosqlite.Connection,
    *,
    guild_id: int,
    actor_id: int | None,
    action: str,
    detail: str,
    now: datetime,
) -> None:
    """Write one entry inside the caller's transaction. ``action`` is a short code like "tip.add"."""
    await connection.execute(
        "INSERT INTO audit_log (guild_id, actor_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, detail, to_storage(now)),
    )


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def recent(self, guild_id: int, limit: int = AUDIT_PAGE) -> list[AuditEntry]:
        """The server's newest entries first."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT id, guild_id, actor_id, action, detail, created_at FROM audit_log "
            "WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            AuditEntry(
                id=row["id"],
                guild_id=row["guild_id"],
                actor_id=row["actor_id"],
                action=row["action"],
                detail=row["detail"],
                created_at=from_storage(row["created_at"]),
            )
            for row in rows
        ]
