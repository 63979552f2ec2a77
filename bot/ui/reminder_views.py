"""What reminders look like: the "Time to pump" message with its persistent buttons, and `/pump list`.

The buttons on a reminder are ``DynamicItem``s whose custom_id carries the reminder id and the
occurrence that followed this one (so Skip skips exactly one, however often it is pressed); they work
on messages sent before a restart. Each press asks the reminder service and answers privately.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Self

import discord

from bot.content.models import Card
from bot.domain.reminders.model import Delivery, Reminder
from bot.errors import Refusal
from bot.limits import LIST_LIMIT
from bot.reminders.dispatcher import OutgoingMessage
from bot.services import services_of
from bot.ui.cards import TIP_COLOUR
from bot.ui.reminder_text import (
    BUTTONS_FOOTER,
    LAST_ONE,
    LAST_TITLE,
    LATE_TITLE,
    LIST_FOOTER,
    LIST_TITLE,
    MOVE_LABEL,
    NO_REMINDERS,
    SKIPPED_BY_NEXT,
    SKIPPED_TITLE,
    TITLE,
    deleted_text,
    describe,
    done_text,
    late_text,
    moved_text,
    not_paused_text,
    paused_by_button_text,
    paused_text,
    reminder_label,
    reminder_line,
    resumed_text,
    skipped_text,
    snoozed_text,
    status_text,
)
from bot.ui.replies import edit, reply
from bot.ui.text import escape_mentions
from bot.ui.views import LatchView, run_component

MAX_OPTION_TEXT = 100
MAX_SELECT_OPTIONS = LIST_LIMIT

ButtonAction = Literal["done", "snooze10", "snooze30", "skip", "pause"]
BUTTON_LABELS: dict[ButtonAction, str] = {
    "done": "Done",
    "snooze10": "Snooze 10 min",
    "snooze30": "Snooze 30 min",
    "skip": "Skip",
    "pause": "Pause",
}
SNOOZE_MINUTES: dict[ButtonAction, int] = {"snooze10": 10, "snooze30": 30}

ListAction = Literal["pause", "resume", "delete"]

REMINDER_BUTTON_PREFIX = "latch:pump:"  # every button on a delivered reminder: prefix, action, id, next


def _millis(instant: datetime | None) -> str:
    return str(int(instant.timestamp() * 1000)) if instant is not None else "-"


def millis_to_time(text: str) -> datetime | None:
    return None if text == "-" else datetime.fromtimestamp(int(text) / 1000, tz=UTC)


# ------------------------------------------------------------------ the reminder message


def tip_for(nonce: str, tips: Sequence[Card]) -> Card | None:
    """One tip per occurrence, the same one if the occurrence is re-sent."""
    if not tips:
        return None
    return tips[zlib.crc32(nonce.encode()) % len(tips)]


def reminder_embed(delivery: Delivery, tip: Card | None) -> discord.Embed:
    embed = discord.Embed(title=LATE_TITLE if delivery.late else TITLE, colour=TIP_COLOUR)
    if delivery.late:
        embed.description = late_text(delivery.scheduled_for)
    if tip is not None:
        embed.add_field(
            name=f"Letdown tip: {escape_mentions(tip.title)}"[:256],
            value=escape_mentions(tip.summary)[:1024],
            inline=False,
        )
    if delivery.last:
        embed.add_field(name=LAST_TITLE, value=LAST_ONE, inline=False)
    footer = describe(delivery.rule, delivery.timezone)
    if delivery.next_fire_at is not None:
        footer += f" · {BUTTONS_FOOTER}"
    embed.set_footer(text=footer[:2048])
    return embed


def reminder_buttons(reminder_id: int, next_fire_at: datetime | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in BUTTON_LABELS:
        if action == "skip" and next_fire_at is None:
            continue  # nothing left to skip
        view.add_item(ReminderButton(action, reminder_id, next_fire_at))
    return view


def reminder_message(delivery: Delivery, tips: Sequence[Card]) -> OutgoingMessage:
    """The message a delivery sends: in a channel it mentions its owner, and only them."""
    embed = reminder_embed(delivery, tip_for(delivery.nonce, tips))
    view = reminder_buttons(delivery.reminder_id, delivery.next_fire_at)
    if delivery.channel_id is None:
        return OutgoingMessage(None, embed, view, discord.AllowedMentions.none())
    owner = discord.Object(delivery.user_id)
    return OutgoingMessage(
        f"<@{delivery.user_id}>",
        embed,
        view,
        discord.AllowedMentions(users=[owner], everyone=False, roles=False),
    )


def skipped_reminder_message() -> OutgoingMessage:
    """What an unanswered reminder becomes when the next one is sent: marked skipped, buttons off."""
    embed = discord.Embed(title=SKIPPED_TITLE, description=SKIPPED_BY_NEXT, colour=TIP_COLOUR)
    view = discord.ui.View(timeout=None)
    for action, label in BUTTON_LABELS.items():
        view.add_item(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"latch:pump-off:{action}",
                disabled=True,
            )
        )
    return OutgoingMessage(None, embed, view, discord.AllowedMentions.none())


def _custom_ids(message: discord.Message) -> list[str]:
    return [
        child.custom_id
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button) and child.custom_id
    ]


def is_reminder_message(message: discord.Message, reminder_id: int) -> bool:
    """Whether ``message`` carries the buttons of reminder ``reminder_id`` (recovery after a crash)."""
    marker = f":{reminder_id}:"
    return any(
        custom_id.startswith(REMINDER_BUTTON_PREFIX) and marker in custom_id
        for custom_id in _custom_ids(message)
    )


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
        """Only the reminder's owner may press its buttons."""
        service = services_of(interaction.client).reminders
        reminder = await service.owned(interaction.user.id, self.reminder_id, pressed=True)
        if self.action == "done":
            await service.done(interaction.user.id, reminder)
            text = done_text(service.clock.now(), 0)
        elif self.action in SNOOZE_MINUTES:
            text = snoozed_text(await service.snooze(reminder, SNOOZE_MINUTES[self.action]))
        elif self.action == "skip":
            text = skipped_text(await service.skip(reminder, self.next_fire_at))
        else:
            text = paused_by_button_text(await service.pause(reminder))
        if self.action != "done":  # done answered it already
            await service.answered(reminder)
        await reply(interaction, text, ephemeral=True)


# ------------------------------------------------------------------ /pump list


def reminders_embed(reminders: Sequence[Reminder]) -> discord.Embed:
    embed = discord.Embed(title=LIST_TITLE, colour=TIP_COLOUR)
    for reminder in reminders[:MAX_SELECT_OPTIONS]:
        embed.add_field(
            name=reminder_label(reminder)[:256], value=reminder_line(reminder)[:1024], inline=False
        )
    embed.set_footer(text=LIST_FOOTER)
    return embed


async def apply_action(interaction: discord.Interaction[Any], action: ListAction, reminder: Reminder) -> str:
    """Pause, resume or delete one of the member's reminders; what happened, in words."""
    service = services_of(interaction.client).reminders
    if action == "pause":
        return paused_text(reminder, await service.pause(reminder))
    if action == "resume":
        if reminder.status != "paused":
            return not_paused_text(reminder)
        return resumed_text(reminder, await service.resume(reminder))
    await service.delete(reminder)
    return deleted_text(reminder)


class ReminderListView(LatchView):
    """Choose one of your reminders, then Pause / Resume / Delete it (the list message is private)."""

    def __init__(self, owner_id: int, reminders: Sequence[Reminder]) -> None:
        super().__init__(timeout=600)
        self.owner_id = owner_id
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
            raise Refusal("reminder.list_not_yours")
        return True

    async def _choose(self, interaction: discord.Interaction[Any]) -> None:
        self.chosen = int(self.menu.values[0])
        await interaction.response.defer()

    def _action_callback(self, action: ListAction) -> Callable[[discord.Interaction[Any]], Awaitable[None]]:
        async def callback(interaction: discord.Interaction[Any]) -> None:
            if self.chosen is None:
                raise Refusal("reminder.choose_first")
            service = services_of(interaction.client).reminders
            reminder = await service.owned(interaction.user.id, self.chosen)
            text = await apply_action(interaction, action, reminder)
            reminders = await service.mine(interaction.user.id)
            if not reminders:
                await edit(interaction, content=f"{text}\n\n{NO_REMINDERS}", embed=None, view=None)
                return
            await edit(
                interaction,
                content=text,
                embed=reminders_embed(reminders),
                view=ReminderListView(self.owner_id, reminders),
            )

        return callback


class MoveRemindersView(LatchView):
    """Under /pump timezone: move the member's reminders in other zones to the new one."""

    def __init__(self, owner_id: int, zone: str) -> None:
        super().__init__(timeout=600)
        self.owner_id = owner_id
        self.zone = zone
        button: discord.ui.Button[MoveRemindersView] = discord.ui.Button(
            label=MOVE_LABEL.format(zone=zone)[:80], style=discord.ButtonStyle.primary
        )
        button.callback = self._move  # type: ignore[method-assign]
        self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id != self.owner_id:
            raise Refusal("reminder.move_not_yours")
        return True

    async def _move(self, interaction: discord.Interaction[Any]) -> None:
        service = services_of(interaction.client).reminders
        moved, kept = await service.move_to_zone(self.owner_id, self.zone)
        self.stop()
        await edit(interaction, content=moved_text(moved, self.zone, kept), view=None)
