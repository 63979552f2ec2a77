"""A reminder shared with a caregiver, by consent: the record and its rules.

The owner invites one person per reminder; the invitation waits (``consented_at`` None) until that
person accepts, and only then do they receive copies of the reminder's nudges. ``nights_only`` copies
only the nudges whose time, in the reminder's own zone, is in the night window (22:00 to 06:00). Two
declines within a day stop further invitations from the same owner to the same person until the older
of those two declines is a day old, so an invitation cannot be used to pester.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.reminders.model import DailyWindow

NIGHTS = DailyWindow(time(22, 0), time(6, 0))  # nights_only: the local times whose nudges are copied
DECLINE_MEMORY = timedelta(hours=24)  # how long a decline is kept
DECLINES_BEFORE_BLOCK = 2  # declines within DECLINE_MEMORY that stop new invitations


@dataclass(frozen=True, slots=True)
class Share:
    reminder_id: int
    owner_id: int
    caregiver_id: int
    nights_only: bool
    consented_at: datetime | None  # None: invited, not accepted yet

    @property
    def accepted(self) -> bool:
        return self.consented_at is not None

    def names(self, user_id: int) -> bool:
        return user_id in (self.owner_id, self.caregiver_id)


def copied_to_caregiver(share: Share, scheduled_for: datetime, zone: str) -> bool:
    """Whether the caregiver receives the nudge of the occurrence ``scheduled_for``."""
    if not share.accepted:
        return False
    if not share.nights_only:
        return True
    local = scheduled_for.astimezone(ZoneInfo(zone)).time()
    return NIGHTS.contains(local)


def invitations_blocked_until(declines: Iterable[datetime], now: datetime) -> datetime | None:
    """When the owner may invite this person again after their recent declines (None: now)."""
    recent = sorted((when for when in declines if now - when < DECLINE_MEMORY), reverse=True)
    if len(recent) < DECLINES_BEFORE_BLOCK:
        return None
    return recent[DECLINES_BEFORE_BLOCK - 1] + DECLINE_MEMORY


def decline_cutoff(now: datetime) -> datetime:
    """Declines older than this are forgotten."""
    return now - DECLINE_MEMORY


def copy_nonce(nonce: str) -> str:
    """The nonce of the caregiver's copy of a delivery: the owner's ("p…") with "c" in place of its
    first letter, so the two always differ and the copy's fits in 25 characters too."""
    return "c" + nonce[1:]
