"""A reminder shared with a caregiver: the invitation with Accept / Decline, and the caregiver's copy of
each nudge with Done / Stop sharing.

All four buttons are ``DynamicItem``s whose custom_id carries the reminder id (and, on the invitation,
the owner's id), so they work on messages sent before a restart. Each press asks the share service,
which checks that the person pressing is the one invited, and answers privately.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal, Self

import discord

from bot.content.models import Card
from bot.domain.reminders.model import Delivery
from bot.reminders.dispatcher import OutgoingMessage
from bot.services import services_of
from bot.ui.reminder_views import reminder_embed, tip_for
from bot.ui.replies import edit, reply
from bot.ui.share_text import (
    ACCEPT_LABEL,
    COPY_FOOTER,
    DECLINE_LABEL,
    DONE_LABEL,
    STOP_LABEL,
    accepted_text,
    copy_content,
    declined_text,
    done_for_owner_text,
    invitation_text,
    stopped_text,
)
from bot.ui.views import run_component

__all__ = ["SHARE_COMPONENTS", "caregiver_message", "invitation_message", "invitation_text"]

InviteAction = Literal["accept", "decline"]
CopyAction = Literal["done", "stop"]


class InviteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"latch:share:(?P<action>accept|decline):(?P<id>[0-9]{1,19}):(?P<owner>[0-9]{1,20})",
):
    """Accept / Decline on an invitation; only the invited person's press counts."""

    def __init__(self, action: InviteAction, reminder_id: int, owner_id: int) -> None:
        accept = action == "accept"
        super().__init__(
            discord.ui.Button(
                label=ACCEPT_LABEL if accept else DECLINE_LABEL,
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=f"latch:share:{action}:{reminder_id}:{owner_id}",
            )
        )
        self.action: InviteAction = action
        self.reminder_id = reminder_id
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        action: InviteAction = "accept" if match["action"] == "accept" else "decline"
        return cls(action, int(match["id"]), int(match["owner"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, f"the share invitation {self.action} button", self._press)

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        shares = services_of(interaction.client).shares
        if self.action == "accept":
            shared = await shares.accept(interaction.user.id, self.reminder_id, self.owner_id)
            text = accepted_text(shared.share, shared.reminder)
        else:
            text = declined_text(await shares.decline(interaction.user.id, self.reminder_id, self.owner_id))
        await edit(interaction, content=text, view=None)


class CopyButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"latch:care:(?P<action>done|stop):(?P<id>[0-9]{1,19})",
):
    """Done / Stop sharing on the caregiver's copy of a nudge."""

    def __init__(self, action: CopyAction, reminder_id: int) -> None:
        done = action == "done"
        super().__init__(
            discord.ui.Button(
                label=DONE_LABEL if done else STOP_LABEL,
                style=discord.ButtonStyle.success if done else discord.ButtonStyle.secondary,
                custom_id=f"latch:care:{action}:{reminder_id}",
            )
        )
        self.action: CopyAction = action
        self.reminder_id = reminder_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls("done" if match["action"] == "done" else "stop", int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, f"the shared reminder {self.action} button", self._press)

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        services = services_of(interaction.client)
        if self.action == "done":
            share = await services.shares.done_for_owner(interaction.user.id, self.reminder_id)
            text = done_for_owner_text(share, services.clock.now())
        else:
            share = await services.shares.stop_copies(interaction.user.id, self.reminder_id)
            text = stopped_text(share, interaction.user.id)
        await reply(interaction, text, ephemeral=True)


SHARE_COMPONENTS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (InviteButton, CopyButton)


def invitation_view(reminder_id: int, owner_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(InviteButton("accept", reminder_id, owner_id))
    view.add_item(InviteButton("decline", reminder_id, owner_id))
    return view


def invitation_message(text: str, reminder_id: int, owner_id: int) -> dict[str, Any]:
    """What `User.send` takes for an invitation: the text, its buttons, and no pings."""
    return {
        "content": text,
        "view": invitation_view(reminder_id, owner_id),
        "allowed_mentions": discord.AllowedMentions.none(),
    }


def caregiver_message(delivery: Delivery, tips: Sequence[Card]) -> OutgoingMessage:
    """The caregiver's copy: the same nudge and tip as the owner's, saying whose it is; no pings."""
    embed = reminder_embed(delivery, tip_for(delivery.nonce, tips))
    embed.set_footer(text=COPY_FOOTER)
    view = discord.ui.View(timeout=None)
    view.add_item(CopyButton("done", delivery.reminder_id))
    view.add_item(CopyButton("stop", delivery.reminder_id))
    return OutgoingMessage(copy_content(delivery.user_id), embed, view, discord.AllowedMentions.none())
