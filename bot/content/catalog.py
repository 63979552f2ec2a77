"""The one place that says which cards a server sees.

Every command that lists, looks up, ranks or rotates cards (`/fact`, `/tip`, their autocomplete, the
Share and Another tip buttons, `/search` results and scheduled posts) asks the catalog. A server sees
the library's facts and tips plus its own moderators' tips (``server_tips``), which ``tips_for`` turns
into cards; a DM sees the library only. A server's index is cached until its tips change (the
repository's generation number moves on every change).

Autocomplete runs on every keystroke, so the ranking index of each list is built once and cached.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import Protocol
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from discord.utils import escape_markdown

from bot.content.loader import ContentLibrary
from bot.content.models import Card, CardKind, Source
from bot.content.ranking import CardIndex
from bot.db.database import Database
from bot.db.server_tips import ServerTip, ServerTipsRepository
from bot.suggestions import summary_of

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


# Servers whose tip index stays cached; the least recently used is rebuilt on its next use.
CACHED_SERVERS = 2048

FROM_MODERATORS = "From this server's moderators"
NO_SOURCE = "Shared by this server's moderators; not from the Latch library"
SERVER_TIP_TOPICS = ("letdown",)


class HasContent(Protocol):
    """Anything that carries the loaded library: the bot (``bot.content``)."""

    @property
    def content(self) -> ContentLibrary: ...


class ServerTipSource(Protocol):
    """Where a server's own tips come from: ``ServerTipsRepository``."""

    def generation(self, guild_id: int) -> int: ...

    async def list(self, guild_id: int) -> list[ServerTip]: ...


class ServerTipCard(Card):
    """A server's own tip as a card: it renders, shares and rotates like a library tip.

    Its sources say where it comes from: this server's moderators (linking to the server), then the
    source link when one was given; without one, that it is not from the Latch library.
    """

    guild_id: int
    tip_id: int


def display_link(url: str) -> str:
    """A link as people read it: host (IDN decoded) and path, without https:// or www."""
    parts = urlsplit(url)
    host = parts.hostname or url
    with contextlib.suppress(UnicodeError):
        host = host.encode("ascii").decode("idna")
    shown = host.removeprefix("www.") + parts.path.rstrip("/")
    return shown if len(shown) <= 120 else shown[:119] + "…"


def attribution(tip: ServerTip) -> str:
    credit = f", suggested by {tip.credit_name}" if tip.credit_name else ""
    if tip.source_url:
        return FROM_MODERATORS + credit
    if credit:
        return f"Shared by this server's moderators{credit}; not from the Latch library"
    return NO_SOURCE


def server_tip_card(tip: ServerTip) -> ServerTipCard:
    """The card members see for a server tip. The body is shown as typed: Markdown is escaped."""
    sources = [Source(title=attribution(tip), url=f"https://discord.com/channels/{tip.guild_id}")]
    if tip.source_url:
        sources.append(Source(title=display_link(tip.source_url), url=tip.source_url))
    return ServerTipCard(
        id=tip.card_id,
        kind="tip",
        title=tip.title,
        summary=summary_of(tip.body),
        topics=SERVER_TIP_TOPICS,
        sources=tuple(sources),
        reviewed=tip.updated_at.date(),
        body=escape_markdown(tip.body),
        guild_id=tip.guild_id,
        tip_id=tip.id,
    )


class Catalog:
    """The facts and tips visible in a server, with their ranking indexes."""

    def __init__(self, library: ContentLibrary, server_tips: ServerTipSource | None = None) -> None:
        self.library = library
        self.server_tips = server_tips
        self._facts = CardIndex(library.facts, featured=FEATURED_FACTS)
        self._library_tips = CardIndex(library.tips, featured=FEATURED_TIPS)
        self._server_indexes: OrderedDict[int, tuple[int, CardIndex]] = OrderedDict()

    async def facts_for(self, guild_id: int | None) -> CardIndex:
        """The facts a server sees: the library's (servers curate tips, not facts)."""
        return self._facts

    async def tips_for(self, guild_id: int | None) -> CardIndex:
        """The tips a server sees, most useful first: the library's and the server's own (after the
        featured ones, by title). ``guild_id`` is None in DMs, which see the library only.
        """
        if guild_id is None or self.server_tips is None:
            return self._library_tips
        generation = self.server_tips.generation(guild_id)
        cached = self._server_indexes.get(guild_id)
        if cached is not None and cached[0] == generation:
            self._server_indexes.move_to_end(guild_id)
            return cached[1]
        own = [server_tip_card(tip) for tip in await self.server_tips.list(guild_id)]
        index = CardIndex((*self.library.tips, *own), featured=FEATURED_TIPS) if own else self._library_tips
        self._server_indexes[guild_id] = (generation, index)
        self._server_indexes.move_to_end(guild_id)
        while len(self._server_indexes) > CACHED_SERVERS:
            self._server_indexes.popitem(last=False)
        return index

    async def server_tip_cards(self, guild_id: int) -> list[ServerTipCard]:
        """Only the server's own tips, as cards (for scheduled posts drawing from the server's pool)."""
        return [card for card in (await self.tips_for(guild_id)).cards if isinstance(card, ServerTipCard)]

    async def cards_for(self, guild_id: int | None, kind: CardKind) -> CardIndex:
        return await (self.facts_for(guild_id) if kind == "fact" else self.tips_for(guild_id))

    async def card(self, guild_id: int | None, kind: CardKind, card_id: str) -> Card | None:
        """One card by id, if that server still sees it."""
        return (await self.cards_for(guild_id, kind)).get(card_id)


_catalogs: WeakKeyDictionary[ContentLibrary, Catalog] = WeakKeyDictionary()


def _database_of(source: object) -> Database | None:
    try:
        database = getattr(source, "db", None)
    except RuntimeError:  # the bot has not opened its database yet
        return None
    return database if isinstance(database, Database) else None


def catalog_for(source: HasContent | ContentLibrary) -> Catalog:
    """The catalog of a bot (or of a library), built on first use and kept while the library lives.

    Given a bot with an open database, the catalog also shows each server its own tips.
    """
    library = source if isinstance(source, ContentLibrary) else source.content
    catalog = _catalogs.get(library)
    if catalog is None:
        catalog = _catalogs[library] = Catalog(library)
    if catalog.server_tips is None and not isinstance(source, ContentLibrary):
        database = _database_of(source)
        if database is not None:
            catalog.server_tips = ServerTipsRepository(database)
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
