"""/resources: which support organisations, helplines and crisis lines a member sees, in which order.

The region is the one asked for, else the server's setting ("global" in DMs and in servers Latch is not
in); a server's own resources come after the built-in ones. The rules are `bot.domain.resources`.
"""

from __future__ import annotations

from bot.content.loader import ContentLibrary
from bot.content.models import GLOBAL_REGION, Resource
from bot.curation.service import CurationService
from bot.domain.resources import (
    Group,
    ResourceEntry,
    library_entry,
    parse_region,
    select_groups,
    server_entry,
)


class ResourceService:
    def __init__(self, library: ContentLibrary, curation: CurationService) -> None:
        self.library = library
        self.curation = curation
        self.library_entries = tuple(library_entry(resource) for resource in library.resources)

    async def region_for(self, guild_id: int | None, typed: str | None) -> str:
        """The region a member asked for, else their server's, else global."""
        if typed is not None and typed.strip():
            return parse_region(typed)
        if guild_id is None:
            return GLOBAL_REGION
        return (await self.curation.settings(guild_id)).region

    async def groups(self, guild_id: int | None, *, topic: str | None, region: str) -> list[Group]:
        server: list[ResourceEntry] = []
        if guild_id is not None:
            server = [
                server_entry(r.id, r.name, r.url, r.description, r.topic, r.region)
                for r in await self.curation.resources(guild_id)
            ]
        return select_groups(self.library_entries, server, topic=topic, region=region)

    def library_resource(self, resource_id: str) -> Resource | None:
        return self.library.resource(resource_id)
