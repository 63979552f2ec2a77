"""What moderators shape in their server, as values: settings, audit entries, server tips and resources.

Also the rule of who may curate. The repositories in `bot.db` read and write these; `bot.ui` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from bot.domain.suggestions import card_id
from bot.errors import Refusal, Typed

MAX_RESOURCES_PER_SERVER = 100  # keeps /resources, the list and autocomplete readable


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    review_channel_id: int | None = None
    mod_role_id: int | None = None
    timezone: str = "UTC"
    region: str = "global"
    allow_channel_reminders: bool = False
    allow_invites: bool = False


SETTING_NAMES: tuple[str, ...] = tuple(
    setting.name for setting in fields(GuildSettings) if setting.name != "guild_id"
)


def is_curator(*, manage_guild: bool, role_ids: Iterable[int], mod_role_id: int | None) -> bool:
    """Manage Server, or the moderator role a server chose with /curate settings."""
    return manage_guild or (mod_role_id is not None and mod_role_id in set(role_ids))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change a moderator (or Latch itself) made: ``action`` is a code such as "tip.add", ``data``
    the facts of it (ids, titles, channels); `bot.ui.curation` words them."""

    id: int
    guild_id: int
    actor_id: int | None
    action: str
    data: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ServerTip:
    id: int
    guild_id: int
    title: str
    body: str
    source_url: str | None
    credit_user_id: int | None
    credit_name: str | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def card_id(self) -> str:
        return card_id(self.id)


@dataclass(frozen=True, slots=True)
class Credit:
    """The member a tip is credited to (only when they asked for credit)."""

    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ServerResource:
    id: int
    guild_id: int
    name: str
    url: str
    description: str
    topic: str
    region: str
    created_at: datetime


class DuplicateResourceName(Refusal):
    """This server already has a resource with that name (case-insensitive)."""

    def __init__(self, name: str) -> None:
        super().__init__("resource.duplicate_name", name=Typed(name))


class ServerResourceLimit(Refusal):
    """This server already has MAX_RESOURCES_PER_SERVER resources."""

    def __init__(self) -> None:
        super().__init__("resource.limit", limit=MAX_RESOURCES_PER_SERVER)


def resource_search_ref(resource_id: int) -> str:
    """The search index ref of a server resource (library resource ids never start with "server-")."""
    return f"server-{resource_id}"


def parse_resource_search_ref(ref: str) -> int | None:
    """The server resource id in a search ref, or None for a library resource."""
    prefix, _dash, number = ref.partition("-")
    return int(number) if prefix == "server" and number.isdigit() else None
