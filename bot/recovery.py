"""Sending again: which failed sends may succeed later, and whether a message a crash left claimed
already reached the channel.

Every message Latch sends on its own carries a nonce that discord.py sends with `enforce_nonce`, but
Discord deduplicates a nonce for "a few minutes" only. A claim taken over later than `NONCE_TRUSTED_FOR`
after its due instant is first looked for in the channel's recent history, so a copy Discord already
stored is recorded as sent, not sent again. Used by the reminder and the tip-post dispatchers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
import discord

log = logging.getLogger(__name__)

NONCE_TRUSTED_FOR = timedelta(minutes=3)
RECOVERY_HISTORY = 25  # recent messages looked through per recovered claim


def may_succeed_later(error: BaseException) -> bool:
    """A send that failed so may go through later (or even have reached Discord): a server error, a
    rate limit, the network, a timeout. Anything else (refused, not found, rejected) will fail again."""
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429
    return isinstance(error, TimeoutError | aiohttp.ClientError | OSError)


def nonce_outlived(due: datetime, now: datetime) -> bool:
    """Whether a message due at ``due`` and sent again ``now`` may no longer be deduplicated by its
    nonce (so the channel is looked at first)."""
    return now - due >= NONCE_TRUSTED_FOR


async def find_sent(
    channel: discord.abc.Messageable,
    *,
    author_id: int,
    due: datetime,
    matches: Callable[[discord.Message], bool],
    what: str,
) -> discord.Message | None:
    """The message by ``author_id`` that ``matches`` among ``channel``'s recent messages since
    ``due``. None when there is none, or when the history cannot be read (logged with ``what``, e.g.
    "reminder 12": the caller sends again)."""
    since = due - timedelta(seconds=1)  # `after` excludes its own millisecond
    try:
        async for message in channel.history(limit=RECOVERY_HISTORY, after=since):
            if message.author.id == author_id and matches(message):
                return message
    except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError):
        log.warning("%s: could not read the channel; sending again", what)
    return None
