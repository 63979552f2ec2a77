"""The pure side of /search: query checks, the FTS5 expression and the PostgreSQL tsquery (safe for any
text), "did you mean"."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.content.loader import ContentLibrary, load_library
from bot.content.search import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    InvalidQuery,
    SearchDocument,
    Suggester,
    library_documents,
    parse_result_key,
    query_words,
    result_key,
    validate_query,
)
from bot.db.database import Database
from bot.db.search_index import (
    SEARCH_SQL,
    SearchIndexRepository,
    match_expression,
    quote_term,
    tsquery_lexeme,
    tsquery_terms,
)
from bot.ui.messages import refusal_text
from tests.db.legacy import LEGACY_SQL

# FTS5 syntax, mixed into arbitrary text so hypothesis tries it often.
FTS_SYNTAX = [
    '"',
    "*",
    "^",
    "(",
    ")",
    ":",
    "+",
    "-",
    "{",
    "}",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    ",",
    "\x00",
]
QUERIES = st.lists(
    st.one_of(st.text(st.characters(), max_size=12), st.sampled_from(FTS_SYNTAX)), max_size=12
).map(" ".join)

_TERM = r'"[^"]*"\*?'
_EXPRESSION = re.compile(rf"{_TERM}(?: AND {_TERM})*|{_TERM}(?: OR {_TERM})*")


@pytest.fixture(scope="module")
def library() -> ContentLibrary:
    return load_library(Settings(_env_file=None).content_dir)


@pytest.fixture(scope="module")
def fts(library: ContentLibrary) -> Iterator[sqlite3.Connection]:
    """The FTS5 table on an in-memory database (as the SQL migrations made it), the library indexed."""
    connection = sqlite3.connect(":memory:")
    connection.executescript((LEGACY_SQL / "0002_search_index.sql").read_text(encoding="utf-8"))
    connection.executemany(
        "INSERT INTO search_index (title, aliases, summary, body, kind, ref, guild_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (doc.title, doc.aliases, doc.summary, doc.body, doc.kind, doc.ref, doc.guild_id)
            for doc in library_documents(library)
        ],
    )
    yield connection
    connection.close()


# ------------------------------------------------------------------------------------ validate_query


@pytest.mark.parametrize("raw", ["", "   ", "\n\t "])
def test_empty_query_is_refused_with_an_example(raw: str) -> None:
    with pytest.raises(InvalidQuery) as refused:
        validate_query(raw)
    assert re.search(r"Type a word or two.*/search query: letdown at work", refusal_text(refused.value))


def test_too_long_query_is_refused_with_an_example() -> None:
    with pytest.raises(InvalidQuery) as refused:
        validate_query("a" * (MAX_QUERY_LENGTH + 1))
    assert re.search(rf"up to {MAX_QUERY_LENGTH} characters.*/search query:", refusal_text(refused.value))


def test_query_at_the_limit_is_accepted_and_stripped() -> None:
    assert validate_query("  " + "a" * MAX_QUERY_LENGTH + "  ") == "a" * MAX_QUERY_LENGTH


def test_query_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(InvalidQuery) as refused:
        validate_query('?! "" *** ()')
    assert re.search("letters or numbers", refusal_text(refused.value))


def _refusal(raw: str) -> str:
    with pytest.raises(InvalidQuery) as problem:
        validate_query(raw)
    return refusal_text(problem.value)


@given(QUERIES)
def test_a_refusal_is_a_fixed_message_that_never_repeats_the_query(raw: str) -> None:
    fixed = {_refusal(""), _refusal("a" * (MAX_QUERY_LENGTH + 1)), _refusal("?")}
    try:
        validate_query(raw)
    except InvalidQuery as problem:
        assert refusal_text(problem) in fixed


# --------------------------------------------------------------------------------------- query_words


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("letdown", ["letdown"]),
        ("  D-MER  ", ["D", "MER"]),
        ('title:letdown OR "pump"*', ["title", "letdown", "OR", "pump"]),
        ("Pump pump PUMP", ["Pump"]),
        ("galáctorrhea", ["galáctorrhea"]),
        ("ga\u0301lactorrhea", ["gálactorrhea"]),  # combining accent composed by NFKC
        ("ﬁx", ["fix"]),  # compatibility ligature
        ("snake_case", ["snake", "case"]),
        ("letdown\x00pump", ["letdown", "pump"]),
        ("?!*()", []),
    ],
)
def test_query_words(raw: str, words: list[str]) -> None:
    assert query_words(raw) == words


def test_query_words_keeps_at_most_max_terms() -> None:
    raw = " ".join(f"word{index}" for index in range(MAX_TERMS + 5))
    assert query_words(raw) == [f"word{index}" for index in range(MAX_TERMS)]


@given(QUERIES)
def test_words_are_letters_and_digits_taken_from_the_query(raw: str) -> None:
    normalised = unicodedata.normalize("NFKC", raw)
    for word in query_words(raw):
        assert word
        assert word in normalised
        assert all(char.isalnum() for char in word)
        assert '"' not in word and "\x00" not in word


# ---------------------------------------------------------------------------------- match_expression


def test_each_word_is_a_quoted_prefix_term_short_words_exact() -> None:
    assert match_expression(["leaking", "at", "work"]) == '"leaking"* AND "at" AND "work"*'


def test_any_word_mode_joins_with_or() -> None:
    assert match_expression(["letdown", "pump"], every_word=False) == '"letdown"* OR "pump"*'


def test_no_words_no_expression() -> None:
    assert match_expression([]) is None
    assert match_expression([""]) is None


def test_quote_term_doubles_quotes() -> None:
    assert quote_term('say "hi"') == '"say ""hi"""'


@given(QUERIES)
def test_expression_is_only_quoted_terms_and_operators(raw: str) -> None:
    for every_word in (True, False):
        expression = match_expression(query_words(raw), every_word=every_word)
        if expression is not None:
            assert _EXPRESSION.fullmatch(expression), expression


@settings(max_examples=300, deadline=None)
@given(QUERIES)
def test_no_query_text_can_make_fts5_raise(fts: sqlite3.Connection, raw: str) -> None:
    words = query_words(raw)
    for every_word in (True, False):
        expression = match_expression(words, every_word=every_word)
        if expression is not None:
            fts.execute(
                SEARCH_SQL, {"expression": expression, "guild_id": 1, "limit": 5}
            ).fetchall()  # raises on any FTS5 syntax error


def test_raw_fts_syntax_would_raise_without_quoting(fts: sqlite3.Connection) -> None:
    # The guard above matters: the same text passed raw is an FTS5 syntax error.
    with pytest.raises(sqlite3.OperationalError):
        fts.execute(SEARCH_SQL, {"expression": 'letdown" OR (', "guild_id": 1, "limit": 5}).fetchall()
    words = query_words('letdown" OR (')
    expression = match_expression(words)
    assert expression is not None
    fts.execute(SEARCH_SQL, {"expression": expression, "guild_id": 1, "limit": 5}).fetchall()


def test_tokenizer_folds_diacritics_stems_and_matches_prefixes(fts: sqlite3.Connection) -> None:
    def refs(raw: str) -> list[str]:
        expression = match_expression(query_words(raw))
        assert expression is not None
        return [
            row[1]
            for row in fts.execute(
                SEARCH_SQL, {"expression": expression, "guild_id": None, "limit": 5}
            ).fetchall()
        ]

    assert "galactorrhea" in refs("galáctorrhea")
    assert "galactorrhea" in refs("galac")
    assert refs("pumped")  # stemmed to "pump"
    assert "samaritans" in refs("SAMARITANS")


async def test_the_index_folds_diacritics_stems_and_matches_prefixes_on_both_engines(
    any_database: Database, library: ContentLibrary
) -> None:
    index = SearchIndexRepository(any_database)
    await index.rebuild_library(library_documents(library))

    async def refs(raw: str) -> list[str]:
        return [hit.ref for hit in await index.search(query_words(raw), guild_id=None)]

    assert "galactorrhea" in await refs("galáctorrhea")
    assert "galactorrhea" in await refs("galac")
    assert await refs("pumped")  # stemmed to "pump"
    assert "samaritans" in await refs("SAMARITANS")
    assert await refs("leaking at night")  # "at" is a word like any other, as in FTS5
    assert await refs('letdown" * ( :') == await refs("letdown")  # syntax is plain text


# ---------------------------------------------------------------------------- PostgreSQL's tsquery


def test_each_word_is_a_quoted_tsquery_lexeme_short_words_exact() -> None:
    assert tsquery_terms(["Leaking", "at", "wórk"]) == ["'leaking':*", "'at'", "'work':*"]
    assert tsquery_terms(["D", "MER"]) == ["'d'", "'mer':*"]
    assert tsquery_terms([]) == []


def test_tsquery_lexeme_doubles_quotes_and_backslashes() -> None:
    assert tsquery_lexeme("it's", prefix=False) == "'it''s'"
    assert tsquery_lexeme("a\\b", prefix=True) == "'a\\\\b':*"


def _postgres_connection(database: Database) -> psycopg.Connection[tuple[object, ...]]:
    url = database.url.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
    return psycopg.connect(url, autocommit=True)


@pytest.mark.parametrize("any_database", ["postgresql"], indirect=True)
async def test_no_query_text_can_make_postgresql_raise(any_database: Database) -> None:
    # Every operand the repository can bind goes through to_tsquery on the server; any syntax error
    # would raise. Hypothesis's examples are drawn here, outside the event loop's fixtures.
    index = SearchIndexRepository(any_database)
    await index.rebuild_library(
        [SearchDocument("fact", "x", "Letdown", "", "About letdown.", "Pumping at work.")]
    )
    queries: list[str] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(QUERIES)
    def collect(raw: str) -> None:
        queries.append(raw)

    collect()
    with _postgres_connection(any_database) as connection:
        for raw in [*queries, "it's", "a\\b", "'", "\\", "!", "<->", ":*", "&|"]:
            for term in tsquery_terms(query_words(raw)):
                connection.execute("SELECT to_tsquery('latch_search', %s)", [term])  # raises on bad syntax
    for raw in queries[:60]:
        await index.search(query_words(raw), guild_id=1)


@pytest.mark.parametrize("any_database", ["postgresql"], indirect=True)
async def test_raw_tsquery_syntax_would_raise_without_quoting(any_database: Database) -> None:
    # The guard above matters: the same text passed raw is a tsquery syntax error.
    with _postgres_connection(any_database) as connection:
        with pytest.raises(psycopg.errors.SyntaxError):
            connection.execute("SELECT to_tsquery('latch_search', %s)", ["letdown' | ("])
        for term in tsquery_terms(query_words("letdown' | (")):
            connection.execute("SELECT to_tsquery('latch_search', %s)", [term])


# ------------------------------------------------------------------------------------------ documents


def test_every_card_and_resource_is_a_library_document(library: ContentLibrary) -> None:
    documents = list(library_documents(library))
    keys = [result_key(document.kind, document.ref) for document in documents]

    assert len(keys) == len(set(keys)) == len(library.cards) + len(library.resources)
    assert all(document.guild_id is None for document in documents)
    by_key = dict(zip(keys, documents, strict=True))
    leaking = library.get("leaking")
    assert leaking is not None
    assert by_key["fact:leaking"].title == leaking.title
    assert by_key["fact:leaking"].summary == leaking.summary
    assert by_key["resource:samaritans"].body.count("116 123") == 1


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("fact:leaking", ("fact", "leaking")),
        ("resource:988-lifeline", ("resource", "988-lifeline")),
        ("server-tip:12", ("server-tip", "12")),
        ("fact:", None),
        ("leaking", None),
        ("secret:x", None),
    ],
)
def test_parse_result_key(value: str, parsed: tuple[str, str] | None) -> None:
    assert parse_result_key(value) == parsed


# -------------------------------------------------------------------------------------- did you mean


@pytest.fixture(scope="module")
def suggester(library: ContentLibrary) -> Suggester:
    return Suggester.from_documents(library_documents(library))


def test_a_misspelt_word_is_corrected(suggester: Suggester) -> None:
    suggestions = suggester.suggest("galactorea")

    assert "galactorrhea" in suggestions.terms
    assert "fact:galactorrhea" in [hit.key for hit in suggestions.results]


def test_several_misspelt_words_are_corrected_together(suggester: Suggester) -> None:
    assert suggester.suggest("brest masage").terms == ("breast massage",)
    assert suggester.suggest("leaking at nigth").terms == ("leaking at night",)
    assert suggester.suggest("xq leaking at nigth").terms == (
        "leaking at night",
    )  # unknown short word dropped


def test_diacritics_and_case_do_not_matter(suggester: Suggester) -> None:
    assert "galactorrhea" in suggester.suggest("GALÁCTOREA").terms


def test_nonsense_gets_no_suggestions(suggester: Suggester) -> None:
    suggestions = suggester.suggest("qqqqzzzz")

    assert not suggestions
    assert suggestions.terms == ()
    assert suggestions.results == ()


def test_suggestions_come_from_the_library_only() -> None:
    library_doc = SearchDocument("fact", "a", "Letdown basics", "", "About letdown.", "Oxytocin.")
    suggester = Suggester.from_documents([library_doc])

    assert suggester.suggest("oxytocn").terms == ("oxytocin",)
    assert suggester.suggest("lullabye").terms == ()  # a word no library document has


@settings(max_examples=200, deadline=None)
@given(QUERIES)
def test_suggestions_are_library_words_never_the_unknown_query(suggester: Suggester, raw: str) -> None:
    suggestions = suggester.suggest(raw)

    assert len(suggestions.terms) <= 3
    assert len(suggestions.results) <= 3
    for term in suggestions.terms:
        assert all(suggester.knows(word) for word in term.split())
