"""/suggest: any member suggests a tip to the server's moderators.

The suggestion is stored as pending and posted to the review channel set with `/curate settings`,
where moderators approve, edit & approve, or reject it with buttons. Without a review channel nothing
is stored and the member is told suggestions are off. A member can suggest at most 3 tips per server
in any 24 hours.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.suggestions import LimitReached, SuggestionsRepository
from bot.errors import UserFacingError
from bot.suggestions import DAILY_LIMIT, TipDraft, credit_name, next_allowed, suggestions_left
from bot.ui.suggestion_views import SUGGESTION_COMPONENTS, SuggestModal, review_embed, review_view

SUGGESTIONS_OFF = (
    "The moderators of this server haven't turned suggestions on yet (they need to choose a review "
    "channel with `/curate settings`). Nothing was saved."
)
NOT_POSTED = (
    "I couldn't post your suggestion in the moderators' review channel, so nothing was saved. "
    "Please let a moderator know; they may need to check my permissions there."
)


def _limit_text(again_at_unix: int) -> str:
    return (
        f"You've suggested {DAILY_LIMIT} tips here in the last 24 hours, the most there can be. "
        f"You can suggest another <t:{again_at_unix}:R>. Nothing was saved."
    )


class Suggest(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*SUGGESTION_COMPONENTS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*SUGGESTION_COMPONENTS)

    @app_commands.command(
        name="suggest", description="Suggest a tip to this server's moderators (opens a form)"
    )
    @app_commands.guild_only()
    async def suggest(self, interaction: discord.Interaction[LatchBot]) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise UserFacingError("Suggestions go to a server's moderators, so use `/suggest` in a server.")
        settings = await GuildSettingsRepository(self.bot.db).get(guild_id)
        if settings.review_channel_id is None:
            raise UserFacingError(SUGGESTIONS_OFF)
        count, oldest = await SuggestionsRepository(self.bot.db).recent_count(
            guild_id, interaction.user.id, self.bot.clock.now()
        )
        if not suggestions_left(count) and oldest is not None:
            raise UserFacingError(_limit_text(int(next_allowed(oldest).timestamp())))

        async def on_suggest(
            submitted: discord.Interaction[Any], draft: TipDraft, wants_credit: bool
        ) -> None:
            await self.submit(submitted, guild_id, draft, wants_credit)

        await interaction.response.send_modal(
            SuggestModal(allow_invites=settings.allow_invites, on_suggest=on_suggest)
        )

    async def submit(
        self, interaction: discord.Interaction[Any], guild_id: int, draft: TipDraft, wants_credit: bool
    ) -> None:
        """Store the suggestion, post it for review, and thank the member; or store nothing."""
        settings = await GuildSettingsRepository(self.bot.db).get(guild_id)
        channel = self.bot.get_channel(settings.review_channel_id) if settings.review_channel_id else None
        if settings.review_channel_id is None:
            raise UserFacingError(SUGGESTIONS_OFF)
        if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != guild_id:
            raise UserFacingError(NOT_POSTED)
        name = credit_name(interaction.user.display_name) if wants_credit else None
        repository = SuggestionsRepository(self.bot.db)
        try:
            suggestion = await repository.create(
                guild_id, interaction.user.id, draft, credit_name=name, now=self.bot.clock.now()
            )
        except LimitReached as limit:
            raise UserFacingError(_limit_text(int(limit.again_at.timestamp()))) from None
        try:
            message = await channel.send(
                embed=review_embed(suggestion),
                view=review_view(suggestion.id),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            await repository.withdraw(suggestion.id)
            raise UserFacingError(NOT_POSTED) from None
        await repository.set_review_message(suggestion.id, channel.id, message.id)
        count, _oldest = await repository.recent_count(guild_id, interaction.user.id, self.bot.clock.now())
        left = suggestions_left(count)
        more = (
            f"You can suggest {left} more today." if left else "That was your last suggestion for 24 hours."
        )
        await interaction.response.send_message(
            "Thank you! Your tip went to this server's moderators for review. You'll hear the outcome by DM "
            f"if your DMs are open to me. {more}",
            ephemeral=True,
        )


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Suggest(bot))
