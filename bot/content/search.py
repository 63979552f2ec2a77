"""Search, the pure part: query checks, the FTS5 match expression, the documents to index, "did you mean".

User text never reaches FTS5 as syntax. ``query_words`` keeps only runs of letters and digits, and
``match_expression`` wraps each word in double quotes (escaping any quote), so operators, column
filters, parentheses, ``*``, ``^`` and NUL characters in a query are plain text or dropped.

Nothing here stores or logs the query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.content.loader import ContentLibrary
from bot.content.models import RESOURCE_TOPICS, TOPICS, Card, Resource
from bot.content.ranking import fold
from bot.suggestions import card_id, summary_of

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8  # more words than this add cost, not precision
PREFIX_MIN_LENGTH = 3  # shorter words match whole words only ("d" in "D-MER"), not every term starting "d"
RESULT_LIMIT = 5

SearchKind = Literal["fact", "tip", "resource", "server-tip"]
KIND_LABELS: dict[str, str] = {
    "fact": "Fact",
    "tip": "Tip",
    "resource": "Resource",
    "server-tip": "Server tip",
}

EXAMPLE = "`/search query: letdown at work`"

# Letters and digits in any script; everything else (punctuation, symbols, spaces, controls) separates.
_WORD = re.compile(r"[^\W_]+")


class InvalidQuery(ValueError):
    """The query cannot be searched; the message says what is accepted. It never repeats the query."""


def validate_query(raw: str) -> str:
    """The query without surrounding space, or InvalidQuery when it is empty, too long or has no words."""
    text = raw.strip()
    if not text:
        raise InvalidQuery(f"Type a word or two to search for, for example {EXAMPLE}.")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(
            f"A search can be up to {MAX_QUERY_LENGTH} characters. Try a few key words, "
            f"for example {EXAMPLE}."
        )
    if not query_words(text):
        raise InvalidQuery(f"Search for words with letters or numbers, for example {EXAMPLE}.")
    return text


def query_words(text: str) -> list[str]:
    """The distinct words of a query (case-insensitively), in order, at most MAX_TERMS of them."""
    words: list[str] = []
    seen: set[str] = set()
    for word in _WORD.findall(unicodedata.normalize("NFKC", text)):
        key = word.casefold()
        if key not in seen:
            seen.add(key)
            words.append(word)
    return words[:MAX_TERMS]


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


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One row of the search index. ``guild_id`` None: library content, visible in every server."""

    kind: SearchKind
    ref: str
    title: str
    aliases: str
    summary: str
    body: str
    guild_id: int | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: SearchKind
    ref: str
    title: str
    summary: str

    @property
    def key(self) -> str:
        """The value a result select option carries: ``kind:ref``."""
        return result_key(self.kind, self.ref)


def result_key(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


def parse_result_key(value: str) -> tuple[str, str] | None:
    kind, separator, ref = value.partition(":")
    if not separator or kind not in KIND_LABELS or not ref:
        return None
    return kind, ref


def card_document(card: Card) -> SearchDocument:
    topics = " · ".join(TOPICS.get(topic, topic) for topic in card.topics)
    return SearchDocument(
        kind=card.kind,
        ref=card.id,
        title=card.title,
        aliases=" · ".join(card.aliases),
        summary=card.summary,
        body=f"{card.body}\n{topics}",
    )


def resource_document(resource: Resource) -> SearchDocument:
    extras = [RESOURCE_TOPICS.get(topic, topic) for topic in resource.topics]
    extras += [part for part in (resource.phone, resource.text, resource.url) if part]
    return SearchDocument(
        kind="resource",
        ref=resource.id,
        title=resource.name,
        aliases=resource.id.replace("-", " "),
        summary=resource.description,
        body=" · ".join(extras),
    )


def server_tip_document(*, guild_id: int, tip_id: int, title: str, body: str) -> SearchDocument:
    """A server's own tip, searchable only in that server."""
    return SearchDocument(
        kind="server-tip",
        ref=card_id(tip_id),
        title=title,
        aliases="",
        summary=summary_of(body),
        body=body,
        guild_id=guild_id,
    )


def library_documents(library: ContentLibrary) -> Iterator[SearchDocument]:
    """Every card and resource of the library as a search document (guild_id None)."""
    for card in library.cards:
        yield card_document(card)
    for resource in library.resources:
        yield resource_document(resource)


# ------------------------------------------------------------------------------------------ did you mean


@dataclass(frozen=True, slots=True)
class Suggestions:
    terms: tuple[str, ...]  # searches that will find something, e.g. "galactorrhea"
    results: tuple[SearchHit, ...]  # cards and resources whose title or alias is close to the query

    def __bool__(self) -> bool:
        return bool(self.terms or self.results)


class Suggester:
    """Did-you-mean suggestions: the library's words and names, matched with rapidfuzz.

    Built from library content only, never from servers' own tips, so one server's words can't be
    suggested in another server.
    """

    WORD_CUTOFF = 75.0
    NAME_CUTOFF = 72.0
    MIN_WORD_LENGTH = 4

    def __init__(self, vocabulary: Iterable[str], names: Iterable[tuple[str, SearchHit]]) -> None:
        self._known = frozenset(vocabulary)  # every library word: kept as typed in a correction
        # Candidates for corrections: words long enough that a close match means a likely typo.
        self._vocabulary = sorted(word for word in self._known if len(word) >= self.MIN_WORD_LENGTH)
        self._names: list[str] = []
        self._hits: list[SearchHit] = []
        for name, hit in names:
            self._names.append(fold(name))
            self._hits.append(hit)

    @classmethod
    def from_documents(cls, documents: Iterable[SearchDocument]) -> Suggester:
        vocabulary: set[str] = set()
        names: list[tuple[str, SearchHit]] = []
        for document in documents:
            hit = SearchHit(document.kind, document.ref, document.title, document.summary)
            names.append((document.title, hit))
            if document.kind != "resource":
                names += [(alias, hit) for alias in document.aliases.split(" · ") if alias]
            for text in (document.title, document.aliases, document.summary, document.body):
                vocabulary.update(_WORD.findall(fold(text)))
        return cls(vocabulary, names)

    def knows(self, word: str) -> bool:
        """Whether ``word`` (folded) is a word of the library."""
        return word in self._known

    def _correct(self, word: str) -> str | None:
        """The library word closest to ``word``; None drops it (suggestions only ever hold library words)."""
        if word in self._known:
            return word
        if len(word) < self.MIN_WORD_LENGTH:
            return None
        found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=self.WORD_CUTOFF)
        return found[0] if found is not None else None

    def _terms(self, words: list[str]) -> tuple[str, ...]:
        if len(words) == 1:
            found = process.extract(
                words[0], self._vocabulary, scorer=fuzz.ratio, limit=3, score_cutoff=self.WORD_CUTOFF
            )
            return tuple(match[0] for match in found if match[0] != words[0])
        corrected = [self._correct(word) for word in words]
        known = [word for word in corrected if word is not None]
        if not known or known == words:
            return ()
        return (" ".join(known),)

    def suggest(self, text: str, *, limit: int = 3) -> Suggestions:
        words = [fold(word) for word in query_words(text)]
        if not words:
            return Suggestions((), ())
        found = process.extract(
            " ".join(words), self._names, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=self.NAME_CUTOFF
        )
        results: list[SearchHit] = []
        for _name, _score, index in found:
            hit = self._hits[index]
            if hit not in results:
                results.append(hit)
        return Suggestions(self._terms(words)[:limit], tuple(results[:limit]))
