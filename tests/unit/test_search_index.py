"""The search index repository on a real SQLite file (FTS5): the table, rebuilds, scoping and ranking.

Full-text search on PostgreSQL comes with its own revision; until then these cases are SQLite's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.content.search import SearchDocument, SearchKind, query_words
from bot.db.database import Database
from bot.db.search_index import SearchIndexRepository, index_server_document, unindex_server_document

GUILD = 111
OTHER_GUILD = 222


def _doc(
    ref: str, title: str, body: str = "", *, kind: SearchKind = "fact", guild_id: int | None = None
) -> SearchDocument:
    return SearchDocument(kind, ref, title, "", f"About {title}.", body, guild_id)


@pytest_asyncio.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "search.sqlite3")
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def index(database: Database) -> SearchIndexRepository:
    return SearchIndexRepository(database)


async def _refs(index: SearchIndexRepository, query: str, guild_id: int | None = None) -> list[str]:
    return [hit.ref for hit in await index.search(query_words(query), guild_id=guild_id)]


async def add_server_documents(index: SearchIndexRepository, documents: list[SearchDocument]) -> None:
    """Index server documents the way server tips and resources do: inside a transaction."""
    async with index._db.transaction() as connection:
        for document in documents:
            await index_server_document(connection, document)


async def test_the_baseline_creates_the_fts5_table_on_a_fresh_database(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        await database.migrate()
        rows = await database.sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_index'"
        )
        sql = str(rows[0]["sql"])
        assert "USING fts5" in sql
        assert "porter unicode61 remove_diacritics 2" in sql
        assert "guild_id UNINDEXED" in sql
        assert await SearchIndexRepository(database).count() == 0
    finally:
        await database.close()


async def test_rebuild_replaces_library_rows_and_keeps_server_rows(index: SearchIndexRepository) -> None:
    await add_server_documents(index, [_doc("1", "Our lullaby tip", kind="server-tip", guild_id=GUILD)])
    await index.rebuild_library([_doc("old", "Old letdown card")])

    written = await index.rebuild_library([_doc("new", "New letdown card"), _doc("two", "Warmth")])

    assert written == 2
    assert await _refs(index, "letdown") == ["new"]
    assert await _refs(index, "lullaby", GUILD) == ["1"]
    assert await index.count() == 2
    assert await index.count(guild_id=GUILD) == 3


async def test_a_failed_rebuild_leaves_the_previous_index(
    index: SearchIndexRepository, database: Database
) -> None:
    await index.rebuild_library([_doc("kept", "Letdown card")])

    def broken() -> Iterator[SearchDocument]:
        yield _doc("half", "Half written letdown card")
        raise RuntimeError("content broke mid-way")

    with pytest.raises(RuntimeError, match="mid-way"):
        await index.rebuild_library(broken())

    assert await _refs(index, "letdown") == ["kept"]
    assert await database.is_writable()  # the failed transaction let go of the write lock


async def test_rebuild_refuses_server_documents(index: SearchIndexRepository) -> None:
    with pytest.raises(ValueError, match="guild_id"):
        await index.rebuild_library([_doc("x", "Tip", guild_id=GUILD)])
    with pytest.raises(ValueError, match="guild_id"):
        await add_server_documents(index, [_doc("x", "Tip")])


async def test_server_rows_are_seen_only_in_their_server(index: SearchIndexRepository) -> None:
    await index.rebuild_library([_doc("lib", "Lullaby facts")])
    await add_server_documents(
        index,
        [
            _doc("7", "Lullaby while pumping", kind="server-tip", guild_id=GUILD),
            _doc("8", "Lullaby playlist", kind="server-tip", guild_id=OTHER_GUILD),
        ],
    )

    assert sorted(await _refs(index, "lullaby", GUILD)) == ["7", "lib"]
    assert sorted(await _refs(index, "lullaby", OTHER_GUILD)) == ["8", "lib"]
    assert await _refs(index, "lullaby", None) == ["lib"]  # outside a server: library only


async def test_better_ranked_rows_of_other_servers_never_crowd_out_results(
    index: SearchIndexRepository,
) -> None:
    await index.rebuild_library(
        [_doc("a", "Warmth", "Warmth helps letdown."), _doc("b", "Massage", "Then letdown.")]
    )
    await add_server_documents(
        index, [_doc(str(n), "Letdown letdown", kind="server-tip", guild_id=OTHER_GUILD) for n in range(20)]
    )

    assert sorted(await _refs(index, "letdown", GUILD)) == ["a", "b"]
    assert len(await _refs(index, "letdown", OTHER_GUILD)) == 5


async def test_server_documents_are_replaced_and_removed(index: SearchIndexRepository) -> None:
    await add_server_documents(index, [_doc("7", "Lullaby", kind="server-tip", guild_id=GUILD)])
    await add_server_documents(index, [_doc("7", "Humming", kind="server-tip", guild_id=GUILD)])

    assert await _refs(index, "lullaby", GUILD) == []
    assert await _refs(index, "humming", GUILD) == ["7"]

    await add_server_documents(index, [_doc("9", "Humming too", kind="server-tip", guild_id=GUILD)])
    async with index._db.transaction() as connection:
        await unindex_server_document(connection, GUILD, "server-tip", "7")
    assert await _refs(index, "humming", GUILD) == ["9"]


async def test_title_outranks_body(index: SearchIndexRepository) -> None:
    # Unweighted, the body that says "letdown" three times would win; the title weight puts it second.
    await index.rebuild_library(
        [
            SearchDocument("fact", "body", "Warm compress", "", "Warmth.", "Letdown, letdown, letdown."),
            SearchDocument("fact", "title", "Letdown", "", "A card.", "A body about warmth and massage."),
        ]
    )

    assert await _refs(index, "letdown") == ["title", "body"]


async def test_aliases_outrank_summary_and_summary_outranks_body(index: SearchIndexRepository) -> None:
    await index.rebuild_library(
        [
            SearchDocument("fact", "body", "One", "", "Card one.", "About a reflex."),
            SearchDocument("fact", "summary", "Two", "", "Reflex.", "Card two, about something."),
            SearchDocument("fact", "alias", "Three", "reflex", "Card three.", "About something."),
        ]
    )

    assert await _refs(index, "reflex") == ["alias", "summary", "body"]


async def test_stemming_diacritics_and_prefixes(index: SearchIndexRepository) -> None:
    await index.rebuild_library(
        [
            _doc("pump", "Pump basics", "How a pump works."),
            _doc("gal", "Galactorrhea"),
            _doc("other", "Warmth"),
        ]
    )

    assert await _refs(index, "pumping") == ["pump"]
    assert await _refs(index, "galáctorrhea") == ["gal"]
    assert await _refs(index, "galac") == ["gal"]
    assert await _refs(index, "GALACTORRHEA") == ["gal"]


async def test_all_words_first_then_any_word(index: SearchIndexRepository) -> None:
    await index.rebuild_library(
        [_doc("both", "Letdown while pumping"), _doc("one", "Letdown"), _doc("none", "Warmth")]
    )

    assert await _refs(index, "letdown pumping") == ["both"]
    assert sorted(await _refs(index, "letdown lullaby")) == ["both", "one"]
    assert await _refs(index, "lullaby") == []
    assert await index.search([], guild_id=None) == []


async def test_at_most_limit_results(index: SearchIndexRepository) -> None:
    await index.rebuild_library([_doc(f"c{n}", f"Letdown card {n}") for n in range(9)])

    assert len(await index.search(["letdown"], guild_id=None)) == 5
    assert len(await index.search(["letdown"], guild_id=None, limit=2)) == 2
