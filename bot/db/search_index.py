"""Repository for `search_index`, the FTS5 table behind /search (migration 0002).

User text never reaches FTS5 as syntax: the words come from ``bot.content.search.query_words`` (runs
of letters and digits only), and ``match_expression`` wraps each in double quotes (doubling any quote),
so operators, column filters, parentheses, ``*``, ``^`` and NUL characters are plain text or dropped.

Library rows (guild_id NULL) are rebuilt from the content files at start-up, in one transaction.
Server rows carry their server's id and are only ever returned to searches made in that server.

Privacy: the search text is bound as a parameter wrapped in ``_Unlogged``, whose repr hides it, because
aiosqlite logs every call with its arguments at DEBUG level. Nothing here writes the query anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import aiosqlite

from bot.content.search import RESULT_LIMIT, SearchDocument, SearchHit, SearchKind
from bot.db.database import Database

PREFIX_MIN_LENGTH = 3  # shorter words match whole words only ("d" in "D-MER"), not every term starting "d"

INSERT_SQL = (
    "INSERT INTO search_index (title, aliases, summary, body, kind, ref, guild_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)

# Ranking: bm25 with column weights in table order, title 10, aliases 6, summary 3, body 1, so a hit in
# the title counts most. Given as `rank MATCH` and sorted by `rank`, FTS5 ranks the matches itself and
# hands rows over best first; SQLite then reads each row's guild_id only until LIMIT rows have passed,
# instead of reading and sorting every match.
# guild_id = NULL is never true, so a search outside a server (a DM) sees library rows only.
SEARCH_SQL = (
    "SELECT kind, ref, title, summary FROM search_index "
    "WHERE search_index MATCH ? AND rank MATCH 'bm25(10.0, 6.0, 3.0, 1.0)' "
    "AND (guild_id IS NULL OR guild_id = ?) "
    "ORDER BY rank LIMIT ?"
)


def quote_term(word: str) -> str:
    """An FTS5 string: the word in double quotes, any double quote doubled."""
    return '"' + word.replace('"', '""') + '"'


def _term(word: str) -> str:
    # A prefix term finds words still being typed ("galac"). The porter tokenizer stems the prefix too
    # ("pumping"* → pump*), so it also finds every form of a whole word.
    quoted = quote_term(word)
    return quoted + "*" if len(word) >= PREFIX_MIN_LENGTH else quoted


def match_expression(words: Sequence[str], *, every_word: bool = True) -> str | None:
    """The FTS5 MATCH expression for ``words``: all of them (AND) or any of them (OR); None if none."""
    terms = [_term(word) for word in words if word]
    if not terms:
        return None
    return (" AND " if every_word else " OR ").join(terms)


class _Unlogged(tuple[Any, ...]):
    """Statement parameters whose repr hides their values (aiosqlite logs calls at DEBUG level)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "(<search parameters>)"


def _row(document: SearchDocument, *, guild_id: int | None) -> tuple[Any, ...]:
    return (
        document.title,
        document.aliases,
        document.summary,
        document.body,
        document.kind,
        document.ref,
        guild_id,
    )


async def index_server_document(connection: aiosqlite.Connection, document: SearchDocument) -> None:
    """Index one server document inside the caller's transaction, replacing any with the same ref.

    Server tips change in the same transaction as their row and audit entry, so search never shows a
    tip that was rolled back, or misses one that was committed.
    """
    if document.guild_id is None:
        raise ValueError(f"server document {document.ref!r} has no guild_id")
    await connection.execute(
        "DELETE FROM search_index WHERE guild_id = ? AND kind = ? AND ref = ?",
        (document.guild_id, document.kind, document.ref),
    )
    await connection.execute(INSERT_SQL, _row(document, guild_id=document.guild_id))


async def unindex_server_document(
    connection: aiosqlite.Connection, guild_id: int, kind: SearchKind, ref: str
) -> None:
    """Remove one server document inside the caller's transaction."""
    await connection.execute(
        "DELETE FROM search_index WHERE guild_id = ? AND kind = ? AND ref = ?", (guild_id, kind, ref)
    )


class SearchIndexRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def rebuild_library(self, documents: Iterable[SearchDocument]) -> int:
        """Replace every library row (guild_id NULL) with ``documents``, in one transaction.

        Servers' rows are kept. If anything fails, the previous index stays as it was.
        Returns the number of library rows written.
        """
        rows = []
        for document in documents:
            if document.guild_id is not None:
                raise ValueError(f"library document {document.ref!r} has a guild_id")
            rows.append(_row(document, guild_id=None))
        async with self._db.transaction() as connection:
            await connection.execute("DELETE FROM search_index WHERE guild_id IS NULL")
            await connection.executemany(INSERT_SQL, rows)
            # No 'optimize' here: it rewrites the whole index, servers' rows included, while holding the
            # write lock. FTS5's automerge keeps the segment count low as rows come and go.
        return len(rows)

    async def count(self, *, guild_id: int | None = None) -> int:
        """Rows visible in ``guild_id`` (library rows only when None)."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT count(*) FROM search_index WHERE guild_id IS NULL OR guild_id = ?", (guild_id,)
        )
        return int(next(iter(rows))[0])

    async def _match(self, expression: str, guild_id: int | None, limit: int) -> list[SearchHit]:
        async with self._db.connection.execute(
            SEARCH_SQL, _Unlogged((expression, guild_id, limit))
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            SearchHit(cast(SearchKind, row["kind"]), str(row["ref"]), str(row["title"]), str(row["summary"]))
            for row in rows
        ]

    async def search(
        self, words: Sequence[str], *, guild_id: int | None, limit: int = RESULT_LIMIT
    ) -> list[SearchHit]:
        """The best ``limit`` rows for ``words`` by bm25: rows with every word first; failing that, any."""
        expression = match_expression(words, every_word=True)
        if expression is None:
            return []
        hits = await self._match(expression, guild_id, limit)
        if not hits and len(words) > 1:
            fallback = match_expression(words, every_word=False)
            if fallback is not None:
                hits = await self._match(fallback, guild_id, limit)
        return hits
