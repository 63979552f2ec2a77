"""Fuzzy ranking of cards for autocomplete and "did you mean" suggestions (pure: no Discord).

A ``CardIndex`` is built once per card list and answers every keystroke from it:

- Text is normalised (accents removed, case folded, punctuation to spaces) and split into words.
- Each typed word is matched against the index's vocabulary: the same word scores 100, a word it begins
  scores 90 to 100 (so a half-typed word already finds its card), and a word within a typo or two scores
  its rapidfuzz Indel similarity ("letdwon" → "letdown" 86, "galactorea" → "galactorrhea" 91).
- For each typed word a card takes its best match among its names (title, aliases and id), or
  ``SUMMARY_WEIGHT`` times its best match among its summary's words. A card's score is the mean over the
  typed words that match anything at all, plus a bonus when the whole text is one of its names, or
  nearly is ("dmer", "letdown", "hands on pumping").
- Ties, and empty text, follow the index order: the curated most useful cards first, then by title.

Cost per keystroke: a few rapidfuzz passes over the vocabulary (words repeat, so it stays far smaller
than the cards) and over the names of about the same length as the text, plus C-level dictionary and
list operations over the matching cards. The bench (`bench/bench_autocomplete.py`) holds it to a p99
under 5 ms with 5,000 extra server tips.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from operator import add, sub

from rapidfuzz import fuzz, process

from bot.content.models import Card
from bot.limits import LIST_LIMIT

MAX_CHOICES = LIST_LIMIT
MAX_CHOICE_NAME = 100  # Discord's limit for a choice's name (and value)
MAX_QUERY_CHARS = 100  # Discord caps option values at 100 characters; anything longer is cut
MAX_QUERY_WORDS = 8
SUMMARY_WEIGHT = 0.6  # a word in the summary counts for less than the same word in a name
NAME_BONUS = 25.0  # the whole text is one of the card's names
PREFIX_BONUS = 10.0  # one of the card's names begins with the text
NAME_CUTOFF = 80.0  # a whole name at least this similar to the text earns part of the bonus
MIN_SCORE = 45.0  # below this a card is noise, not a suggestion
SUGGESTION_MIN_SCORE = 20.0  # "did you mean" reaches further before falling back to the most useful cards
# Words that carry no meaning of their own in a question typed into a search box.
STOP_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads better as a sentence of words)
        "a an and are as at be by can do does for from how i if in is it its me my of on or so that the "
        "this to what when where which why with you your"
    ).split()
)
_TIE_BREAK = 1e-7  # per position: equal scores keep the index order

_NON_WORD = re.compile(r"[\W_]+")
_PREFIX_END = "\U0010ffff"


def fold(text: str) -> str:
    """Case-folded, without accents: the form that typed text and card names are compared in."""
    text = text.casefold()
    if text.isascii():  # ASCII has no accents to remove: the common case skips the slow part
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, with accents and punctuation removed."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def _typo_cutoff(length: int) -> float | None:
    """The least Indel similarity that still counts as a typo of a word this long."""
    if length < 3:
        return None  # one or two letters: only the words they begin
    if length == 3:
        return 80.0
    if length == 4:
        return 75.0
    return 70.0


def _name_words(normalised: str) -> set[str]:
    """A normalised name's words, plus a short name as one word ("d mer" → "dmer", "let down" → "letdown")."""
    words = normalised.split()
    found = set(words)
    if 1 < len(words) <= 3:
        found.add("".join(words))
    return found


class CardIndex:
    """The cards one command offers, in "most useful first" order, with a fuzzy word index over them."""

    def __init__(self, cards: Iterable[Card], *, featured: Sequence[str] = ()) -> None:
        rank = {card_id: position for position, card_id in enumerate(featured)}
        unique = {card.id: card for card in cards}
        self.cards: tuple[Card, ...] = tuple(
            sorted(
                unique.values(),
                key=lambda card: (rank.get(card.id, len(rank)), card.title.casefold(), card.id),
            )
        )
        self._position = {card.id: position for position, card in enumerate(self.cards)}
        self._tie_break = [position * _TIE_BREAK for position in range(len(self.cards))]
        self._exact: dict[str, int] = {}
        self._normalised_names: dict[str, int] = {}
        names_by_length: dict[int, tuple[list[str], list[int]]] = {}
        name_postings: dict[str, list[int]] = {}
        summary_postings: dict[str, list[int]] = {}
        plain_words: set[str] = set()
        for position, card in enumerate(self.cards):
            names = (card.id, card.title, *card.aliases)
            normalised_names = [normalise(name) for name in names]
            words: set[str] = set()
            for name, normalised in zip(names, normalised_names, strict=True):
                self._exact.setdefault(name.strip().casefold(), position)
                words |= _name_words(normalised)
                plain_words.update(normalised.split())
            summary_words = set(normalise(card.summary).split())
            plain_words |= summary_words
            for normalised in dict.fromkeys(normalised_names):
                self._normalised_names.setdefault(normalised, position)
                bucket = names_by_length.setdefault(len(normalised), ([], []))
                bucket[0].append(normalised)
                bucket[1].append(position)
            for word in words:
                name_postings.setdefault(word, []).append(position)
            for word in summary_words - words:
                summary_postings.setdefault(word, []).append(position)
        self._names_by_length = names_by_length
        by_name = sorted(
            (name, owner)
            for names, owners in names_by_length.values()
            for name, owner in zip(names, owners, strict=True)
        )
        self._sorted_names = [name for name, _ in by_name]
        self._sorted_name_owners = [owner for _, owner in by_name]
        self._name_postings = name_postings
        self._summary_postings = summary_postings
        self._vocabulary: list[str] = sorted(name_postings.keys() | summary_postings.keys())
        # Typos are looked for among the words as written: not numbers, not the joined forms of names.
        self._typo_vocabulary = sorted(word for word in plain_words if len(word) >= 3 and not word.isdigit())

    def __len__(self) -> int:
        return len(self.cards)

    def get(self, card_id: str) -> Card | None:
        """The card with this exact id."""
        position = self._position.get(card_id)
        return None if position is None else self.cards[position]

    def position(self, card_id: str) -> int | None:
        """Where the card is in the index order."""
        return self._position.get(card_id)

    def resolve(self, text: str) -> Card | None:
        """The card whose id, title or alias is ``text``: ignoring case, then ignoring punctuation too."""
        text = text[: MAX_QUERY_CHARS * 2]
        position = self._exact.get(text.strip().casefold())
        if position is None:
            position = self._normalised_names.get(normalise(text))
        return None if position is None else self.cards[position]

    def rank(self, text: str, *, limit: int = MAX_CHOICES, min_score: float = MIN_SCORE) -> list[Card]:
        """The best matches for what was typed, best first; the most useful cards for empty text."""
        limit = max(0, min(limit, MAX_CHOICES))
        words = normalise(text[:MAX_QUERY_CHARS]).split()
        if not words or limit == 0:
            return list(self.cards[:limit])
        candidates, scale = self._candidates(words)
        top = heapq.nlargest(limit, candidates)
        threshold = min_score * scale
        return [self.cards[position] for score, position in top if score >= threshold]

    def closest(self, text: str, count: int = 3) -> list[Card]:
        """``count`` suggestions for a name that matched nothing: the nearest, then the most useful."""
        chosen = self.rank(text, limit=count, min_score=SUGGESTION_MIN_SCORE)
        for card in self.cards:
            if len(chosen) >= count:
                break
            if card not in chosen:
                chosen.append(card)
        return chosen

    # ------------------------------------------------------------------ scoring

    def _word_matches(self, word: str, *, typing: bool) -> dict[str, float]:
        """Vocabulary words that ``word`` may mean, with how likely (0 to 100).

        ``typing``: the word may be unfinished (it is the last one typed), so words it begins count too.
        """
        matches: dict[str, float] = {}
        known = word in self._name_postings or word in self._summary_postings
        cutoff = _typo_cutoff(len(word))
        if cutoff is not None and not known:  # a word the cards use is taken as meant, not as a typo
            for found, similarity, _ in process.extract(
                word,
                self._typo_vocabulary,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=cutoff,
                limit=None,
            ):
                matches[found] = similarity
        if not typing:
            if known:
                matches[word] = 100.0
            return matches
        vocabulary = self._vocabulary
        start = bisect_left(vocabulary, word)
        end = bisect_left(vocabulary, word + _PREFIX_END, lo=start)
        for found in vocabulary[start:end]:
            prefix_score = 100.0 if found == word else 90.0 + 10.0 * len(word) / len(found)
            if prefix_score > matches.get(found, 0.0):
                matches[found] = prefix_score
        return matches

    def _word_scores(self, word: str, *, typing: bool) -> dict[int, float]:
        """Each matching card's best score for one typed word."""
        weighted: list[tuple[float, list[int]]] = []
        for found, score in self._word_matches(word, typing=typing).items():
            if found in self._name_postings:
                weighted.append((score, self._name_postings[found]))
            if found in self._summary_postings:
                weighted.append((score * SUMMARY_WEIGHT, self._summary_postings[found]))
        weighted.sort(key=lambda pair: pair[0])
        best: dict[int, float] = {}
        for score, positions in weighted:  # ascending, so each card ends with its best score
            best.update(dict.fromkeys(positions, score))
        return best

    def _name_bonuses(self, text: str) -> dict[int, float]:
        """Cards one of whose names is the whole text (the full bonus), nearly is, or begins with it."""
        bonuses: dict[int, float] = {}
        start = bisect_left(self._sorted_names, text)
        end = bisect_left(self._sorted_names, text + _PREFIX_END, lo=start)
        for index in range(start, end):  # names that begin with the text, as typed so far
            bonuses[self._sorted_name_owners[index]] = PREFIX_BONUS
        exact = self._normalised_names.get(text)
        if exact is not None:
            bonuses[exact] = NAME_BONUS
        if len(text) < 3:
            return bonuses
        # Indel similarity ≥ c needs the lengths within a factor (200 - c) / c of each other.
        factor = (200.0 - NAME_CUTOFF) / NAME_CUTOFF
        for length in range(math.ceil(len(text) / factor), math.floor(len(text) * factor) + 1):
            bucket = self._names_by_length.get(length)
            if bucket is None:
                continue
            names, owners = bucket
            for _, similarity, index in process.extract(
                text, names, scorer=fuzz.ratio, processor=None, score_cutoff=NAME_CUTOFF, limit=None
            ):
                bonus = NAME_BONUS * (similarity - NAME_CUTOFF) / (100.0 - NAME_CUTOFF)
                owner = owners[index]
                bonuses[owner] = max(bonuses.get(owner, 0.0), bonus)
        return bonuses

    def _candidates(self, words: list[str]) -> tuple[Iterator[tuple[float, int]], float]:
        """(score, position) pairs to pick the best from, and the factor the scores are scaled by.

        Scores are sums over the typed words (not yet divided by their number, which is the scale),
        less a tiny amount per position so that equal scores keep the index order.
        """
        bonuses = self._name_bonuses(" ".join(words))
        # "a", "i", "how", "to" and the like say little next to real words (the name bonus above still
        # sees them: "d mer" finds "D-MER").
        meaningful = [word for word in words if len(word) > 1 and word not in STOP_WORDS]
        unique_words = list(dict.fromkeys(meaningful or words))[:MAX_QUERY_WORDS]
        last = len(unique_words) - 1
        rows: list[dict[int, float]] = []
        for number, word in enumerate(unique_words):
            # Only the last word may be unfinished; the ones before it were typed out.
            row = self._word_scores(word, typing=number == last and word == words[-1])
            if row:
                rows.append(row)
        scale = float(max(1, len(rows)))
        if len(rows) <= 1:
            scores = rows[0] if rows else {}
            for position, bonus in bonuses.items():
                scores[position] = scores.get(position, 0.0) + bonus
        else:
            # Add the rows up over the cards any of them matched, with C-level map() calls.
            keys = list(set().union(*rows, bonuses))
            totals = [0.0] * len(keys)
            for row in rows:
                totals = list(map(add, totals, map(row.get, keys, repeat(0.0))))
            scores = dict(zip(keys, totals, strict=True))
            for position, bonus in bonuses.items():
                scores[position] += bonus * scale
        keys = list(scores)
        pairs = zip(map(sub, scores.values(), map(self._tie_break.__getitem__, keys)), keys, strict=True)
        return pairs, scale


def choices(index: CardIndex, text: str) -> list[tuple[str, str]]:
    """Autocomplete choices as (name shown, value sent back): the card's title and its id."""
    return [(card.title[:MAX_CHOICE_NAME], card.id) for card in index.rank(text)]
