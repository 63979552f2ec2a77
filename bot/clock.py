"""The one source of "now" for the whole bot, and how instants are stored.

Everything that needs the current time asks a `Clock`. The bot's own clock reads
`discord.utils.utcnow()` (see `bot.app`), which is the real UTC time in production and follows
SimCord's virtual time in tests, so `env.advance_time()` moves the bot's clock, its scheduler and its
database timestamps together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def __init__(self, source: Callable[[], datetime] = _utc_now) -> None:
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
