"""What Latch stores about members and servers, and the rules for erasing it.

Each feature that stores something about members declares it (``REMINDER_DATA``, ``SUGGESTION_DATA``,
``CURATION_DATA``): every column that names a member, with what ``/privacy delete`` does to it. Delete
the row (reminders, deliveries, their settings), or keep the row and forget the person (a suggestion or
an audit entry keeps its content and loses its author; a server tip loses its credit). The feature's
service holds its declaration, and the privacy service erases what every registered service declares
(in the spirit of Red-DiscordBot's ``red_delete_data_for_user``). ``SERVER_DATA`` lists every table
holding a server's rows, erased 30 days after the bot leaves that server. ``NOT_A_MEMBER`` names the
columns that look like a member's id but are not one, with the reason.

The test suite compares the registry with the migrated schema, so a new table that names members or
servers cannot be added without saying how it is erased. The SQL lives in ``bot.db.privacy``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bot.clock import to_storage

EXPORT_SCHEMA_VERSION = 1
EXPORT_FILENAME = "latch-my-data.json"

SERVER_DATA_RETENTION = timedelta(days=30)  # after the bot leaves a server
DELIVERY_RETENTION = timedelta(days=30)  # reminder delivery records
RETENTION_JOB_ID = "privacy-retention"
RETENTION_HOUR_UTC = 3  # the daily job runs at 03:20 UTC, a quiet hour for most servers
RETENTION_MINUTE = 20

# Column names that usually hold a member's id: every such column in the schema must be in USER_DATA
# or in NOT_A_MEMBER.
_MEMBER_COLUMN = re.compile(
    r"(user_id|author_id|actor_id|member_id|owner_id|reviewer_id|moderator_id|_by|_by_id)$|^credit"
)


class Erase(Enum):
    DELETE_ROW = "delete the row"
    FORGET_PERSON = "keep the row, set the column to NULL"


@dataclass(frozen=True, slots=True)
class UserData:
    """One column naming a member, and how /privacy delete erases it.

    ``via`` selects rows that belong to the member through another table (an SQL condition using
    ``:user_id``); by default the rows are those whose ``column`` holds the member's id. With
    FORGET_PERSON, ``column`` and every column in ``also_clear`` (a display name) become NULL.
    """

    kind: str  # the section of the export and the view
    table: str
    column: str
    erase: Erase
    also_clear: tuple[str, ...] = ()
    via: str | None = None

    @property
    def condition(self) -> str:
        return self.via if self.via is not None else f"{self.column} = :user_id"

    @property
    def cleared_columns(self) -> tuple[str, ...]:
        return (self.column, *self.also_clear)


@dataclass(frozen=True, slots=True)
class ServerData:
    """Rows a server owns, selected by ``condition`` with ``:guild_id``.

    DELETE_ROW erases them; FORGET_PERSON keeps them and sets ``guild_id`` to NULL (a member's own
    reminder delivered by DM stays theirs when the server it was made in goes away).
    """

    table: str
    condition: str = "guild_id = :guild_id"
    erase: Erase = Erase.DELETE_ROW


# Within a declaration, rows reached through another table come before that table's rows.
REMINDER_DATA: tuple[UserData, ...] = (
    UserData(
        "reminder_deliveries",
        "reminder_deliveries",
        "reminder_id",
        Erase.DELETE_ROW,
        via="reminder_id IN (SELECT id FROM reminders WHERE user_id = :user_id)",
    ),
    # A share names two people: either one's erasure removes it (and the declines between them).
    UserData("reminder_shares", "reminder_shares", "owner_id", Erase.DELETE_ROW),
    UserData("reminders_shared_with_you", "reminder_shares", "caregiver_id", Erase.DELETE_ROW),
    UserData("share_declines", "share_declines", "owner_id", Erase.DELETE_ROW),
    UserData("share_declines_by_you", "share_declines", "caregiver_id", Erase.DELETE_ROW),
    UserData("reminders", "reminders", "user_id", Erase.DELETE_ROW),
    UserData("pump_settings", "pump_users", "user_id", Erase.DELETE_ROW),
)
SUGGESTION_DATA: tuple[UserData, ...] = (
    UserData("suggestions", "tip_suggestions", "user_id", Erase.FORGET_PERSON, also_clear=("credit_name",)),
    UserData("suggestions_reviewed", "tip_suggestions", "reviewer_id", Erase.FORGET_PERSON),
)
CURATION_DATA: tuple[UserData, ...] = (
    UserData(
        "tip_credits", "server_tips", "credit_user_id", Erase.FORGET_PERSON, also_clear=("credit_name",)
    ),
    UserData("server_tips", "server_tips", "created_by", Erase.FORGET_PERSON),
    UserData("audit_entries", "audit_log", "actor_id", Erase.FORGET_PERSON),
)

SERVER_DATA: tuple[ServerData, ...] = (
    # Reminders delivered in the server's channels go; DM reminders made there stay their owner's.
    ServerData(
        "reminder_deliveries",
        "reminder_id IN (SELECT id FROM reminders WHERE guild_id = :guild_id AND channel_id IS NOT NULL)",
    ),
    ServerData("reminders", "guild_id = :guild_id AND channel_id IS NOT NULL"),
    ServerData("reminders", erase=Erase.FORGET_PERSON),
    ServerData("server_resources"),
    ServerData("tip_suggestions"),
    ServerData("server_tips"),
    ServerData("server_tip_generations"),
    ServerData("tip_schedules"),
    ServerData("tip_rotation"),
    ServerData("search_index"),
    ServerData("audit_log"),
    ServerData("guild_settings"),
    ServerData("departed_guilds"),  # last: the record that the server's data is still waiting
)

# The tables whose guild_id names the server that owns the row (departed_guilds aside).
SERVER_KEYED_TABLES: tuple[str, ...] = tuple(
    dict.fromkeys(
        entry.table
        for entry in SERVER_DATA
        if entry.condition.startswith("guild_id") and entry.table != "departed_guilds"
    )
)

NOT_A_MEMBER: Mapping[tuple[str, str], str] = {
    ("reminder_deliveries", "claimed_by"): "the id of the bot process sending the reminder, not a member's",
    ("tip_schedules", "claimed_by"): "the id of the bot process making the post, not a member's",
}


def looks_like_member_column(column: str) -> bool:
    return _MEMBER_COLUMN.search(column.lower()) is not None


def registered_member_columns(user_data: Iterable[UserData]) -> set[tuple[str, str]]:
    return {(entry.table, column) for entry in user_data for column in entry.cleared_columns}


def unregistered_member_columns(
    schema: Mapping[str, Iterable[str]], user_data: Iterable[UserData]
) -> list[tuple[str, str]]:
    """(table, column) pairs in ``schema`` that look like a member's id and that no declaration covers."""
    known = registered_member_columns(user_data) | set(NOT_A_MEMBER)
    return sorted(
        (table, column)
        for table, columns in schema.items()
        for column in columns
        if looks_like_member_column(column) and (table, column) not in known
    )


def unregistered_server_tables(schema: Mapping[str, Iterable[str]]) -> list[str]:
    """Tables in ``schema`` with a ``guild_id`` column that SERVER_DATA does not erase."""
    known = {entry.table for entry in SERVER_DATA}
    return sorted(table for table, columns in schema.items() if "guild_id" in columns and table not in known)


# ------------------------------------------------------------------ retention


def departure_cutoff(now: datetime) -> datetime:
    """Servers left before this instant have their data erased."""
    return now - SERVER_DATA_RETENTION


def delivery_cutoff(now: datetime) -> datetime:
    """Delivery records scheduled before this instant are purged."""
    return now - DELIVERY_RETENTION


# ------------------------------------------------------------------ export and summaries


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return value


def export_document(
    user_id: int,
    sections: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    kinds: Iterable[str],
    about: str,
    now: datetime,
) -> dict[str, Any]:
    """The export: a schema version, when it was made, and every kind of row about the member.

    Every kind in ``kinds`` (what the registered services declare) is present, empty when nothing is
    stored; ``about`` is the sentence at the top, in the member's language.
    """
    data: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for kind, rows in sections.items():
        data.setdefault(kind, []).extend(
            {column: _json_value(value) for column, value in row.items()} for row in rows
        )
    return {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "generated_at": to_storage(now),
        "user_id": str(user_id),
        "about": about,
        "data": data,
    }


def export_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
