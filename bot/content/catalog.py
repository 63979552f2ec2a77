"""The one place that says which cards a server sees.

Every command that lists, looks up, ranks or rotates cards (`/fact`, `/tip`, their autocomplete, the
Share and Another tip buttons, and later `/search` and the curation commands) asks the catalog. Today a
server sees the library's facts and tips. When server-curated tips exist, ``Catalog.tips_for`` adds
that server's own tips (from their repository), cached per server until a moderator changes them;
nothing else needs to change.

Autocomplete runs on every keystroke, so the ranking index of each list is built once and cached.
"""

from __future__ import annotations

from typing import Protocol
from weakref import WeakKeyDictionary

from bot.content.loader import ContentLibrary
from bot.content.models import Card, CardKind
from bot.content.ranking import CardIndex

# "Most useful first" for an empty autocomplete and the rotation order: what members ask most, as the
# issue describes them (letdown trouble mid-session, little milk in the pump), then the rest by title.
FEATURED_FACTS: tuple[str, ...] = (
    "milk-ejection-reflex",
    "no-milk-when-pumping",
    "pump-output-is-not-supply",
    "what-hinders-letdown",
    "letdown-triggers",
    "ejection-while-pumping",
    "d-mer",
    "leaking",
    "how-milk-is-made",
    "when-to-see-a-doctor",
    "medications",
)
FEATURED_TIPS: tuple[str, ...] = (
    "warmth",
    "breast-massage",
    "hands-on-pumping",
    "double-pumping",
    "flange-fit",
    "relaxation",
    "baby-cues",
    "nipple-stimulation",
    "spine-walk",
    "conditioning-routine",
)


class HasContent(Protocol):
    """Anything that carries the loaded library: the bot (``bot.content``)."""

    @property
    def content(self) -> ContentLibrary: ...


class Catalog:
    """The facts and tips visible in a server, with their ranking indexes."""

    def __init__(self, library: ContentLibrary) -> None:
        self.library = library
        self._facts = CardIndex(library.facts, featured=FEATURED_FACTS)
        self._library_tips = CardIndex(library.tips, featured=FEATURED_TIPS)

    async def facts_for(self, guild_id: int | None) -> CardIndex:
        """The facts a server sees: the library's (servers curate tips, not facts)."""
        return self._facts

    async def tips_for(self, guild_id: int | None) -> CardIndex:
        """The tips a server sees, most useful first. ``guild_id`` is None in DMs.

        The seam for server-curated tips: return an index over the library tips plus that server's
        own, cached per server until its tips change.
        """
        return self._library_tips

    async def cards_for(self, guild_id: int | None, kind: CardKind) -> CardIndex:
        return await (self.facts_for(guild_id) if kind == "fact" else self.tips_for(guild_id))

    async def card(self, guild_id: int | None, kind: CardKind, card_id: str) -> Card | None:
        """One card by id, if that server still sees it."""
        return (await self.cards_for(guild_id, kind)).get(card_id)


_catalogs: WeakKeyDictionary[ContentLibrary, Catalog] = WeakKeyDictionary()


def catalog_for(source: HasContent | ContentLibrary) -> Catalog:
    """The catalog of a bot (or of a library), built on first use and kept while the library lives."""
    library = source if isinstance(source, ContentLibrary) else source.content
    catalog = _catalogs.get(library)
    if catalog is None:
        catalog = _catalogs[library] = Catalog(library)
    return catalog


def next_card(cards: CardIndex, after: str | None, *, start: int) -> Card | None:
    """The card after ``after`` in the index order, wrapping round: a rotation through every card.

    When ``after`` is None or no longer listed, the rotation begins at position ``start`` (the caller
    picks it at random, so members do not all see the same first tip). Only a list of one card can
    give back ``after`` itself.
    """
    if not cards.cards:
        return None
    position = cards.position(after) if after is not None else None
    if position is None:
        return cards.cards[start % len(cards.cards)]
    return cards.cards[(position + 1) % len(cards.cards)]
