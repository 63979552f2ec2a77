"""Who may curate a server: pure rules shared by every /curate subcommand and review button."""

from __future__ import annotations

from collections.abc import Iterable

NOT_A_CURATOR = (
    "Only moderators can do that: you need the Manage Server permission or this server's moderator role."
)


def is_curator(*, manage_guild: bool, role_ids: Iterable[int], mod_role_id: int | None) -> bool:
    """Manage Server, or the moderator role a server chose with /curate settings."""
    return manage_guild or (mod_role_id is not None and mod_role_id in set(role_ids))
