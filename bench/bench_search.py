"""/search, server-side: the library plus 5,000 synthetic server tips in a temporary database.

What is timed is what the cog does between receiving the interaction and rendering: check the query,
split it into words, run the FTS5 search (every word, then any word), and on no result build the
"did you mean" suggestions. All 5,000 tips belong to the searching server, the worst case for it:
every one of them is visible and ranked.
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness import Result, summarise
from bot.config import Settings
from bot.content.loader import load_library
from bot.content.search import (
    SearchDocument,
    SearchHit,
    Suggester,
    Suggestions,
    library_documents,
    query_words,
    validate_query,
)
from bot.db.database import Database
from bot.db.search_index import SearchIndexRepository, index_server_document

SERVER_TIPS = 5_000
GUILD_ID = 900_000_000_000_000_001
RUNS = 2_000
REBUILD_RUNS = 20
WORD = re.compile(r"[^\W_]+")

QUERIES = (
    "letdown",
    "leaking",
    "galáctorrhea",
    "pumping",
    "galac",
    "samaritans",
    "d-mer",
    "letdown at work",
    "how do I stop leaking at night",
    "warm compress massage",
    "no milk when I pump",
    "oxytocin spray",
)
NO_RESULT_QUERIES = ("galactorea", "brest masage", "qqqqzzzz")


def _synthetic_tips(words_used: list[str], count: int) -> Iterator[SearchDocument]:
    """Server tips drawn from the library's own running text, with its word frequencies: "letdown",
    "milk" and "pump" are as common in them as in the cards, so real queries match thousands of tips."""
    rng = random.Random(20261121)  # noqa: S311 (benchmark data, not security)

    def words(low: int, high: int) -> str:
        return " ".join(rng.choices(words_used, k=rng.randint(low, high)))

    for number in range(count):
        yield SearchDocument(
            kind="server-tip",
            ref=str(number),
            title=words(3, 6).capitalize(),
            aliases="",
            summary=words(8, 14),
            body=words(40, 90),
            guild_id=GUILD_ID,
        )


async def _search(
    index: SearchIndexRepository, suggester: Suggester, raw: str
) -> list[SearchHit] | Suggestions:
    text = validate_query(raw)
    hits = await index.search(query_words(text), guild_id=GUILD_ID)
    return hits if hits else suggester.suggest(text)


async def _timed(index: SearchIndexRepository, suggester: Suggester, queries: tuple[str, ...]) -> list[float]:
    for raw in queries * 3:  # warm-up
        await _search(index, suggester, raw)
    timings: list[float] = []
    for run in range(RUNS):
        raw = queries[run % len(queries)]
        start = time.perf_counter()
        await _search(index, suggester, raw)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


async def run() -> list[Result]:
    library = load_library(Settings(_env_file=None).content_dir)
    documents = list(library_documents(library))
    suggester = Suggester.from_documents(documents)
    running_text = [
        word
        for doc in documents
        for field in (doc.title, doc.summary, doc.body)
        for word in WORD.findall(field)
    ]

    with tempfile.TemporaryDirectory() as scratch:
        database = await Database.open(Path(scratch) / "bench-search.sqlite3")
        try:
            await database.migrate()
            index = SearchIndexRepository(database)
            async with database.transaction() as connection:
                for document in _synthetic_tips(running_text, SERVER_TIPS):
                    await index_server_document(connection, document)
            rebuilds: list[float] = []
            for _ in range(REBUILD_RUNS):
                start = time.perf_counter()
                await index.rebuild_library(documents)
                rebuilds.append((time.perf_counter() - start) * 1000)
            assert await index.count(guild_id=GUILD_ID) == len(documents) + SERVER_TIPS

            found = await _timed(index, suggester, QUERIES)
            missed = await _timed(index, suggester, NO_RESULT_QUERIES)
        finally:
            await database.close()

    return [
        summarise(f"search: {len(QUERIES)} queries, library + {SERVER_TIPS:,} tips", found, p99_target_ms=10),
        summarise("search: no result → did you mean", missed, p99_target_ms=10),
        summarise(f"rebuild library index (with {SERVER_TIPS:,} tips)", rebuilds, p99_target_ms=None),
    ]
