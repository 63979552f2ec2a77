"""The caregiver's copy of a nudge: sent by DM after the owner's reminder went out.

A copy goes only to a caregiver who accepted (and, with nights_only, only for a nudge whose time in the
reminder's zone is between 22:00 and 06:00). It carries its own deterministic nonce, the owner's with
"c" for its first letter, so a resend after a crash is deduplicated by Discord like the owner's. It
shares the dispatcher's pacing and DM channel cache. Its failures never touch the owner's reminder: closed DMs
are logged, a server error is retried like the owner's, then the copy is given up.

Exactly-once: the claim row is per occurrence and belongs to the owner. The copy is sent right after
the owner's message is recorded as sent, so a crash in between (or a claim found already delivered
after a restart) skips that one copy; a claim re-sent after a crash re-sends the copy with the same
nonce, which Discord deduplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, MutableMapping, Sequence
from typing import Protocol

import discord

from bot.db.database import Database
from bot.db.shares import ShareRepository
from bot.domain.reminders.model import Delivery
from bot.domain.reminders.sharing import copied_to_caregiver, copy_nonce
from bot.recovery import may_succeed_later
from bot.reminders.pacing import SendPacer


class Rendered(Protocol):
    """A rendered message (the dispatcher's ``OutgoingMessage``)."""

    @property
    def content(self) -> str | None: ...
    @property
    def embed(self) -> discord.Embed: ...
    @property
    def view(self) -> discord.ui.View: ...
    @property
    def allowed_mentions(self) -> discord.AllowedMentions: ...


log = logging.getLogger(__name__)


class CaregiverCopies:
    def __init__(
        self,
        database: Database,
        *,
        client: discord.Client,
        pacer: SendPacer,
        render: Callable[[Delivery], Rendered] | None,
        dm_channels: MutableMapping[int, int],
        retry_delays: Sequence[float],
    ) -> None:
        self.shares = ShareRepository(database)
        self.client = client
        self.pacer = pacer
        self.render = render
        self.dm_channels = dm_channels  # the dispatcher's: user id → DM channel id, in memory only
        self.retry_delays = tuple(retry_delays)

    async def send(self, delivery: Delivery) -> bool:
        """Send the caregiver's copy of ``delivery`` if the reminder is shared; whether one was sent."""
        if self.render is None:
            return False
        share = await self.shares.get(delivery.reminder_id)
        if share is None or not copied_to_caregiver(share, delivery.scheduled_for, delivery.timezone):
            return False
        attempts = 0
        while True:
            attempts += 1
            try:
                await self._send(delivery, share.caregiver_id)
                return True
            except Exception as error:
                if may_succeed_later(error) and attempts <= len(self.retry_delays):
                    await asyncio.sleep(self.retry_delays[attempts - 1])
                    continue
                if isinstance(error, discord.NotFound):
                    self.dm_channels.pop(share.caregiver_id, None)
                log.info(
                    "reminder %s: the caregiver's copy was not delivered: %s", delivery.reminder_id, error
                )
                return False

    async def _send(self, delivery: Delivery, caregiver_id: int) -> None:
        await self.pacer.wait()
        channel_id = self.dm_channels.get(caregiver_id)
        if channel_id is None:
            await self.pacer.wait()  # opening the DM channel is a request too
            data = await self.client.http.start_private_message(caregiver_id)
            channel_id = int(data["id"])
            self.dm_channels[caregiver_id] = channel_id
        channel = self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        message = self.render(delivery) if self.render is not None else None
        if message is None:
            return
        await channel.send(
            content=message.content,
            embed=message.embed,
            view=message.view,
            allowed_mentions=message.allowed_mentions,
            nonce=copy_nonce(delivery.nonce),
        )
