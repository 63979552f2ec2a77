from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.db.database import Database, Migration, MigrationError, load_migrations


async def _tables(database: Database) -> set[str]:
    rows = await database.connection.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(row[0]) for row in rows}


async def _pragma(database: Database, name: str) -> Any:
    rows = list(await database.connection.execute_fetchall(f"PRAGMA {name}"))
    return rows[0][0]


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        migrations = load_migrations()
        applied = await database.migrate()
        assert applied == [migration.version for migration in migrations]
        assert await database.schema_version() == migrations[-1].version
        assert "app_state" in await _tables(database)
        assert await _pragma(database, "journal_mode") == "wal"
        assert await _pragma(database, "foreign_keys") == 1
        assert int(await _pragma(database, "busy_timeout")) > 0
    finally:
        await database.close()


async def test_rerun_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "rerun.sqlite3"
    database = await Database.open(path)
    await database.migrate()
    async with database.transaction() as connection:
        await connection.execute("INSERT INTO app_state VALUES ('k', 'v', '2026-01-01T00:00:00+00:00')")
    await database.close()

    reopened = await Database.open(path)
    try:
        assert await reopened.migrate() == []
        rows = await reopened.connection.execute_fetchall("SELECT value FROM app_state WHERE key = 'k'")
        assert [row[0] for row in rows] == ["v"]
    finally:
        await reopened.close()


async def test_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "broken.sqlite3")
    try:
        migrations = [
            Migration(1, "0001_ok.sql", "CREATE TABLE one (x INTEGER);"),
            Migration(2, "0002_broken.sql", "CREATE TABLE two (x INTEGER);\nINSERT INTO missing VALUES (1);"),
        ]
        with pytest.raises(MigrationError, match="0002_broken"):
            await database.migrate(migrations)
        assert await database.schema_version() == 1
        tables = await _tables(database)
        assert "one" in tables
        assert "two" not in tables  # the half of migration 2 that ran was rolled back
        assert not database.connection.in_transaction
    finally:
        await database.close()


async def test_database_newer_than_the_build_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    async with aiosqlite.connect(path) as raw:
        await raw.execute("PRAGMA user_version = 999")
        await raw.commit()
    database = await Database.open(path)
    try:
        with pytest.raises(MigrationError, match="newer"):
            await database.migrate()
    finally:
        await database.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "tx.sqlite3")
    await database.migrate()
    try:
        with pytest.raises(RuntimeError):
            async with database.transaction() as connection:
                await connection.execute("INSERT INTO app_state VALUES ('half', 'v', 'now')")
                raise RuntimeError("boom")
        rows = await database.connection.execute_fetchall("SELECT * FROM app_state WHERE key = 'half'")
        assert list(rows) == []
    finally:
        await database.close()


def test_packaged_migrations_are_numbered_without_gaps() -> None:
    versions = [migration.version for migration in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))
