"""The search index repository on both engines (FTS5 on SQLite, a weighted tsvector on PostgreSQL):
the table, rebuilds (once per content), scoping and ranking."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.search import SearchDocument, SearchKind, query_words
from bot.db.database import Database
from bot.db.search_index import SearchIndexRepository, index_server_document, unindex_server_document

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
GUILD = 111
OTHER_GUILD = 222


def _doc(
    ref: str, title: str, body: str = "", *, kind: SearchKind = "fact", guild_id: int | None = None
) -> SearchDocument:
    return SearchDocument(kind, ref, title, "", f"About {title}.", body, guild_id)


@pytest.fixture
def database(any_database: Database) -> Database:
    return any_database


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


# ------------------------------------------------------------------------------- PostgreSQL's index


@pytest.mark.parametrize("any_database", ["postgresql"], indirect=True)
async def test_postgresql_rows_carry_a_weighted_tsvector_with_a_gin_index(
    index: SearchIndexRepository, database: Database
) -> None:
    await index.rebuild_library(
        [SearchDocument("fact", "d", "Galáctorrhea", "D-MER", "Pumping at work.", "See www.llli.org")]
    )

    rows = await database.sql("SELECT document::text AS document FROM search_index")
    vector = str(rows[0]["document"])
    # Split and folded as FTS5's unicode61 does; stemmed as its porter tokenizer does; weighted by column.
    for lexeme in ("'galactorrhea':1A", "'d':2B", "'mer':3B", "'pump':4C", "'at':5C", "'llli':9"):
        assert lexeme in vector
    indexes = await database.sql(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'search_index' AND indexname = 'search_index_document'"
    )
    assert "USING gin (document)" in str(indexes[0]["indexdef"])


@pytest.mark.parametrize("any_database", ["postgresql"], indirect=True)
async def test_a_row_without_its_vector_is_refused(database: Database) -> None:
    # Every row is written with its vector: one that is not would be silently unsearchable.
    with pytest.raises(Exception, match="document"):
        await database.sql("INSERT INTO search_index (title, kind, ref) VALUES ('x', 'fact', 'x')")


# ---------------------------------------------------------------------------- built once per content


async def test_unchanged_content_is_not_rebuilt_and_changed_content_is(index: SearchIndexRepository) -> None:
    first = [_doc("a", "Letdown card"), _doc("b", "Warmth")]

    built = await index.rebuild_library_if_changed(first, now=NOW)
    again = await index.rebuild_library_if_changed(list(reversed(first)), now=NOW)
    changed = await index.rebuild_library_if_changed(
        [_doc("a", "Letdown card"), _doc("b", "Massage")], now=NOW
    )

    assert (built.skipped, built.written) == (False, 2)
    assert (again.skipped, again.written) == (True, 0)
    assert (changed.skipped, changed.written) == (False, 2)
    assert await _refs(index, "massage") == ["b"]
    assert await _refs(index, "warmth") == []


async def test_a_plain_rebuild_records_its_fingerprint_too(index: SearchIndexRepository) -> None:
    documents = [_doc("a", "Letdown card")]
    await index.rebuild_library(documents)

    assert (await index.rebuild_library_if_changed(documents, now=NOW)).skipped


async def test_processes_starting_together_rebuild_once(database: Database) -> None:
    # Two processes: two engines on the same database, each with its own pool (and, on SQLite, no
    # shared in-process lock).
    target = database.path if database.path is not None else database.url.sqlalchemy_url
    others = [await Database.open(target) for _ in range(2)]
    documents = [_doc(f"c{n}", f"Letdown card {n}") for n in range(200)]
    try:
        results = await asyncio.gather(
            *(SearchIndexRepository(other).rebuild_library_if_changed(documents, now=NOW) for other in others)
        )
    finally:
        for other in others:
            await other.close()

    assert sorted(result.skipped for result in results) == [False, True]
    assert await SearchIndexRepository(database).count() == 200
