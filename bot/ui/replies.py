"""One place that turns any failure during an interaction into an answer the member can read.

Expected problems (a `Refusal`, a missing permission, a cooldown) get their short message, as an
ordinary reply: `answer_expected_error` answers them where the interaction is run (the command tree,
`LatchView`, `LatchModal`, `run_component`), so they never travel on as errors. Anything else gets
"Something went wrong (ref ABC123)" from `report_error` while the traceback goes to the log under the
same reference, so a moderator's report can be matched to the log line. Every path answers the
interaction, including after a defer.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Literal

import discord
from discord import app_commands

from bot.errors import Refusal
from bot.ui.messages import refusal_text
from bot.ui.text import clip_typed

log = logging.getLogger("latch.errors")

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: easy to read out loud

Outcome = Literal["ok", "user_error", "error"]

RESTARTING = "Latch is restarting. Please try again in a minute."
# Where an interaction notes how it ended (interaction.extras), for the metrics: "user_error" or "error".
OUTCOME = "latch_outcome"


def new_reference() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(name.replace("_", " ").replace("guild", "server").title() for name in permissions)


def _refusal(error: BaseException) -> Refusal | None:
    """The refusal behind ``error``: itself, or what a command, transformer or check wrapped."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, Refusal):
            return current
        seen.add(id(current))
        if isinstance(current, app_commands.CommandInvokeError):
            current = current.original
        else:
            current = current.__cause__
    return None


def expected_error_message(error: BaseException) -> str | None:
    """The friendly text for an expected error, or None when the error is a bug."""
    refusal = _refusal(error)
    if refusal is not None:
        try:
            return refusal_text(refusal)
        except KeyError:
            return None  # a refusal without a message is a bug: it gets a reference
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError):
        return f"That value isn't accepted: `{clip_typed(str(error.value), 100)}`."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: you can use this again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        names = _permission_names(error.missing_permissions)
        return f"I'm missing the {names} permission here. A server admin can grant it."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return "You don't have the role needed for that."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "This command has just been updated. Give Discord a minute to catch up, then try again."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that here."
    return None


def interaction_outcome(error: BaseException | None) -> Outcome:
    """`ok`, `user_error` (bad input, a missing permission, a cooldown) or `error` (a bug)."""
    if error is None:
        return "ok"
    return "user_error" if expected_error_message(error) is not None else "error"


# Discord's limits on a message (DESIGN.md §7).
CONTENT_LIMIT = 2000
EMBED_LIMITS = {"title": 256, "description": 4096, "field_name": 256, "field_value": 1024, "footer": 2048}
EMBED_TOTAL = 6000
EMBED_FIELDS = 25


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """``embed`` within Discord's limits: each part cut to its own, then the whole to 6,000 characters
    (the description first, then the last fields)."""
    if embed.title:
        embed.title = _cut(embed.title, EMBED_LIMITS["title"])
    if embed.description:
        embed.description = _cut(embed.description, EMBED_LIMITS["description"])
    fields = embed.fields[:EMBED_FIELDS]
    embed.clear_fields()
    for field in fields:
        embed.add_field(
            name=_cut(field.name or "\u200b", EMBED_LIMITS["field_name"]),
            value=_cut(field.value or "\u200b", EMBED_LIMITS["field_value"]),
            inline=bool(field.inline),
        )
    if embed.footer.text:
        embed.set_footer(text=_cut(embed.footer.text, EMBED_LIMITS["footer"]), icon_url=embed.footer.icon_url)
    excess = len(embed) - EMBED_TOTAL
    if excess > 0 and embed.description:
        embed.description = _cut(embed.description, max(len(embed.description) - excess - 1, 1))
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def _fitted(changes: dict[str, Any]) -> dict[str, Any]:
    content = changes.get("content")
    if isinstance(content, str):
        changes["content"] = _cut(content, CONTENT_LIMIT)
    embed = changes.get("embed")
    if isinstance(embed, discord.Embed):
        changes["embed"] = fit_embed(embed)
    return changes


async def reply(interaction: discord.Interaction[Any], content: str | None = None, **options: Any) -> None:
    """Answer the interaction (or follow up once it is answered), within Discord's limits.

    Every reply of Latch's goes through here or `edit`, so none can be refused for its size.
    """
    fitted = _fitted({"content": content, **options})
    if interaction.response.is_done():
        await interaction.followup.send(**fitted)
    else:
        await interaction.response.send_message(**fitted)


async def edit(interaction: discord.Interaction[Any], **changes: Any) -> None:
    """Edit the message a component was used on, within Discord's limits (what is not passed stays)."""
    await interaction.response.edit_message(**_fitted(changes))


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer the interaction whatever state it is in: fresh, deferred or already answered."""
    await reply(interaction, text, ephemeral=True)


async def _tell(
    interaction: discord.Interaction[Any], message: str, *, where: str, view: discord.ui.View | None = None
) -> None:
    try:
        if view is None:
            await send_ephemeral(interaction, message)
        else:
            await reply(interaction, message, view=view, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about an error in %s (interaction %s)", where, interaction.id)


async def answer_expected_error(
    interaction: discord.Interaction[Any],
    error: BaseException,
    *,
    where: str,
    view: discord.ui.View | None = None,
) -> bool:
    """Answer an expected error (bad input, a missing permission…) with its text, ephemerally, with
    ``view`` under it (e.g. a button to edit a refused form again).

    This is an ordinary reply, not a failure: the caller returns normally afterwards. Returns False,
    and answers nothing, when ``error`` is a bug; the caller lets it go on to `report_error`.
    """
    message = expected_error_message(error)
    if message is None or interaction.type is discord.InteractionType.autocomplete:
        return False
    interaction.extras[OUTCOME] = "user_error"
    await _tell(interaction, message, where=where, view=view)
    return True


async def report_error(interaction: discord.Interaction[Any], error: BaseException, *, where: str) -> None:
    message = expected_error_message(error)
    interaction.extras[OUTCOME] = "error" if message is None else "user_error"
    if message is None:
        if isinstance(error, app_commands.CommandInvokeError):
            error = error.original  # log the bug itself, not discord.py's wrapper
        reference = new_reference()
        log.error(
            "unexpected error in %s (ref %s, interaction %s)",
            where,
            reference,
            interaction.id,
            exc_info=(type(error), error, error.__traceback__),
        )
        message = f"Something went wrong (ref {reference}). It has been logged; please try again."
    if interaction.type is discord.InteractionType.autocomplete:
        return  # an autocomplete cannot show text; discord.py already logged it
    await _tell(interaction, message, where=where)


def command_name(interaction: discord.Interaction[Any]) -> str:
    command = interaction.command
    return f"/{command.qualified_name}" if command is not None else "an interaction"
