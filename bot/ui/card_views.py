"""Card messages and their components: Share in channel, Another tip, the fact browser, suggestions.

Every component here is a ``DynamicItem``: its ``custom_id`` carries all the state it needs (which
card), so it keeps working on messages sent before a restart. The bot registers them at start
(`bot.ui.components`); each asks the catalog service and renders the answer.

discord.py only logs exceptions raised in a dynamic item's callback, so each callback runs through
``run_component``: the member gets the same friendly message or reference as anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self

import discord
from discord import app_commands

from bot.content.loader import ContentLibrary
from bot.content.models import TOPICS, Card, CardKind
from bot.content.ranking import CardIndex, choices
from bot.errors import Refusal
from bot.limits import LIST_LIMIT
from bot.services import services_of
from bot.ui.cards import EMBED_FIELD_VALUE_LIMIT, FACT_COLOUR, card_embed, crisis_text
from bot.ui.checks import latch_server
from bot.ui.replies import edit, reply
from bot.ui.text import clip_typed, escape_mentions
from bot.ui.views import run_component

SHARE_LABEL = "Share in channel"
SHARED_LABEL = "Shared"
ANOTHER_TIP_LABEL = "Another tip"

BROWSE_TITLE = "Fact cards by topic"
BROWSE_DESCRIPTION = "Choose a card from the menu; only you will see it. Cards are grouped by topic."

# Discord limits (DESIGN.md §7).
MAX_SELECT_OPTIONS = LIST_LIMIT
MAX_ACTION_ROWS = 5
MAX_BUTTON_LABEL = 80
MAX_OPTION_TEXT = 100
MAX_PLACEHOLDER = 150

_CARD_ID = r"(?P<id>[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)"
_KIND = r"(?P<kind>fact|tip)"


def _library(interaction: discord.Interaction[Any]) -> ContentLibrary:
    return services_of(interaction.client).catalog.library


MAX_RELATED = 3  # related-card buttons under a card, beside Share and Another tip


def crisis_lines_for(card: Card, library: ContentLibrary, region: str | None) -> str | None:
    """The crisis lines a sensitive card shows for a reader in ``region`` (None for the others)."""
    return crisis_text(library.resources, region) if card.sensitive else None


def render_card(card: Card, library: ContentLibrary, region: str | None) -> discord.Embed:
    """The card embed; a sensitive card carries the crisis lines of the reader's region (``region``
    None, or "global": a DM, which lists the largest regions' lines)."""
    return card_embed(card, crisis_lines=crisis_lines_for(card, library, region))


async def reader_region(interaction: discord.Interaction[Any]) -> str | None:
    """Where the reader is: the server's region in a server, unknown (None) in a DM."""
    server = latch_server(interaction)
    if server is None:
        return None
    return (await services_of(interaction.client).curation.settings(server)).region


def card_view(
    card: Card, library: ContentLibrary, *, in_server: bool, shared: bool = False
) -> discord.ui.View:
    """Share in channel (in a server), Another tip on tips, and the cards related to this one."""
    view = discord.ui.View(timeout=None)
    if in_server:
        view.add_item(ShareButton(card.kind, card.id, shared=shared))
    if card.kind == "tip":
        view.add_item(AnotherTipButton(card.id))
    for related in library.related(card)[:MAX_RELATED]:
        view.add_item(OpenCardButton(related.kind, related.id, label=related.title))
    return view


async def card_message(
    interaction: discord.Interaction[Any], card: Card
) -> tuple[discord.Embed, discord.ui.View]:
    library = _library(interaction)
    embed = render_card(card, library, await reader_region(interaction))
    return embed, card_view(card, library, in_server=interaction.guild_id is not None)


async def send_card(interaction: discord.Interaction[Any], card: Card) -> None:
    """Answer with the card, privately, with its buttons."""
    embed, view = await card_message(interaction, card)
    await reply(interaction, embed=embed, view=view, ephemeral=True)


def autocomplete_choices(index: CardIndex, typed: str) -> list[app_commands.Choice[str]]:
    """What /fact and /tip autocomplete offer: card titles, sending back card ids."""
    return [app_commands.Choice(name=name, value=value) for name, value in choices(index, typed)]


async def edit_to_card(interaction: discord.Interaction[Any], card: Card) -> None:
    """Replace the card a button was pressed on with another one (Another tip)."""
    embed, view = await card_message(interaction, card)
    await edit(interaction, embed=embed, view=view)


def unknown_card_text(typed: str, suggestions: Sequence[Card]) -> str:
    """“No card called X.” with the closest names."""
    text = f"No card called “{clip_typed(typed)}”."
    if suggestions:
        names = [f"**{escape_mentions(card.title)}**" for card in suggestions]
        listing = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        text += f" Closest: {listing}. Pick one below, or choose from the list as you type."
    return text


def suggestions_view(suggestions: Sequence[Card]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for card in suggestions[: MAX_ACTION_ROWS * 5]:
        view.add_item(OpenCardButton(card.kind, card.id, label=card.title))
    return view


async def send_unknown(
    interaction: discord.Interaction[Any], typed: str, suggestions: Sequence[Card]
) -> None:
    await reply(
        interaction, unknown_card_text(typed, suggestions), view=suggestions_view(suggestions), ephemeral=True
    )


# ------------------------------------------------------------------ browsing facts


def browse_groups(facts: Sequence[Card]) -> list[tuple[str, list[Card]]]:
    """Facts grouped under their first topic, groups in TOPICS order, cards by title within a group."""
    groups: dict[str, list[Card]] = {slug: [] for slug in TOPICS}
    for card in facts:
        groups.setdefault(card.topics[0], []).append(card)
    return [
        (TOPICS.get(slug, slug), sorted(cards, key=lambda card: card.title.casefold()))
        for slug, cards in groups.items()
        if cards
    ]


def _field_value(cards: Sequence[Card]) -> str:
    lines: list[str] = []
    for card in cards:
        line = f"• {escape_mentions(card.title)}"
        if sum(len(existing) + 1 for existing in lines) + len(line) > EMBED_FIELD_VALUE_LIMIT - 2:
            lines.append("…")
            break
        lines.append(line)
    return "\n".join(lines)


def browse_embed(facts: Sequence[Card]) -> discord.Embed:
    """Every topic with the facts tagged with it (a card shows under each of its topics)."""
    embed = discord.Embed(title=BROWSE_TITLE, description=BROWSE_DESCRIPTION, colour=FACT_COLOUR)
    for slug, label in TOPICS.items():
        cards = sorted(
            (card for card in facts if slug in card.topics), key=lambda card: card.title.casefold()
        )
        if cards:
            embed.add_field(name=label, value=_field_value(cards), inline=False)
    return embed


def browse_menus(facts: Sequence[Card]) -> list[tuple[str, list[Card]]]:
    """Fill select menus of ≤ 25 options in group order: (placeholder, cards) per menu, ≤ 5 menus.

    A group that does not fit in the current menu starts the next one, and a group larger than a whole
    menu is split, so each menu lists whole topics where it can and its placeholder names them.
    """
    menus: list[tuple[list[str], list[Card]]] = []
    for label, cards in browse_groups(facts):
        remaining = list(cards)
        while remaining:
            if not menus or len(menus[-1][1]) + min(len(remaining), MAX_SELECT_OPTIONS) > MAX_SELECT_OPTIONS:
                menus.append(([], []))
            labels, chosen = menus[-1]
            room = MAX_SELECT_OPTIONS - len(chosen)
            chosen.extend(remaining[:room])
            remaining = remaining[room:]
            if label not in labels:
                labels.append(label)
    placeholders = []
    for labels, cards in menus[:MAX_ACTION_ROWS]:
        placeholder = "Choose a fact: " + " · ".join(labels)
        if len(placeholder) > MAX_PLACEHOLDER:
            placeholder = placeholder[: MAX_PLACEHOLDER - 1].rstrip() + "…"
        placeholders.append((placeholder, cards))
    return placeholders


def browse_view(facts: Sequence[Card]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for number, (placeholder, cards) in enumerate(browse_menus(facts)):
        options = [
            discord.SelectOption(
                label=card.title[:MAX_OPTION_TEXT], value=card.id, description=card.summary[:MAX_OPTION_TEXT]
            )
            for card in cards
        ]
        view.add_item(FactMenu(number, options=options, placeholder=placeholder))
    return view


# ------------------------------------------------------------------ components


async def _card_or_error(interaction: discord.Interaction[Any], kind: CardKind, card_id: str) -> Card:
    return await services_of(interaction.client).catalog.card(latch_server(interaction), kind, card_id)


def _matched_kind(match: re.Match[str]) -> CardKind:
    return "fact" if match["kind"] == "fact" else "tip"


def _can_send(interaction: discord.Interaction[Any], permissions: discord.Permissions) -> bool:
    in_thread = isinstance(interaction.channel, discord.Thread)
    return permissions.send_messages_in_threads if in_thread else permissions.send_messages


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"latch:share:{_KIND}:{_CARD_ID}",
):
    """Posts a public copy of the card in the channel: no pings, no name of who shared it."""

    def __init__(self, kind: CardKind, card_id: str, *, shared: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=SHARED_LABEL if shared else SHARE_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id=f"latch:share:{kind}:{card_id}",
                disabled=shared,
            )
        )
        self.kind: CardKind = kind
        self.card_id = card_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(_matched_kind(match), match["id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "the Share in channel button", self._share)

    async def _share(self, interaction: discord.Interaction[Any]) -> None:
        card = await _card_or_error(interaction, self.kind, self.card_id)
        channel = interaction.channel
        if interaction.guild_id is None or not isinstance(channel, discord.abc.Messageable):
            raise Refusal("share.server_only")
        if not _can_send(interaction, interaction.permissions):
            # Latch does not post for a member where they could not post themselves.
            raise Refusal("share.member_cannot_post")
        library = _library(interaction)
        if latch_server(interaction) is None:
            # Installed to the member's account only: Latch cannot post here, so the card is the
            # public answer to the button press itself.
            embed = render_card(card, library, None)
            await reply(
                interaction, embed=embed, ephemeral=False, allowed_mentions=discord.AllowedMentions.none()
            )
            return
        bot_permissions = interaction.app_permissions
        if not (_can_send(interaction, bot_permissions) and bot_permissions.embed_links):
            raise Refusal("share.bot_cannot_post")
        embed = render_card(card, library, await reader_region(interaction))
        await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        await edit(interaction, view=card_view(card, library, in_server=True, shared=True))
        await reply(
            interaction,
            f"Shared in <#{interaction.channel_id}>. Your name is not shown on the shared card.",
            ephemeral=True,
        )


class AnotherTipButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"latch:tip:another:{_CARD_ID}",
):
    """Swaps the tip for the next one in the member's rotation (never the one shown)."""

    def __init__(self, current_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=ANOTHER_TIP_LABEL,
                style=discord.ButtonStyle.primary,
                custom_id=f"latch:tip:another:{current_id}",
            )
        )
        self.current_id = current_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "the Another tip button", self._another)

    async def _another(self, interaction: discord.Interaction[Any]) -> None:
        """Replace the shown tip with the next one in the member's rotation, never the same."""
        catalog = services_of(interaction.client).catalog
        card = await catalog.next_tip(latch_server(interaction), interaction.user.id, after=self.current_id)
        await edit_to_card(interaction, card)


class OpenCardButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"latch:open:{_KIND}:{_CARD_ID}",
):
    """Opens a suggested card privately (under "No card called X")."""

    def __init__(self, kind: CardKind, card_id: str, *, label: str = "Open") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:MAX_BUTTON_LABEL],
                style=discord.ButtonStyle.secondary,
                custom_id=f"latch:open:{kind}:{card_id}",
            )
        )
        self.kind: CardKind = kind
        self.card_id = card_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "Open"
        return cls(_matched_kind(match), match["id"], label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "a suggested card button", self._open)

    async def _open(self, interaction: discord.Interaction[Any]) -> None:
        card = await _card_or_error(interaction, self.kind, self.card_id)
        await send_card(interaction, card)


class FactMenu(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"latch:browse:fact:(?P<menu>[0-4])",
):
    """One of the browse menus of `/fact`; choosing a fact shows it privately."""

    def __init__(
        self, menu: int, *, options: list[discord.SelectOption], placeholder: str | None = None
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"latch:browse:fact:{menu}",
                placeholder=placeholder,
                options=options,
                min_values=1,
                max_values=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        options = list(item.options) if isinstance(item, discord.ui.Select) else []
        placeholder = item.placeholder if isinstance(item, discord.ui.Select) else None
        return cls(int(match["menu"]), options=options, placeholder=placeholder)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "the fact browser", self._open)

    async def _open(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        if not values:
            raise Refusal("browse.choose_fact")
        card = await _card_or_error(interaction, "fact", values[0])
        await send_card(interaction, card)


CARD_COMPONENTS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ShareButton,
    AnotherTipButton,
    OpenCardButton,
    FactMenu,
)
