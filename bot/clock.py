"""The one source of "now" for the whole bot.

Everything that needs the current time asks a `Clock`. The default reads `discord.utils.utcnow()`,
which is the real UTC time in production and follows SimCord's virtual time in tests, so
`env.advance_time()` moves the bot's clock, its scheduler and its database timestamps together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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


def require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetimes are not allowed; attach a timezone")
    return instant


def to_storage(instant: datetime) -> str:
    """Serialise an aware datetime as fixed-width UTC ISO-8601, which sorts as text."""
    return require_aware(instant).astimezone(UTC).isoformat(timespec="microseconds")


def from_storage(text: str) -> datetime:
    """The aware UTC datetime that `to_storage` wrote."""
    return require_aware(datetime.fromisoformat(text)).astimezone(UTC)
