"""Repository for `search_index`, the table behind /search.

On SQLite it is an FTS5 table (created by the baseline revision). User text never reaches FTS5 as
syntax: the words come from ``bot.content.search.query_words`` (runs of letters and digits only), and
``match_expression`` wraps each in double quotes (doubling any quote), so operators, column filters,
parentheses, ``*``, ``^`` and NUL characters are plain text or dropped.

On PostgreSQL it is a plain table for now, searched word by word with ILIKE (the words are letters and
digits only, so they hold no wildcard); weighted full-text search there is a later revision.

Library rows (guild_id NULL) are rebuilt from the content files at start-up, in one transaction.
Server rows carry their server's id and are only ever returned to searches made in that server.

Privacy: the engine is opened with ``hide_parameters`` and the bot's logging keeps SQLAlchemy and the
drivers at INFO or above, so the search text is never logged. Nothing here writes the query anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.content.search import RESULT_LIMIT, SearchDocument, SearchHit, SearchKind
from bot.db.database import Database
from bot.db.schema import search_index

PREFIX_MIN_LENGTH = 3  # shorter words match whole words only ("d" in "D-MER"), not every term starting "d"

# Ranking: bm25 with column weights in table order, title 10, aliases 6, summary 3, body 1, so a hit in
# the title counts most. Given as `rank MATCH` and sorted by `rank`, FTS5 ranks the matches itself and
# hands rows over best first; SQLite then reads each row's guild_id only until LIMIT rows have passed,
# instead of reading and sorting every match.
# guild_id = NULL is never true, so a search outside a server (a DM) sees library rows only.
SEARCH_SQL = (
    "SELECT kind, ref, title, summary FROM search_index "
    "WHERE search_index MATCH :expression AND rank MATCH 'bm25(10.0, 6.0, 3.0, 1.0)' "
    "AND (guild_id IS NULL OR guild_id = :guild_id) "
    "ORDER BY rank LIMIT :limit"
)
_WEIGHTS = (("title", 10), ("aliases", 6), ("summary", 3), ("body", 1))


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


def _row(document: SearchDocument, *, guild_id: int | None) -> dict[str, Any]:
    return {
        "title": document.title,
        "aliases": document.aliases,
        "summary": document.summary,
        "body": document.body,
        "kind": document.kind,
        "ref": document.ref,
        "guild_id": guild_id,
    }


def _one_document(guild_id: int, kind: str, ref: str) -> Any:
    return delete(search_index).where(
        search_index.c.guild_id == guild_id, search_index.c.kind == kind, search_index.c.ref == ref
    )


async def index_server_document(connection: AsyncConnection, document: SearchDocument) -> None:
    """Index one server document inside the caller's transaction, replacing any with the same ref.

    Server tips change in the same transaction as their row and audit entry, so search never shows a
    tip that was rolled back, or misses one that was committed.
    """
    if document.guild_id is None:
        raise ValueError(f"server document {document.ref!r} has no guild_id")
    await connection.execute(_one_document(document.guild_id, document.kind, document.ref))
    await connection.execute(insert(search_index).values(_row(document, guild_id=document.guild_id)))


async def unindex_server_document(
    connection: AsyncConnection, guild_id: int, kind: SearchKind, ref: str
) -> None:
    """Remove one server document inside the caller's transaction."""
    await connection.execute(_one_document(guild_id, kind, ref))


def _visible(guild_id: int | None) -> Any:
    return or_(search_index.c.guild_id.is_(None), search_index.c.guild_id == guild_id)


def _words_select(words: Sequence[str], guild_id: int | None, limit: int, *, every_word: bool) -> Any:
    """PostgreSQL, until its full-text revision: rows holding the words, title hits first."""
    per_word = [or_(*(search_index.c[column].ilike(f"%{word}%") for column, _ in _WEIGHTS)) for word in words]
    score = sum(
        (
            case((search_index.c[column].ilike(f"%{word}%"), literal(weight)), else_=literal(0))
            for word in words
            for column, weight in _WEIGHTS
        ),
        start=literal(0),
    )
    matched = and_(*per_word) if every_word else or_(*per_word)
    return (
        select(search_index.c.kind, search_index.c.ref, search_index.c.title, search_index.c.summary)
        .where(matched, _visible(guild_id))
        .order_by(score.desc(), search_index.c.title)
        .limit(limit)
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
            await connection.execute(delete(search_index).where(search_index.c.guild_id.is_(None)))
            if rows:
                await connection.execute(insert(search_index), rows)
            # No 'optimize' here: it rewrites the whole index, servers' rows included, while holding the
            # write lock. FTS5's automerge keeps the segment count low as rows come and go.
        return len(rows)

    async def count(self, *, guild_id: int | None = None) -> int:
        """Rows visible in ``guild_id`` (library rows only when None)."""
        counted = await self._db.scalar(
            select(func.count()).select_from(search_index).where(_visible(guild_id))
        )
        return int(counted or 0)

    async def _match(
        self, words: Sequence[str], guild_id: int | None, limit: int, *, every_word: bool
    ) -> list[SearchHit]:
        if self._db.dialect == "sqlite":
            expression = match_expression(words, every_word=every_word)
            if expression is None:
                return []
            async with self._db.read() as connection:
                result = await connection.execute(
                    text(SEARCH_SQL), {"expression": expression, "guild_id": guild_id, "limit": limit}
                )
                rows = result.mappings().all()
        else:
            rows = await self._db.fetch_all(_words_select(words, guild_id, limit, every_word=every_word))
        return [
            SearchHit(cast(SearchKind, row["kind"]), str(row["ref"]), str(row["title"]), str(row["summary"]))
            for row in rows
        ]

    async def search(
        self, words: Sequence[str], *, guild_id: int | None, limit: int = RESULT_LIMIT
    ) -> list[SearchHit]:
        """The best ``limit`` rows for ``words`` by bm25: rows with every word first; failing that, any."""
        words = [word for word in words if word]
        if not words:
            return []
        hits = await self._match(words, guild_id, limit, every_word=True)
        if not hits and len(words) > 1:
            hits = await self._match(words, guild_id, limit, every_word=False)
        return hits
