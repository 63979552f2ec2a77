"""The one place that says which cards a server sees, and which tip a member is shown next.

Every command that lists, looks up, ranks or rotates cards (`/fact`, `/tip`, their autocomplete, the
Share and Another tip buttons, `/search` results and scheduled posts) asks the catalog. A server sees
the library's facts and tips plus its own moderators' tips, which ``tips_for`` turns into cards; a DM
sees the library only. A server's index is cached until its tips change (the server tips' generation
number moves on every change).

The tip rotation never shows a member the same tip twice in a row. It remembers the last tip shown to
each member in memory only (a bounded map): nothing about the member is written to the database, and a
restart forgets it.
"""

from __future__ import annotations

import contextlib
import secrets
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

from bot.content.loader import ContentLibrary
from bot.content.models import Card, CardKind, Source
from bot.content.ranking import CardIndex
from bot.domain.curation import ServerTip
from bot.domain.suggestions import summary_of
from bot.errors import Refusal

# "Most useful first" for an empty autocomplete and the rotation order: what members ask most (letdown
# trouble mid-session, little milk in the pump), then the rest by title.
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
    "mastitis-and-blocked-ducts",
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
LAST_TIP_MEMORY = 10_000  # members whose last tip is remembered; the least recently served go first

SERVER_TIP_TOPICS = ("letdown",)


class ServerTipSource(Protocol):
    """Where a server's own tips come from (the curation service)."""

    async def tips_generation(self, guild_id: int) -> int: ...

    async def tips(self, guild_id: int) -> list[ServerTip]: ...


class ServerTipCard(Card):
    """A server's own tip as a card: it renders, shares and rotates like a library tip.

    Its sources say where it comes from: this server's moderators (linking to the server, the UI words
    it), then the source link when one was given.
    """

    guild_id: int
    tip_id: int
    credit_name: str | None = None


def display_link(url: str) -> str:
    """A link as people read it: host (IDN decoded) and path, without https:// or www."""
    parts = urlsplit(url)
    host = parts.hostname or url
    with contextlib.suppress(UnicodeError):
        host = host.encode("ascii").decode("idna")
    shown = host.removeprefix("www.") + parts.path.rstrip("/")
    return shown if len(shown) <= 120 else shown[:119] + "…"


def server_tip_card(tip: ServerTip) -> ServerTipCard:
    """The card members see for a server tip; its first source is the server itself."""
    sources = [Source(title="server", url=f"https://discord.com/channels/{tip.guild_id}")]
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
        body=tip.body,
        guild_id=tip.guild_id,
        tip_id=tip.id,
        credit_name=tip.credit_name,
    )


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


class LastShown:
    """The last tip id shown to each member, for at most ``limit`` members (least recent dropped)."""

    def __init__(self, limit: int = LAST_TIP_MEMORY) -> None:
        self.limit = limit
        self._last: OrderedDict[int, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._last)

    def get(self, user_id: int) -> str | None:
        return self._last.get(user_id)

    def remember(self, user_id: int, card_id: str) -> None:
        self._last[user_id] = card_id
        self._last.move_to_end(user_id)
        while len(self._last) > self.limit:
            self._last.popitem(last=False)

    def forget(self, user_id: int) -> None:
        self._last.pop(user_id, None)


class CatalogService:
    """The facts and tips visible in a server, with their ranking indexes and the tip rotation."""

    def __init__(
        self,
        library: ContentLibrary,
        server_tips: ServerTipSource,
        *,
        draw: Callable[[int], int] = secrets.randbelow,
    ) -> None:
        self.library = library
        self.server_tips = server_tips
        self.last_shown = LastShown()
        self._draw = draw
        self._facts = CardIndex(library.facts, featured=FEATURED_FACTS)
        self._library_tips = CardIndex(library.tips, featured=FEATURED_TIPS)
        self._server_indexes: OrderedDict[int, tuple[int, CardIndex]] = OrderedDict()

    async def facts_for(self, guild_id: int | None) -> CardIndex:
        """The facts a server sees: the library's (servers curate tips, not facts)."""
        return self._facts

    async def tips_for(self, guild_id: int | None) -> CardIndex:
        """The tips a server sees, most useful first: the library's and the server's own (after the
        featured ones, by title). ``guild_id`` is None in DMs (and servers Latch is not in), which see
        the library only.
        """
        if guild_id is None:
            return self._library_tips
        generation = await self.server_tips.tips_generation(guild_id)
        cached = self._server_indexes.get(guild_id)
        if cached is not None and cached[0] == generation:
            self._server_indexes.move_to_end(guild_id)
            return cached[1]
        own = [server_tip_card(tip) for tip in await self.server_tips.tips(guild_id)]
        index = CardIndex((*self.library.tips, *own), featured=FEATURED_TIPS) if own else self._library_tips
        self._server_indexes[guild_id] = (generation, index)
        self._server_indexes.move_to_end(guild_id)
        while len(self._server_indexes) > CACHED_SERVERS:
            self._server_indexes.popitem(last=False)
        return index

    async def cards_for(self, guild_id: int | None, kind: CardKind) -> CardIndex:
        return await (self.facts_for(guild_id) if kind == "fact" else self.tips_for(guild_id))

    async def card(self, guild_id: int | None, kind: CardKind, card_id: str) -> Card:
        """One card by id, if that server still sees it; a Refusal when it does not."""
        found = (await self.cards_for(guild_id, kind)).get(card_id)
        if found is None:
            raise Refusal("card.gone", kind=kind)
        return found

    # ------------------------------------------------------------------ the tip rotation

    async def next_tip(self, guild_id: int | None, user_id: int, *, after: str | None = None) -> Card:
        """The next tip in the member's rotation: never ``after`` (the tip on screen) nor, without it,
        the last one they were shown."""
        tips = await self.tips_for(guild_id)
        start = self._draw(len(tips)) if len(tips) else 0
        card = next_card(tips, after if after is not None else self.last_shown.get(user_id), start=start)
        if card is None:
            raise Refusal("tip.none")
        self.last_shown.remember(user_id, card.id)
        return card

    def shown(self, user_id: int, card: Card) -> None:
        """The member asked for this tip by name: the rotation continues after it."""
        self.last_shown.remember(user_id, card.id)
