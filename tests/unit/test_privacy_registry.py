"""The declared lists of member and server data cover the real schema, and the rules around them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect

from bot.clock import SystemClock
from bot.config import Settings
from bot.content.loader import load_library
from bot.db.database import Database
from bot.domain.privacy import (
    EXPORT_SCHEMA_VERSION,
    NOT_A_MEMBER,
    SERVER_DATA,
    Erase,
    UserData,
    delivery_cutoff,
    departure_cutoff,
    export_bytes,
    export_document,
    looks_like_member_column,
    unregistered_member_columns,
    unregistered_server_tables,
)
from bot.services import Services
from bot.ui.privacy_views import ERASED_LABELS, erase_summary

NOW = datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


async def migrated_columns(database: Database) -> dict[str, dict[str, bool]]:
    """Every real table of the migrated database: its columns and whether each takes NULL (FTS5's
    shadow tables and Alembic's own left out)."""

    def read(connection: Any) -> dict[str, dict[str, bool]]:
        inspector = inspect(connection)
        return {
            name: {column["name"]: bool(column["nullable"]) for column in inspector.get_columns(name)}
            for name in inspector.get_table_names()
            if not name.startswith("search_index_") and name != "alembic_version"
        }

    async with database.read() as connection:
        return await connection.run_sync(read)


@pytest.fixture
async def schema(any_database: Database) -> dict[str, list[str]]:
    return {table: list(columns) for table, columns in (await migrated_columns(any_database)).items()}


async def registered_user_data(path: Path) -> tuple[UserData, ...]:
    """What the bot's privacy service erases: every declaration its services registered."""
    database = await Database.open(path)
    try:
        library = load_library(Settings(_env_file=None).content_dir)
        services = Services.build(database, library, SystemClock(lambda: NOW))
        return services.privacy.user_data
    finally:
        await database.close()


@pytest.fixture
async def user_data(tmp_path: Path) -> tuple[UserData, ...]:
    return await registered_user_data(tmp_path / "registry.sqlite3")


async def test_every_column_naming_a_member_is_declared(
    schema: dict[str, list[str]], user_data: tuple[UserData, ...]
) -> None:
    assert unregistered_member_columns(schema, user_data) == [], (
        "a table stores a member's id without saying how /privacy delete erases it: declare it in "
        "bot/domain/privacy.py for the service that owns it (or in NOT_A_MEMBER with the reason)"
    )


async def test_every_table_keyed_by_a_server_is_erased_with_the_server(schema: dict[str, list[str]]) -> None:
    assert unregistered_server_tables(schema) == [], (
        "a table stores a server's rows that are never erased after the bot leaves: "
        "add it to SERVER_DATA in bot/privacy.py"
    )


async def test_every_declared_table_and_column_exists(
    schema: dict[str, list[str]], user_data: tuple[UserData, ...]
) -> None:
    for entry in user_data:
        assert entry.table in schema, entry
        for column in entry.cleared_columns:
            assert column in schema[entry.table], entry
    for server_entry in SERVER_DATA:
        assert server_entry.table in schema, server_entry
    for table, column in NOT_A_MEMBER:
        assert column in schema.get(table, []), (table, column)


async def test_forgotten_columns_accept_null(any_database: Database, user_data: tuple[UserData, ...]) -> None:
    """A column that /privacy delete sets to NULL must not be NOT NULL."""
    tables = await migrated_columns(any_database)
    for entry in user_data:
        if entry.erase is not Erase.FORGET_PERSON:
            continue
        for column in entry.cleared_columns:
            assert tables[entry.table][column], f"{entry.table}.{column} is NOT NULL but is forgotten"


async def test_a_new_table_with_a_member_column_is_caught(user_data: tuple[UserData, ...]) -> None:
    schema = {"new_feature": ["id", "guild_id", "author_id", "created_at"], "audit_log": ["actor_id"]}

    assert unregistered_member_columns(schema, user_data) == [("new_feature", "author_id")]
    assert unregistered_server_tables(schema) == ["new_feature"]


@pytest.mark.parametrize(
    "column",
    [
        "user_id",
        "author_id",
        "actor_id",
        "credit_user_id",
        "credit_name",
        "reviewer_id",
        "created_by",
        "owner_id",
    ],
)
def test_member_like_column_names(column: str) -> None:
    assert looks_like_member_column(column)


@pytest.mark.parametrize("column", ["id", "guild_id", "channel_id", "title", "review_message_id", "timezone"])
def test_other_column_names(column: str) -> None:
    assert not looks_like_member_column(column)


def test_retention_cutoffs_are_thirty_days_back() -> None:
    assert departure_cutoff(NOW) == NOW - timedelta(days=30)
    assert delivery_cutoff(NOW) == NOW - timedelta(days=30)


def test_export_has_a_schema_version_and_every_kind() -> None:
    kinds = ("reminders", "suggestions")
    document = export_document(
        42, {"reminders": [{"id": 1, "blob": b"\x01"}]}, kinds=kinds, about="About.", now=NOW
    )

    assert document["schema_version"] == EXPORT_SCHEMA_VERSION
    assert set(document["data"]) == set(kinds)
    assert document["about"] == "About."
    assert document["data"]["reminders"] == [{"id": 1, "blob": "01"}]
    assert json.loads(export_bytes(document)) == document


async def test_every_registered_kind_has_words_for_the_erase_summary(user_data: tuple[UserData, ...]) -> None:
    assert {entry.kind for entry in user_data} == set(ERASED_LABELS)


@given(st.dictionaries(st.sampled_from(sorted(ERASED_LABELS)), st.integers(min_value=0, max_value=10_000)))
def test_erase_summary_names_every_touched_kind(counts: dict[str, int]) -> None:
    summary = erase_summary(counts)
    for kind, count in counts.items():
        one, several = ERASED_LABELS[kind]
        assert (f"{count} {one if count == 1 else several}" in summary) == (count > 0)
    if not any(counts.values()):
        assert "Nothing was erased" in summary
