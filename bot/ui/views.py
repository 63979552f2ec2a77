"""Base view and modal classes: expected errors are answered as replies, bugs go to the one reporter."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, Self, TypeVar, cast

import discord

from bot.errors import OUTCOME, answer_expected_error, report_error, send_ephemeral
from bot.health import Outcome, record_interaction

RESTARTING = "Latch is restarting. Please try again in a minute."

_Result = TypeVar("_Result")
_ANSWERING = "__latch_answers_expected_errors__"


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
        try:
            await action(interaction)
        except Exception as error:
            if not await answer_expected_error(interaction, error, where=where):
                await report_error(interaction, error, where=where)
        finally:
            outcome: Outcome = interaction.extras.get(OUTCOME, "ok")
            record_interaction(where, outcome, time.perf_counter() - started)


def answering_expected_errors(
    callback: Callable[..., Coroutine[Any, Any, _Result]], *, where: str, refused: _Result
) -> Callable[..., Coroutine[Any, Any, _Result]]:
    """`callback` (an interaction first) answering an expected error itself and returning `refused`.

    discord.py hands whatever a view or modal callback raises to `on_error`, where it counts as a
    failure; bad input is not one, so it is answered here as an ordinary reply. Bugs still raise.
    """
    if getattr(callback, _ANSWERING, False):
        return callback

    @functools.wraps(callback)
    async def answering(interaction: discord.Interaction[Any], *args: Any, **kwargs: Any) -> _Result:
        try:
            return await callback(interaction, *args, **kwargs)
        except Exception as error:
            if await answer_expected_error(interaction, error, where=where):
                return refused
            raise

    setattr(answering, _ANSWERING, True)
    return answering


class LatchView(discord.ui.View):
    """A view whose items and `interaction_check` answer expected errors as replies.

    Items get this when they are added (`add_item`, or declared with the decorators), so give an item
    its callback before adding it. A callback that still raises one reaches `on_error`, which answers
    the same way.
    """

    def __init__(self, *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        where = f"{type(self).__name__} component"
        self.interaction_check = answering_expected_errors(  # type: ignore[method-assign]
            self.interaction_check, where=where, refused=False
        )
        for item in self.children:
            self._answering(item)

    def _answering(self, item: discord.ui.Item[Any]) -> None:
        callback = item.callback
        item.callback = answering_expected_errors(  # type: ignore[method-assign]
            callback, where=f"{type(self).__name__} component", refused=None
        )

    def add_item(self, item: discord.ui.Item[Any]) -> Self:
        if not isinstance(item, discord.ui.DynamicItem):  # those run through `run_component`
            self._answering(item)
        return super().add_item(item)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} component")


class LatchModal(discord.ui.Modal):
    """A modal whose `on_submit` answers expected errors as replies (bugs go to `on_error`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_submit = answering_expected_errors(  # type: ignore[method-assign]
            self.on_submit, where=f"{type(self).__name__} modal", refused=None
        )

    # discord.py's own Modal narrows View.on_error's signature the same way.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} modal")
