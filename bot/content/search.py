"""Search, the pure part: query checks, the words of a query, the documents to index, "did you mean".

``query_words`` keeps only runs of letters and digits; the repository (`bot.db.search_index`) builds the
engine's query syntax from them. Nothing here stores or logs the query.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.content.loader import ContentLibrary
from bot.content.models import RESOURCE_TOPICS, TOPICS, Card, Resource
from bot.content.ranking import fold
from bot.errors import Refusal

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8  # more words than this add cost, not precision
RESULT_LIMIT = 5

SearchKind = Literal["fact", "tip", "resource", "server-tip"]
SEARCH_KINDS: tuple[SearchKind, ...] = ("fact", "tip", "resource", "server-tip")

# Letters and digits in any script; everything else (punctuation, symbols, spaces, controls) separates.
_WORD = re.compile(r"[^\W_]+")


class InvalidQuery(Refusal):
    """The query cannot be searched (``search.empty``, ``search.too_long``, ``search.no_words``); the
    message says what is accepted and never repeats the query."""


def validate_query(raw: str) -> str:
    """The query without surrounding space, or InvalidQuery when it is empty, too long or has no words."""
    text = raw.strip()
    if not text:
        raise InvalidQuery("search.empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery("search.too_long", limit=MAX_QUERY_LENGTH)
    if not query_words(text):
        raise InvalidQuery("search.no_words")
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
    if not separator or kind not in SEARCH_KINDS or not ref:
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


def library_documents(library: ContentLibrary) -> Iterator[SearchDocument]:
    """Every card and resource of the library as a search document (guild_id None)."""
    for card in library.cards:
        yield card_document(card)
    for resource in library.resources:
        yield resource_document(resource)


def index_words(text: str) -> list[str]:
    """The words the index sees in ``text``, as FTS5's unicode61 tokenizer splits and folds them: runs of
    letters and digits, case-folded, accents removed ("Galáctorrhea · D-MER" → galactorrhea, d, mer).

    PostgreSQL's parser would keep "www.llli.org" or "d-mer" as one token, and its 'simple' dictionaries
    keep accents; the PostgreSQL index is built from these words instead, so both engines split alike.
    """
    return _WORD.findall(fold(unicodedata.normalize("NFKC", text)))


def library_fingerprint(documents: Iterable[SearchDocument]) -> str:
    """A hash of the library's search documents: equal exactly when the rows to index are equal."""
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda document: (document.kind, document.ref)):
        row = [document.kind, document.ref, document.title, document.aliases, document.summary, document.body]
        digest.update(json.dumps(row, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


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
