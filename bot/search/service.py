"""/search: the library's cards and resources, and a server's own tips and resources, ranked.

The library is indexed at start (`rebuild_library`) only when its content changed since the index was
built: of several processes starting together, or restarting with the same content, none or one
rebuilds. A server's rows are written with the tips and resources they come from, in the same
transaction. The query is used for one search and forgotten: it
is not stored, not logged, and not repeated in the answer.
"""

from __future__ import annotations

import logging

from bot.clock import Clock, SystemClock
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
from bot.db.search_index import Rebuild, SearchIndexRepository

log = logging.getLogger(__name__)


class SearchService:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self.index = SearchIndexRepository(database)
        self.clock = clock or SystemClock()
        self.suggester = Suggester((), ())

    async def rebuild_library(self, library: ContentLibrary) -> Rebuild:
        """Index every library card and resource, replacing the previous library rows, unless the index
        already holds this very content (then nothing is written)."""
        documents = list(library_documents(library))
        rebuild = await self.index.rebuild_library_if_changed(documents, now=self.clock.now())
        self.suggester = Suggester.from_documents(documents)
        if rebuild.skipped:
            log.info("search index: the library is unchanged, nothing to rebuild")
        else:
            log.info("search index: library rebuilt (%d documents)", rebuild.written)
        return rebuild

    async def search(self, query: str, *, guild_id: int | None) -> list[SearchHit]:
        """The best matches (InvalidQuery for an empty, overlong or wordless query)."""
        text = validate_query(query)
        return await self.index.search(query_words(text), guild_id=guild_id)

    def did_you_mean(self, query: str) -> Suggestions:
        """Searches that would find something, and library titles close to the query."""
        return self.suggester.suggest(query.strip())
