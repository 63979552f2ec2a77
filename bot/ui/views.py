"""Base view and modal classes whose errors go through the one error reporter."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, cast

import discord

from bot.errors import report_error, send_ephemeral
from bot.health import interaction_outcome, record_interaction

RESTARTING = "Latch is restarting. Please try again in a minute."


class _Inflight(Protocol):
    def track(self) -> AbstractAsyncContextManager[None]: ...


class _WorkGate(Protocol):
    accepting_work: bool
    inflight: _Inflight


async def run_component(
    interaction: discord.Interaction[Any],
    where: str,
    action: Callable[[discord.Interaction[Any]], Awaitable[None]],
) -> None:
    """Run a persistent (DynamicItem) component's callback the way the command tree runs a command.

    Dynamic items bypass both the tree and `View.on_error`, so this mirrors them: refuse work while
    the bot shuts down, count as in-flight work, and send every failure through the one reporter.
    """
    gate = cast(_WorkGate, interaction.client)
    if not gate.accepting_work:
        await send_ephemeral(interaction, RESTARTING)
        return
    async with gate.inflight.track():
        started = time.perf_counter()
        failure: Exception | None = None
        try:
            await action(interaction)
        except Exception as error:
            failure = error
            await report_error(interaction, error, where=where)
        finally:
            record_interaction(where, interaction_outcome(failure), time.perf_counter() - started)


class LatchView(discord.ui.View):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} component")


class LatchModal(discord.ui.Modal):
    # discord.py's own Modal narrows View.on_error's signature the same way.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} modal")
