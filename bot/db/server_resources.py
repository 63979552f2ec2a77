"""Repository for `server_resources`: support resources a server's moderators added (migration 0005).

Every add and remove writes its audit entry and its /search row in the same transaction, so search
never shows a resource that was rolled back. Search rows are kind "resource" with ref ``server-<id>``.
The callers check the fields (``bot.resources`` for lengths, topic and region, ``bot.urls`` for the
link) before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import from_storage, to_storage
from bot.content.models import RESOURCE_TOPICS
from bot.content.search import SearchDocument
from bot.db import audit
from bot.db.database import Database
from bot.db.search_index import index_server_document, unindex_server_document
from bot.domain.curation import (
    MAX_RESOURCES_PER_SERVER,
    DuplicateResourceName,
    ServerResource,
    ServerResourceLimit,
    resource_search_ref,
)

_SELECT = "SELECT id, guild_id, name, url, description, topic, region, created_at FROM server_resources"


def search_document(resource: ServerResource) -> SearchDocument:
    """The /search row of a server resource, visible only in its server."""
    return SearchDocument(
        kind="resource",
        ref=resource_search_ref(resource.id),
        title=resource.name,
        aliases="",
        summary=resource.description,
        body=" · ".join((RESOURCE_TOPICS.get(resource.topic, resource.topic), resource.region, resource.url)),
        guild_id=resource.guild_id,
    )


def _from_row(row: Any) -> ServerResource:
    return ServerResource(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        url=row["url"],
        description=row["description"],
        topic=row["topic"],
        region=row["region"],
        created_at=from_storage(row["created_at"]),
    )


class ServerResourceRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def list(self, guild_id: int) -> list[ServerResource]:
        """The server's resources, oldest first."""
        rows = await self._db.connection.execute_fetchall(
            _SELECT + " WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
        return [_from_row(row) for row in rows]

    async def get(self, guild_id: int, resource_id: int) -> ServerResource | None:
        rows = list(
            await self._db.connection.execute_fetchall(
                _SELECT + " WHERE guild_id = ? AND id = ?",
                (guild_id, resource_id),
            )
        )
        return _from_row(rows[0]) if rows else None

    async def add(
        self,
        *,
        guild_id: int,
        name: str,
        url: str,
        description: str,
        topic: str,
        region: str,
        actor_id: int,
        now: datetime,
    ) -> ServerResource:
        """Store a resource and audit it, in one transaction.

        Raises DuplicateResourceName or ServerResourceLimit before anything is written.
        """
        async with self._db.transaction() as connection:
            rows = await connection.execute_fetchall(
                "SELECT count(*) AS n, coalesce(sum(name = ? COLLATE NOCASE), 0) AS same "
                "FROM server_resources WHERE guild_id = ?",
                (name, guild_id),
            )
            counted = next(iter(rows))
            if counted["same"]:
                raise DuplicateResourceName(name)
            if counted["n"] >= MAX_RESOURCES_PER_SERVER:
                raise ServerResourceLimit()
            cursor = await connection.execute(
                "INSERT INTO server_resources (guild_id, name, url, description, topic, region, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, name, url, description, topic, region, to_storage(now)),
            )
            resource_id = cursor.lastrowid
            if resource_id is None:
                raise RuntimeError("the insert returned no row id")
            added = ServerResource(resource_id, guild_id, name, url, description, topic, region, now)
            await index_server_document(connection, search_document(added))
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="resource.add",
                data={"resource": resource_id, "name": name, "topic": topic, "region": region, "url": url},
                now=now,
            )
        return added

    async def remove(
        self, guild_id: int, resource_id: int, *, actor_id: int, now: datetime
    ) -> ServerResource | None:
        """Delete one of the server's resources and audit it; None (nothing written) if there is none."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    _SELECT + " WHERE guild_id = ? AND id = ?",
                    (guild_id, resource_id),
                )
            )
            if not rows:
                return None
            removed = _from_row(rows[0])
            await connection.execute("DELETE FROM server_resources WHERE id = ?", (resource_id,))
            await unindex_server_document(connection, guild_id, "resource", resource_search_ref(resource_id))
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=actor_id,
                action="resource.remove",
                data={"resource": removed.id, "name": removed.name, "url": removed.url},
                now=now,
            )
        return removed
