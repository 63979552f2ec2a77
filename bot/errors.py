"""One place that turns any failure during an interaction into an answer the user can read.

Expected problems (bad input, a missing permission, a cooldown) get a short friendly message, as an
ordinary reply: `answer_expected_error` answers them where the interaction is run (the command tree,
`LatchView`, `LatchModal`, `run_component`), so they never travel on as errors. Anything else gets
"Something went wrong (ref ABC123)" from `report_error` while the traceback goes to the log under the
same reference, so a moderator's report can be matched to the log line. Every path answers the
interaction, including after a defer.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger("latch.errors")

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: easy to read out loud
# Where an interaction notes how it ended (interaction.extras), for the metrics: "user_error" or "error".
OUTCOME = "latch_outcome"


class UserFacingError(app_commands.AppCommandError):
    """Raise from a command for bad input: the message is shown to the user as it is, ephemerally."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_reference() -> str:
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(name.replace("_", " ").replace("guild", "server").title() for name in permissions)


def expected_error_message(error: BaseException) -> str | None:
    """The friendly text for an expected error, or None when the error is a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, app_commands.TransformerError):
        return f"That value isn't accepted: `{discord.utils.escape_markdown(str(error.value))[:100]}`."
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


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer the interaction whatever state it is in: fresh, deferred or already answered."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def _tell(interaction: discord.Interaction[Any], message: str, *, where: str) -> None:
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about an error in %s (interaction %s)", where, interaction.id)


async def answer_expected_error(
    interaction: discord.Interaction[Any], error: BaseException, *, where: str
) -> bool:
    """Answer an expected error (bad input, a missing permission…) with its friendly text, ephemerally.

    This is an ordinary reply, not a failure: the caller returns normally afterwards. Returns False,
    and answers nothing, when `error` is a bug; the caller lets it go on to `report_error`.
    """
    message = expected_error_message(error)
    if message is None or interaction.type is discord.InteractionType.autocomplete:
        return False
    interaction.extras[OUTCOME] = "user_error"
    await _tell(interaction, message, where=where)
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
