"""What `/pump` and the reminder buttons do, between the cog (Discord) and the repositories (SQL).

Every change that makes a reminder fire earlier (create, resume, snooze, done) tells the dispatcher,
so its one wake-up moves. Refusals are `Refusal`s whose codes `bot.ui.messages` words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.clock import Clock
from bot.curation.service import CurationService
from bot.db.database import Database
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.domain.privacy import REMINDER_DATA, UserData
from bot.domain.reminders.building import first_fire
from bot.domain.reminders.editing import RuleChanges, edit_rule
from bot.domain.reminders.model import NewReminder, PumpUser, Reminder, Rule
from bot.domain.reminders.schedule import next_fire, next_fires
from bot.errors import Refusal

DEFAULT_ZONE = "UTC"


class Keep(Enum):
    """A value an edit leaves as it is (where None is itself a value: delivery by DM)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Wakeups(Protocol):
    """What the service tells the dispatcher (the bot's background work)."""

    def wake_at(self, when: datetime | None) -> None: ...

    def forget_user(self, user_id: int) -> None: ...

    async def arm(self) -> None: ...


class NoWakeups:
    """For a service used without a dispatcher (tools, tests of storage)."""

    def wake_at(self, when: datetime | None) -> None:
        return None

    def forget_user(self, user_id: int) -> None:
        return None

    async def arm(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    defaulted: bool  # no zone given and none set: UTC was used


def next_occurrence(reminder: Reminder, last_done_at: datetime | None, now: datetime) -> datetime | None:
    """The reminder's first occurrence strictly after ``now``."""
    since = reminder.counting_from(last_done_at) if reminder.since_last else None
    return next_fire(reminder.rule, reminder.timezone, now, since=since, fired_count=reminder.fired_count)


class ReminderService:
    user_data: tuple[UserData, ...] = REMINDER_DATA

    def __init__(
        self, database: Database, clock: Clock, curation: CurationService, wakeups: Wakeups | None = None
    ) -> None:
        self.reminders = ReminderRepository(database)
        self.users = PumpUserRepository(database)
        self.clock = clock
        self.curation = curation
        self.wakeups: Wakeups = wakeups or NoWakeups()

    async def user(self, user_id: int) -> PumpUser:
        return await self.users.user(user_id)

    async def zone_for(self, user_id: int, chosen: str | None) -> Zone:
        if chosen is not None:
            return Zone(chosen, defaulted=False)
        saved = (await self.users.user(user_id)).timezone
        return Zone(saved, defaulted=False) if saved else Zone(DEFAULT_ZONE, defaulted=True)

    async def notice(self, user_id: int) -> str | None:
        """Why a reminder of theirs was paused (a PauseReason), once: it is cleared as it is read."""
        return await self.users.take_notice(user_id, now=self.clock.now())

    async def channel_allowed(self, guild_id: int | None, channel_id: int | None) -> int:
        """The channel a reminder may be delivered in; a Refusal outside a server or where the server
        does not allow it."""
        if guild_id is None or channel_id is None:
            raise Refusal("reminder.channel_needs_server")
        if not (await self.curation.settings(guild_id)).allow_channel_reminders:
            raise Refusal("reminder.channel_not_allowed")
        return channel_id

    async def create(
        self, *, user_id: int, guild_id: int | None, channel_id: int | None, rule: Rule, zone: str
    ) -> Reminder:
        now = self.clock.now()
        first = first_fire(rule, zone, now, since=now)  # a refusal when it would never fire
        new = NewReminder(user_id, guild_id, channel_id, rule, zone, first)
        reminder_id = await self.reminders.create(new, now=now)  # ReminderLimit past the limits
        self.wakeups.wake_at(first)
        reminder = await self.reminders.get(reminder_id)
        if reminder is None:
            raise Refusal("reminder.gone")
        return reminder

    async def mine(self, user_id: int) -> list[Reminder]:
        return await self.reminders.for_user(user_id)

    async def owned(self, user_id: int, reminder_id: int, *, pressed: bool = False) -> Reminder:
        """The member's own reminder; a Refusal for someone else's (``pressed``: a button on it) or one
        that is gone."""
        reminder = await self.reminders.get(reminder_id)
        if reminder is None:
            raise Refusal("reminder.gone" if pressed else "reminder.not_found")
        if reminder.user_id != user_id:
            raise Refusal("reminder.not_yours" if pressed else "reminder.not_found")
        return reminder

    async def pause(self, reminder: Reminder) -> bool:
        return await self.reminders.pause(reminder.id, now=self.clock.now())

    async def answered(self, reminder: Reminder) -> None:
        """A button on the reminder's message was pressed: it is not left unanswered."""
        await self.reminders.mark_answered(reminder.id)

    async def resume(self, reminder: Reminder) -> datetime | None:
        """Resume a paused reminder; returns its next time (None: a one-off already past, finished)."""
        now = self.clock.now()
        last_done = (await self.users.user(reminder.user_id)).last_done_at
        upcoming = next_occurrence(reminder, last_done, now)
        await self.reminders.resume(reminder.id, next_fire_at=upcoming, now=now)  # ReminderLimit when full
        self.wakeups.wake_at(upcoming)
        return upcoming

    async def delete(self, reminder: Reminder) -> bool:
        return await self.reminders.delete(reminder.id)

    async def snooze(self, reminder: Reminder, minutes: int) -> datetime:
        if reminder.status == "paused":
            raise Refusal("reminder.snooze_paused")
        until = self.clock.now() + timedelta(minutes=minutes)
        if not await self.reminders.snooze(reminder.id, until=until, now=self.clock.now()):
            raise Refusal("reminder.gone")
        self.wakeups.wake_at(until)
        return until

    async def skip(self, reminder: Reminder, expected: datetime | None) -> datetime | None:
        """Skip the occurrence after the one delivered (``expected``); returns the new next time."""
        if reminder.status != "active" or expected is None or reminder.next_fire_at != expected:
            raise Refusal("reminder.skip_past")
        now = self.clock.now()
        upcoming = next_fire(
            reminder.rule, reminder.timezone, expected, since=expected, fired_count=reminder.fired_count
        )
        if not await self.reminders.move_next(reminder.id, expected=expected, next_fire_at=upcoming, now=now):
            raise Refusal("reminder.skip_past")
        return upcoming

    async def done(self, user_id: int, reminder: Reminder | None = None) -> int:
        """Record a session done now; since-last reminders restart from now. Returns how many did."""
        now = self.clock.now()
        if reminder is not None and reminder.snoozed_until is not None:
            await self.reminders.clear_snooze(reminder.id, now=now)
        if reminder is None:
            await self.reminders.mark_all_answered(user_id)
        else:
            await self.reminders.mark_answered(reminder.id)
        restarted = await self.reminders.record_done(user_id, now=now, next_occurrence=next_occurrence)
        if restarted:
            await self.wakeups.arm()
        return restarted

    async def set_zone(self, user_id: int, zone: str) -> None:
        await self.users.set_timezone(user_id, zone, now=self.clock.now())

    async def _since(self, reminder: Reminder) -> datetime:
        """Where the reminder counts from (a since-last rule's last session, fire or creation)."""
        return reminder.counting_from((await self.users.user(reminder.user_id)).last_done_at)

    async def upcoming(self, reminder: Reminder, n: int = 3) -> tuple[datetime, ...]:
        """The reminder's next ``n`` fires from now, each one delivered (fewer when it ends first)."""
        since = await self._since(reminder)
        now = self.clock.now()
        rule, zone, fired = reminder.rule, reminder.timezone, reminder.fired_count
        fires = next_fires(rule, zone, now, n, since=since, fired_count=fired)
        if reminder.status == "active" and reminder.next_fire_at is not None and fires:
            fires = (reminder.next_fire_at, *fires[1:])  # the stored next fire is the one that comes
        return fires

    async def edit(
        self, reminder: Reminder, changes: RuleChanges | None, *, channel_id: int | Keep | None = KEEP
    ) -> Reminder:
        """Change a reminder's schedule, zone or delivery, keeping its id; a Refusal as creating it would
        be. ``changes`` None: only the delivery changes."""
        if reminder.status == "finished":
            raise Refusal("reminder.edit_finished")
        now = self.clock.now()
        rule, zone = reminder.rule, reminder.timezone
        since = await self._since(reminder)
        if changes is not None:
            edited = edit_rule(rule, zone, changes, now=now, since=since, fired_count=reminder.fired_count)
            rule, zone = edited.rule, edited.zone
        elif isinstance(channel_id, Keep):
            raise Refusal("reminder.edit_nothing")
        first = first_fire(rule, zone, now, since=since, fired_count=reminder.fired_count)
        new_channel = reminder.channel_id if isinstance(channel_id, Keep) else channel_id
        if not await self.reminders.change(
            reminder.id, rule=rule, zone=zone, channel_id=new_channel, next_fire_at=first, now=now
        ):
            raise Refusal("reminder.gone")
        self.wakeups.wake_at(first)
        await self.wakeups.arm()  # an edit may make it fire later: the wake-up moves from the database
        changed = await self.reminders.get(reminder.id)
        if changed is None:
            raise Refusal("reminder.gone")
        return changed

    async def move_to_zone(self, user_id: int, zone: str) -> tuple[list[Reminder], int]:
        """Move the member's reminders to ``zone`` (their wall times stay: 07:00 stays 07:00 there);
        returns those moved, and how many kept their zone because they would have no time left there."""
        moved: list[Reminder] = []
        kept = 0
        for reminder in await self.reminders.for_user(user_id):
            if reminder.timezone == zone:
                continue
            try:
                moved.append(await self.edit(reminder, RuleChanges(zone=zone)))
            except Refusal:
                kept += 1
        return moved, kept

    # ------------------------------------------------------------------ privacy

    async def forget_user(self, user_id: int) -> None:
        """The member's reminders were erased: the dispatcher drops what it holds and re-arms."""
        self.wakeups.forget_user(user_id)
        await self.wakeups.arm()

    async def forget_server(self, guild_id: int) -> None:
        await self.wakeups.arm()
