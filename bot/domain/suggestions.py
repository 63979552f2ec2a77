"""Rules for server tips and suggested tips (pure: no Discord, no storage).

A tip a moderator writes and a tip a member suggests follow the same rules: a one-line title of at most
80 characters, a body of at most 1500, and an optional https source that passes the URL rules. A member
may suggest at most ``DAILY_LIMIT`` tips per server in any rolling 24 hours (not per calendar day: a
calendar day would depend on whose time zone, and would let a member send six in a few minutes around
midnight).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.urls import check_url
from bot.errors import Refusal

TITLE_MAX = 80
BODY_MAX = 1500
SOURCE_MAX = 512
REASON_MAX = 300
SUMMARY_MAX = 100
CREDIT_NAME_MAX = 32

DAILY_LIMIT = 3
LIMIT_WINDOW = timedelta(hours=24)

SERVER_TIP_PREFIX = "server-tip-"

_BLANK_LINES = re.compile(r"\n{3,}")
_TIP_NUMBER = re.compile(r"^\s*(?:#|server-tip-)?\s*(\d{1,18})\s*$", re.IGNORECASE)
# Characters that could format, mention or link a name: kept out of a credit line.
_NAME_NOISE = re.compile(r"[`*_~|>\\<@#:]")


class InvalidTip(Refusal):
    """A field breaks a rule (code ``tip.*``); the message says what is accepted, never repeating the text."""


@dataclass(frozen=True, slots=True)
class TipDraft:
    """A tip's fields, cleaned and within the limits."""

    title: str
    body: str
    source_url: str | None


def without_invisible(text: str) -> str:
    """The text without format characters (zero-width spaces and joiners, direction marks, …)."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def clean_title(raw: str) -> str:
    """One line, nothing invisible: runs of whitespace (newlines included) become single spaces."""
    return " ".join(without_invisible(raw).split())


def clean_body(raw: str) -> str:
    """Line breaks kept (at most one blank line in a row), trailing spaces and outer blank lines gone."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    if not without_invisible("".join(lines)).strip():
        return ""
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_reason(raw: str) -> str:
    """A rejection reason: one paragraph, at most REASON_MAX characters (InvalidTip when longer)."""
    reason = " ".join(without_invisible(raw).split())
    if len(reason) > REASON_MAX:
        raise InvalidTip("tip.reason_too_long", limit=REASON_MAX, length=len(reason))
    return reason


def validate_draft(
    title: str,
    body: str,
    source: str | None,
    *,
    check_source: Callable[[str], str],
) -> TipDraft:
    """The cleaned tip, or InvalidTip naming the first rule it breaks.

    ``check_source`` applies the URL rules: it returns the URL to store, or raises the `Refusal` that
    says why not (carried as ``reason``); an empty source means none.
    """
    clean = clean_title(title)
    if not clean:
        raise InvalidTip("tip.no_title")
    if len(clean) > TITLE_MAX:
        raise InvalidTip("tip.title_too_long", limit=TITLE_MAX, length=len(clean))
    text = clean_body(body)
    if not text:
        raise InvalidTip("tip.no_body")
    if len(text) > BODY_MAX:
        raise InvalidTip("tip.body_too_long", limit=BODY_MAX, length=len(text))
    link = (source or "").strip()
    if not link:
        return TipDraft(clean, text, None)
    if len(link) > SOURCE_MAX:
        raise InvalidTip("tip.source_too_long", limit=SOURCE_MAX)
    try:
        checked = check_source(link)
    except Refusal as problem:
        raise InvalidTip("tip.source", reason=problem) from None
    return TipDraft(clean, text, checked)


def checked_draft(title: str, body: str, source: str | None, *, allow_invites: bool) -> TipDraft:
    """The tip as typed, checked against every rule (the URL rules for its source included)."""

    def check(text: str) -> str:
        return check_url(text, allow_invites=allow_invites).url

    return validate_draft(title, body, source, check_source=check)


def summary_of(body: str) -> str:
    """A one-line summary for lists and search results: the start of the tip, at most 100 characters."""
    line = " ".join(body.split())
    if len(line) <= SUMMARY_MAX:
        return line
    return line[: SUMMARY_MAX - 1].rstrip() + "…"


def card_id(tip_id: int) -> str:
    """The card id a server tip carries in /tip, buttons and search (never a library card's id)."""
    return f"{SERVER_TIP_PREFIX}{tip_id}"


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


SuggestionStatus = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    guild_id: int
    user_id: int | None  # None once the member erased their data
    title: str
    body: str
    source_url: str | None
    credit_name: str | None  # set only when the member asked to be credited by name
    status: SuggestionStatus
    review_channel_id: int | None
    review_message_id: int | None
    reviewer_id: int | None
    reason: str | None
    tip_id: int | None
    created_at: datetime
    decided_at: datetime | None

    @property
    def draft(self) -> TipDraft:
        return TipDraft(self.title, self.body, self.source_url)


class LimitReached(Refusal):
    """The member has made DAILY_LIMIT suggestions in this server in the last 24 hours."""

    def __init__(self, again_at: datetime) -> None:
        super().__init__("suggest.limit", limit=DAILY_LIMIT, again_at=again_at)
        self.again_at = again_at


class AlreadyDecided(Refusal):
    """Someone decided on the suggestion first (``suggestion``), or it no longer exists (None)."""

    def __init__(self, suggestion: Suggestion | None) -> None:
        if suggestion is None:
            super().__init__("suggestion.gone")
        else:
            super().__init__("suggestion.already_decided", status=suggestion.status)
        self.suggestion = suggestion
