"""/search: the library's cards and resources, and a server's own tips and resources, ranked.

The library is indexed once at start (`rebuild_library`); a server's rows are written with the tips and
resources they come from, in the same transaction. The query is used for one search and forgotten: it
is not stored, not logged, and not repeated in the answer.
"""

from __future__ import annotations

from bot.content.loader import ContentLibrary
from bot.content.search import (
    SearchHit,
    Suggester,
    Suggestions,
    library_documents,
    query_words,
    validate_query,
)
from bot.db.database import Database
from bot.db.search_index import SearchIndexRepository


class SearchService:
    def __init__(self, database: Database) -> None:
        self.index = SearchIndexRepository(database)
        self.suggester = Suggester((), ())

    async def rebuild_library(self, library: ContentLibrary) -> int:
        """Index every library card and resource, replacing the previous library rows."""
        documents = list(library_documents(library))
        written = await self.index.rebuild_library(documents)
        self.suggester = Suggester.from_documents(documents)
        return written

    async def search(self, query: str, *, guild_id: int | None) -> list[SearchHit]:
        """The best matches (InvalidQuery for an empty, overlong or wordless query)."""
        text = validate_query(query)
        return await self.index.search(query_words(text), guild_id=guild_id)

    def did_you_mean(self, query: str) -> Suggestions:
        """Searches that would find something, and library titles close to the query."""
        return self.suggester.suggest(query.strip())
