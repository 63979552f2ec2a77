"""/curate tip add · edit · remove · list: a server's own tips, and /curate suggestions, the pending queue.

A server tip shows in that server's /tip, its autocomplete, /search and the Another tip / Share
buttons, never in another server or in DMs (the catalog scopes them). Every change is audited in the
same transaction. The /curate group already checks that the caller may curate.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.app import LatchBot
from bot.content.catalog import server_tip_card
from bot.curation import server_id
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.server_tips import ServerTip, ServerTipsRepository
from bot.db.suggestions import SuggestionsRepository
from bot.errors import UserFacingError
from bot.suggestions import TipDraft, parse_tip_number
from bot.ui.card_views import render_card
from bot.ui.server_tip_views import SERVER_TIP_COMPONENTS, TipModal, display, tip_list_embed, tip_list_view
from bot.ui.suggestion_views import pending_embed

MAX_CHOICES = 25


def _unknown(typed: str) -> UserFacingError:
    return UserFacingError(
        f"This server has no tip “{display(typed.strip(), 20)}”. Pick one from the list as you type, or "
        "see them all with `/curate tip list`."
    )


async def _find(interaction: discord.Interaction[LatchBot], typed: str) -> ServerTip:
    number = parse_tip_number(typed)
    tip = None
    if number is not None:
        tip = await ServerTipsRepository(interaction.client.db).get(server_id(interaction), number)
    if tip is None:
        raise _unknown(typed)
    return tip


async def _tip_choices(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    """This server's tips whose number or title contains what was typed, newest first.

    Only moderators get here: the /curate gate answers anyone else's autocomplete with no choices.
    """
    if interaction.guild_id is None:
        return []
    typed = current.strip().casefold().lstrip("#")
    tips = await ServerTipsRepository(interaction.client.db).list(interaction.guild_id)
    found = [tip for tip in reversed(tips) if not typed or typed in f"{tip.id} {tip.title.casefold()}"]
    return [
        app_commands.Choice(name=f"#{tip.id} · {tip.title}"[:100], value=str(tip.id))
        for tip in found[:MAX_CHOICES]
    ]


async def _answer_with_card(interaction: discord.Interaction[Any], heading: str, tip: ServerTip) -> None:
    bot: LatchBot = interaction.client
    embed = render_card(server_tip_card(tip), bot.content)
    await interaction.response.send_message(heading, embed=embed, ephemeral=True)


tip_group = app_commands.Group(name="tip", description="This server's own tips: add, edit, remove, list")


@tip_group.command(name="add", description="Add a tip of this server's own (opens a form)")
async def tip_add(interaction: discord.Interaction[LatchBot]) -> None:
    guild_id = server_id(interaction)
    settings = await GuildSettingsRepository(interaction.client.db).get(guild_id)

    async def save(submitted: discord.Interaction[Any], draft: TipDraft) -> None:
        bot: LatchBot = submitted.client
        tip = await ServerTipsRepository(bot.db).add(
            guild_id, draft, actor_id=submitted.user.id, now=bot.clock.now()
        )
        await _answer_with_card(
            submitted, f"Added tip #{tip.id}. Members of this server now see it in `/tip` and `/search`.", tip
        )

    await interaction.response.send_modal(
        TipModal("Add a server tip", allow_invites=settings.allow_invites, on_tip=save)
    )


@tip_group.command(name="edit", description="Change one of this server's tips (opens a form)")
@app_commands.describe(tip="The tip to change: start typing its title or number")
async def tip_edit(interaction: discord.Interaction[LatchBot], tip: str) -> None:
    found = await _find(interaction, tip)
    settings = await GuildSettingsRepository(interaction.client.db).get(found.guild_id)

    async def save(submitted: discord.Interaction[Any], draft: TipDraft) -> None:
        bot: LatchBot = submitted.client
        updated = await ServerTipsRepository(bot.db).update(
            found.guild_id, found.id, draft, actor_id=submitted.user.id, now=bot.clock.now()
        )
        if updated is None:
            raise UserFacingError(f"Tip #{found.id} was removed in the meantime, so nothing was changed.")
        await _answer_with_card(submitted, f"Saved tip #{updated.id}.", updated)

    await interaction.response.send_modal(
        TipModal(f"Edit tip #{found.id}", allow_invites=settings.allow_invites, on_tip=save, tip=found)
    )


@tip_group.command(name="remove", description="Remove one of this server's tips")
@app_commands.describe(tip="The tip to remove: start typing its title or number")
async def tip_remove(interaction: discord.Interaction[LatchBot], tip: str) -> None:
    found = await _find(interaction, tip)
    bot = interaction.client
    removed = await ServerTipsRepository(bot.db).remove(
        found.guild_id, found.id, actor_id=interaction.user.id, now=bot.clock.now()
    )
    if removed is None:
        raise _unknown(tip)
    await interaction.response.send_message(
        f"Removed tip #{removed.id} “{display(removed.title, 80)}”. Members no longer see it.", ephemeral=True
    )


@tip_group.command(name="list", description="This server's own tips, 10 per page")
async def tip_list(interaction: discord.Interaction[LatchBot]) -> None:
    tips = await ServerTipsRepository(interaction.client.db).list(server_id(interaction))
    embed, page = tip_list_embed(tips, 0)
    view = tip_list_view(len(tips), page)
    if view is None:
        await interaction.response.send_message(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


tip_edit.autocomplete("tip")(_tip_choices)
tip_remove.autocomplete("tip")(_tip_choices)


@app_commands.command(name="suggestions", description="Tips members suggested that wait for a decision")
async def suggestions_command(interaction: discord.Interaction[LatchBot]) -> None:
    guild_id = server_id(interaction)
    pending = await SuggestionsRepository(interaction.client.db).pending(guild_id)
    await interaction.response.send_message(embed=pending_embed(guild_id, pending), ephemeral=True)


async def register(bot: LatchBot, curate: app_commands.Group) -> None:
    curate.add_command(tip_group)
    curate.add_command(suggestions_command)
    bot.add_dynamic_items(*SERVER_TIP_COMPONENTS)
