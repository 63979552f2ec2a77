"""Repository for `guild_settings`: each server's choices, with defaults for servers that made none."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.db import audit
from bot.db.database import Database, upsert
from bot.db.schema import guild_settings
from bot.domain.curation import SETTING_NAMES, GuildSettings

_COLUMNS = (
    "review_channel_id",
    "mod_role_id",
    "timezone",
    "region",
    "allow_channel_reminders",
    "allow_invites",
)


def _from_row(row: Any) -> GuildSettings:
    return GuildSettings(
        guild_id=row["guild_id"],
        review_channel_id=row["review_channel_id"],
        mod_role_id=row["mod_role_id"],
        timezone=row["timezone"],
        region=row["region"],
        allow_channel_reminders=bool(row["allow_channel_reminders"]),
        allow_invites=bool(row["allow_invites"]),
    )


def _select(guild_id: int) -> Any:
    return select(guild_settings).where(guild_settings.c.guild_id == guild_id)


class GuildSettingsRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, guild_id: int) -> GuildSettings:
        row = await self._db.fetch_one(_select(guild_id))
        return _from_row(row) if row is not None else GuildSettings(guild_id=guild_id)

    async def update(
        self, guild_id: int, *, actor_id: int, now: datetime, **changes: Any
    ) -> tuple[GuildSettings, GuildSettings]:
        """Apply ``changes`` (setting name → value) and audit them, in one transaction.

        Returns (before, after). Unknown setting names raise ValueError before anything is written.
        """
        unknown = set(changes) - set(SETTING_NAMES)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        async with self._db.transaction() as connection:
            row = (await connection.execute(_select(guild_id))).mappings().first()
            before = _from_row(row) if row is not None else GuildSettings(guild_id=guild_id)
            after = replace(before, **changes)
            values = {name: getattr(after, name) for name in _COLUMNS}
            statement = upsert(connection, guild_settings).values(guild_id=guild_id, updated_at=now, **values)
            statement = statement.on_conflict_do_update(
                index_elements=[guild_settings.c.guild_id],
                set_={name: statement.excluded[name] for name in (*_COLUMNS, "updated_at")},
            )
            await connection.execute(statement)
            changed = [name for name in SETTING_NAMES if getattr(before, name) != getattr(after, name)]
            if changed:
                changed_values = [[name, getattr(before, name), getattr(after, name)] for name in changed]
                await audit.record(
                    connection,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="settings",
                    data={"changes": changed_values},
                    now=now,
                )
        return before, after
