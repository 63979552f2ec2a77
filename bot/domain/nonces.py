"""Message nonces: the same short text each time one thing is sent, so Discord keeps one copy of a resend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NONCE_LIMIT = 25  # Discord's longest nonce


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if number == 0:
            return digits


def make_nonce(prefix: str, number: int, instant: datetime) -> str:
    """``prefix`` + base-36 ``number`` + "." + base-36 milliseconds from the epoch to ``instant`` (aware)."""
    # Whole milliseconds in integers: `timestamp() * 1000` in floats can round two instants a
    # millisecond apart to the same number.
    millis = (instant - _EPOCH) // timedelta(milliseconds=1)
    return f"{prefix}{_base36(number)}.{_base36(millis)}"[:NONCE_LIMIT]
