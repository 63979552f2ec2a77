"""What reminders look like: the "Time to pump" message with its persistent buttons, and `/pump list`.

The buttons on a reminder are ``DynamicItem``s whose custom_id carries the reminder id and the
occurrence that followed this one (so Skip skips exactly one, however often it is pressed); they work
on messages sent before a restart. Their callbacks ask the Pump cog (``ReminderButtons``) to act.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, runtime_checkable

import discord
from discord.ext import commands

from bot.errors import UserFacingError
from bot.reminders.rules import describe
from bot.ui.cards import TIP_COLOUR, escape_mentions
from bot.ui.views import LatchView, run_component

if TYPE_CHECKING:
    from bot.content.models import Card
    from bot.db.reminders import Delivery, Reminder

PUMP_COG = "Pump"
TITLE = "Time to pump"
LATE_TITLE = "Time to pump (late)"
LIST_TITLE = "Your pumping reminders"
NO_REMINDERS = (
    "You have no reminders yet. Start one with `/pump every interval:3h`, "
    "`/pump at times:06:00, 9:30, 13:00` or `/pump once after:45m`."
)
MAX_OPTION_TEXT = 100
MAX_SELECT_OPTIONS = 25

ButtonAction = Literal["done", "snooze10", "snooze30", "skip", "pause"]
BUTTON_LABELS: dict[ButtonAction, str] = {
    "done": "Done",
    "snooze10": "Snooze 10 min",
    "snooze30": "Snooze 30 min",
    "skip": "Skip",
    "pause": "Pause",
}
SNOOZE_MINUTES: dict[ButtonAction, int] = {"snooze10": 10, "snooze30": 30}

PAUSED_REASONS = {
    "dm_closed": "I couldn't DM you",
    "channel_gone": "its channel is gone",
    "no_access": "I can't post in its channel",
}

ListAction = Literal["pause", "resume", "delete"]


def timestamp(instant: datetime, style: str) -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def when_text(instant: datetime) -> str:
    """ "<t:…:t> (<t:…:R>)": each reader sees their own local time."""
    return f"{timestamp(instant, 't')} ({timestamp(instant, 'R')})"


def _millis(instant: datetime | None) -> str:
    return str(int(instant.timestamp() * 1000)) if instant is not None else "-"


def millis_to_time(text: str) -> datetime | None:
    return None if text == "-" else datetime.fromtimestamp(int(text) / 1000, tz=UTC)


# ------------------------------------------------------------------ the reminder message


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    content: str | None
    embed: discord.Embed
    view: discord.ui.View
    allowed_mentions: discord.AllowedMentions


def tip_for(nonce: str, tips: Sequence[Card]) -> Card | None:
    """One tip per occurrence, the same one if the occurrence is re-sent."""
    if not tips:
        return None
    return tips[zlib.crc32(nonce.encode()) % len(tips)]


def reminder_embed(delivery: Delivery, tip: Card | None) -> discord.Embed:
    embed = discord.Embed(title=LATE_TITLE if delivery.late else TITLE, colour=TIP_COLOUR)
    if delivery.late:
        embed.description = (
            f"This was due at {timestamp(delivery.scheduled_for, 't')}; Latch was offline, so it comes late."
        )
    if tip is not None:
        embed.add_field(
            name=f"Letdown tip: {escape_mentions(tip.title)}"[:256],
            value=escape_mentions(tip.summary)[:1024],
            inline=False,
        )
    footer = describe(delivery.rule, delivery.timezone)
    if delivery.next_fire_at is not None:
        footer += " · Done, snooze, skip the next one, or pause below."
    embed.set_footer(text=footer[:2048])
    return embed


def reminder_buttons(reminder_id: int, next_fire_at: datetime | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in BUTTON_LABELS:
        if action == "skip" and next_fire_at is None:
            continue  # nothing left to skip
        view.add_item(ReminderButton(action, reminder_id, next_fire_at))
    return view


def reminder_message(delivery: Delivery, tips: Sequence[Card]) -> ReminderMessage:
    """The message a delivery sends: in a channel it mentions its owner, and only them."""
    embed = reminder_embed(delivery, tip_for(delivery.nonce, tips))
    view = reminder_buttons(delivery.reminder_id, delivery.next_fire_at)
    if delivery.channel_id is None:
        return ReminderMessage(None, embed, view, discord.AllowedMentions.none())
    owner = discord.Object(delivery.user_id)
    return ReminderMessage(
        f"<@{delivery.user_id}>",
        embed,
        view,
        discord.AllowedMentions(users=[owner], everyone=False, roles=False),
    )


@runtime_checkable
class ReminderButtons(Protocol):
    """What the Pump cog offers the buttons on a reminder."""

    async def press(
        self,
        interaction: discord.Interaction[Any],
        action: ButtonAction,
        reminder_id: int,
        next_fire_at: datetime | None,
    ) -> None: ...


def _actions(interaction: discord.Interaction[Any]) -> ReminderButtons:
    client = interaction.client
    cog = client.get_cog(PUMP_COG) if isinstance(client, commands.Bot) else None
    if not isinstance(cog, ReminderButtons):
        raise RuntimeError(f"the {PUMP_COG} cog is not loaded")
    return cog


REMINDER_BUTTON_PREFIX = "latch:pump:"  # every button on a delivered reminder: prefix, action, id, next


class ReminderButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"latch:pump:(?P<action>done|snooze10|snooze30|skip|pause):(?P<id>[0-9]{1,19}):(?P<next>[0-9]{1,16}|-)",
):
    def __init__(self, action: ButtonAction, reminder_id: int, next_fire_at: datetime | None) -> None:
        style = discord.ButtonStyle.success if action == "done" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=BUTTON_LABELS[action],
                style=style,
                custom_id=f"{REMINDER_BUTTON_PREFIX}{action}:{reminder_id}:{_millis(next_fire_at)}",
            )
        )
        self.action: ButtonAction = action
        self.reminder_id = reminder_id
        self.next_fire_at = next_fire_at

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        action: ButtonAction = match["action"]  # type: ignore[assignment]  # the template allows only these
        return cls(action, int(match["id"]), millis_to_time(match["next"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, f"the reminder {BUTTON_LABELS[self.action]} button", self._press)

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        await _actions(interaction).press(interaction, self.action, self.reminder_id, self.next_fire_at)


def register_reminder_components(bot: discord.Client) -> None:
    """Make the reminder buttons answer, including on messages sent before a restart."""
    bot.add_dynamic_items(ReminderButton)


# ------------------------------------------------------------------ /pump list


def status_text(reminder: Reminder) -> str:
    if reminder.status == "paused":
        reason = PAUSED_REASONS.get(reminder.paused_reason or "")
        return f"⏸ paused ({reason})" if reason else "⏸ paused"
    if reminder.status == "finished":
        return "finished"
    return "active"


def reminder_label(reminder: Reminder) -> str:
    """One line naming a reminder: "#12 every 3 h from 06:00 · Europe/London"."""
    label = f"#{reminder.id} {describe(reminder.rule, reminder.timezone)}"
    if reminder.channel_id is not None:
        label += " · in channel"
    return label


def reminder_line(reminder: Reminder) -> str:
    parts = [status_text(reminder)]
    if reminder.status == "active":
        if reminder.next_fire_at is not None:
            parts.append(f"next {when_text(reminder.next_fire_at)}")
        if reminder.snoozed_until is not None:
            parts.append(f"snoozed until {when_text(reminder.snoozed_until)}")
    if reminder.channel_id is not None:
        parts.append(f"in <#{reminder.channel_id}>")
    return " · ".join(parts)


def reminders_embed(reminders: Sequence[Reminder]) -> discord.Embed:
    embed = discord.Embed(title=LIST_TITLE, colour=TIP_COLOUR)
    for reminder in reminders[:MAX_SELECT_OPTIONS]:
        embed.add_field(
            name=reminder_label(reminder)[:256], value=reminder_line(reminder)[:1024], inline=False
        )
    embed.set_footer(text="Choose a reminder below, then pause, resume or delete it.")
    return embed


OnListAction = Callable[[discord.Interaction[Any], ListAction, int], Awaitable[None]]


class ReminderListView(LatchView):
    """Choose one of your reminders, then Pause / Resume / Delete it (the list message is private)."""

    def __init__(self, owner_id: int, reminders: Sequence[Reminder], on_action: OnListAction) -> None:
        super().__init__(timeout=600)
        self.owner_id = owner_id
        self.on_action = on_action
        self.chosen: int | None = reminders[0].id if len(reminders) == 1 else None
        self.menu: discord.ui.Select[ReminderListView] = discord.ui.Select(
            placeholder="Choose a reminder",
            options=[
                discord.SelectOption(
                    label=reminder_label(reminder)[:MAX_OPTION_TEXT],
                    value=str(reminder.id),
                    description=status_text(reminder)[:MAX_OPTION_TEXT],
                )
                for reminder in reminders[:MAX_SELECT_OPTIONS]
            ],
            min_values=1,
            max_values=1,
        )
        self.menu.callback = self._choose  # type: ignore[method-assign]
        self.add_item(self.menu)
        buttons: tuple[tuple[ListAction, str, discord.ButtonStyle], ...] = (
            ("pause", "Pause", discord.ButtonStyle.secondary),
            ("resume", "Resume", discord.ButtonStyle.success),
            ("delete", "Delete", discord.ButtonStyle.danger),
        )
        for action, label, style in buttons:
            button: discord.ui.Button[ReminderListView] = discord.ui.Button(label=label, style=style, row=1)
            button.callback = self._action_callback(action)  # type: ignore[method-assign,assignment]
            self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id != self.owner_id:
            raise UserFacingError("Only the person who ran /pump list can use these buttons.")
        return True

    async def _choose(self, interaction: discord.Interaction[Any]) -> None:
        self.chosen = int(self.menu.values[0])
        await interaction.response.defer()

    def _action_callback(self, action: ListAction) -> Callable[[discord.Interaction[Any]], Awaitable[None]]:
        async def callback(interaction: discord.Interaction[Any]) -> None:
            if self.chosen is None:
                raise UserFacingError("Choose a reminder from the menu first, then press the button.")
            await self.on_action(interaction, action, self.chosen)

        return callback
