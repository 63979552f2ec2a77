"""Repository for `search_index`, the table behind /search.

On SQLite it is an FTS5 table (created by the baseline revision). User text never reaches FTS5 as
syntax: the words come from ``bot.content.search.query_words`` (runs of letters and digits only), and
``match_expression`` wraps each in double quotes (doubling any quote), so operators, column filters,
parentheses, ``*``, ``^`` and NUL characters are plain text or dropped.

On PostgreSQL (revision 0013) each row carries ``document``, a weighted tsvector (title A, aliases B,
summary C, body D) with a GIN index, in the ``latch_search`` configuration: the Snowball English stemmer
without stop words, as FTS5's porter tokenizer stems and keeps every word. The text given to it is
``index_words`` (split and accent-folded as unicode61 does), so both engines see the same words. A
query is one ``to_tsquery`` per word, each a bound parameter holding one quoted letters-and-digits
lexeme (with ``:*`` for a prefix), combined with the tsquery operators ``&&`` / ``||``: user text is
never SQL and never tsquery syntax. Rows are ranked by ``ts_rank`` with weights in bm25's proportions.

Library rows (guild_id NULL) are rebuilt from the content files at start-up, in one transaction, and
only when the library's content changed: its fingerprint is kept in app_state, read and written under
the same lock as the rebuild, so processes starting together rebuild once.
Server rows carry their server's id and are only ever returned to searches made in that server.

Privacy: the engine is opened with ``hide_parameters`` and the bot's logging keeps SQLAlchemy and the
drivers at INFO or above, so the search text is never logged. Nothing here writes the query anywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    REAL,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.content.search import (
    RESULT_LIMIT,
    SearchDocument,
    SearchHit,
    SearchKind,
    index_words,
    library_fingerprint,
)
from bot.db.database import Database, dialect_of, upsert
from bot.db.schema import app_state, search_index

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

# PostgreSQL: the text search configuration made by revision 0013, and ts_rank's weights {D, C, B, A}
# in the proportions of the bm25 weights above (body 1, summary 3, aliases 6, title 10).
SEARCH_CONFIGURATION = "latch_search"
_COLUMN_WEIGHTS = (("title", "A"), ("aliases", "B"), ("summary", "C"), ("body", "D"))
_RANK_WEIGHTS = (0.1, 0.3, 0.6, 1.0)

# app_state: the fingerprint of the library rows in the index. FORMAT changes when the way rows are
# indexed changes, so a new build re-indexes an unchanged library once.
FINGERPRINT_KEY = "search.library_fingerprint"
INDEX_FORMAT = "1"
# pg_advisory_xact_lock key for the library rebuild ("LatchSRC" as 8 bytes): processes starting
# together take turns; the second finds the first one's fingerprint and skips the rebuild.
REBUILD_LOCK = int.from_bytes(b"LatchSRC", "big", signed=True)


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


def _row(document: SearchDocument, *, guild_id: int | None, dialect: str) -> dict[str, Any]:
    # On PostgreSQL the words_* keys feed the row's vector (see _inserting).
    return {
        **(_vector_words(document) if dialect == "postgresql" else {}),
        "title": document.title,
        "aliases": document.aliases,
        "summary": document.summary,
        "body": document.body,
        "kind": document.kind,
        "ref": document.ref,
        "guild_id": guild_id,
    }


def _inserting(dialect: str) -> Any:
    """INSERT of rows from ``_row``: on PostgreSQL each row's weighted vector is made from its words."""
    if dialect == "postgresql":
        return insert(search_index).values(document=_bound_vector())
    return insert(search_index)


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
    dialect = dialect_of(connection)
    row = _row(document, guild_id=document.guild_id, dialect=dialect)
    await connection.execute(_inserting(dialect), [row])


async def index_documents(connection: AsyncConnection, documents: Sequence[SearchDocument]) -> int:
    """Index ``documents`` (library or server rows, each with its own guild_id) in the caller's
    transaction, as the repository indexes them: on PostgreSQL each row gets its weighted vector."""
    dialect = dialect_of(connection)
    rows = [_row(document, guild_id=document.guild_id, dialect=dialect) for document in documents]
    if rows:
        await connection.execute(_inserting(dialect), rows)
    return len(rows)


async def unindex_server_document(
    connection: AsyncConnection, guild_id: int, kind: SearchKind, ref: str
) -> None:
    """Remove one server document inside the caller's transaction."""
    await connection.execute(_one_document(guild_id, kind, ref))


def _visible(guild_id: int | None) -> Any:
    return or_(search_index.c.guild_id.is_(None), search_index.c.guild_id == guild_id)


def _vector(parts: dict[str, ColumnElement[Any]]) -> ColumnElement[Any]:
    """setweight(to_tsvector(title), 'A') || … || setweight(to_tsvector(body), 'D')."""
    weighted = [
        # The weight is a fixed letter from _COLUMN_WEIGHTS, written as an untyped literal ("char").
        func.setweight(func.to_tsvector(SEARCH_CONFIGURATION, parts[column]), literal_column(f"'{weight}'"))
        for column, weight in _COLUMN_WEIGHTS
    ]
    return functools.reduce(lambda left, right: left.op("||")(right), weighted)


def _indexed_text(text: str) -> str:
    return " ".join(index_words(text))


def _bound_vector() -> ColumnElement[Any]:
    """The vector of a row whose words are bound as ``words_title`` … ``words_body`` (executemany)."""
    return _vector({column: bindparam(f"words_{column}", type_=Text) for column, _ in _COLUMN_WEIGHTS})


def _vector_words(document: SearchDocument) -> dict[str, str]:
    return {f"words_{column}": _indexed_text(getattr(document, column)) for column, _ in _COLUMN_WEIGHTS}


def tsquery_lexeme(word: str, *, prefix: bool) -> str:
    """One tsquery operand: the word quoted as a lexeme (any quote or backslash doubled), ``:*`` for a
    prefix. ``word`` is letters and digits already; the quoting keeps it one operand regardless."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def tsquery_terms(words: Sequence[str]) -> list[str]:
    """The tsquery operands for the words of a query, folded and split as the index's words are."""
    terms = []
    for word in words:
        for piece in index_words(word):
            terms.append(tsquery_lexeme(piece, prefix=len(piece) >= PREFIX_MIN_LENGTH))
    return terms


def _tsquery(words: Sequence[str], *, every_word: bool) -> ColumnElement[Any] | None:
    queries: list[ColumnElement[Any]] = [
        func.to_tsquery(SEARCH_CONFIGURATION, literal(term, Text)) for term in tsquery_terms(words)
    ]
    if not queries:
        return None
    joiner = "&&" if every_word else "||"
    return functools.reduce(lambda left, right: left.op(joiner)(right), queries)


def _tsvector_select(words: Sequence[str], guild_id: int | None, limit: int, *, every_word: bool) -> Any:
    """PostgreSQL: rows whose document matches, by ts_rank with the column weights; None if no words.

    The tsquery is made once, in a one-row subquery: written inline, its bound parameters make it
    an expression that PostgreSQL would parse again for every row it filters and ranks.
    """
    query = _tsquery(words, every_word=every_word)
    if query is None:
        return None
    made = select(query.label("query"), _rank_weights().label("weights")).subquery("made")
    rank = func.ts_rank(made.c.weights, search_index.c.document, made.c.query)
    return (
        select(search_index.c.kind, search_index.c.ref, search_index.c.title, search_index.c.summary)
        .select_from(search_index.join(made, search_index.c.document.op("@@")(made.c.query)))
        .where(_visible(guild_id))
        .order_by(rank.desc(), search_index.c.title, search_index.c.ref)
        .limit(limit)
    )


def _rank_weights() -> ColumnElement[Any]:
    return sql_cast(array([literal(weight, REAL) for weight in _RANK_WEIGHTS]), ARRAY(REAL))


def _fingerprint(documents: Sequence[SearchDocument]) -> str:
    return f"{INDEX_FORMAT}:{library_fingerprint(documents)}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Rebuild:
    """What ``rebuild_library`` did: ``written`` rows, or none because the content was unchanged."""

    written: int
    skipped: bool


class SearchIndexRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def rebuild_library(self, documents: Iterable[SearchDocument]) -> int:
        """Replace every library row (guild_id NULL) with ``documents``, in one transaction.

        Servers' rows are kept. If anything fails, the previous index stays as it was.
        Returns the number of library rows written.
        """
        documents = list(documents)
        async with self._db.transaction() as connection:
            written = await self._replace_library(connection, documents)
            await self._set_fingerprint(connection, _fingerprint(documents), now=None)
        return written

    async def rebuild_library_if_changed(
        self, documents: Iterable[SearchDocument], *, now: datetime
    ) -> Rebuild:
        """Rebuild the library rows unless the index already holds exactly ``documents``.

        The fingerprint is read, and the rows and fingerprint written, in one transaction that holds
        the rebuild lock (BEGIN IMMEDIATE on SQLite; a transaction-scoped advisory lock on
        PostgreSQL), so of processes starting together one rebuilds and the others find its work.
        """
        documents = list(documents)
        fingerprint = _fingerprint(documents)
        async with self._db.transaction() as connection:
            if dialect_of(connection) == "postgresql":
                await connection.execute(select(func.pg_advisory_xact_lock(REBUILD_LOCK)))
            stored = await connection.scalar(
                select(app_state.c.value).where(app_state.c.key == FINGERPRINT_KEY)
            )
            if stored == fingerprint:
                return Rebuild(written=0, skipped=True)
            written = await self._replace_library(connection, documents)
            await self._set_fingerprint(connection, fingerprint, now=now)
        return Rebuild(written=written, skipped=False)

    @staticmethod
    async def _replace_library(connection: AsyncConnection, documents: Sequence[SearchDocument]) -> int:
        dialect = dialect_of(connection)
        rows = []
        for document in documents:
            if document.guild_id is not None:
                raise ValueError(f"library document {document.ref!r} has a guild_id")
            rows.append(_row(document, guild_id=None, dialect=dialect))
        await connection.execute(delete(search_index).where(search_index.c.guild_id.is_(None)))
        if rows:
            await connection.execute(_inserting(dialect), rows)
        # No 'optimize' here: it rewrites the whole index, servers' rows included, while holding the
        # write lock. FTS5's automerge keeps the segment count low as rows come and go.
        return len(rows)

    @staticmethod
    async def _set_fingerprint(
        connection: AsyncConnection, fingerprint: str, *, now: datetime | None
    ) -> None:
        statement = upsert(connection, app_state).values(
            key=FINGERPRINT_KEY, value=fingerprint, updated_at=now or _utcnow()
        )
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=[app_state.c.key],
                set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
            )
        )

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
            statement = _tsvector_select(words, guild_id, limit, every_word=every_word)
            if statement is None:
                return []
            rows = await self._db.fetch_all(statement)
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
