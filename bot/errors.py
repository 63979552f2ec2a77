"""Refusals: what Latch will not do for a member, as a code and the facts behind it.

Domain rules, repositories and services raise a `Refusal` (or a subclass a caller can catch by type); they
never build a sentence. `bot.ui.messages` words every code, so the member reads one consistent message
and a second language is a catalog. Anything else that goes wrong is a bug, which the one error reporter
(`bot.ui.replies`) answers with a reference that is also in the log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Typed:
    """Text a member typed, carried in a refusal: the UI echoes it only clipped and escaped."""

    text: str


class Refusal(Exception):
    """A request Latch refuses; ``code`` names the message, ``data`` fills it in."""

    def __init__(self, code: str, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.data = data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r})"
