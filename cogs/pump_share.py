"""/pump share invite · stop: a reminder shared with someone who helps, by their consent.

The `share` group is part of `/pump` (loaded after `cogs.pump`, it joins that group). Inviting stores
an invitation and DMs the person Accept / Decline (`bot.ui.share_views`); when that DM cannot be sent
the invitation is withdrawn, so nothing is kept. Only after Accept does the reminder dispatcher send
them copies. Either person stops it with `/pump share stop` (or Stop sharing on a copy). Every answer
is private; refusals say what is accepted.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import LatchBot
from bot.errors import Refusal
from bot.reminders.sharing import ShareService
from bot.ui.options import MAX_CHOICES
from bot.ui.reminder_text import reminder_label, status_text
from bot.ui.replies import reply
from bot.ui.share_text import invitation_text, invited_text, share_choice, stopped_text
from bot.ui.share_views import invitation_message

REMINDER_ID_LENGTH = 20  # "#" and a snowflake


def _reminder_id(text: str, refusal: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 19:
        raise Refusal(refusal)
    return int(cleaned)


def _shares(interaction: discord.Interaction[LatchBot]) -> ShareService:
    return interaction.client.services.shares


class ShareGroup(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(
            name="share", description="Share a reminder with someone who helps you, if they accept"
        )

    @app_commands.command(name="invite", description="Ask someone to receive one of your reminders too")
    @app_commands.describe(
        reminder="Which of your reminders",
        caregiver="The person who helps you; they get a DM to accept or decline",
        nights_only="Only the nudges between 22:00 and 06:00 in the reminder's time zone",
    )
    @app_commands.rename(caregiver="with")
    async def invite(
        self,
        interaction: discord.Interaction[LatchBot],
        reminder: app_commands.Range[str, 1, REMINDER_ID_LENGTH],
        caregiver: discord.User,
        nights_only: bool = False,
    ) -> None:
        shares = _shares(interaction)
        owner_id = interaction.user.id
        shared = await shares.invite(
            owner_id,
            _reminder_id(reminder, "share.not_yours"),
            caregiver.id,
            caregiver_is_bot=caregiver.bot,
            nights_only=nights_only,
        )
        share = shared.share
        await interaction.response.defer(ephemeral=True, thinking=True)  # the DM takes two requests
        try:
            await caregiver.send(
                **invitation_message(invitation_text(share, shared.reminder), share.reminder_id, owner_id)
            )
        except discord.Forbidden as error:  # 50007: their DMs are closed to Latch
            await shares.withdraw(share)
            raise Refusal("share.cannot_dm") from error
        except BaseException:
            await shares.withdraw(share)
            raise
        await reply(interaction, invited_text(share, shared.reminder), ephemeral=True)

    @app_commands.command(name="stop", description="Stop sharing a reminder, yours or one shared with you")
    @app_commands.describe(reminder="A reminder you shared, or one shared with you")
    async def stop(
        self,
        interaction: discord.Interaction[LatchBot],
        reminder: app_commands.Range[str, 1, REMINDER_ID_LENGTH],
    ) -> None:
        share = await _shares(interaction).stop(
            interaction.user.id, _reminder_id(reminder, "share.not_shared")
        )
        await reply(interaction, stopped_text(share, interaction.user.id), ephemeral=True)

    @invite.autocomplete("reminder")
    async def own_reminders(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Only the caller's own reminders are offered."""
        typed = current.strip().casefold()
        choices = []
        for item in await interaction.client.services.reminders.mine(interaction.user.id):
            label = f"{reminder_label(item)} ({status_text(item)})"[:100]
            if typed in label.casefold():
                choices.append(app_commands.Choice(name=label, value=str(item.id)))
        return choices[:MAX_CHOICES]

    @stop.autocomplete("reminder")
    async def shared_reminders(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """The shares the caller owns or receives."""
        user_id = interaction.user.id
        own = {
            item.id: reminder_label(item)
            for item in await interaction.client.services.reminders.mine(user_id)
        }
        typed = current.strip().casefold()
        choices = []
        for share in await _shares(interaction).involving(user_id):
            label = share_choice(share, user_id, own.get(share.reminder_id, f"#{share.reminder_id}"))[:100]
            if typed in label.casefold():
                choices.append(app_commands.Choice(name=label, value=str(share.reminder_id)))
        return choices[:MAX_CHOICES]


async def setup(bot: LatchBot) -> None:
    pump = bot.tree.get_command("pump")
    if not isinstance(pump, app_commands.Group):
        raise RuntimeError("cogs.pump is loaded before cogs.pump_share")
    pump.add_command(ShareGroup())


async def teardown(bot: LatchBot) -> None:
    pump = bot.tree.get_command("pump")
    if isinstance(pump, app_commands.Group):
        pump.remove_command("share")
