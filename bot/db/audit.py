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

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.database import Database
from bot.db.schema import audit_log
from bot.domain.curation import AuditEntry
from bot.limits import LIST_LIMIT

AUDIT_PAGE = LIST_LIMIT


async def record(
    connection: AsyncConnection,
    *,
    guild_id: int,
    actor_id: int | None,
    action: str,
    data: Mapping[str, Any],
    now: datetime,
) -> None:
    """Write one entry inside the caller's transaction."""
    await connection.execute(
        insert(audit_log).values(
            guild_id=guild_id,
            actor_id=actor_id,
            action=action,
            detail=json.dumps(dict(data), ensure_ascii=False),
            created_at=now,
        )
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
        rows = await self._db.fetch_all(
            select(audit_log)
            .where(audit_log.c.guild_id == guild_id)
            .order_by(audit_log.c.id.desc())
            .limit(limit)
        )
        return [
            AuditEntry(
                id=row["id"],
                guild_id=row["guild_id"],
                actor_id=row["actor_id"],
                action=row["action"],
                data=_data(row["detail"]),
                created_at=row["created_at"],
            )
            for row in rows
        ]
