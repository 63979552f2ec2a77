"""Rules for server tips and suggested tips (pure: no Discord, no storage).

A tip a moderator writes and a tip a member suggests follow the same rules: a one-line title of at most
80 characters, a body of at most 1500, and an optional https source that passes the URL rules. A member
may suggest at most ``DAILY_LIMIT`` tips per server in any rolling 24 hours (not per calendar day: a
calendar day would depend on whose time zone, and would let a member send six in a few minutes around
midnight).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

TITLE_MAX = 80
BODY_MAX = 1500
SOURCE_MAX = 512
REASON_MAX = 300
SUMMARY_MAX = 100
CREDIT_NAME_MAX = 32

DAILY_LIMIT = 3
LIMIT_WINDOW = timedelta(hours=24)

SERVER_TIP_PREFIX = "server-tip-"

TITLE_EXAMPLE = "“Warm flannel before pumping”"
SOURCE_EXAMPLE = "https://www.llli.org/breastfeeding-info/"

_BLANK_LINES = re.compile(r"\n{3,}")
_TIP_NUMBER = re.compile(r"^\s*(?:#|server-tip-)?\s*(\d{1,18})\s*$", re.IGNORECASE)
# Characters that could format, mention or link a name: kept out of a credit line.
_NAME_NOISE = re.compile(r"[`*_~|>\\<@#:\[\]()]")


class InvalidTip(ValueError):
    """A field breaks a rule; the message says what is accepted, and never repeats the text."""


@dataclass(frozen=True, slots=True)
class TipDraft:
    """A tip's fields, cleaned and within the limits."""

    title: str
    body: str
    source_url: str | None


def clean_title(raw: str) -> str:
    """One line: runs of whitespace (newlines included) become single spaces."""
    return " ".join(raw.split())


def clean_body(raw: str) -> str:
    """Line breaks kept (at most one blank line in a row), trailing spaces and outer blank lines gone."""
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_reason(raw: str) -> str:
    """A rejection reason: one paragraph, at most REASON_MAX characters (InvalidTip when longer)."""
    reason = " ".join(raw.split())
    if len(reason) > REASON_MAX:
        raise InvalidTip(f"A reason can be up to {REASON_MAX} characters; yours has {len(reason)}.")
    return reason


def validate_draft(
    title: str,
    body: str,
    source: str | None,
    *,
    check_source: Callable[[str], str],
) -> TipDraft:
    """The cleaned tip, or InvalidTip naming the first rule it breaks.

    ``check_source`` applies the URL rules (it returns the URL to store, or raises ValueError whose
    message says what is accepted); an empty source means none.
    """
    clean = clean_title(title)
    if not clean:
        raise InvalidTip(f"Give the tip a title, for example {TITLE_EXAMPLE}.")
    if len(clean) > TITLE_MAX:
        raise InvalidTip(f"A title can be up to {TITLE_MAX} characters; yours has {len(clean)}.")
    text = clean_body(body)
    if not text:
        raise InvalidTip("Write the tip itself: a sentence or two members can try.")
    if len(text) > BODY_MAX:
        raise InvalidTip(
            f"A tip can be up to {BODY_MAX} characters; yours has {len(text)}. Try shortening it."
        )
    link = (source or "").strip()
    if not link:
        return TipDraft(clean, text, None)
    if len(link) > SOURCE_MAX:
        raise InvalidTip(f"A source link can be up to {SOURCE_MAX} characters, for example {SOURCE_EXAMPLE}.")
    try:
        checked = check_source(link)
    except ValueError as problem:
        raise InvalidTip(f"Source link: {problem}") from None
    return TipDraft(clean, text, checked)


def summary_of(body: str) -> str:
    """A one-line summary for lists and search results: the start of the tip, at most 100 characters."""
    line = " ".join(body.split())
    if len(line) <= SUMMARY_MAX:
        return line
    return line[: SUMMARY_MAX - 1].rstrip() + "…"


def card_id(tip_id: int) -> str:
    """The card id a server tip carries in /tip, buttons and search (never a library card's id)."""
    return f"{SERVER_TIP_PREFIX}{tip_id}"


def tip_id_of(card_id_text: str) -> int | None:
    """The server tip number inside a card id, or None for a library card."""
    if not card_id_text.startswith(SERVER_TIP_PREFIX):
        return None
    digits = card_id_text.removeprefix(SERVER_TIP_PREFIX)
    return int(digits) if digits.isdigit() and len(digits) <= 18 else None


def parse_tip_number(text: str) -> int | None:
    """What a moderator typed for a tip: ``12``, ``#12`` or ``server-tip-12``; None otherwise."""
    match = _TIP_NUMBER.match(text)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def credit_name(display_name: str) -> str:
    """A member's name as a credit line shows it: no formatting, mention or link characters, capped."""
    name = " ".join(_NAME_NOISE.sub("", display_name).split())
    if len(name) > CREDIT_NAME_MAX:
        name = name[: CREDIT_NAME_MAX - 1].rstrip() + "…"
    return name or "a member"


def window_start(now: datetime) -> datetime:
    """Suggestions made after this instant count towards the limit."""
    return now - LIMIT_WINDOW


def suggestions_left(count_in_window: int) -> int:
    return max(0, DAILY_LIMIT - count_in_window)


def next_allowed(oldest_in_window: datetime) -> datetime:
    """When a member at the limit may suggest again: 24 hours after the oldest one that counts."""
    return oldest_in_window + LIMIT_WINDOW
