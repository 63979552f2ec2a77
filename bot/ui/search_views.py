"""Rendering for /search: the results list, its "open a result" menu, no-result suggestions, resources.

The menu is a DynamicItem with a fixed custom_id; each option's value is ``kind:id`` of a result, never
the search text. It needs no state, so it keeps working after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.content.models import RESOURCE_TOPICS, CardKind, Resource
from bot.content.search import SearchHit, Suggestions, parse_result_key
from bot.domain.curation import ServerResource
from bot.domain.resources import region_label
from bot.errors import Refusal
from bot.services import services_of
from bot.ui.card_views import send_card
from bot.ui.checks import latch_server
from bot.ui.messages import SEARCH_EXAMPLE
from bot.ui.replies import reply
from bot.ui.text import clip, escape_mentions, safe
from bot.ui.views import LatchView, run_component

OPEN_RESULT_ID = "latch:search:open"
SEARCH_COLOUR = discord.Colour(0x5B7DB1)
RESOURCE_COLOUR = discord.Colour(0x6A8D3A)
RESULTS_TITLE = "Search results"
RESULTS_FOOTER = "Choose a result in the menu below to open it. Only you can see this."
NO_RESULTS = "Nothing in Latch's facts, tips or resources matched that search."
RESOURCES_POINTER = "For support organisations and helplines, try `/resources`."
NOT_AVAILABLE = "That result isn't available any more. Run `/search` again."
VISIT_LABEL = "Visit website"
FROM_THIS_SERVER = "added by this server"
KIND_LABELS: dict[str, str] = {
    "fact": "Fact",
    "tip": "Tip",
    "resource": "Resource",
    "server-tip": "Server tip",
}

OPTION_LIMIT = 100  # select option label, value and description


def _option(hit: SearchHit) -> discord.SelectOption:
    return discord.SelectOption(
        label=clip(escape_mentions(hit.title), OPTION_LIMIT),
        value=hit.key,
        description=clip(f"{KIND_LABELS.get(hit.kind, hit.kind)} · {hit.summary}", OPTION_LIMIT),
    )


class OpenResultSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=re.escape(OPEN_RESULT_ID)):
    """The menu under a results list: choosing an option opens that card or resource, privately."""

    def __init__(self, hits: Sequence[SearchHit] = ()) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=OPEN_RESULT_ID,
            placeholder="Open a result…",
            options=[_option(hit) for hit in hits] or [discord.SelectOption(label="-", value="-")],
        )
        super().__init__(select)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenResultSelect:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "the search result menu", self._open)

    async def _open(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        parsed = parse_result_key(values[0]) if values else None
        if parsed is not None:
            kind, ref = parsed
            if kind in ("fact", "tip", "server-tip"):
                # Through the catalog: a server's own tips open only in that server.
                card_kind: CardKind = "fact" if kind == "fact" else "tip"
                try:
                    card = await services_of(interaction.client).catalog.card(
                        latch_server(interaction), card_kind, ref
                    )
                except Refusal:
                    card = None
                if card is not None:
                    await send_card(interaction, card)  # with Share in channel (and Another tip)
                    return
            elif kind == "resource":
                found = await _resource(interaction, ref)
                if found is not None:
                    embed, url = found
                    await reply(interaction, embed=embed, view=link_view(url), ephemeral=True)
                    return
        await reply(interaction, NOT_AVAILABLE, ephemeral=True)


async def _resource(interaction: discord.Interaction[Any], ref: str) -> tuple[discord.Embed, str] | None:
    """A resource found by search, as its embed and link: the library's, or this server's own."""
    services = services_of(interaction.client)
    resource = services.resources.library_resource(ref)
    if resource is not None:
        return resource_embed(resource), resource.url
    server = latch_server(interaction)
    own = await services.curation.resource_by_search_ref(server, ref) if server is not None else None
    return (server_resource_embed(own), own.url) if own is not None else None


def results_view(hits: Sequence[SearchHit]) -> LatchView:
    view = LatchView(timeout=None)
    view.add_item(OpenResultSelect(hits))
    return view


def results_embed(hits: Sequence[SearchHit]) -> discord.Embed:
    lines = []
    for number, hit in enumerate(hits, start=1):
        kind = KIND_LABELS.get(hit.kind, hit.kind)
        lines.append(f"**{number}. {escape_mentions(hit.title)}**\n{kind} · {escape_mentions(hit.summary)}")
    embed = discord.Embed(title=RESULTS_TITLE, description="\n\n".join(lines), colour=SEARCH_COLOUR)
    embed.set_footer(text=RESULTS_FOOTER)
    return embed


def no_results_message(suggestions: Suggestions) -> tuple[str, LatchView | None]:
    """The no-result answer: searches that would find something, close titles, and /resources."""
    lines = [NO_RESULTS]
    if suggestions.terms:
        lines.append(
            "Did you mean: " + " · ".join(f"**{escape_mentions(t)}**" for t in suggestions.terms) + "?"
        )
    if suggestions.results:
        titles = ", ".join(f"**{escape_mentions(hit.title)}**" for hit in suggestions.results)
        lines.append(f"Close matches: {titles}. Open one in the menu below.")
    if not suggestions:
        lines.append(f"Try fewer or other words, for example {SEARCH_EXAMPLE}.")
    lines.append(RESOURCES_POINTER)
    view = results_view(suggestions.results) if suggestions.results else None
    return "\n".join(lines), view


def resource_embed(resource: Resource) -> discord.Embed:
    embed = discord.Embed(
        title=escape_mentions(resource.name),
        url=resource.url,
        description=escape_mentions(resource.description),
        colour=RESOURCE_COLOUR,
    )
    if resource.phone:
        embed.add_field(name="Phone", value=escape_mentions(resource.phone), inline=True)
    if resource.text:
        embed.add_field(name="Text", value=escape_mentions(resource.text), inline=True)
    return embed


def link_view(url: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=VISIT_LABEL, url=url, style=discord.ButtonStyle.link))
    return view


def server_resource_embed(resource: ServerResource) -> discord.Embed:
    """One server resource opened from /search."""
    embed = discord.Embed(
        title=safe(resource.name)[:256],
        url=resource.url,
        description=safe(resource.description),
        colour=RESOURCE_COLOUR,
    )
    topic = RESOURCE_TOPICS.get(resource.topic, resource.topic)
    embed.set_footer(text=f"{topic} · {region_label(resource.region)} · {FROM_THIS_SERVER}")
    return embed
