"""Render fact and tip cards as Discord embeds, and build the crisis-lines text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

import discord

from bot.catalog.service import ServerTipCard
from bot.content.models import GLOBAL_REGION, Card, Resource, Source
from bot.ui.text import escape_mentions, safe

# Discord embed limits (DESIGN.md §7).
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

DISCLAIMER = "Peer-support information, not medical advice. Talk to an IBCLC or your doctor."
SOURCES_FIELD = "Sources"
CRISIS_FIELD = "If you are struggling"

# Used when a sensitive card is rendered without crisis text; matches the CONTENT-NOTES crisis footer.
DEFAULT_CRISIS_TEXT = (
    "If you are thinking about suicide or feel unsafe: call or text 988 (US), 116 123 (UK & Ireland), "
    "13 11 14 (Australia), or find a line at findahelpline.com. In immediate danger, call your local "
    "emergency number."
)

FACT_COLOUR = discord.Colour(0x3E8E7E)
TIP_COLOUR = discord.Colour(0xD9822B)

# Shortened source titles keep at least this many characters; below that a link stops being useful.
MIN_SOURCE_TITLE = 16

REGION_LABELS = {
    "US": "US",
    "GB": "UK",
    "IE": "Ireland",
    "AU": "Australia",
    "CA": "Canada",
    "NZ": "New Zealand",
}

FROM_MODERATORS = "From this server's moderators"
NOT_FROM_LIBRARY = "not from the Latch library"


class SourcesTooLong(ValueError):
    """The sources cannot fit in one embed field even with shortened titles."""


def _link_text(title: str) -> str:
    return escape_mentions(title).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _link_target(url: str) -> str:
    # Parentheses (common in DOIs) and spaces would end a Markdown link early.
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _shorten(title: str, limit: int) -> str:
    if len(title) <= limit:
        return title
    return title[: limit - 1].rstrip() + "…"


def _sources_lines(sources: Sequence[Source], title_limit: int) -> str:
    return "\n".join(
        f"• [{_link_text(_shorten(source.title, title_limit))}]({_link_target(source.link)})"
        for source in sources
    )


def sources_value(sources: Sequence[Source], *, limit: int = EMBED_FIELD_VALUE_LIMIT) -> str:
    """The Sources field value, shortening titles (longest first, evenly) until it fits ``limit``."""
    longest = max((len(source.title) for source in sources), default=0)
    value = _sources_lines(sources, longest)
    if len(value) <= limit:
        return value
    # Binary search for the largest title length that fits; the length grows with the cap.
    low, high = MIN_SOURCE_TITLE, longest
    if len(_sources_lines(sources, low)) > limit:
        raise SourcesTooLong(
            f"the Sources field needs more than {limit} characters even with titles cut to "
            f"{MIN_SOURCE_TITLE} characters; use shorter URLs or fewer sources"
        )
    while low < high:
        middle = (low + high + 1) // 2
        if len(_sources_lines(sources, middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return _sources_lines(sources, low)


def server_tip_sources(card: ServerTipCard) -> tuple[Source, ...]:
    """Where a server's tip comes from: its moderators (linking to the server), with the member who
    suggested it when they asked for credit, then its source link if it has one."""
    server, *links = card.sources
    credit = f", suggested by {card.credit_name}" if card.credit_name else ""
    if links:
        title = FROM_MODERATORS + credit
    else:
        title = f"Shared by this server's moderators{credit}; {NOT_FROM_LIBRARY}"
    return (Source(title=title, url=server.url), *links)


def card_embed(card: Card, *, crisis_lines: str | None) -> discord.Embed:
    """Render a card. Sensitive cards always carry crisis lines (the default text if none are given).

    A server's own tip is shown as its moderators typed it, with its attribution as its sources.
    """
    from_server = isinstance(card, ServerTipCard)
    embed = discord.Embed(
        title=escape_mentions(card.title),
        description=safe(card.body) if from_server else escape_mentions(card.body),
        colour=FACT_COLOUR if card.kind == "fact" else TIP_COLOUR,
    )
    sources = server_tip_sources(card) if isinstance(card, ServerTipCard) else card.sources
    embed.add_field(name=SOURCES_FIELD, value=sources_value(sources), inline=False)
    if card.sensitive:
        embed.add_field(
            name=CRISIS_FIELD, value=escape_mentions(crisis_lines or DEFAULT_CRISIS_TEXT), inline=False
        )
    embed.set_footer(text=DISCLAIMER)
    return embed


def _region_label(regions: Sequence[str]) -> str:
    return " & ".join(REGION_LABELS.get(region, region) for region in regions if region != GLOBAL_REGION)


def _display_domain(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    path = parts.path.rstrip("/")
    return host + path


def crisis_text(resources: Iterable[Resource]) -> str:
    """Crisis lines from the resources tagged ``crisis``, in file order.

    Phone lines are listed with their regions; global crisis resources without a phone are helpline
    directories ("find a line at ..."). With the shipped resources.yaml this is the CONTENT-NOTES footer.
    """
    lines: list[str] = []
    directories: list[str] = []
    for resource in resources:
        if "crisis" not in resource.topics:
            continue
        if resource.phone:
            label = _region_label(resource.regions)
            lines.append(f"{resource.phone} ({label})" if label else resource.phone)
        elif GLOBAL_REGION in resource.regions:
            directories.append(_display_domain(resource.url))
    actions: list[str] = []
    if lines:
        actions.append("call or text " + ", ".join(lines))
    if directories:
        actions.append("find a line at " + " or ".join(directories))
    if not actions:
        return (
            "If you are thinking about suicide or feel unsafe, reach out to a helpline or someone you trust. "
            "In immediate danger, call your local emergency number."
        )
    return (
        f"If you are thinking about suicide or feel unsafe: {', or '.join(actions)}. "
        "In immediate danger, call your local emergency number."
    )
