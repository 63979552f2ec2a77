"""Repository for `guild_settings`: each server's choices, with defaults for servers that made none."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.clock import to_storage
from bot.db import audit
from bot.db.database import Database
from bot.domain.curation import SETTING_NAMES, GuildSettings


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


class GuildSettingsRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, guild_id: int) -> GuildSettings:
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)
            )
        )
        return _from_row(rows[0]) if rows else GuildSettings(guild_id=guild_id)

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
            rows = list(
                await connection.execute_fetchall(
                    "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)
                )
            )
            before = _from_row(rows[0]) if rows else GuildSettings(guild_id=guild_id)
            after = replace(before, **changes)
            await connection.execute(
                "INSERT INTO guild_settings (guild_id, review_channel_id, mod_role_id, timezone, region, "
                "allow_channel_reminders, allow_invites, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET review_channel_id = excluded.review_channel_id, "
                "mod_role_id = excluded.mod_role_id, timezone = excluded.timezone, region = excluded.region, "
                "allow_channel_reminders = excluded.allow_channel_reminders, "
                "allow_invites = excluded.allow_invites, updated_at = excluded.updated_at",
                (
                    guild_id,
                    after.review_channel_id,
                    after.mod_role_id,
                    after.timezone,
                    after.region,
                    int(after.allow_channel_reminders),
                    int(after.allow_invites),
                    to_storage(now),
                ),
            )
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
