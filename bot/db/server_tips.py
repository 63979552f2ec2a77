"""Repository for `server_tips` (migration 0006): tips a server's own moderators curate.

Every change writes the tip, its /search row and an audit entry in one transaction. Each change also
bumps the server's generation number (before and after the transaction, so a read made while it was
open is never kept), which tells the catalog to rebuild that server's tip index. The numbers live on
this repository, which the bot builds once (`bot.services`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_storage, to_storage
from bot.content.search import SearchDocument
from bot.db import audit
from bot.db.database import Database
from bot.db.search_index import index_server_document, unindex_server_document
from bot.domain.curation import Credit, ServerTip
from bot.domain.suggestions import TipDraft, card_id, summary_of

_SELECT_ONE = (
    "SELECT id, guild_id, title, body, source_url, credit_user_id, credit_name, created_by, created_at, "
    "updated_at FROM server_tips WHERE guild_id = ? AND id = ?"
)
_SELECT_ALL = (
    "SELECT id, guild_id, title, body, source_url, credit_user_id, credit_name, created_by, created_at, "
    "updated_at FROM server_tips WHERE guild_id = ? ORDER BY id"
)
_EVERY_SERVER = -1  # a counter key no server has: moves every server's generation on


def server_tip_document(*, guild_id: int, tip_id: int, title: str, body: str) -> SearchDocument:
    """A server's own tip, searchable only in that server."""
    return SearchDocument(
        kind="server-tip",
        ref=card_id(tip_id),
        title=title,
        aliases="",
        summary=summary_of(body),
        body=body,
        guild_id=guild_id,
    )


def _from_row(row: Any) -> ServerTip:
    return ServerTip(
        id=row["id"],
        guild_id=row["guild_id"],
        title=row["title"],
        body=row["body"],
        source_url=row["source_url"],
        credit_user_id=row["credit_user_id"],
        credit_name=row["credit_name"],
        created_by=row["created_by"],
        created_at=from_storage(row["created_at"]),
        updated_at=from_storage(row["updated_at"]),
    )


async def _next_tip_number(connection: aiosqlite.Connection) -> int:
    """The next tip number, never one given out before (migration 0010)."""
    async with connection.execute(
        "UPDATE server_tip_numbers SET last_number = "
        "MAX(last_number, (SELECT COALESCE(MAX(id), 0) FROM server_tips)) + 1 RETURNING last_number"
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise RuntimeError("the tip number counter is missing (migration 0010)")
    return int(row[0])


async def insert_tip(
    connection: aiosqlite.Connection,
    *,
    guild_id: int,
    draft: TipDraft,
    actor_id: int,
    now: datetime,
    credit: Credit | None = None,
    action: str = "tip.add",
) -> int:
    """Add a tip inside the caller's transaction (see ``ServerTipsRepository.changing``): row, search
    row, audit."""
    stamp = to_storage(now)
    tip_id = await _next_tip_number(connection)
    await connection.execute(
        "INSERT INTO server_tips (id, guild_id, title, body, source_url, credit_user_id, credit_name, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tip_id,
            guild_id,
            draft.title,
            draft.body,
            draft.source_url,
            credit.user_id if credit else None,
            credit.name if credit else None,
            actor_id,
            stamp,
            stamp,
        ),
    )
    await index_server_document(
        connection, server_tip_document(guild_id=guild_id, tip_id=tip_id, title=draft.title, body=draft.body)
    )
    data = {"tip": tip_id, "title": draft.title, "credited": credit is not None}
    await audit.record(connection, guild_id=guild_id, actor_id=actor_id, action=action, data=data, now=now)
    return tip_id


class ServerTipsRepository:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._generations: dict[int, int] = {}

    def generation(self, guild_id: int) -> int:
        """A number that grows whenever the server's tips may have changed."""
        return self._generations.get(_EVERY_SERVER, 0) + self._generations.get(guild_id, 0)

    def changed(self, guild_id: int | None = None) -> None:
        """Tips changed outside this repository (None: in any server), e.g. credit names erased."""
        key = _EVERY_SERVER if guild_id is None else guild_id
        self._generations[key] = self._generations.get(key, 0) + 1

    @asynccontextmanager
    async def changing(self, guild_id: int) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction that may change the server's tips; the catalog re-reads them afterwards."""
        self.changed(guild_id)
        try:
            async with self._db.transaction() as connection:
                yield connection
        finally:
            self.changed(guild_id)

    async def list(self, guild_id: int) -> list[ServerTip]:
        """The server's tips, oldest first."""
        rows = await self._db.connection.execute_fetchall(_SELECT_ALL, (guild_id,))
        return [_from_row(row) for row in rows]

    async def get(self, guild_id: int, tip_id: int) -> ServerTip | None:
        """One tip of this server (None for another server's tip: ids are never shared across servers)."""
        rows = list(await self._db.connection.execute_fetchall(_SELECT_ONE, (guild_id, tip_id)))
        return _from_row(rows[0]) if rows else None

    async def add(self, guild_id: int, draft: TipDraft, *, actor_id: int, now: datetime) -> ServerTip:
        async with self.changing(guild_id) as connection:
            tip_id = await insert_tip(connection, guild_id=guild_id, draft=draft, actor_id=actor_id, now=now)
        tip = await self.get(guild_id, tip_id)
        if tip is None:
            raise RuntimeError(f"tip #{tip_id} vanished right after it was added")
        return tip

    async def update(
        self, guild_id: int, tip_id: int, draft: TipDraft, *, actor_id: int, now: datetime
    ) -> ServerTip | None:
        """Replace a tip's title, body and source; None (and nothing written) if it is not this server's."""
        async with self.changing(guild_id) as connection:
            cursor = await connection.execute(
                "UPDATE server_tips SET title = ?, body = ?, source_url = ?, updated_at = ? "
                "WHERE guild_id = ? AND id = ?",
                (draft.title, draft.body, draft.source_url, to_storage(now), guild_id, tip_id),
            )
            if cursor.rowcount == 0:
                return None
            await index_server_document(
                connection,
                server_tip_document(guild_id=guild_id, tip_id=tip_id, title=draft.title, body=draft.body),
            )
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="tip.edit",
                data={"tip": tip_id, "title": draft.title},
                now=now,
            )
        return await self.get(guild_id, tip_id)

    async def remove(self, guild_id: int, tip_id: int, *, actor_id: int, now: datetime) -> ServerTip | None:
        """Delete a tip; returns what was deleted, or None (nothing written) if it is not this server's."""
        async with self.changing(guild_id) as connection:
            rows = list(await connection.execute_fetchall(_SELECT_ONE, (guild_id, tip_id)))
            if not rows:
                return None
            removed = _from_row(rows[0])
            await connection.execute("DELETE FROM server_tips WHERE id = ?", (tip_id,))
            await unindex_server_document(connection, guild_id, "server-tip", card_id(tip_id))
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="tip.remove",
                data={"tip": tip_id, "title": removed.title},
                now=now,
            )
        return removed
