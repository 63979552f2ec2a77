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
from bot.domain.suggestions import TipDraft, credit_name
from bot.errors import Refusal
from bot.ui.replies import reply
from bot.ui.suggestion_views import SuggestModal, review_embed, review_view, thanks_text


class Suggest(commands.Cog):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="suggest", description="Suggest a tip to this server's moderators (opens a form)"
    )
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def suggest(self, interaction: discord.Interaction[LatchBot]) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise Refusal("suggest.server_only")
        settings = await self.bot.services.suggestions.open_for(guild_id, interaction.user.id)

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
        service = self.bot.services.suggestions
        settings = await self.bot.services.curation.settings(guild_id)
        if settings.review_channel_id is None:
            raise Refusal("suggest.off")
        channel = self.bot.get_channel(settings.review_channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != guild_id:
            raise Refusal("suggest.not_posted")
        name = credit_name(interaction.user.display_name) if wants_credit else None
        suggestion = await service.create(guild_id, interaction.user.id, draft, credit_name=name)
        try:
            message = await channel.send(
                embed=review_embed(suggestion),
                view=review_view(suggestion.id),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            await service.withdraw(suggestion.id)
            raise Refusal("suggest.not_posted") from None
        await service.posted_for_review(suggestion.id, channel.id, message.id)
        left = await service.left_today(guild_id, interaction.user.id)
        await reply(interaction, thanks_text(left), ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Suggest(bot))
