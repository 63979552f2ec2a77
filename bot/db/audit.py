"""Repository for `audit_log`: who changed what in a server, and when.

An entry is an action code ("tip.add") and its facts as JSON ({"tip": 3, "title": "…"}), never a
sentence: `bot.ui.curation` words them. `record` takes the open transaction's connection, so the entry
commits or rolls back with the change it describes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_storage, to_storage
from bot.db.database import Database
from bot.domain.curation import AuditEntry
from bot.limits import LIST_LIMIT

AUDIT_PAGE = LIST_LIMIT


async def record(
    connection: aiosqlite.Connection,
    *,
    guild_id: int,
    actor_id: int | None,
    action: str,
    data: Mapping[str, Any],
    now: datetime,
) -> None:
    """Write one entry inside the caller's transaction."""
    await connection.execute(
        "INSERT INTO audit_log (guild_id, actor_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, json.dumps(dict(data), ensure_ascii=False), to_storage(now)),
    )


def _data(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {"text": text}
    return data if isinstance(data, dict) else {"text": text}


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
                data=_data(row["detail"]),
                created_at=from_storage(row["created_at"]),
            )
            for row in rows
        ]
