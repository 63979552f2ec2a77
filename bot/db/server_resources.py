"""Repository for `server_resources`: support resources a server's moderators added (migration 0005).

Every add and remove writes its audit entry and its /search row in the same transaction, so search
never shows a resource that was rolled back. Search rows are kind "resource" with ref ``server-<id>``.
The callers check the fields (``bot.resources`` for lengths, topic and region, ``bot.urls`` for the
link) before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from bot.content.models import RESOURCE_TOPICS
from bot.content.search import SearchDocument
from bot.db import audit
from bot.db.database import Database
from bot.db.schema import server_resources
from bot.db.search_index import index_server_document, unindex_server_document
from bot.domain.curation import (
    MAX_RESOURCES_PER_SERVER,
    DuplicateResourceName,
    ServerResource,
    ServerResourceLimit,
    resource_search_ref,
)


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
        created_at=row["created_at"],
    )


def _one(guild_id: int, resource_id: int) -> Any:
    return select(server_resources).where(
        server_resources.c.guild_id == guild_id, server_resources.c.id == resource_id
    )


class ServerResourceRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def list(self, guild_id: int) -> list[ServerResource]:
        """The server's resources, oldest first."""
        rows = await self._db.fetch_all(
            select(server_resources)
            .where(server_resources.c.guild_id == guild_id)
            .order_by(server_resources.c.id)
        )
        return [_from_row(row) for row in rows]

    async def get(self, guild_id: int, resource_id: int) -> ServerResource | None:
        row = await self._db.fetch_one(_one(guild_id, resource_id))
        return _from_row(row) if row is not None else None

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
        same_name = func.lower(server_resources.c.name) == func.lower(name)
        async with self._db.transaction() as connection:
            counted = (
                (
                    await connection.execute(
                        select(
                            func.count().label("n"),
                            func.count().filter(same_name).label("same"),
                        ).where(server_resources.c.guild_id == guild_id)
                    )
                )
                .mappings()
                .one()
            )
            if counted["same"]:
                raise DuplicateResourceName(name)
            if counted["n"] >= MAX_RESOURCES_PER_SERVER:
                raise ServerResourceLimit()
            resource_id = await connection.scalar(
                insert(server_resources)
                .values(
                    guild_id=guild_id,
                    name=name,
                    url=url,
                    description=description,
                    topic=topic,
                    region=region,
                    created_at=now,
                )
                .returning(server_resources.c.id)
            )
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
            row = (await connection.execute(_one(guild_id, resource_id))).mappings().first()
            if row is None:
                return None
            removed = _from_row(row)
            await connection.execute(delete(server_resources).where(server_resources.c.id == resource_id))
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
