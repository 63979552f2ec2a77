"""Render the `/letdown` routine: one embed per step, and persistent Back / Next / Done buttons.

The buttons are `DynamicItem`s whose custom_id carries the step number and the action
(``latch:letdown:<step>:<back|next|done>``), so they keep working after a restart and nothing about
the member is stored. Pressing one edits the same ephemeral message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import discord

from bot.content.loader import ContentLibrary
from bot.domain.letdown import (
    ROUTINE,
    Action,
    LetdownStep,
    clamp_step,
    ends_at,
    is_last,
    move,
    step_at,
    unix_seconds,
)
from bot.services import services_of
from bot.ui.cards import DISCLAIMER, TIP_COLOUR
from bot.ui.replies import edit
from bot.ui.text import escape_mentions
from bot.ui.views import LatchView, run_component

CUSTOM_ID_PREFIX = "latch:letdown"
CUSTOM_ID_TEMPLATE = re.compile(rf"{CUSTOM_ID_PREFIX}:(?P<step>\d{{1,3}}):(?P<action>back|next|done)")

TIME_FIELD = "Suggested time"
TIPS_FIELD = "From the tips"
CLOSING_TITLE = "Well done"
CLOSING_TEXT = (
    "You gave yourself a few calm minutes, and that counts, however this session goes. Some days letdown "
    "comes easily and some days it takes longer; both are common. Be kind to yourself.\n\n"
    "Open any tip again with `/tip` (for example `/tip warmth`), and find people who can help, like "
    "lactation consultants and peer supporters, with `/resources`."
)

BACK_LABEL = "Back"
NEXT_LABEL = "Next"
BEGIN_LABEL = "Begin"
DONE_LABEL = "Done"


def custom_id(step: int, action: Action) -> str:
    return f"{CUSTOM_ID_PREFIX}:{step}:{action}"


def _minutes(step: LetdownStep) -> str:
    return "about 1 minute" if step.minutes == 1 else f"about {step.minutes} minutes"


def _tip_line(tip_id: str, library: ContentLibrary) -> str:
    card = library.get(tip_id)
    title = escape_mentions(card.title) if card is not None else tip_id
    return f"• **{title}**: `/tip {tip_id}`"


def step_embed(
    number: int, *, library: ContentLibrary, now: datetime, routine: Sequence[LetdownStep] = ROUTINE
) -> discord.Embed:
    """Step ``number`` (1-based), its countdown computed from ``now``, naming the tips it comes from."""
    number = clamp_step(number, routine)
    step = step_at(number, routine)
    ends = unix_seconds(ends_at(step, now))
    embed = discord.Embed(
        title=f"Step {number} of {len(routine)}: {step.title}",
        description=step.instruction,
        colour=TIP_COLOUR,
    )
    embed.add_field(name=TIME_FIELD, value=f"{_minutes(step).capitalize()}, until <t:{ends}:t>", inline=False)
    embed.add_field(
        name=TIPS_FIELD, value="\n".join(_tip_line(tip_id, library) for tip_id in step.tips), inline=False
    )
    embed.set_footer(text=DISCLAIMER)
    return embed


def closing_embed() -> discord.Embed:
    embed = discord.Embed(title=CLOSING_TITLE, description=CLOSING_TEXT, colour=TIP_COLOUR)
    embed.set_footer(text=DISCLAIMER)
    return embed


class LetdownButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=CUSTOM_ID_TEMPLATE,
):
    """Back, Next or Done on one step of the routine; the custom_id holds all the state there is."""

    def __init__(
        self,
        step: int,
        action: Action,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or action.capitalize(),
                style=style,
                disabled=disabled,
                custom_id=custom_id(step, action),
            )
        )
        self.step = step
        self.action: Action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> LetdownButton:
        return cls(int(match["step"]), cast(Action, match["action"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "/letdown button", self._advance)

    async def _advance(self, interaction: discord.Interaction[Any]) -> None:
        services = services_of(interaction.client)
        target = move(self.step, self.action)
        if target is None:
            await edit(interaction, content=None, embed=closing_embed(), view=None)
            return
        embed = step_embed(target, library=services.catalog.library, now=services.clock.now())
        await edit(interaction, content=None, embed=embed, view=step_view(target))


def step_view(number: int, routine: Sequence[LetdownStep] = ROUTINE) -> LatchView:
    """Back (disabled on step 1), Next ("Begin" before the last step), Done (the main button at the end)."""
    number = clamp_step(number, routine)
    view = LatchView(timeout=None)
    view.add_item(LetdownButton(number, "back", label=BACK_LABEL, disabled=number == 1))
    if is_last(number, routine):
        view.add_item(LetdownButton(number, "done", label=DONE_LABEL, style=discord.ButtonStyle.success))
    else:
        label = BEGIN_LABEL if is_last(number + 1, routine) else NEXT_LABEL
        view.add_item(LetdownButton(number, "next", label=label, style=discord.ButtonStyle.primary))
        view.add_item(LetdownButton(number, "done", label=DONE_LABEL))
    return view
