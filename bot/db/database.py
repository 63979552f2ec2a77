"""The SQLite connection: WAL, foreign keys, a busy timeout, transactions and migrations."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


class MigrationError(RuntimeError):
    pass


def load_migrations() -> list[Migration]:
    """The packaged migrations, in order; their numbers must run 1, 2, 3, … without gaps."""
    folder = resources.files("bot.db") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {migration.name} is out of sequence; expected {expected:04d}")
    return found


class Database:
    """One aiosqlite connection in autocommit mode; writes go through `transaction()`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        # One connection serves every coroutine (commands, the reminder dispatcher, scheduled posts),
        # and SQLite cannot nest transactions on a connection: writers take turns.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; `transaction()` opens them explicitly.
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        try:
            for pragma in (
                f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
                "PRAGMA journal_mode = WAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA synchronous = NORMAL",
            ):
                # Drain each result row: an unread cursor keeps a statement open and blocks COMMIT.
                await connection.execute_fetchall(pragma)
        except BaseException:
            await connection.close()
            raise
        return cls(connection, path)

    async def close(self) -> None:
        await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: nothing is ever half-written.

        Transactions are serialised on this connection; do not open one inside another.
        """
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            else:
                await self.connection.execute("COMMIT")

    async def schema_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None else 0

    async def migrate(self, migrations: list[Migration] | None = None) -> list[int]:
        """Apply every migration newer than `PRAGMA user_version`, each in its own transaction."""
        pending = migrations if migrations is not None else load_migrations()
        current = await self.schema_version()
        latest = max((migration.version for migration in pending), default=0)
        if current > latest:
            raise MigrationError(
                f"the database is at schema version {current}, newer than this build knows ({latest})"
            )
        applied: list[int] = []
        for migration in pending:
            if migration.version <= current:
                continue
            # The script, the version bump and COMMIT run as one unit; a failing statement leaves
            # the transaction open and we roll it back, so the file is never half-migrated.
            script = (
                f"BEGIN IMMEDIATE;\n{migration.sql}\n;\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            )
            try:
                await self.connection.executescript(script)
            except Exception as error:
                if self.connection.in_transaction:
                    await self.connection.execute("ROLLBACK")
                raise MigrationError(f"migration {migration.name} failed: {error}") from error
            log.info("applied migration %s", migration.name)
            applied.append(migration.version)
        return applied

    async def is_writable(self) -> bool:
        """Probe a write without keeping it: take the write lock, write a row, roll back."""
        try:
            async with self._write_lock:
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    await self.connection.execute(
                        "INSERT OR REPLACE INTO app_state (key, value, updated_at) VALUES ('probe', '', '')"
                    )
                finally:
                    await self.connection.execute("ROLLBACK")
        except Exception:
            return False
        return True
