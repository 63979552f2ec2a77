"""Repository for `server_tips` (baseline revision): tips a server's own moderators curate.

Every change writes the tip, its /search row and an audit entry in one transaction. The same
transaction bumps the server's generation number (table server_tip_generations, revision 0014), which
tells the catalog to rebuild that server's tip index. The numbers are in the database, so a change made
by one process is seen by every other process sharing it. The catalog reads the generation before the
tips, so a cached index is never older than the generation it is kept under.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.content.search import SearchDocument
from bot.db import audit
from bot.db.database import Database, upsert
from bot.db.schema import server_tip_generations, server_tip_numbers, server_tips
from bot.db.search_index import index_server_document, unindex_server_document
from bot.domain.curation import Credit, ServerTip
from bot.domain.suggestions import TipDraft, card_id, summary_of

_EVERY_SERVER = -1  # a generation key no server has: moves every server's generation on
_CLOCK = -2  # the counter every generation is drawn from


def _one(guild_id: int, tip_id: int) -> Any:
    return select(server_tips).where(server_tips.c.guild_id == guild_id, server_tips.c.id == tip_id)


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
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _next_tip_number(connection: AsyncConnection) -> int:
    """The next tip number, never one given out before (revision 0010)."""
    highest = select(func.coalesce(func.max(server_tips.c.id), 0)).scalar_subquery()
    counter = server_tip_numbers.c.last_number
    number = await connection.scalar(
        update(server_tip_numbers)
        .values(last_number=case((counter >= highest, counter), else_=highest) + 1)
        .returning(server_tip_numbers.c.last_number)
    )
    if number is None:
        raise RuntimeError("the tip number counter is missing (revision 0010)")
    return int(number)


async def insert_tip(
    connection: AsyncConnection,
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
    tip_id = await _next_tip_number(connection)
    await connection.execute(
        insert(server_tips).values(
            id=tip_id,
            guild_id=guild_id,
            title=draft.title,
            body=draft.body,
            source_url=draft.source_url,
            credit_user_id=credit.user_id if credit else None,
            credit_name=credit.name if credit else None,
            created_by=actor_id,
            created_at=now,
            updated_at=now,
        )
    )
    await index_server_document(
        connection, server_tip_document(guild_id=guild_id, tip_id=tip_id, title=draft.title, body=draft.body)
    )
    data = {"tip": tip_id, "title": draft.title, "credited": credit is not None}
    await audit.record(connection, guild_id=guild_id, actor_id=actor_id, action=action, data=data, now=now)
    return tip_id


async def _bump(connection: AsyncConnection, key: int) -> None:
    """Give ``key`` the next number of the one counter every change draws from (row _CLOCK).

    Numbers are never drawn twice, so a server's generation differs from every one it had before, even
    after /privacy erased its row (the server's data) and it came back.
    """
    clock = upsert(connection, server_tip_generations).values(guild_id=_CLOCK, generation=1)
    drawn = await connection.scalar(
        clock.on_conflict_do_update(
            index_elements=[server_tip_generations.c.guild_id],
            set_={"generation": server_tip_generations.c.generation + 1},
        ).returning(server_tip_generations.c.generation)
    )
    statement = upsert(connection, server_tip_generations).values(guild_id=key, generation=drawn)
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=[server_tip_generations.c.guild_id],
            set_={"generation": statement.excluded.generation},
        )
    )


class ServerTipsRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def generation(self, guild_id: int) -> int:
        """A number that changes whenever the server's tips may have changed (one read by primary key):
        the later of the server's and every server's last change."""
        total = await self._db.scalar(
            select(func.coalesce(func.max(server_tip_generations.c.generation), 0)).where(
                server_tip_generations.c.guild_id.in_((guild_id, _EVERY_SERVER))
            )
        )
        return int(total or 0)

    async def changed(self, guild_id: int | None = None) -> None:
        """Tips changed outside this repository (None: in any server), e.g. credit names erased."""
        async with self._db.transaction() as connection:
            await _bump(connection, _EVERY_SERVER if guild_id is None else guild_id)

    @asynccontextmanager
    async def changing(self, guild_id: int) -> AsyncIterator[AsyncConnection]:
        """A transaction that may change the server's tips; it bumps the server's generation, so every
        process's catalog re-reads them once it commits (and none does if it rolls back)."""
        async with self._db.transaction() as connection:
            await _bump(connection, guild_id)
            yield connection

    async def list(self, guild_id: int) -> list[ServerTip]:
        """The server's tips, oldest first."""
        rows = await self._db.fetch_all(
            select(server_tips).where(server_tips.c.guild_id == guild_id).order_by(server_tips.c.id)
        )
        return [_from_row(row) for row in rows]

    async def get(self, guild_id: int, tip_id: int) -> ServerTip | None:
        """One tip of this server (None for another server's tip: ids are never shared across servers)."""
        row = await self._db.fetch_one(_one(guild_id, tip_id))
        return _from_row(row) if row is not None else None

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
            result = await connection.execute(
                update(server_tips)
                .where(server_tips.c.guild_id == guild_id, server_tips.c.id == tip_id)
                .values(title=draft.title, body=draft.body, source_url=draft.source_url, updated_at=now)
            )
            if result.rowcount == 0:
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
            row = (await connection.execute(_one(guild_id, tip_id))).mappings().first()
            if row is None:
                return None
            removed = _from_row(row)
            await connection.execute(delete(server_tips).where(server_tips.c.id == tip_id))
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
