"""Small pieces every message uses: showing user text safely, times, durations, lists and counts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

import discord

TYPED_LIMIT = 40  # characters of a member's input ever echoed back

# Where a zero-width space breaks a mention: after "<" in <@id>, <@!id>, <@&id>, <#id>, and after "@" in
# @everyone and @here. Zero-width matches, so "<@here" gets both.
_MENTION_BREAK = re.compile(r"(?<=<)(?=[@#])|(?<=@)(?=everyone|here)", re.IGNORECASE)


def escape_mentions(text: str) -> str:
    """Break every mention with a zero-width space so Discord shows it as plain text."""
    return _MENTION_BREAK.sub("\u200b", text)


def clip(text: str, limit: int) -> str:
    """One line, at most ``limit`` characters (an ellipsis marks a cut)."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def safe(text: str, limit: int | None = None) -> str:
    """Someone's text shown as typed: no mentions, no Markdown, at most ``limit`` characters."""
    shown = discord.utils.escape_markdown(escape_mentions(text))
    if limit is None or len(shown) <= limit:
        return shown
    return shown[: limit - 1].rstrip() + "…"


# A masked link, [text](url), hides where it leads; its brackets are escaped so it shows as typed.
_MASKED_LINK = re.compile(r"\[([^\]\n]*)\]\(")


def member_markdown(text: str, limit: int | None = None) -> str:
    """Text a member or moderator wrote, with its formatting kept (lists, **bold**, *italics*, line
    breaks): only what could ping someone or hide a link is escaped. At most ``limit`` characters."""
    shown = _MASKED_LINK.sub(r"\\[\1\\](", escape_mentions(text))
    if limit is None or len(shown) <= limit:
        return shown
    return shown[: limit - 1].rstrip() + "…"


def clip_typed(text: str, limit: int = TYPED_LIMIT) -> str:
    """What a member typed, safe to echo: one short line, no mentions, no Markdown."""
    return discord.utils.escape_markdown(escape_mentions(clip(text, limit)))


def timestamp(instant: datetime, style: str) -> str:
    """A Discord timestamp: each reader sees it in their own time zone."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def when_text(instant: datetime) -> str:
    """ "<t:…:t> (<t:…:R>)": a time and how far away it is."""
    return f"{timestamp(instant, 't')} ({timestamp(instant, 'R')})"


def format_duration(span: timedelta) -> str:
    """ "3 h", "2 h 30 min", "45 min", "24 h", "7 d"."""
    minutes = int(span.total_seconds()) // 60
    days, rest = divmod(minutes, 1440)
    if days > 1 and not rest:
        return f"{days} d"
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def joined(items: Sequence[str], last: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """ "1 tip", "3 tips", "1 reminder setting"."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count} {word}"
