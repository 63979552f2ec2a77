"""Sharing a reminder with a caregiver, by consent: invite, accept or decline, stop, and Done for both.

The owner invites one person per reminder (`/pump share invite`); the cog then DMs them an invitation
and, when that DM cannot be sent, withdraws it, so nothing is kept. Only once the person accepts does
the reminder dispatcher send them a copy of each nudge (`bot.reminders.dispatcher`). Either person can
stop the share at any time; Done on a copy marks the owner's session, as the owner's own Done would.

What is stored is declared with the reminders (``REMINDER_DATA`` in `bot.domain.privacy`): the pair of
ids, the reminder, nights_only and the consent time; and for a day, who declined whom.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.db.database import Database
from bot.db.shares import ShareRepository
from bot.domain.reminders.model import Reminder
from bot.domain.reminders.sharing import Share, decline_cutoff, invitations_blocked_until
from bot.errors import Refusal
from bot.reminders.service import ReminderService


@dataclass(frozen=True, slots=True)
class SharedReminder:
    share: Share
    reminder: Reminder


class ShareService:
    def __init__(self, database: Database, clock: Clock, reminders: ReminderService) -> None:
        self.shares = ShareRepository(database)
        self.clock = clock
        self.reminders = reminders

    async def invite(
        self, owner_id: int, reminder_id: int, caregiver_id: int, *, caregiver_is_bot: bool, nights_only: bool
    ) -> SharedReminder:
        """Store an invitation for ``caregiver_id`` to receive the owner's reminder too. The caller
        sends it, and calls `withdraw` when it cannot be delivered."""
        if caregiver_is_bot:
            raise Refusal("share.bot")
        if caregiver_id == owner_id:
            raise Refusal("share.self")
        try:
            reminder = await self.reminders.owned(owner_id, reminder_id)
        except Refusal as refusal:
            raise Refusal("share.not_yours", reminder=reminder_id) from refusal
        if reminder.status == "finished":
            raise Refusal("share.finished", reminder=reminder_id)
        existing = await self.shares.get(reminder_id)
        if existing is not None:
            code = "share.already_shared" if existing.accepted else "share.already_invited"
            raise Refusal(code, reminder=reminder_id, caregiver=existing.caregiver_id)
        now = self.clock.now()
        declines = await self.shares.declines(owner_id, caregiver_id, since=decline_cutoff(now))
        blocked_until = invitations_blocked_until(declines, now)
        if blocked_until is not None:
            raise Refusal("share.declined_twice", again_at=blocked_until)
        if not await self.shares.invite(reminder_id, owner_id, caregiver_id, nights_only=nights_only):
            raise Refusal("share.not_yours", reminder=reminder_id)  # deleted meanwhile
        share = Share(reminder_id, owner_id, caregiver_id, nights_only, consented_at=None)
        return SharedReminder(share, reminder)

    async def withdraw(self, share: Share) -> None:
        """The invitation could not be delivered: forget it."""
        await self.shares.remove(share.reminder_id, user_id=share.owner_id)

    async def _open_invitation(self, caregiver_id: int, reminder_id: int, owner_id: int) -> Share:
        share = await self.shares.get(reminder_id)
        if share is None or share.caregiver_id != caregiver_id or share.owner_id != owner_id:
            raise Refusal("share.invite_gone")
        return share

    async def accept(self, caregiver_id: int, reminder_id: int, owner_id: int) -> SharedReminder:
        """The invited person accepts (again: nothing changes)."""
        share = await self._open_invitation(caregiver_id, reminder_id, owner_id)
        if not share.accepted:
            now = self.clock.now()
            if not await self.shares.accept(reminder_id, caregiver_id, now=now):
                raise Refusal("share.invite_gone")
            share = Share(reminder_id, owner_id, caregiver_id, share.nights_only, consented_at=now)
        reminder = await self.reminders.owned(owner_id, reminder_id, pressed=True)
        return SharedReminder(share, reminder)

    async def decline(self, caregiver_id: int, reminder_id: int, owner_id: int) -> Share:
        """The invited person declines an invitation they have not accepted."""
        share = await self._open_invitation(caregiver_id, reminder_id, owner_id)
        if share.accepted:
            raise Refusal("share.already_accepted")
        now = self.clock.now()
        if not await self.shares.decline(
            reminder_id, caregiver_id, now=now, forget_before=decline_cutoff(now)
        ):
            raise Refusal("share.invite_gone")
        return share

    async def stop(self, user_id: int, reminder_id: int) -> Share:
        """Either person ends the share (an invitation not yet answered too)."""
        share = await self.shares.get(reminder_id)
        if share is None or not share.names(user_id):
            raise Refusal("share.not_shared")
        if not await self.shares.remove(reminder_id, user_id=user_id):
            raise Refusal("share.not_shared")
        return share

    async def stop_copies(self, caregiver_id: int, reminder_id: int) -> Share:
        """The caregiver's Stop sharing button on a copy they received."""
        share = await self.shares.get(reminder_id)
        if share is None or share.caregiver_id != caregiver_id:
            raise Refusal("share.stopped")
        await self.shares.remove(reminder_id, user_id=caregiver_id)
        return share

    async def done_for_owner(self, caregiver_id: int, reminder_id: int) -> Share:
        """Done on a caregiver's copy: the owner's session is marked done, and their reminder answered."""
        share = await self.shares.get(reminder_id)
        if share is None or share.caregiver_id != caregiver_id or not share.accepted:
            raise Refusal("share.stopped")
        reminder = await self.reminders.owned(share.owner_id, reminder_id, pressed=True)
        await self.reminders.done(share.owner_id, reminder)
        return share

    async def involving(self, user_id: int) -> list[Share]:
        """The shares the member owns or receives (invitations included)."""
        return await self.shares.involving(user_id)

    async def forget_old_declines(self) -> int:
        """Declines are kept a day; the daily retention job forgets older ones."""
        return await self.shares.forget_declines(decline_cutoff(self.clock.now()))
