"""Curation: what a server's moderators shape — settings, the audit log, server tips, server resources —
and the rule of who may do it.

Every change is audited in the same transaction as the change itself (the repositories do both). Checks
that need only the values come first, so bad input never leaves a half-written row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.clock import Clock
from bot.db.audit import AuditRepository
from bot.db.database import Database
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.server_resources import ServerResourceRepository
from bot.db.server_tips import ServerTipsRepository
from bot.domain.curation import (
    AuditEntry,
    GuildSettings,
    ServerResource,
    ServerTip,
    is_curator,
    parse_resource_search_ref,
)
from bot.domain.privacy import CURATION_DATA, UserData
from bot.domain.suggestions import TipDraft, parse_tip_number
from bot.errors import Refusal, Typed


class CurationService:
    user_data: tuple[UserData, ...] = CURATION_DATA

    def __init__(self, database: Database, clock: Clock) -> None:
        self.clock = clock
        self.settings_repository = GuildSettingsRepository(database)
        self.audit_repository = AuditRepository(database)
        self.server_tips = ServerTipsRepository(database)
        self.server_resources = ServerResourceRepository(database)

    # ------------------------------------------------------------------ who may curate

    async def require_curator(
        self, guild_id: int, *, manage_guild: bool, role_ids: Iterable[int]
    ) -> GuildSettings:
        """The server's settings when the caller may curate; otherwise a Refusal."""
        settings = await self.settings(guild_id)
        if not is_curator(manage_guild=manage_guild, role_ids=role_ids, mod_role_id=settings.mod_role_id):
            raise Refusal("curate.not_curator")
        return settings

    # ------------------------------------------------------------------ settings and audit

    async def settings(self, guild_id: int) -> GuildSettings:
        return await self.settings_repository.get(guild_id)

    async def update_settings(
        self, guild_id: int, *, actor_id: int, **changes: Any
    ) -> tuple[GuildSettings, GuildSettings]:
        """Apply and audit ``changes`` (setting name → value); returns (before, after)."""
        return await self.settings_repository.update(
            guild_id, actor_id=actor_id, now=self.clock.now(), **changes
        )

    async def audit(self, guild_id: int) -> list[AuditEntry]:
        return await self.audit_repository.recent(guild_id)

    # ------------------------------------------------------------------ server tips

    async def tips_generation(self, guild_id: int) -> int:
        return await self.server_tips.generation(guild_id)

    async def tips(self, guild_id: int) -> list[ServerTip]:
        """The server's own tips, oldest first."""
        return await self.server_tips.list(guild_id)

    async def tip(self, guild_id: int, typed: str) -> ServerTip:
        """The server's tip a moderator named ("12", "#12", "server-tip-12"); a Refusal otherwise."""
        number = parse_tip_number(typed)
        found = await self.server_tips.get(guild_id, number) if number is not None else None
        if found is None:
            raise Refusal("tip.unknown", typed=Typed(typed.strip()))
        return found

    async def tip_numbered(self, guild_id: int, tip_id: int) -> ServerTip | None:
        return await self.server_tips.get(guild_id, tip_id)

    async def add_tip(self, guild_id: int, draft: TipDraft, *, actor_id: int) -> ServerTip:
        return await self.server_tips.add(guild_id, draft, actor_id=actor_id, now=self.clock.now())

    async def edit_tip(self, guild_id: int, tip_id: int, draft: TipDraft, *, actor_id: int) -> ServerTip:
        updated = await self.server_tips.update(
            guild_id, tip_id, draft, actor_id=actor_id, now=self.clock.now()
        )
        if updated is None:
            raise Refusal("tip.removed_meanwhile", tip=tip_id)
        return updated

    async def remove_tip(self, guild_id: int, tip_id: int, *, actor_id: int) -> ServerTip:
        removed = await self.server_tips.remove(guild_id, tip_id, actor_id=actor_id, now=self.clock.now())
        if removed is None:
            raise Refusal("tip.unknown", typed=Typed(f"#{tip_id}"))
        return removed

    # ------------------------------------------------------------------ server resources

    async def resources(self, guild_id: int) -> list[ServerResource]:
        return await self.server_resources.list(guild_id)

    async def resource_by_search_ref(self, guild_id: int, ref: str) -> ServerResource | None:
        resource_id = parse_resource_search_ref(ref)
        if resource_id is None:
            return None
        return await self.server_resources.get(guild_id, resource_id)

    async def add_resource(
        self,
        guild_id: int,
        *,
        name: str,
        url: str,
        description: str,
        topic: str,
        region: str,
        actor_id: int,
    ) -> ServerResource:
        """Store and audit a resource whose fields were checked; a Refusal for a duplicate name or a
        full server."""
        return await self.server_resources.add(
            guild_id=guild_id,
            name=name,
            url=url,
            description=description,
            topic=topic,
            region=region,
            actor_id=actor_id,
            now=self.clock.now(),
        )

    async def remove_resource(self, guild_id: int, resource_id: int, *, actor_id: int) -> ServerResource:
        removed = await self.server_resources.remove(
            guild_id, resource_id, actor_id=actor_id, now=self.clock.now()
        )
        if removed is None:
            raise Refusal("resource.unknown")
        return removed

    # ------------------------------------------------------------------ privacy

    async def forget_user(self, user_id: int) -> None:
        """A member's credits and names were erased: every server's tip cards are built again."""
        await self.server_tips.changed()

    async def forget_server(self, guild_id: int) -> None:
        await self.server_tips.changed(guild_id)
