"""The one source of "now" for the whole bot.

Everything that needs the current time asks a `Clock`. The default reads `discord.utils.utcnow()`,
which is the real UTC time in production and follows SimCord's virtual time in tests, so
`env.advance_time()` moves the bot's clock, its scheduler and its database timestamps together.
Unit tests inject a `FrozenClock` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import discord


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def __init__(self, source: Callable[[], datetime] = discord.utils.utcnow) -> None:
        self._source = source

    def now(self) -> datetime:
        return self._source().astimezone(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        self._now = require_aware(instant).astimezone(UTC)


def require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetimes are not allowed; attach a timezone")
    return instant


def to_storage(instant: datetime) -> str:
    """Serialise an aware datetime as fixed-width UTC ISO-8601, which sorts as text."""
    return require_aware(instant).astimezone(UTC).isoformat(timespec="microseconds")


def from_storage(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"stored timestamp without a timezone: {text!r}")
    return parsed.astimezone(UTC)
