"""`python -m bot db copy --to postgresql://…`: a SQLite database moved whole into an empty PostgreSQL one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.__main__ import main
from bot.content.search import SearchDocument, query_words
from bot.db.database import Database
from bot.db.privacy import PrivacyRepository
from bot.db.processes import ProcessRepository
from bot.db.reminders import ReminderRepository
from bot.db.schema import metadata
from bot.db.search_index import SearchIndexRepository
from bot.db.server_tips import ServerTipsRepository
from bot.db.shares import ShareRepository
from bot.domain.reminders.model import AtRule, NewReminder
from bot.domain.suggestions import TipDraft
from tests.db.engines import NO_POSTGRES, postgres_url, scratch_schema
from tests.db.legacy import build_legacy_database
from tests.db.test_migrations import GUILD, MEMBER, MODERATOR, NOW, _fill_legacy

CAREGIVER = (1 << 61) + 3
LIBRARY = SearchDocument(
    "fact", "fact-letdown", "Letdown", "let-down", "The milk ejection reflex", "Oxytocin."
)


@pytest.fixture
def target_url(tmp_path: Path) -> Iterator[str]:
    """A new PostgreSQL schema of this test's own, with nothing in it."""
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    with scratch_schema(base, "latch_copy") as url:
        yield url


async def _counts(database: Database) -> dict[str, int]:
    return {
        table.name: int(await database.scalar(select(func.count()).select_from(table)) or 0)
        for table in metadata.sorted_tables
    }


async def _fill_every_table(path: Path) -> dict[str, int]:
    """The old migrations' fixture (one row per table), upgraded, plus what the newer tables hold."""
    build_legacy_database(path, upto=9)
    _fill_legacy(path)
    database = await Database.open(path)
    try:
        await database.migrate()
        reminders = ReminderRepository(database)
        second = await reminders.create(
            NewReminder(MEMBER, None, None, AtRule((time(8, 0),)), "Europe/London", NOW), now=NOW
        )
        shares = ShareRepository(database)
        assert await shares.invite(1, MEMBER, CAREGIVER, nights_only=True)
        assert await shares.decline(1, CAREGIVER, now=NOW, forget_before=NOW - timedelta(days=30))
        assert await shares.invite(second, MEMBER, CAREGIVER, nights_only=False)
        await ServerTipsRepository(database).add(
            GUILD, TipDraft("Dim light", "Lower the lights at night.", None), actor_id=MODERATOR, now=NOW
        )
        await ProcessRepository(database).beat(
            "host-1",
            shard_ids="0",
            now=NOW,
            live_within=timedelta(seconds=30),
            forget_after=timedelta(days=1),
            pace=lambda _: 1.0,
        )
        await PrivacyRepository(database).record_shards_up(1, [0], now=NOW)
        await SearchIndexRepository(database).rebuild_library([LIBRARY])
        counts = await _counts(database)
    finally:
        await database.close()
    assert not [table for table, count in counts.items() if count == 0], "the fixture misses a table"
    return counts


async def _read_back(db: Database) -> dict[str, object]:
    """Every kind of row, as the repositories hand it to the bot."""
    shares, privacy = ShareRepository(db), PrivacyRepository(db)
    return {
        "reminders": await ReminderRepository(db).for_user(MEMBER),
        "tips": await ServerTipsRepository(db).list(GUILD),
        "shares": await shares.involving(MEMBER),
        "declines": await shares.declines(MEMBER, CAREGIVER, since=NOW),
        "departures": await privacy.departures(),
        "shards": await privacy.shards_seen(),
        "processes": await ProcessRepository(db).live(NOW, within=timedelta(seconds=30)),
    }


def _copy(monkeypatch: pytest.MonkeyPatch, source: Path, to: str) -> int:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{source}")
    return main(["db", "copy", "--to", to])


def test_copy_moves_every_row_and_new_rows_get_fresh_ids(
    tmp_path: Path, target_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "latch.sqlite3"
    counts = asyncio.run(_fill_every_table(source))

    assert _copy(monkeypatch, source, target_url) == 0
    assert "copied" in capsys.readouterr().out

    async def check() -> None:
        target = await Database.open(target_url)
        sqlite = await Database.open(source)
        try:
            assert await _counts(target) == counts
            # Every row reads back the same through the repositories on both engines.
            assert await _read_back(target) == await _read_back(sqlite)
            for table in metadata.sorted_tables:
                columns = [column for column in table.columns if column.name != "document"]
                ordered = select(*columns).order_by(*columns)
                assert [dict(row) for row in await target.fetch_all(ordered)] == [
                    dict(row) for row in await sqlite.fetch_all(ordered)
                ], table.name

            # Search on PostgreSQL finds a copied server tip and the copied library row.
            search = SearchIndexRepository(target)
            hits = await search.search(query_words("lights"), guild_id=GUILD)
            assert [hit.title for hit in hits] == ["Dim light"]
            assert [hit.ref for hit in await search.search(query_words("oxytocin"), guild_id=None)] == [
                "fact-letdown"
            ]

            # New rows do not collide with the copied ids.
            new = NewReminder(MEMBER, GUILD, None, AtRule((time(9, 0),)), "Europe/London", NOW)
            assert await ReminderRepository(target).create(new, now=NOW) == 3
            tip = await ServerTipsRepository(target).add(
                GUILD, TipDraft("Warm drink", "A warm drink first.", None), actor_id=MODERATOR, now=NOW
            )
            assert tip.id == 3
        finally:
            await target.close()
            await sqlite.close()

    asyncio.run(check())


def test_copy_into_a_target_with_rows_is_refused_and_changes_nothing(
    tmp_path: Path, target_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "latch.sqlite3"
    asyncio.run(_fill_every_table(source))
    assert _copy(monkeypatch, source, target_url) == 0

    async def snapshot() -> dict[str, int]:
        target = await Database.open(target_url)
        try:
            return await _counts(target)
        finally:
            await target.close()

    before = asyncio.run(snapshot())
    capsys.readouterr()
    assert _copy(monkeypatch, source, target_url) == 2
    error = capsys.readouterr().err.strip()
    assert "already has rows" in error and len(error.splitlines()) == 1
    assert asyncio.run(snapshot()) == before


def test_copy_between_the_same_engine_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "latch.sqlite3"
    assert _copy(monkeypatch, source, f"sqlite:///{source}") == 2
    assert _copy(monkeypatch, source, f"sqlite:///{tmp_path / 'other.sqlite3'}") == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 2 and all("both sqlite" in line for line in error)
    assert not (tmp_path / "other.sqlite3").exists()
