"""Autocomplete ranking, name resolution, suggestions and the tip rotation (pure logic)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.service import FEATURED_FACTS, FEATURED_TIPS, CatalogService, LastShown, next_card
from bot.config import Settings
from bot.content.loader import load_library
from bot.content.models import Card, Source
from bot.content.ranking import MAX_CHOICES, CardIndex, choices, normalise
from bot.domain.curation import ServerTip

LIBRARY = load_library(Settings(_env_file=None).content_dir)
FACTS = CardIndex(LIBRARY.facts, featured=FEATURED_FACTS)
TIPS = CardIndex(LIBRARY.tips, featured=FEATURED_TIPS)
SOURCE = Source(title="A server moderator's notes", url="https://example.org/notes")


def synthetic(number: int, title: str | None = None, aliases: tuple[str, ...] = ()) -> Card:
    return Card(
        id=f"server-tip-{number}",
        kind="tip",
        title=title or f"Server tip number {number} about pumping",
        summary=f"A tip a server wrote, number {number}, about letdown and pumping.",
        aliases=aliases,
        topics=("pumping",),
        sources=(SOURCE,),
        reviewed=date(2026, 1, 1),
        body="Body.",
    )


# Enough cards that the 25-choice cap matters, with words shared by all of them.
BIG = CardIndex([*LIBRARY.tips, *(synthetic(number) for number in range(60))], featured=FEATURED_TIPS)


def ids(cards: list[Card]) -> list[str]:
    return [card.id for card in cards]


# ------------------------------------------------------------------ typos and names


@pytest.mark.parametrize(
    ("index", "typed", "expected"),
    [
        (FACTS, "letdwon", "milk-ejection-reflex"),
        (FACTS, "galactorea", "galactorrhea"),
        (FACTS, "glactorrhea", "galactorrhea"),
        (FACTS, "dmer", "d-mer"),
        (FACTS, "d mer", "d-mer"),
        (FACTS, "Dysphoric milk", "d-mer"),
        (FACTS, "medecine", "medications"),
        (FACTS, "oxytocn", "oxytocin-spray"),
        (FACTS, "let", "milk-ejection-reflex"),
        (TIPS, "warm compres", "warmth"),
        (TIPS, "brest masage", "breast-massage"),
        (TIPS, "hands on pum", "hands-on-pumping"),
        (TIPS, "nipel", "nipple-stimulation"),
        (TIPS, "doubel pumping", "double-pumping"),
        (TIPS, "flang", "flange-fit"),
    ],
)
def test_typed_text_finds_the_card_first(index: CardIndex, typed: str, expected: str) -> None:
    assert ids(index.rank(typed))[0] == expected


@pytest.mark.parametrize("card", LIBRARY.cards, ids=lambda card: card.id)
def test_each_card_comes_first_for_its_title_and_its_id(card: Card) -> None:
    index = FACTS if card.kind == "fact" else TIPS
    assert index.rank(card.title)[0] == card
    assert index.rank(card.id)[0] == card


@pytest.mark.parametrize("card", LIBRARY.cards, ids=lambda card: card.id)
def test_a_swapped_pair_of_letters_in_the_title_still_finds_the_card(card: Card) -> None:
    index = FACTS if card.kind == "fact" else TIPS
    words = card.title.split()
    longest = max(range(len(words)), key=lambda position: len(words[position]))
    word = words[longest]
    assert len(word) >= 4
    words[longest] = word[:1] + word[2] + word[1] + word[3:]  # "made" → "mdae"
    assert card in index.rank(" ".join(words))[:3]


def test_every_alias_finds_its_card_first() -> None:
    for index in (FACTS, TIPS):
        for card in index.cards:
            for alias in card.aliases:
                assert index.rank(alias)[0] == card, alias


def test_a_name_beats_a_summary_word() -> None:
    # "supply" is in the how-milk-is-made aliases ("supply and demand") and in other summaries.
    assert ids(FACTS.rank("supply and demand"))[0] == "how-milk-is-made"


def test_empty_text_lists_the_curated_cards_first_then_the_rest_by_title() -> None:
    assert ids(FACTS.rank(""))[: len(FEATURED_FACTS)] == list(FEATURED_FACTS)
    rest = FACTS.rank("")[len(FEATURED_FACTS) :]
    assert [card.title.casefold() for card in rest] == sorted(card.title.casefold() for card in rest)
    assert ids(BIG.rank("   ")) == ids(list(BIG.cards[:MAX_CHOICES]))
    assert ids(BIG.rank(""))[: len(FEATURED_TIPS)] == list(FEATURED_TIPS)


def test_at_most_25_choices_even_when_everything_matches() -> None:
    assert len(BIG.rank("pumping")) == MAX_CHOICES
    assert len(BIG.rank("")) == MAX_CHOICES
    assert len(BIG.rank("tip", limit=100)) == MAX_CHOICES


def test_nonsense_matches_nothing() -> None:
    assert FACTS.rank("zzzz qqqq") == []
    assert TIPS.rank("xylophone") == []


def test_equal_scores_keep_the_useful_order() -> None:
    # Every synthetic tip matches these words equally well: they come in the index order (by title).
    ranked = ids(BIG.rank("server tip number"))
    assert ranked == [card.id for card in BIG.cards if card.id.startswith("server-tip-")][:MAX_CHOICES]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("d-mer", "d-mer"),
        ("DMER", "d-mer"),
        ("  the milk ejection REFLEX ", "milk-ejection-reflex"),
        ("Let-Down", "milk-ejection-reflex"),
        ("let down", "milk-ejection-reflex"),
        ("Lactation in men", "lactation-in-men"),
        ("The first days: colostrum and milk coming in", "the-first-days"),
        ("the first days colostrum and milk coming in", "the-first-days"),
        ("Induced Lactation", "induced-lactation-and-relactation"),
    ],
)
def test_resolve_accepts_an_id_title_or_alias_in_any_case(typed: str, expected: str) -> None:
    card = FACTS.resolve(typed)
    assert card is not None and card.id == expected


@pytest.mark.parametrize("typed", ["letdwon", "", "   ", "warmth", "milk"])
def test_resolve_does_not_guess(typed: str) -> None:
    assert FACTS.resolve(typed) is None


def test_closest_gives_three_different_cards_nearest_first() -> None:
    closest = FACTS.closest("galactorrhoea causes")
    assert len(closest) == 3 and len(set(ids(closest))) == 3
    assert ids(closest)[:2] == ["galactorrhea", "galactorrhea-treatment"]


def test_closest_falls_back_to_the_most_useful_cards() -> None:
    assert ids(FACTS.closest("zzzz")) == list(FEATURED_FACTS[:3])


def test_choices_are_titles_and_ids() -> None:
    assert choices(TIPS, "warmth")[0] == ("Warmth before feeding or pumping", "warmth")


def test_normalise_folds_case_accents_and_punctuation() -> None:
    assert normalise("  Café—LET-down!! ") == "cafe let down"


# ------------------------------------------------------------------ properties

ANY_TEXT = st.text(max_size=300)


@settings(max_examples=300, deadline=None)
@given(typed=ANY_TEXT)
def test_rank_never_raises_and_returns_at_most_25_valid_ids(typed: str) -> None:
    for index in (FACTS, TIPS, BIG):
        ranked = index.rank(typed)
        assert len(ranked) <= MAX_CHOICES
        assert len(set(ids(ranked))) == len(ranked)
        assert all(index.get(card.id) is card for card in ranked)
        offered = choices(index, typed)
        assert len(offered) <= MAX_CHOICES
        assert all(1 <= len(name) <= 100 and index.get(value) is not None for name, value in offered)


@settings(max_examples=200, deadline=None)
@given(typed=st.text(alphabet="abcdeilmnoprstuw -", max_size=40))
def test_rank_on_word_like_text_stays_valid(typed: str) -> None:
    ranked = BIG.rank(typed)
    assert len(ranked) <= MAX_CHOICES
    assert all(BIG.get(card.id) is card for card in ranked)


@settings(max_examples=200, deadline=None)
@given(typed=ANY_TEXT)
def test_closest_and_resolve_never_raise(typed: str) -> None:
    closest = FACTS.closest(typed)
    assert len(closest) == 3 and len(set(ids(closest))) == 3
    found = FACTS.resolve(typed)
    assert found is None or FACTS.get(found.id) is found


@settings(max_examples=100, deadline=None)
@given(card=st.sampled_from(LIBRARY.tips), cut=st.integers(min_value=4, max_value=12))
def test_a_half_typed_title_offers_the_card(card: Card, cut: int) -> None:
    assert card in TIPS.rank(card.title[:cut])


# ------------------------------------------------------------------ catalog and rotation


class NoServerTips:
    """Servers that have added no tips of their own."""

    async def tips_generation(self, guild_id: int) -> int:
        return 0

    async def tips(self, guild_id: int) -> list[ServerTip]:
        return []


async def test_the_catalog_lists_the_library_tips_for_servers_and_dms() -> None:
    catalog = CatalogService(LIBRARY, NoServerTips())
    for guild_id in (None, 1234):
        tips = list((await catalog.tips_for(guild_id)).cards)
        assert ids(tips)[: len(FEATURED_TIPS)] == list(FEATURED_TIPS)
        assert sorted(ids(tips)) == sorted(card.id for card in LIBRARY.tips)
    assert await catalog.tips_for(None) is await catalog.tips_for(1234)  # indexes are built once


def test_the_rotation_visits_every_tip_without_repeating() -> None:
    shown: list[str] = []
    after: str | None = None
    for _ in range(len(TIPS) * 2):
        card = next_card(TIPS, after, start=3)
        assert card is not None
        shown.append(card.id)
        after = card.id
    assert shown[0] == TIPS.cards[3].id
    assert all(first != second for first, second in itertools.pairwise(shown))
    assert sorted(shown[: len(TIPS)]) == sorted(card.id for card in LIBRARY.tips)


def test_the_rotation_restarts_when_the_last_tip_is_gone() -> None:
    card = next_card(TIPS, "a-deleted-server-tip", start=len(TIPS) + 1)
    assert card is TIPS.cards[1]
    assert next_card(CardIndex([]), None, start=0) is None
    only = CardIndex([synthetic(1)])
    assert next_card(only, "server-tip-1", start=0) is only.cards[0]  # one tip: nothing else to show


def test_the_last_tip_memory_is_bounded_and_forgets_the_least_recent() -> None:
    memory = LastShown(limit=3)
    for user_id in range(1, 5):
        memory.remember(user_id, f"tip-{user_id}")
    memory.remember(2, "tip-again")  # used again: now the most recent
    memory.remember(5, "tip-5")

    assert len(memory) == 3
    assert memory.get(1) is None and memory.get(3) is None
    assert memory.get(2) == "tip-again"
    assert memory.get(4) == "tip-4" and memory.get(5) == "tip-5"
