"""Server tips and suggestions on a real SQLite file: one transaction per change (row, search row, audit),
the catalog's per-server cache and its invalidation, scoping, the limit and single decisions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog.service import CatalogService, ServerTipCard, server_tip_card
from bot.clock import SystemClock
from bot.content.search import query_words
from bot.curation.service import CurationService
from bot.db.audit import AuditRepository
from bot.db.database import Database
from bot.db.search_index import SearchIndexRepository
from bot.db.server_tips import ServerTipsRepository, insert_tip
from bot.db.suggestions import SuggestionsRepository
from bot.domain.suggestions import AlreadyDecided, LimitReached, TipDraft
from bot.ui.cards import server_tip_sources
from tests.db.legacy import build_legacy_database
from tests.discord.test_facts import LIBRARY

GUILD = 111
OTHER = 222
MOD = 9
MEMBER = 7
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FLANNEL = TipDraft("Warm flannel first", "Hold a warm flannel on each side before pumping.", None)


@pytest.fixture
def database(any_database: Database) -> Database:
    return any_database


async def _search(database: Database, text: str, guild_id: int | None) -> list[str]:
    hits = await SearchIndexRepository(database).search(query_words(text), guild_id=guild_id)
    return [hit.ref for hit in hits]


async def test_adding_writes_the_tip_its_search_row_and_an_audit_entry(database: Database) -> None:
    tip = await ServerTipsRepository(database).add(GUILD, FLANNEL, actor_id=MOD, now=NOW)

    assert (tip.id, tip.title, tip.created_by) == (1, FLANNEL.title, MOD)
    assert await _search(database, "flannel", GUILD) == ["server-tip-1"]
    assert await _search(database, "flannel", OTHER) == []
    assert await _search(database, "flannel", None) == []
    [entry] = await AuditRepository(database).recent(GUILD)
    assert (entry.action, entry.actor_id) == ("tip.add", MOD)
    assert entry.data == {"tip": 1, "title": "Warm flannel first", "credited": False}


async def test_a_failing_change_leaves_nothing_behind(database: Database) -> None:
    repository = ServerTipsRepository(database)
    with pytest.raises(Exception, match=r"(?i)check constraint"):
        await repository.add(GUILD, TipDraft("x" * 81, "B", None), actor_id=MOD, now=NOW)

    assert await repository.list(GUILD) == []
    assert await AuditRepository(database).recent(GUILD) == []
    assert await SearchIndexRepository(database).count(guild_id=GUILD) == 0


async def test_edit_and_remove_only_touch_this_servers_tip(database: Database) -> None:
    repository = ServerTipsRepository(database)
    tip = await repository.add(OTHER, FLANNEL, actor_id=MOD, now=NOW)

    assert await repository.update(GUILD, tip.id, TipDraft("Mine", "B", None), actor_id=MOD, now=NOW) is None
    assert await repository.remove(GUILD, tip.id, actor_id=MOD, now=NOW) is None
    assert [t.title for t in await repository.list(OTHER)] == [FLANNEL.title]
    assert await AuditRepository(database).recent(GUILD) == []


async def test_edit_reindexes_and_remove_unindexes(database: Database) -> None:
    repository = ServerTipsRepository(database)
    tip = await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)

    await repository.update(
        GUILD, tip.id, TipDraft("Rice sock", "Warm a rice sock.", None), actor_id=MOD, now=NOW
    )
    assert await _search(database, "flannel", GUILD) == []
    assert await _search(database, "rice sock", GUILD) == ["server-tip-1"]

    await repository.remove(GUILD, tip.id, actor_id=MOD, now=NOW)
    assert await _search(database, "rice", GUILD) == []
    actions = [entry.action for entry in await AuditRepository(database).recent(GUILD)]
    assert actions == ["tip.remove", "tip.edit", "tip.add"]


def catalog_over(database: Database) -> tuple[CatalogService, ServerTipsRepository]:
    curation = CurationService(database, SystemClock(lambda: NOW))
    return CatalogService(LIBRARY, curation), curation.server_tips


async def test_the_catalog_caches_a_servers_tips_until_they_change(database: Database) -> None:
    catalog, repository = catalog_over(database)
    library_only = await catalog.tips_for(GUILD)
    assert await catalog.tips_for(GUILD) is library_only  # no tips of its own: the library index

    await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    with_own = await catalog.tips_for(GUILD)
    assert with_own.get("server-tip-1") is not None
    assert await catalog.tips_for(GUILD) is with_own  # cached
    assert (await catalog.tips_for(OTHER)).get("server-tip-1") is None
    assert (await catalog.tips_for(None)).get("server-tip-1") is None
    assert len(with_own) == len(LIBRARY.tips) + 1

    await repository.remove(GUILD, 1, actor_id=MOD, now=NOW)
    assert (await catalog.tips_for(GUILD)).get("server-tip-1") is None


async def test_a_read_during_a_rolled_back_change_is_not_kept(database: Database) -> None:
    catalog, repository = catalog_over(database)
    with pytest.raises(RuntimeError, match="abandon"):
        async with repository.changing(GUILD) as connection:
            await insert_tip(
                connection, guild_id=GUILD, draft=TipDraft("Ghost", "B", None), actor_id=MOD, now=NOW
            )
            await catalog.tips_for(GUILD)  # read while the change is open (it sees committed rows only)
            raise RuntimeError("abandon")

    assert all(card.title != "Ghost" for card in (await catalog.tips_for(GUILD)).cards)


async def test_generation_moves_on_every_change(database: Database) -> None:
    repository = ServerTipsRepository(database)
    before = await repository.generation(GUILD)
    await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    assert await repository.generation(GUILD) > before
    assert await repository.generation(OTHER) == 0


async def test_a_generation_is_never_given_twice_even_after_its_row_is_erased(database: Database) -> None:
    repository = ServerTipsRepository(database)
    await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    seen = {await repository.generation(GUILD)}
    await database.sql("DELETE FROM server_tip_generations WHERE guild_id = :guild", {"guild": GUILD})
    seen.add(await repository.generation(GUILD))
    await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    seen.add(await repository.generation(GUILD))
    assert len(seen) == 3


async def test_a_tip_added_through_one_process_is_seen_by_anothers_catalog(database: Database) -> None:
    # Two processes: each with its own Database (pool), repository and catalog over one database.
    other = await Database.open(database.path or database.url.sqlalchemy_url)
    try:
        here, here_tips = catalog_over(database)
        there, _ = catalog_over(other)
        assert (await there.tips_for(GUILD)).get("server-tip-1") is None  # cached: the library only

        await here_tips.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
        card = (await there.tips_for(GUILD)).get("server-tip-1")
        assert card is not None and card.title == FLANNEL.title
        assert (await there.tips_for(OTHER)).get("server-tip-1") is None

        await here_tips.remove(GUILD, 1, actor_id=MOD, now=NOW)
        assert (await there.tips_for(GUILD)).get("server-tip-1") is None
        assert (await here.tips_for(GUILD)).get("server-tip-1") is None
    finally:
        await other.close()


async def test_a_server_tip_card_says_where_it_comes_from(database: Database) -> None:
    plain = await ServerTipsRepository(database).add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    sourced = await ServerTipsRepository(database).add(
        GUILD, TipDraft("Sourced", "B", "https://xn--bcher-kva.example/page/"), actor_id=MOD, now=NOW
    )

    card = server_tip_card(plain)
    assert isinstance(card, ServerTipCard) and card.kind == "tip" and card.id == "server-tip-1"
    assert [source.title for source in server_tip_sources(card)] == [
        "Shared by this server's moderators; not from the Latch library"
    ]
    titles = [source.title for source in server_tip_sources(server_tip_card(sourced))]
    assert titles == ["From this server's moderators", "bücher.example/page"]


# ------------------------------------------------------------------ suggestions


async def test_the_fourth_suggestion_in_24_hours_is_refused_and_not_stored(database: Database) -> None:
    repository = SuggestionsRepository(database, ServerTipsRepository(database))
    for hour in range(3):
        await repository.create(GUILD, MEMBER, FLANNEL, credit_name=None, now=NOW + timedelta(hours=hour))

    with pytest.raises(LimitReached) as refused:
        await repository.create(GUILD, MEMBER, FLANNEL, credit_name=None, now=NOW + timedelta(hours=3))
    assert refused.value.again_at == NOW + timedelta(hours=24)
    assert len(await repository.pending(GUILD)) == 3

    # Another server, or 24 hours after the first one, is fine.
    await repository.create(OTHER, MEMBER, FLANNEL, credit_name=None, now=NOW + timedelta(hours=3))
    await repository.create(
        GUILD, MEMBER, FLANNEL, credit_name=None, now=NOW + timedelta(hours=24, seconds=1)
    )


async def test_a_suggestion_is_decided_once(database: Database) -> None:
    repository = SuggestionsRepository(database, ServerTipsRepository(database))
    suggestion = await repository.create(GUILD, MEMBER, FLANNEL, credit_name="sam", now=NOW)

    approved = await repository.approve(GUILD, suggestion.id, reviewer_id=MOD, now=NOW)
    assert (approved.status, approved.tip_id, approved.reviewer_id) == ("approved", 1, MOD)
    with pytest.raises(AlreadyDecided):
        await repository.approve(GUILD, suggestion.id, reviewer_id=MOD, now=NOW)
    with pytest.raises(AlreadyDecided):
        await repository.reject(GUILD, suggestion.id, reviewer_id=MOD, reason="no", now=NOW)
    [tip] = await ServerTipsRepository(database).list(GUILD)
    assert (tip.credit_user_id, tip.credit_name) == (MEMBER, "sam")
    actions = [entry.action for entry in await AuditRepository(database).recent(GUILD)]
    assert actions == ["suggestion.approve", "tip.add"]


async def test_another_server_cannot_decide_a_suggestion(database: Database) -> None:
    repository = SuggestionsRepository(database, ServerTipsRepository(database))
    suggestion = await repository.create(GUILD, MEMBER, FLANNEL, credit_name=None, now=NOW)

    with pytest.raises(AlreadyDecided):
        await repository.approve(OTHER, suggestion.id, reviewer_id=MOD, now=NOW)
    with pytest.raises(AlreadyDecided):
        await repository.reject(OTHER, suggestion.id, reviewer_id=MOD, reason="", now=NOW)
    assert [s.status for s in await repository.pending(GUILD)] == ["pending"]
    assert await ServerTipsRepository(database).list(OTHER) == []


async def test_tips_changed_elsewhere_refreshes_every_servers_cache(database: Database) -> None:
    catalog, repository = catalog_over(database)
    await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    assert (await catalog.tips_for(GUILD)).get("server-tip-1") is not None
    await database.sql("UPDATE server_tips SET title = 'Renamed'")  # e.g. /privacy delete with its own SQL

    await repository.changed()

    card = (await catalog.tips_for(GUILD)).get("server-tip-1")
    assert card is not None and card.title == "Renamed"


async def test_a_removed_tips_number_is_never_given_out_again(database: Database) -> None:
    repository = ServerTipsRepository(database)
    first = await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    second = await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    await repository.remove(GUILD, second.id, actor_id=MOD, now=NOW)

    third = await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)
    await repository.remove(GUILD, third.id, actor_id=MOD, now=NOW)
    await repository.remove(GUILD, first.id, actor_id=MOD, now=NOW)
    fourth = await repository.add(OTHER, FLANNEL, actor_id=MOD, now=NOW)

    assert [first.id, second.id, third.id, fourth.id] == [1, 2, 3, 4]


async def test_a_database_from_before_the_counter_goes_on_from_its_highest_tip(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    build_legacy_database(path, upto=9)
    with sqlite3.connect(path) as connection:
        for number in (1, 7):
            connection.execute(
                "INSERT INTO server_tips (id, guild_id, title, body, created_at, updated_at) "
                "VALUES (?, ?, 'Old', 'Old tip.', ?, ?)",
                (number, GUILD, "2026-01-01T00:00:00.000000+00:00", "2026-01-01T00:00:00.000000+00:00"),
            )
    database = await Database.open(path)
    try:
        await database.migrate()
        repository = ServerTipsRepository(database)
        await repository.remove(GUILD, 7, actor_id=MOD, now=NOW)

        added = await repository.add(GUILD, FLANNEL, actor_id=MOD, now=NOW)

        assert added.id == 8
    finally:
        await database.close()
