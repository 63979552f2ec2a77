"""The rules of a reminder shared with a caregiver: which nudges are copied, the copy's nonce, and when
two declines stop new invitations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.reminders.model import delivery_nonce
from bot.domain.reminders.sharing import (
    Share,
    copied_to_caregiver,
    copy_nonce,
    invitations_blocked_until,
)

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def share(*, accepted: bool = True, nights_only: bool = False) -> Share:
    return Share(1, 10, 20, nights_only, NOW if accepted else None)


def test_only_an_accepted_share_gets_copies() -> None:
    assert copied_to_caregiver(share(), NOW, "UTC")
    assert not copied_to_caregiver(share(accepted=False), NOW, "UTC")


def test_nights_only_reads_the_local_time_in_the_reminders_zone_across_a_clock_change() -> None:
    nights = share(nights_only=True)
    # London moved to BST at 01:00 UTC on 2026-03-29: 05:30 UTC is 06:30 local, no longer night.
    assert copied_to_caregiver(nights, datetime(2026, 3, 29, 4, 30, tzinfo=UTC), "Europe/London")
    assert not copied_to_caregiver(nights, datetime(2026, 3, 29, 5, 30, tzinfo=UTC), "Europe/London")
    assert copied_to_caregiver(nights, datetime(2026, 3, 28, 22, 0, tzinfo=UTC), "Europe/London")
    assert not copied_to_caregiver(nights, datetime(2026, 3, 28, 21, 59, tzinfo=UTC), "Europe/London")


def test_the_copys_nonce_differs_from_the_owners_and_fits_discord() -> None:
    for reminder_id in (1, 36**6, 36**13 - 1):
        nonce = delivery_nonce(reminder_id, NOW)
        assert copy_nonce(nonce) != nonce and len(copy_nonce(nonce)) <= 25
        assert copy_nonce(nonce) == copy_nonce(nonce)


def test_two_declines_within_a_day_block_until_the_older_is_a_day_old() -> None:
    assert invitations_blocked_until([], NOW) is None
    assert invitations_blocked_until([NOW - timedelta(hours=1)], NOW) is None
    older, newer = NOW - timedelta(hours=5), NOW - timedelta(hours=1)
    assert invitations_blocked_until([older, newer], NOW) == older + timedelta(hours=24)
    stale = NOW - timedelta(hours=25)
    assert invitations_blocked_until([stale, newer], NOW) is None
