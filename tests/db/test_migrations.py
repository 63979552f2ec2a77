"""Alembic migrations on both engines, and the upgrade of a SQLite file made by the old SQL migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import pytest_asyncio
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.clock import to_storage
from bot.content.search import query_words
from bot.db.app_state import AppStateRepository
from bot.db.audit import AuditRepository
from bot.db.database import (
    ALEMBIC_USER_VERSION,
    Database,
    MigrationError,
    alembic_config,
    migration_scripts,
)
from bot.db.deliveries import DeliveryRepository
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.privacy import PrivacyRepository
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.db.schema import metadata
from bot.db.search_index import SearchIndexRepository
from bot.db.server_resources import ServerResourceRepository
from bot.db.server_tips import ServerTipsRepository
from bot.db.suggestions import SuggestionsRepository
from bot.db.tip_schedules import TipScheduleRepository
from bot.domain.reminders.model import AtRule, NewReminder, rule_to_json
from bot.domain.suggestions import TipDraft
from tests.db.legacy import build_legacy_database, legacy_migrations

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
GUILD, MEMBER, MODERATOR, CHANNEL = 1 << 60, (1 << 62) + 7, 4242, 5151
REVISIONS = [script.revision for script in migration_scripts().walk_revisions()][::-1]


@pytest_asyncio.fixture
async def empty(empty_url: str) -> AsyncIterator[Database]:
    database = await Database.open(empty_url)
    try:
        yield database
    finally:
        await database.close()


async def _tables(database: Database) -> set[str]:
    def names(connection: object) -> set[str]:
        from sqlalchemy import inspect

        return set(inspect(connection).get_table_names())

    async with database.read() as connection:
        return await connection.run_sync(names)


async def test_a_fresh_database_gets_every_revision(empty: Database) -> None:
    assert await empty.schema_version() is None
    assert await empty.migrate() == REVISIONS
    assert await empty.schema_version() == migration_scripts().get_current_head()
    assert {table.name for table in metadata.sorted_tables} <= await _tables(empty)
    assert await empty.migrate() == []


async def test_the_migrated_schema_is_the_one_the_repositories_query(empty: Database) -> None:
    """Alembic's own comparison: no table or column of bot.db.schema is missing or different."""
    await empty.migrate()

    def differences(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        found = []
        for change in compare_metadata(context, metadata):
            kind = change[0] if isinstance(change, tuple) else change[0][0]
            table = change[1].name if kind in ("add_table", "remove_table") else None
            if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
                continue  # the checks and indexes live in the revisions only
            if table == "search_index" or (
                kind == "remove_table" and change[1].name.startswith("search_index")
            ):
                continue  # FTS5 and its shadow tables on SQLite
            if kind == "add_column" and change[2] == "search_index" and empty.dialect == "sqlite":
                continue  # FTS5 indexes its columns itself: no tsvector column there
            if kind == "remove_table" and change[1].name == "alembic_version":
                continue
            found.append(change)
        return found

    async with empty.read() as connection:
        assert await connection.run_sync(differences) == []


async def test_rerunning_keeps_the_data(empty_url: str) -> None:
    database = await Database.open(empty_url)
    await database.migrate()
    await AppStateRepository(database).set("k", "v", now=NOW)
    await database.close()

    reopened = await Database.open(empty_url)
    try:
        assert await reopened.migrate() == []
        assert await AppStateRepository(reopened).get("k") == "v"
    finally:
        await reopened.close()


async def test_a_failing_migration_leaves_nothing_behind(empty: Database) -> None:
    await empty.sql("CREATE TABLE reminders (squatter INTEGER)")  # the baseline cannot create its table
    with pytest.raises(MigrationError):
        await empty.migrate()
    assert await _tables(empty) == {"reminders"}  # every table the baseline made before was rolled back
    assert await empty.schema_version() is None


async def test_a_revision_newer_than_the_build_is_refused(empty: Database) -> None:
    await empty.migrate()
    await empty.sql("UPDATE alembic_version SET version_num = 'ffff'")
    with pytest.raises(MigrationError, match="newer"):
        await empty.migrate()


async def test_a_transaction_rolls_back_on_error(empty: Database) -> None:
    await empty.migrate()
    repository = AppStateRepository(empty)
    with pytest.raises(RuntimeError):
        async with empty.transaction() as connection:
            await connection.execute(
                empty.insert(metadata.tables["app_state"]).values(key="half", value="v", updated_at=NOW)
            )
            raise RuntimeError("boom")
    assert await repository.get("half") is None


async def test_sqlite_keeps_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "pragmas.sqlite3")
    try:
        await database.migrate()
        assert (await database.sql("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
        assert (await database.sql("PRAGMA foreign_keys"))[0]["foreign_keys"] == 1
        assert (await database.sql("PRAGMA busy_timeout"))[0]["timeout"] > 0
        # A build from before Alembic refuses this file instead of running its SQL files on it again.
        assert (await database.sql("PRAGMA user_version"))[0]["user_version"] == ALEMBIC_USER_VERSION
    finally:
        await database.close()


# ------------------------------------------------------------------------ the old SQL migrations


def _fill_legacy(path: Path) -> int:
    """One row in every table, written as the old code wrote them (UTC ISO text, 0/1 flags)."""
    stamp = to_storage(NOW)
    rule = rule_to_json(AtRule((time(7, 0),)))
    rows: list[tuple[str, tuple[object, ...]]] = [
        ("INSERT INTO app_state VALUES ('commands', 'abc123', ?)", (stamp,)),
        (
            "INSERT INTO guild_settings VALUES (?, ?, NULL, 'Europe/London', 'GB', 1, 0, ?)",
            (GUILD, CHANNEL, stamp),
        ),
        (
            "INSERT INTO audit_log (guild_id, actor_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
            (GUILD, MODERATOR, "tip.add", '{"tip": 1, "title": "Warmth"}', stamp),
        ),
        (
            "INSERT INTO reminders (user_id, guild_id, channel_id, kind, rule, timezone, status, "
            "next_fire_at, created_at, updated_at) VALUES (?, ?, NULL, 'at', ?, 'Europe/London', 'active', "
            "?, ?, ?)",
            (MEMBER, GUILD, rule, "2026-03-03T07:00:00.000000+00:00", stamp, stamp),
        ),
        (
            "INSERT INTO reminder_deliveries VALUES (1, '2026-03-02T07:00:00.000000+00:00', 'sent', 1, 0, ?)",
            (stamp,),
        ),
        ("INSERT INTO pump_users VALUES (?, 'Europe/London', ?, 777, NULL, ?)", (MEMBER, stamp, stamp)),
        (
            "INSERT INTO server_resources (guild_id, name, url, description, topic, region, created_at) "
            "VALUES (?, 'Meetup', 'https://example.org', 'Peer group', 'peer-support', 'GB', ?)",
            (GUILD, stamp),
        ),
        (
            "INSERT INTO server_tips (guild_id, title, body, created_by, created_at, updated_at) "
            "VALUES (?, 'Warmth', 'A warm flannel before pumping.', ?, ?, ?)",
            (GUILD, MODERATOR, stamp, stamp),
        ),
        (
            "INSERT INTO tip_suggestions (guild_id, user_id, title, body, credit_name, created_at) "
            "VALUES (?, ?, 'Humming', 'Hum a lullaby.', 'Sam', ?)",
            (GUILD, MEMBER, stamp),
        ),
        (
            "INSERT INTO tip_schedules (guild_id, channel_id, cadence, post_time, weekday, timezone, source, "
            "next_post_at, paused_reason, last_posted_at, updated_at, paused_detail) "
            "VALUES (?, ?, 'weekly', '09:00', 2, 'Europe/London', 'both', NULL, 'channel_gone', ?, ?, ?)",
            (GUILD, CHANNEL, stamp, stamp, f'{{"channel_id": {CHANNEL}}}'),
        ),
        ("INSERT INTO tip_rotation VALUES (?, 'warm-compress', ?)", (GUILD, stamp)),
        ("INSERT INTO departed_guilds VALUES (?, ?)", (GUILD + 1, stamp)),
        (
            "INSERT INTO search_index VALUES ('Warmth', '', 'A warm flannel', "
            "'A warm flannel before pumping.', 'server-tip', 'server-tip-1', ?)",
            (GUILD,),
        ),
    ]
    with sqlite3.connect(path) as connection:
        for statement, values in rows:
            connection.execute(statement, values)
    return len(rows)


def _schema(path: Path) -> dict[str, tuple[list[str], set[str]]]:
    """Each table's columns and index names, FTS5's shadow tables and Alembic's own left out."""
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith(("search_index_", "sqlite_", "alembic_"))
        ]
        return {
            table: (
                [row[1] for row in connection.execute(f"PRAGMA table_info({table})")],
                {row[1] for row in connection.execute(f"PRAGMA index_list({table})") if row[3] == "c"},
            )
            for table in tables
        }


def test_the_old_migrations_are_kept_whole() -> None:
    assert [number for number, _ in legacy_migrations()] == list(range(1, 12))


async def test_a_database_made_by_the_sql_migrations_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "legacy.sqlite3"
    assert build_legacy_database(path, upto=9) == 9
    _fill_legacy(path)

    database = await Database.open(path)
    try:
        assert await database.migrate() == REVISIONS[1:]  # the baseline is adopted, not run
        assert await database.schema_version() == migration_scripts().get_current_head()

        reminder = await ReminderRepository(database).get(1)
        assert reminder is not None
        assert (reminder.user_id, reminder.guild_id, reminder.timezone) == (MEMBER, GUILD, "Europe/London")
        assert reminder.next_fire_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
        assert reminder.created_at == NOW
        [delivery] = await DeliveryRepository(database).deliveries(1)
        assert delivery == {
            "scheduled_for": datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
            "state": "sent",
            "attempts": 1,
            "late": False,
            "sent_at": NOW,
        }
        user = await PumpUserRepository(database).user(MEMBER)
        assert (user.timezone, user.last_done_at, user.dm_channel_id) == ("Europe/London", NOW, 777)
        settings = await GuildSettingsRepository(database).get(GUILD)
        assert (settings.review_channel_id, settings.region, settings.allow_channel_reminders) == (
            CHANNEL,
            "GB",
            True,
        )
        [entry] = await AuditRepository(database).recent(GUILD)
        assert (entry.action, entry.data, entry.created_at) == ("tip.add", {"tip": 1, "title": "Warmth"}, NOW)
        tips = ServerTipsRepository(database)
        [tip] = await tips.list(GUILD)
        assert (tip.title, tip.created_by, tip.updated_at) == ("Warmth", MODERATOR, NOW)
        suggestion = await SuggestionsRepository(database, tips).get(1)
        assert suggestion is not None and (suggestion.credit_name, suggestion.status) == ("Sam", "pending")
        [resource] = await ServerResourceRepository(database).list(GUILD)
        assert (resource.name, resource.created_at) == ("Meetup", NOW)
        schedules = TipScheduleRepository(database)
        schedule = await schedules.get(GUILD)
        assert schedule is not None
        assert (schedule.paused_reason, schedule.paused_detail, schedule.last_posted_at) == (
            "channel_gone",
            {"channel_id": CHANNEL},
            NOW,
        )
        assert await schedules.posted_this_cycle(GUILD) == ({"warm-compress"}, "warm-compress")
        [departure] = await PrivacyRepository(database).departures()
        assert (departure.guild_id, departure.left_at) == (GUILD + 1, NOW)
        assert await AppStateRepository(database).get("commands") == "abc123"
        hits = await SearchIndexRepository(database).search(query_words("flannel"), guild_id=GUILD)
        assert [hit.ref for hit in hits] == ["server-tip-1"]

        # …and the upgraded file takes new rows as a fresh one does.
        new = NewReminder(MEMBER, GUILD, None, AtRule((time(8, 0),)), "Europe/London", NOW)
        assert await ReminderRepository(database).create(new, now=NOW) == 2
        added = await tips.add(
            GUILD, TipDraft("Dim light", "Lower the lights.", None), actor_id=MODERATOR, now=NOW
        )
        assert added.id == 2
    finally:
        await database.close()


async def test_the_upgraded_schema_is_the_fresh_one(tmp_path: Path) -> None:
    legacy, fresh = tmp_path / "legacy.sqlite3", tmp_path / "fresh.sqlite3"
    build_legacy_database(legacy, upto=9)
    for path in (legacy, fresh):
        database = await Database.open(path)
        await database.migrate()
        await database.close()
    assert _schema(legacy) == _schema(fresh)


@pytest.mark.parametrize("version", [10, 11])
async def test_a_database_made_by_a_later_sql_migration_carries_on_from_it(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "later.sqlite3"
    build_legacy_database(path, upto=version)
    database = await Database.open(path)
    try:
        assert await database.migrate() == REVISIONS[REVISIONS.index(f"{version:04d}") + 1 :]
        assert await database.schema_version() == migration_scripts().get_current_head()
    finally:
        await database.close()
    fresh = tmp_path / "fresh.sqlite3"
    database = await Database.open(fresh)
    await database.migrate()
    await database.close()
    assert _schema(path) == _schema(fresh)


async def test_an_older_sql_schema_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    build_legacy_database(path, upto=5)
    database = await Database.open(path)
    try:
        with pytest.raises(MigrationError, match="old schema version 5"):
            await database.migrate()
    finally:
        await database.close()


async def test_a_sql_schema_newer_than_the_build_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 999")
    database = await Database.open(path)
    try:
        with pytest.raises(MigrationError, match="newer"):
            await database.migrate()
    finally:
        await database.close()


async def test_revision_0013_gives_the_rows_already_indexed_their_vector(empty: Database) -> None:
    """A database at 0012 (search rows without a vector) is upgraded to one where they are found."""

    def upgrade_to_0012(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0012")

    async with empty.engine.connect() as connection:
        await connection.run_sync(upgrade_to_0012)
        await connection.commit()
    await empty.sql(
        "INSERT INTO search_index (title, aliases, summary, body, kind, ref, guild_id) "
        "VALUES ('Galáctorrhea', '', 'A card.', 'Pumping notes', 'server-tip', '3', :guild)",
        {"guild": GUILD},
    )

    assert await empty.migrate() == REVISIONS[REVISIONS.index("0013") :]
    index = SearchIndexRepository(empty)
    for query in ("galactorrhea", "galac", "pumped"):
        assert [hit.ref for hit in await index.search(query_words(query), guild_id=GUILD)] == ["3"]
