"""Render fact and tip cards as Discord embeds, and word the crisis lines from resources.yaml."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

import discord

from bot.catalog.service import ServerTipCard
from bot.content.crisis import CrisisSelection, select_crisis_lines
from bot.content.models import Card, ContactNumber, Resource, Source
from bot.domain.resources import region_label
from bot.ui.text import escape_mentions, member_markdown

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

CRISIS_OPENING = "If you are thinking about suicide or feel unsafe:"
EMERGENCY_SENTENCE = "In immediate danger, call your local emergency number."
# Only for a sensitive card rendered without crisis text, which no caller should do: it names no number,
# since every number shown must come from resources.yaml.
CRISIS_FALLBACK_TEXT = (
    "If you are thinking about suicide or feel unsafe, reach out to a helpline or someone you trust. "
    + EMERGENCY_SENTENCE
)

FACT_COLOUR = discord.Colour(0x3E8E7E)
TIP_COLOUR = discord.Colour(0xD9822B)

# Shortened source titles keep at least this many characters; below that a link stops being useful.
MIN_SOURCE_TITLE = 16

# Short names where the country's full name is long; the others use their English name.
REGION_LABELS = {"US": "US", "GB": "UK"}

# How each kind of contact is asked for: "call 116 123", "text 0477 13 11 14", "message ...".
CONTACT_VERBS = {"call": "call", "text": "text", "chat": "message"}

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
    """Render a card. Sensitive cards always carry crisis lines: ``crisis_lines`` is the text from
    ``crisis_text`` for the reader's region.

    A server's own tip is shown as its moderators typed it, with its attribution as its sources.
    """
    from_server = isinstance(card, ServerTipCard)
    embed = discord.Embed(
        title=escape_mentions(card.title),
        description=member_markdown(card.body) if from_server else escape_mentions(card.body),
        colour=FACT_COLOUR if card.kind == "fact" else TIP_COLOUR,
    )
    sources = server_tip_sources(card) if isinstance(card, ServerTipCard) else card.sources
    embed.add_field(name=SOURCES_FIELD, value=sources_value(sources), inline=False)
    if card.sensitive:
        embed.add_field(
            name=CRISIS_FIELD, value=escape_mentions(crisis_lines or CRISIS_FALLBACK_TEXT), inline=False
        )
    embed.set_footer(text=DISCLAIMER)
    return embed


def crisis_region_label(region: str) -> str:
    return REGION_LABELS.get(region) or region_label(region)


def _display_domain(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    path = parts.path.rstrip("/")
    return host + path


def _number_phrase(number: ContactNumber) -> tuple[str, str]:
    """(verbs, what follows them) for one number: ("call or text", "988"), ("text", "SHOUT to 85258")."""
    verbs = " or ".join(CONTACT_VERBS[kind] for kind in CONTACT_VERBS if kind in number.accepts)
    if number.takes_texts and number.accepts == ("text",):
        return verbs, number.text_target
    target = f"{number.number} ({number.note})" if number.note else number.number
    return verbs, target


def contact_phrase(numbers: Sequence[ContactNumber]) -> str:
    """How to reach a line: "call 14416 or 1-800-891-4416", "call 13 11 14 or text 0477 13 11 14".

    "text" is said only for numbers that take texts; numbers asked for the same way share the verb.
    """
    groups: list[tuple[str, list[str]]] = []
    for number in numbers:
        verbs, target = _number_phrase(number)
        if groups and groups[-1][0] == verbs and number.keyword is None and number.note is None:
            groups[-1][1].append(target)
        else:
            groups.append((verbs, [target]))
    return " or ".join(f"{verbs} {' or '.join(targets)}" for verbs, targets in groups)


def crisis_line_text(line: Resource, *, separator: str = ": ") -> str:
    """One crisis line: "Samaritans: call 116 123 (24/7)"."""
    text = f"{line.name}{separator}{contact_phrase(line.numbers)}"
    return f"{text} ({line.hours})" if line.hours else text


def word_crisis_lines(selection: CrisisSelection) -> str:
    """The crisis text for a selection: one line per crisis line in a server, the largest regions in a
    DM; then the directories, and always the emergency sentence."""
    directories = " or ".join(_display_domain(resource.url) for resource in selection.directories)
    parts: list[str] = []
    if selection.region is not None and not selection.has_lines:
        label = crisis_region_label(selection.region)
        parts.append(f"Latch has no checked crisis line for {label} yet.")
        if directories:
            parts.append(f"Find one at {directories}.")
        else:
            parts.append("Please reach out to a local helpline or someone you trust.")
        return "\n".join([*parts, EMERGENCY_SENTENCE])
    if not selection.has_lines and not directories:
        return CRISIS_FALLBACK_TEXT
    parts.append(CRISIS_OPENING)
    if selection.region is not None:
        parts += [f"• {crisis_line_text(line)}" for group in selection.regions for line in group.lines]
        if directories:
            parts.append(f"More lines: {directories}.")
    else:
        for group in selection.regions:
            lines = "; ".join(crisis_line_text(line, separator=", ") for line in group.lines)
            parts.append(f"• {crisis_region_label(group.region)}: {lines}")
        if directories:
            parts.append(f"Other countries: find a line at {directories}.")
    parts.append(EMERGENCY_SENTENCE)
    return "\n".join(parts)


def crisis_text(resources: Iterable[Resource], region: str | None = None) -> str:
    """The crisis text for a reader in ``region``: the server's region, or None in a DM."""
    return word_crisis_lines(select_crisis_lines(tuple(resources), region))
