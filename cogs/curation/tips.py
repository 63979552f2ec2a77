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
from bot.catalog.service import server_tip_card
from bot.domain.curation import ServerTip
from bot.domain.suggestions import TipDraft
from bot.services import services_of
from bot.ui.card_views import card_message
from bot.ui.checks import server_id
from bot.ui.options import MAX_CHOICES
from bot.ui.replies import reply
from bot.ui.server_tip_views import (
    TipModal,
    added_text,
    removed_text,
    saved_text,
    tip_choice_name,
    tip_list_embed,
    tip_list_view,
)
from bot.ui.suggestion_views import pending_embed

MAX_TIP_INPUT = 100


async def _tip_choices(
    interaction: discord.Interaction[LatchBot], current: str
) -> list[app_commands.Choice[str]]:
    """This server's tips whose number or title contains what was typed, newest first.

    Only moderators get here: the /curate gate answers anyone else's autocomplete with no choices.
    """
    if interaction.guild_id is None:
        return []
    typed = current.strip().casefold().lstrip("#")
    tips = await interaction.client.services.curation.tips(interaction.guild_id)
    found = [tip for tip in reversed(tips) if not typed or typed in f"{tip.id} {tip.title.casefold()}"]
    return [app_commands.Choice(name=tip_choice_name(tip), value=str(tip.id)) for tip in found[:MAX_CHOICES]]


async def _answer_with_card(interaction: discord.Interaction[Any], heading: str, tip: ServerTip) -> None:
    embed, _view = await card_message(interaction, server_tip_card(tip))
    await reply(interaction, heading, embed=embed, ephemeral=True)


tip_group = app_commands.Group(name="tip", description="This server's own tips: add, edit, remove, list")


@tip_group.command(name="add", description="Add a tip of this server's own (opens a form)")
async def tip_add(interaction: discord.Interaction[LatchBot]) -> None:
    guild_id = server_id(interaction)
    settings = await interaction.client.services.curation.settings(guild_id)

    async def save(submitted: discord.Interaction[Any], draft: TipDraft) -> None:
        curation = services_of(submitted.client).curation
        tip = await curation.add_tip(guild_id, draft, actor_id=submitted.user.id)
        await _answer_with_card(submitted, added_text(tip), tip)

    await interaction.response.send_modal(
        TipModal("Add a server tip", allow_invites=settings.allow_invites, on_tip=save)
    )


@tip_group.command(name="edit", description="Change one of this server's tips (opens a form)")
@app_commands.describe(tip="The tip to change: start typing its title or number")
async def tip_edit(
    interaction: discord.Interaction[LatchBot], tip: app_commands.Range[str, 1, MAX_TIP_INPUT]
) -> None:
    curation = interaction.client.services.curation
    found = await curation.tip(server_id(interaction), tip)
    settings = await curation.settings(found.guild_id)

    async def save(submitted: discord.Interaction[Any], draft: TipDraft) -> None:
        updated = await services_of(submitted.client).curation.edit_tip(
            found.guild_id, found.id, draft, actor_id=submitted.user.id
        )
        await _answer_with_card(submitted, saved_text(updated), updated)

    await interaction.response.send_modal(
        TipModal(f"Edit tip #{found.id}", allow_invites=settings.allow_invites, on_tip=save, tip=found)
    )


@tip_group.command(name="remove", description="Remove one of this server's tips")
@app_commands.describe(tip="The tip to remove: start typing its title or number")
async def tip_remove(
    interaction: discord.Interaction[LatchBot], tip: app_commands.Range[str, 1, MAX_TIP_INPUT]
) -> None:
    curation = interaction.client.services.curation
    found = await curation.tip(server_id(interaction), tip)
    removed = await curation.remove_tip(found.guild_id, found.id, actor_id=interaction.user.id)
    await reply(interaction, removed_text(removed), ephemeral=True)


@tip_group.command(name="list", description="This server's own tips, 10 per page")
async def tip_list(interaction: discord.Interaction[LatchBot]) -> None:
    tips = await interaction.client.services.curation.tips(server_id(interaction))
    embed, page = tip_list_embed(tips, 0)
    view = tip_list_view(len(tips), page)
    if view is None:
        await reply(interaction, embed=embed, ephemeral=True)
    else:
        await reply(interaction, embed=embed, view=view, ephemeral=True)


tip_edit.autocomplete("tip")(_tip_choices)
tip_remove.autocomplete("tip")(_tip_choices)


@app_commands.command(name="suggestions", description="Tips members suggested that wait for a decision")
async def suggestions_command(interaction: discord.Interaction[LatchBot]) -> None:
    guild_id = server_id(interaction)
    pending = await interaction.client.services.suggestions.pending(guild_id)
    await reply(interaction, embed=pending_embed(guild_id, pending), ephemeral=True)


async def register(bot: LatchBot, curate: app_commands.Group) -> None:
    curate.add_command(tip_group)
    curate.add_command(suggestions_command)
