"""/privacy view · export · delete, and data retention for servers Latch has left.

Works in servers and in DMs; every answer is ephemeral. What is stored, and how each kind of row is
erased, is declared in ``bot.privacy``; the SQL is in ``bot.db.privacy``.

Retention: when the bot leaves a server the departure is recorded; a daily job erases the data of
servers left more than 30 days ago (a return cancels it) and purges reminder delivery records older
than 30 days.
"""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.db.privacy import PrivacyRepository
from bot.privacy import (
    EXPORT_FILENAME,
    RETENTION_HOUR_UTC,
    RETENTION_JOB_ID,
    RETENTION_MINUTE,
    erase_summary,
    export_bytes,
    export_document,
)
from bot.reminders.engine import ReminderDispatcher
from bot.ui.privacy_views import (
    CONFIRM_TEXT,
    PRIVACY_COG,
    ConfirmEraseButton,
    confirm_view,
    privacy_embed,
)
from bot.ui.reminder_views import PUMP_COG

log = logging.getLogger(__name__)

EXPORT_TEXT = (
    "Everything Latch stores about you, as JSON. Only you can see this file; "
    "erase the data with `/privacy delete`."
)


class Privacy(commands.Cog, name=PRIVACY_COG):
    privacy = app_commands.Group(
        name="privacy",
        description="See, take or erase what Latch stores about you",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
    )

    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot
        self.repository = PrivacyRepository(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ConfirmEraseButton)
        self.bot.scheduler.daily(
            RETENTION_JOB_ID, self.apply_retention, hour=RETENTION_HOUR_UTC, minute=RETENTION_MINUTE
        )

    # ------------------------------------------------------------------ commands

    @privacy.command(name="view", description="Everything Latch stores about you, in every server")
    async def view(self, interaction: discord.Interaction[LatchBot]) -> None:
        sections = await self.repository.collect(interaction.user.id)
        await interaction.response.send_message(embed=privacy_embed(sections), ephemeral=True)

    @privacy.command(name="export", description="A file with everything Latch stores about you")
    async def export(self, interaction: discord.Interaction[LatchBot]) -> None:
        user_id = interaction.user.id
        sections = await self.repository.collect(user_id)
        document = export_document(user_id, sections, now=self.bot.clock.now())
        attachment = discord.File(io.BytesIO(export_bytes(document)), filename=EXPORT_FILENAME)
        await interaction.response.send_message(EXPORT_TEXT, file=attachment, ephemeral=True)

    @privacy.command(name="delete", description="Erase everything Latch stores about you")
    async def delete(self, interaction: discord.Interaction[LatchBot]) -> None:
        await interaction.response.send_message(
            CONFIRM_TEXT, view=confirm_view(interaction.user.id), ephemeral=True
        )

    async def erase_member_data(self, user_id: int) -> str:
        """The Erase button: every row about the member, in one transaction; says what went."""
        counts = await self.repository.erase_member(user_id)
        log.info("a member erased their data (%d rows touched)", sum(counts.values()))
        # The dispatcher claims due reminders from the database, so erased ones can no longer fire;
        # re-arming points its wake-up at the earliest reminder that is left.
        dispatcher = getattr(self.bot.get_cog(PUMP_COG), "dispatcher", None)
        if isinstance(dispatcher, ReminderDispatcher):
            dispatcher.forget_user(user_id)
            await dispatcher.arm()
        return erase_summary(counts)

    # ------------------------------------------------------------------ retention

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.repository.record_departure(guild.id, now=self.bot.clock.now())
        log.info("left server %s; its data will be erased in 30 days unless Latch returns", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if await self.repository.clear_departure(guild.id):
            log.info("back in server %s; its data is kept", guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.repository.clear_departure(guild.id)

    async def apply_retention(self) -> None:
        """The daily job: erase servers left more than 30 days ago; purge old delivery records."""
        # Before the guild cache is complete, Latch cannot tell which servers it is still in.
        present = {guild.id for guild in self.bot.guilds} if self.bot.is_ready() else None
        report = await self.repository.apply_retention(now=self.bot.clock.now(), present=present)
        if report.servers_erased or report.deliveries_purged:
            log.info(
                "retention: erased %d server(s) left over 30 days ago; purged %d delivery records",
                len(report.servers_erased),
                report.deliveries_purged,
            )


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Privacy(bot))
