"""What `/pump` and the reminder buttons do, between the cog (Discord) and the repository (SQL).

Every change that makes a reminder fire earlier (create, resume, snooze, done) tells the dispatcher,
so its one wake-up job moves. Refusals are `UserFacingError`s saying what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db.database import Database
from bot.db.reminders import (
    NewReminder,
    Reminder,
    ReminderLimitError,
    ReminderRepository,
)
from bot.errors import UserFacingError
from bot.reminders.engine import ReminderDispatcher, next_occurrence
from bot.reminders.rules import Rule, next_fire

DEFAULT_ZONE = "UTC"

NOTICES = {
    "dm_closed": (
        "⚠️ I couldn't send you a reminder by direct message, so I paused it. To allow DMs from Latch: "
        "open the server's menu → **Privacy Settings** → turn on **Direct Messages** "
        "(Server → Privacy Settings → Direct Messages). Then run `/pump resume`."
    ),
    "channel_gone": (
        "⚠️ The channel one of your reminders posted in is gone, so I paused it. Delete it with "
        "`/pump delete` and create it again, or `/pump resume` it."
    ),
    "no_access": (
        "⚠️ I can't post in the channel one of your reminders uses, so I paused it. Ask a moderator to "
        "let Latch post there, then `/pump resume`, or recreate it with `deliver:dm`."
    ),
}

NOT_FOUND = "No reminder of yours matches that. Choose one from the list as you type, or run `/pump list`."
NOT_YOURS = "This reminder belongs to someone else, so only they can use its buttons."
GONE = "This reminder has been deleted."


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    defaulted: bool  # no zone given and none set: UTC was used


class ReminderService:
    def __init__(self, database: Database, clock: Clock, dispatcher: ReminderDispatcher | None) -> None:
        self.repository = ReminderRepository(database)
        self.clock = clock
        self.dispatcher = dispatcher

    def _wake(self, when: datetime | None) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake_at(when)

    async def zone_for(self, user_id: int, chosen: str | None) -> Zone:
        if chosen is not None:
            return Zone(chosen, defaulted=False)
        saved = (await self.repository.user(user_id)).timezone
        return Zone(saved, defaulted=False) if saved else Zone(DEFAULT_ZONE, defaulted=True)

    async def notice(self, user_id: int) -> str | None:
        """The one-time notice about a paused reminder, cleared as it is read."""
        reason = await self.repository.take_notice(user_id, now=self.clock.now())
        return NOTICES.get(reason, NOTICES["dm_closed"]) if reason is not None else None

    async def create(
        self, *, user_id: int, guild_id: int | None, channel_id: int | None, rule: Rule, zone: str
    ) -> Reminder:
        now = self.clock.now()
        first = next_fire(rule, zone, now, since=now)
        if first is None:
            raise UserFacingError("That time has already passed. Use a duration from 1m to 7d, e.g. `45m`.")
        new = NewReminder(user_id, guild_id, channel_id, rule, zone, first)
        try:
            reminder_id = await self.repository.create(new, now=now)
        except ReminderLimitError as error:
            raise UserFacingError(str(error)) from error
        self._wake(first)
        reminder = await self.repository.get(reminder_id)
        if reminder is None:
            raise UserFacingError("That reminder was deleted while it was being created.")
        return reminder

    async def mine(self, user_id: int) -> list[Reminder]:
        return await self.repository.for_user(user_id)

    async def owned(self, user_id: int, reminder_id: int, *, refusal: str = NOT_FOUND) -> Reminder:
        reminder = await self.repository.get(reminder_id)
        if reminder is None:
            raise UserFacingError(GONE if refusal == NOT_YOURS else NOT_FOUND)
        if reminder.user_id != user_id:
            raise UserFacingError(refusal)
        return reminder

    async def pause(self, reminder: Reminder) -> bool:
        return await self.repository.pause(reminder.id, now=self.clock.now())

    async def resume(self, reminder: Reminder) -> datetime | None:
        """Resume a paused reminder; returns its next time (None: a one-off already past, finished)."""
        now = self.clock.now()
        last_done = (await self.repository.user(reminder.user_id)).last_done_at
        upcoming = next_occurrence(reminder, last_done, now)
        try:
            await self.repository.resume(reminder.id, next_fire_at=upcoming, now=now)
        except ReminderLimitError as error:
            raise UserFacingError(str(error)) from error
        self._wake(upcoming)
        return upcoming

    async def delete(self, reminder: Reminder) -> bool:
        return await self.repository.delete(reminder.id)

    async def snooze(self, reminder: Reminder, minutes: int) -> datetime:
        if reminder.status == "paused":
            raise UserFacingError("This reminder is paused. Resume it with `/pump resume` first.")
        until = self.clock.now() + timedelta(minutes=minutes)
        if not await self.repository.snooze(reminder.id, until=until, now=self.clock.now()):
            raise UserFacingError(GONE)
        self._wake(until)
        return until

    async def skip(self, reminder: Reminder, expected: datetime | None) -> datetime | None:
        """Skip the occurrence after the one delivered (``expected``); returns the new next time."""
        if reminder.status != "active" or expected is None or reminder.next_fire_at != expected:
            raise UserFacingError(
                "That occurrence is already skipped or past. `/pump list` shows the next one."
            )
        now = self.clock.now()
        upcoming = next_fire(reminder.rule, reminder.timezone, expected, since=expected)
        if not await self.repository.move_next(
            reminder.id, expected=expected, next_fire_at=upcoming, now=now
        ):
            raise UserFacingError("That occurrence is already skipped or past.")
        return upcoming

    async def done(self, user_id: int, reminder: Reminder | None = None) -> int:
        """Record a session done now; since-last reminders restart from now. Returns how many did."""
        now = self.clock.now()
        if reminder is not None and reminder.snoozed_until is not None:
            await self.repository.clear_snooze(reminder.id, now=now)
        restarted = await self.repository.record_done(user_id, now=now, next_occurrence=next_occurrence)
        if restarted:
            self._wake(await self.repository.earliest_due())
        return restarted

    async def set_zone(self, user_id: int, zone: str) -> None:
        await self.repository.set_timezone(user_id, zone, now=self.clock.now())
