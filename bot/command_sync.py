"""Sync the slash-command tree only when it changed.

Discord allows 200 command creates a day per server, and every restart would otherwise spend some.
The tree is rendered to canonical JSON and hashed; the hash of the last successful sync is stored
per scope (global, or one dev server), and a sync happens only when the hash differs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.clock import Clock
from bot.db.app_state import AppStateRepository

log = logging.getLogger(__name__)


def tree_payload(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> list[Any]:
    commands = tree.get_commands(guild=guild)
    payload = [command.to_dict(tree) for command in commands]
    return sorted(payload, key=lambda item: (int(item.get("type", 1)), str(item["name"])))


def tree_hash(payload: list[Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def scope_key(guild_id: int | None) -> str:
    return "command_tree_hash:global" if guild_id is None else f"command_tree_hash:guild:{guild_id}"


async def sync_if_changed(
    tree: app_commands.CommandTree[Any],
    state: AppStateRepository,
    clock: Clock,
    dev_guild_ids: list[int],
) -> list[str]:
    """Sync each scope whose tree changed; return the scopes that were synced.

    With dev servers configured, the global commands are copied to each of them and synced there
    (instant for developers) instead of globally.
    """
    scopes: list[int | None] = list(dev_guild_ids) if dev_guild_ids else [None]
    synced: list[str] = []
    for guild_id in scopes:
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            tree.copy_global_to(guild=guild)
        digest = tree_hash(tree_payload(tree, guild))
        key = scope_key(guild_id)
        if await state.get(key) == digest:
            log.info("command tree unchanged for %s; skipping sync", key)
            continue
        try:
            await tree.sync(guild=guild)
        except discord.HTTPException:
            log.exception("command sync failed for %s; will retry on next start", key)
            continue
        await state.set(key, digest, now=clock.now())
        log.info("synced commands for %s", key)
        synced.append(key)
    return synced
