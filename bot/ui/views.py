"""Base view and modal classes: expected errors are answered as replies, bugs go to the one reporter."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Self, TypeVar

import discord

from bot.inflight import WorkGate
from bot.metrics import record_interaction
from bot.ui.replies import OUTCOME, RESTARTING, answer_expected_error, report_error, send_ephemeral

_Result = TypeVar("_Result")
_ANSWERING = "__latch_answers_expected_errors__"


async def run_component(
    interaction: discord.Interaction[Any],
    where: str,
    action: Callable[[discord.Interaction[Any]], Awaitable[None]],
) -> None:
    """Run a persistent (DynamicItem) component's callback the way the command tree runs a command.

    Dynamic items bypass both the tree and `View.on_error`, so this mirrors them: refuse work while
    the bot shuts down, count as in-flight work, answer expected errors and send bugs to the reporter.
    """
    gate = getattr(interaction.client, "work", None)
    if not isinstance(gate, WorkGate):
        raise RuntimeError("the bot keeps its work in progress on .work")
    if not gate.accepting_work:
        await send_ephemeral(interaction, RESTARTING)
        return
    async with gate.track():
        started = time.perf_counter()
        try:
            await action(interaction)
        except Exception as error:
            if not await answer_expected_error(interaction, error, where=where):
                await report_error(interaction, error, where=where)
        finally:
            record_interaction(where, interaction.extras.get(OUTCOME, "ok"), time.perf_counter() - started)


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


EDIT_AGAIN_LABEL = "Edit and resend"
EDIT_AGAIN_TIMEOUT = 14 * 60  # the refusal is ephemeral: it can be used for 15 minutes


class LatchModal(discord.ui.Modal):
    """A modal whose `on_submit` answers expected errors as replies (bugs go to `on_error`).

    A form refused for one field keeps everything typed: the refusal carries an "Edit and resend"
    button that opens the form again, filled in as it was (`reopened`).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._submit = self.on_submit
        self.on_submit = self._submit_answering  # type: ignore[method-assign]

    def reopened(self) -> LatchModal | None:
        """The same form again, filled in with what was typed (None: this form cannot be reopened)."""
        return None

    async def _submit_answering(self, interaction: discord.Interaction[Any], /) -> None:
        try:
            await self._submit(interaction)
        except Exception as error:
            again = self.reopened()
            view = _EditAgainView(again) if again is not None else None
            if not await answer_expected_error(
                interaction, error, where=f"{type(self).__name__} modal", view=view
            ):
                raise

    # discord.py's own Modal narrows View.on_error's signature the same way.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__} modal")


class _EditAgainView(LatchView):
    """Under a refused form: open it again with the text kept."""

    def __init__(self, modal: LatchModal) -> None:
        super().__init__(timeout=EDIT_AGAIN_TIMEOUT)
        self.modal = modal
        button: discord.ui.Button[_EditAgainView] = discord.ui.Button(
            label=EDIT_AGAIN_LABEL, style=discord.ButtonStyle.primary
        )
        button.callback = self._open  # type: ignore[method-assign]
        self.add_item(button)

    async def _open(self, interaction: discord.Interaction[Any]) -> None:
        again = self.modal.reopened()  # a fresh copy each time: a modal is answered once
        await interaction.response.send_modal(again or self.modal)
