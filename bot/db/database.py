"""The database: one SQLAlchemy Core engine for SQLite (the embedded default) or PostgreSQL.

``DATABASE_URL`` is ``sqlite:///PATH`` (aiosqlite, WAL, foreign keys, a busy timeout) or
``postgresql://…`` (psycopg 3). Repositories write through ``transaction()`` and read through
``read()`` / ``fetch_all()``; what they hand back are the bot's own values, never driver rows.
Migrations are Alembic revisions in ``bot/db/migrations``, run by ``migrate()``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, event, func, make_url, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable

from bot.db.schema import app_state

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key for migrating ("LatchMIG" as 8 bytes).
MIGRATE_LOCK = int.from_bytes(b"LatchMIG", "big", signed=True)
# A SQLite file made before Alembic carries its migration number in PRAGMA user_version; from the
# baseline on, revision ids are those numbers. Once Alembic owns a file its user_version is set to this,
# so a build from before Alembic refuses it ("newer than this build knows") instead of migrating it.
LEGACY_BASELINE = 9
ALEMBIC_USER_VERSION = 1000


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A DATABASE_URL, checked: its engine and the URL SQLAlchemy connects with."""

    engine: str  # "sqlite" or "postgresql"
    sqlalchemy_url: str
    path: Path | None = None  # the SQLite file

    @classmethod
    def parse(cls, url: str | Path) -> DatabaseUrl:
        if isinstance(url, Path):
            return cls("sqlite", f"sqlite+aiosqlite:///{url}", url)
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            return cls("sqlite", f"sqlite+aiosqlite:///{path}", path)
        for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
            if url.startswith(prefix):
                return cls("postgresql", "postgresql+psycopg://" + url.removeprefix(prefix))
        raise ValueError("DATABASE_URL must be sqlite:///PATH or postgresql://USER@HOST/DATABASE")

    def display(self) -> str:
        """The URL without its password, for logs and the CLI."""
        if self.path is not None:
            return f"sqlite:///{self.path}"
        return make_url(self.sqlalchemy_url).render_as_string(hide_password=True)


def alembic_config() -> Config:
    """Alembic's configuration, in code: the operator needs no alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def migration_scripts() -> ScriptDirectory:
    """The revisions, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision, read from the file names (``NNNN_what.py``, one straight line of numbers).

    Known without loading Alembic, which with the revisions costs a process over half a second: a
    process whose database is already current starts without it.
    """
    return max(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def _sqlite_connected(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # No implicit transactions from the driver: the "begin" listener below opens them itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in (
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            "PRAGMA journal_mode = WAL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",
        ):
            cursor.execute(pragma)
            cursor.fetchall()
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A write takes SQLite's write lock up front (BEGIN IMMEDIATE), so it never fails half-way to
    # upgrade a read lock; a read is a deferred snapshot.
    writing = connection.get_execution_options().get("latch_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


class Database:
    """The engine, its pool and the bot's transactions."""

    def __init__(self, engine: AsyncEngine, url: DatabaseUrl) -> None:
        self.engine = engine
        self.url = url
        self.dialect = url.engine
        # SQLite has one writer at a time: writers in this process take turns here instead of
        # waiting on the file lock in the driver's threads.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.closed = False

    @property
    def path(self) -> Path | None:
        return self.url.path

    @classmethod
    async def open(cls, url: str | Path) -> Database:
        """Open a DATABASE_URL (or the path of a SQLite file). Nothing is migrated yet."""
        parsed = DatabaseUrl.parse(url)
        if parsed.path is not None:
            parsed.path.parent.mkdir(parents=True, exist_ok=True)
            # hide_parameters: an error never carries what a member typed (a search, a tip) into the log.
            engine = create_async_engine(
                parsed.sqlalchemy_url, pool_size=4, max_overflow=4, hide_parameters=True
            )
            event.listen(engine.sync_engine, "connect", _sqlite_connected)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        else:
            engine = create_async_engine(
                parsed.sqlalchemy_url, pool_size=5, pool_pre_ping=True, hide_parameters=True
            )
        database = cls(engine, parsed)
        try:
            async with engine.connect() as connection:  # fail here, not at the first command
                await connection.execute(text("SELECT 1"))
        except BaseException:
            await engine.dispose()
            raise
        return database

    async def close(self) -> None:
        self.closed = True
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: COMMIT at the end, ROLLBACK on any error; nothing is ever half-written.

        Do not open one inside another.
        """
        if self._write_lock is None:
            async with self.engine.begin() as connection:
                yield connection
            return
        async with self._write_lock, self.engine.connect() as connection:
            await connection.execution_options(latch_write=True)
            async with connection.begin():
                yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads that see one consistent snapshot."""
        async with self.engine.connect() as connection:
            yield connection

    async def fetch_all(self, statement: Executable) -> Sequence[RowMapping]:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement)).mappings().all()

    async def fetch_one(self, statement: Executable) -> RowMapping | None:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement)).mappings().first()

    async def scalar(self, statement: Executable) -> Any:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement)).scalar()

    async def sql(self, statement: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one SQL statement with ``:name`` parameters in its own transaction; its rows, if any.

        For maintenance and tests; the bot's own SQL is Core statements in the repositories.
        """
        async with self.transaction() as connection:
            result = await connection.execute(text(statement), dict(params or {}))
            return [dict(row) for row in result.mappings().all()] if result.returns_rows else []

    def insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """INSERT with this engine's ON CONFLICT clauses (the same API on both)."""
        return insert_for(self.dialect, table)

    # ------------------------------------------------------------------ migrations

    async def schema_version(self) -> str | None:
        """The Alembic revision the database is at (None: an empty database)."""
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )

    async def _at_head(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:
            return False  # no alembic_version yet: a new database, or one from before Alembic
        return str(revision) == head_revision()

    async def migrate(self) -> list[str]:
        """Apply every pending revision; the revisions applied, oldest first.

        A SQLite file made by the SQL migrations before Alembic is stamped with the revision of its
        ``PRAGMA user_version`` first, so its tables and rows are kept as they are. Processes that start
        together on one PostgreSQL database migrate one after the other (an advisory lock); the later
        ones find it current.
        """
        if await self._at_head():
            return []
        from alembic.util import CommandError

        async with self._write_lock or _no_lock():
            try:
                async with self.engine.connect() as connection:
                    # Every pending revision in one transaction: all of them apply, or none.
                    await connection.execution_options(latch_write=True)
                    applied = await connection.run_sync(self._upgrade)
                    await connection.commit()
            except (CommandError, SQLAlchemyError) as error:
                raise MigrationError(f"migrating {self.url.display()} failed: {error}") from error
        for revision in applied:
            log.info("applied migration %s", revision)
        return applied

    def _upgrade(self, connection: Connection) -> list[str]:
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        if self.dialect == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATE_LOCK)))
        scripts = migration_scripts()
        context = MigrationContext.configure(connection)
        before = context.get_current_revision()
        if before is None and self.dialect == "sqlite":
            before = self._adopt_legacy(connection, context, scripts)
        if before is not None and not _known_revision(scripts, before):
            raise MigrationError(f"the database is at revision {before}, newer than this build knows")
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
        if self.dialect == "sqlite":
            connection.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION}")
        if after == before:
            return []
        return [script.revision for script in scripts.iterate_revisions(after, before)][::-1]

    @staticmethod
    def _adopt_legacy(
        connection: Connection, context: MigrationContext, scripts: ScriptDirectory
    ) -> str | None:
        legacy = int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
        if legacy in (0, ALEMBIC_USER_VERSION):
            return None
        revision = f"{legacy:04d}"
        if legacy < LEGACY_BASELINE:
            raise MigrationError(
                f"the database is at the old schema version {legacy}; start a release from before "
                f"the move to Alembic once to bring it to version {LEGACY_BASELINE}, then this one"
            )
        if scripts.get_revision(revision) is None:
            raise MigrationError(f"the database is at schema version {legacy}, newer than this build knows")
        context.stamp(scripts, revision)
        log.info("adopted a database at schema version %d as revision %s", legacy, revision)
        return revision

    async def is_writable(self) -> bool:
        """Probe a write without keeping it: write a row in a transaction and roll it back."""
        if self.closed:
            return False
        try:
            async with self._write_lock or _no_lock(), self.engine.connect() as connection:
                await connection.execution_options(latch_write=True)
                async with connection.begin() as transaction:
                    statement = self.insert(app_state).values(key="probe", value="", updated_at=_epoch())
                    await connection.execute(statement.on_conflict_do_nothing())
                    await transaction.rollback()
        except Exception:
            return False
        return True


def _known_revision(scripts: ScriptDirectory, revision: str) -> bool:
    """Whether this build has ``revision`` (Alembic raises, rather than answering None, for one it lacks)."""
    from alembic.util import CommandError

    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def insert_for(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def dialect_of(connection: AsyncConnection) -> str:
    return connection.dialect.name


def upsert(connection: AsyncConnection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """INSERT … ON CONFLICT for the connection's engine, inside a repository's transaction."""
    return insert_for(dialect_of(connection), table)


@asynccontextmanager
async def _no_lock() -> AsyncIterator[None]:
    yield


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime(1970, 1, 1, tzinfo=UTC)
