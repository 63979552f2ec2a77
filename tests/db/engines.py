"""Both engines for the repository tests: a fresh SQLite file, or a PostgreSQL schema per test worker.

PostgreSQL is the server named by ``LATCH_TEST_POSTGRES_URL`` (``.ci/run`` sets it); without it the
PostgreSQL cases skip. Each pytest-xdist worker gets its own schema, migrated once, emptied before every
test and dropped at the end, so workers never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import pytest_asyncio
from psycopg import sql

from bot.db.database import Database
from bot.db.schema import metadata

POSTGRES_URL_VARIABLE = "LATCH_TEST_POSTGRES_URL"
ENGINES = ("sqlite", "postgresql")
NO_POSTGRES = (
    f"PostgreSQL cases need {POSTGRES_URL_VARIABLE} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def scratch_schema(base: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema on the server at ``base``, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield with_search_path(base, name)
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


async def migrated(url: str | Path) -> Database:
    database = await Database.open(url)
    try:
        await database.migrate()
    except BaseException:
        await database.close()
        raise
    return database


@pytest.fixture(scope="session")
def postgres_schema(worker_id: str) -> Iterator[str]:
    """The URL of this worker's own migrated schema (skips when there is no PostgreSQL)."""
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    with scratch_schema(base, f"latch_test_{re.sub(r'[^a-z0-9]', '', worker_id)}") as url:
        # In a thread of its own: the first test to ask may already be running an event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, _migrate_and_close(url)).result()
        yield url


async def _migrate_and_close(url: str) -> None:
    database = await migrated(url)
    await database.close()


_TABLES = ", ".join(table.name for table in metadata.sorted_tables)


async def _emptied(url: str) -> Database:
    database = await Database.open(url)
    await database.sql(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
    # …and put back the rows the revisions seed, as a freshly migrated database has them.
    await database.sql("INSERT INTO server_tip_numbers (singleton, last_number) VALUES (1, 0)")
    return database


@pytest_asyncio.fixture(params=ENGINES)
async def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on each engine in turn."""
    if request.param == "sqlite":
        database = await migrated(tmp_path / "latch.sqlite3")
    else:
        database = await _emptied(request.getfixturevalue("postgres_schema"))
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each engine in turn: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    with scratch_schema(base, "latch_empty") as url:
        yield url


_ENGINE_FIXTURES = ("any_database", "empty_url")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, leave its cases out (one line in the summary says so, not one per case)."""
    if postgres_url() is not None:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = any(params.get(name) == "postgresql" for name in _ENGINE_FIXTURES)
        (dropped if on_postgres else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if postgres_url() is None:
        terminalreporter.write_line(f"PostgreSQL cases left out: {NO_POSTGRES}", yellow=True)
