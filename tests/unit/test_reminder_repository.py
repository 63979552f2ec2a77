"""The reminder repositories on a real migrated SQLite file: limits, claims, recovery, failures, nonces."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.db.database import Database
from bot.db.deliveries import DeliveryRepository
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.domain.reminders.model import (
    MAX_ACTIVE_PER_USER,
    AtRule,
    Ends,
    EveryRule,
    NewReminder,
    OnceRule,
    ReminderLimit,
    SentMessage,
    delivery_nonce,
)
from bot.reminders.dispatcher import GRACE, LATE_AFTER
from bot.reminders.service import next_occurrence

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
EVERY_HOUR = EveryRule(interval=timedelta(hours=1), anchor=time(0))


@dataclass(frozen=True)
class Store:
    """The three reminder repositories over one migrated database."""

    reminders: ReminderRepository
    deliveries: DeliveryRepository
    users: PumpUserRepository


@pytest.fixture
def repository(any_database: Database) -> Store:
    return Store(
        ReminderRepository(any_database), DeliveryRepository(any_database), PumpUserRepository(any_database)
    )


def every_hour(user_id: int = 1, *, first: datetime = NOW + timedelta(hours=1)) -> NewReminder:
    return NewReminder(user_id, None, None, EVERY_HOUR, "UTC", first)


async def claim(repository: Store, now: datetime) -> tuple[list, int]:  # type: ignore[type-arg]
    return await repository.deliveries.claim_due(
        now, limit=100, grace=GRACE, late_after=LATE_AFTER, next_occurrence=next_occurrence
    )


async def test_create_stores_the_rule_and_reads_it_back(repository: Store) -> None:
    rule = AtRule((time(6), time(13, 30)))
    reminder_id = await repository.reminders.create(
        NewReminder(7, 99, None, rule, "Europe/London", NOW + timedelta(hours=1)), now=NOW
    )

    stored = await repository.reminders.get(reminder_id)
    assert stored is not None
    assert (stored.user_id, stored.guild_id, stored.channel_id) == (7, 99, None)
    assert stored.rule == rule and stored.kind == "at" and stored.timezone == "Europe/London"
    assert stored.status == "active" and stored.next_fire_at == NOW + timedelta(hours=1)


async def test_the_limit_holds_even_for_concurrent_creates(repository: Store) -> None:
    results = await asyncio.gather(
        *(repository.reminders.create(every_hour(), now=NOW) for _ in range(MAX_ACTIVE_PER_USER + 5)),
        return_exceptions=True,
    )

    refused = [result for result in results if isinstance(result, ReminderLimit)]
    assert len(refused) == 5
    assert len(await repository.reminders.for_user(1)) == MAX_ACTIVE_PER_USER
    await repository.reminders.create(every_hour(user_id=2), now=NOW)  # per person


async def test_resume_respects_the_limit(repository: Store) -> None:
    first = await repository.reminders.create(every_hour(), now=NOW)
    await repository.reminders.pause(first, now=NOW)
    for _ in range(MAX_ACTIVE_PER_USER):
        await repository.reminders.create(every_hour(), now=NOW)

    with pytest.raises(ReminderLimit):
        await repository.reminders.resume(first, next_fire_at=NOW + timedelta(hours=1), now=NOW)
    stored = await repository.reminders.get(first)
    assert stored is not None and stored.status == "paused"


async def test_a_due_reminder_is_claimed_once_and_moved_to_its_next_occurrence(
    repository: Store,
) -> None:
    reminder_id = await repository.reminders.create(every_hour(), now=NOW)
    due = NOW + timedelta(hours=1)

    claimed, skipped = await claim(repository, due)
    again, _ = await claim(repository, due)

    assert skipped == 0 and again == []
    [delivery] = claimed
    assert delivery.scheduled_for == due and not delivery.late
    assert delivery.next_fire_at == due + timedelta(hours=1)
    stored = await repository.reminders.get(reminder_id)
    assert stored is not None and stored.next_fire_at == due + timedelta(hours=1)
    assert [record["state"] for record in await repository.deliveries.deliveries(reminder_id)] == ["sending"]


async def test_after_downtime_a_recent_miss_is_late_and_an_old_one_is_skipped(
    repository: Store,
) -> None:
    recent = await repository.reminders.create(
        every_hour(first=NOW - timedelta(minutes=10)), now=NOW - timedelta(days=1)
    )
    old = await repository.reminders.create(
        every_hour(first=NOW - timedelta(hours=5)), now=NOW - timedelta(days=1)
    )

    claimed, skipped = await claim(repository, NOW)

    assert skipped == 1
    [delivery] = claimed
    assert delivery.reminder_id == recent and delivery.late
    for reminder_id in (recent, old):
        stored = await repository.reminders.get(reminder_id)
        assert stored is not None and stored.next_fire_at is not None and stored.next_fire_at > NOW


async def test_a_once_reminder_finishes_after_its_claim(repository: Store) -> None:
    at = NOW + timedelta(minutes=45)
    reminder_id = await repository.reminders.create(
        NewReminder(1, None, None, OnceRule(at), "UTC", at), now=NOW
    )

    [delivery], _ = await claim(repository, at)

    assert delivery.next_fire_at is None
    stored = await repository.reminders.get(reminder_id)
    assert stored is not None and stored.status == "finished"


async def test_a_snooze_is_a_one_off_claim(repository: Store) -> None:
    reminder_id = await repository.reminders.create(every_hour(), now=NOW)
    until = NOW + timedelta(minutes=10)
    assert await repository.reminders.snooze(reminder_id, until=until, now=NOW)
    assert await repository.deliveries.earliest_due() == until

    [delivery], _ = await claim(repository, until)

    assert delivery.scheduled_for == until
    stored = await repository.reminders.get(reminder_id)
    assert stored is not None and stored.snoozed_until is None
    assert stored.next_fire_at == NOW + timedelta(hours=1)


async def test_recovery_resends_recent_claims_and_skips_stale_ones(repository: Store) -> None:
    recent = await repository.reminders.create(every_hour(first=NOW), now=NOW - timedelta(hours=2))
    stale = await repository.reminders.create(
        every_hour(first=NOW - timedelta(minutes=20)), now=NOW - timedelta(hours=2)
    )
    await claim(repository, NOW)

    resend, skipped = await repository.deliveries.recover_sending(
        NOW + timedelta(minutes=15), grace=GRACE, late_after=LATE_AFTER
    )

    assert skipped == 1
    assert [delivery.reminder_id for delivery in resend] == [recent]
    assert resend[0].nonce == delivery_nonce(recent, NOW) and resend[0].late
    assert [record["state"] for record in await repository.deliveries.deliveries(stale)] == ["skipped"]


async def test_a_closed_dm_pauses_the_reminder_and_leaves_a_notice_read_once(
    repository: Store,
) -> None:
    reminder_id = await repository.reminders.create(every_hour(first=NOW), now=NOW)
    [delivery], _ = await claim(repository, NOW)

    await repository.deliveries.mark_failed(delivery, attempts=1, now=NOW, pause_reason="dm_closed")

    stored = await repository.reminders.get(reminder_id)
    assert stored is not None and (stored.status, stored.paused_reason) == ("paused", "dm_closed")
    assert await repository.users.take_notice(1, now=NOW) == "dm_closed"
    assert await repository.users.take_notice(1, now=NOW) is None


async def test_done_stores_only_the_time_and_restarts_since_last_reminders(
    repository: Store,
) -> None:
    rule = EveryRule(interval=timedelta(hours=2), anchor=time(0), since_last=True)
    since_last = await repository.reminders.create(
        NewReminder(1, None, None, rule, "UTC", NOW + timedelta(hours=2)), now=NOW
    )
    grid = await repository.reminders.create(every_hour(), now=NOW)
    done_at = NOW + timedelta(hours=1, minutes=30)

    restarted = await repository.reminders.record_done(1, now=done_at, next_occurrence=next_occurrence)

    assert restarted == 1
    user = await repository.users.user(1)
    assert user.last_done_at == done_at
    moved, kept = await repository.reminders.get(since_last), await repository.reminders.get(grid)
    assert moved is not None and moved.next_fire_at == done_at + timedelta(hours=2)
    assert kept is not None and kept.next_fire_at == NOW + timedelta(hours=1)


@given(
    reminder_id=st.integers(min_value=1, max_value=36**8),
    scheduled=st.datetimes(
        # hypothesis takes naive bounds and attaches the zone itself
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_nonces_are_short_and_deterministic(reminder_id: int, scheduled: datetime) -> None:
    nonce = delivery_nonce(reminder_id, scheduled)
    assert 1 <= len(nonce) <= 25
    assert nonce == delivery_nonce(reminder_id, scheduled)
    assert nonce != delivery_nonce(reminder_id + 1, scheduled)
    assert nonce != delivery_nonce(reminder_id, scheduled + timedelta(milliseconds=1))


async def test_a_count_counts_only_occurrences_sent_and_the_last_is_marked(repository: Store) -> None:
    rule = EveryRule(interval=timedelta(hours=1), anchor=time(0), ends=Ends(count=2))
    reminder_id = await repository.reminders.create(
        NewReminder(1, None, None, rule, "UTC", NOW + timedelta(hours=1)), now=NOW
    )

    # Offline for two hours: the first occurrence is missed by more than the grace, skipped, not counted.
    claimed, skipped = await claim(repository, NOW + timedelta(hours=2, minutes=5))
    assert (claimed, skipped) == ([], 1)
    stored = await repository.reminders.get(reminder_id)
    assert stored is not None and stored.fired_count == 0

    [first], _ = await claim(repository, NOW + timedelta(hours=3))
    assert not first.last and first.next_fire_at == NOW + timedelta(hours=4)
    [second], _ = await claim(repository, NOW + timedelta(hours=4))
    assert second.last and second.next_fire_at is None
    finished = await repository.reminders.get(reminder_id)
    assert finished is not None and (finished.fired_count, finished.status) == (2, "finished")


async def test_the_previous_message_is_handed_back_only_while_unanswered(repository: Store) -> None:
    reminder_id = await repository.reminders.create(every_hour(), now=NOW)
    [first], _ = await claim(repository, NOW + timedelta(hours=1))
    assert (
        await repository.deliveries.mark_sent(first, attempts=1, now=NOW, message=SentMessage(5, 100)) is None
    )

    [second], _ = await claim(repository, NOW + timedelta(hours=2))
    previous = await repository.deliveries.mark_sent(second, attempts=1, now=NOW, message=SentMessage(5, 101))
    assert previous == SentMessage(5, 100)
    again = await repository.deliveries.mark_sent(second, attempts=1, now=NOW, message=SentMessage(5, 101))
    assert again is None  # recorded twice (a recovered claim): not counted twice

    stored = await repository.reminders.get(reminder_id)
    assert stored is not None and stored.unanswered == 1 and stored.last_message == SentMessage(5, 101)
    await repository.reminders.mark_answered(reminder_id)
    [third], _ = await claim(repository, NOW + timedelta(hours=3))
    assert (
        await repository.deliveries.mark_sent(third, attempts=1, now=NOW, message=SentMessage(5, 102)) is None
    )
    answered = await repository.reminders.get(reminder_id)
    assert answered is not None and answered.unanswered == 0


async def test_change_keeps_the_id_and_a_paused_reminder_keeps_its_next_fire(repository: Store) -> None:
    reminder_id = await repository.reminders.create(every_hour(), now=NOW)
    two_hours = EveryRule(interval=timedelta(hours=2), anchor=time(0))

    changed = await repository.reminders.change(
        reminder_id,
        rule=two_hours,
        zone="Europe/Paris",
        channel_id=None,
        next_fire_at=NOW + timedelta(hours=1),
        now=NOW,
    )
    await repository.reminders.pause(reminder_id, now=NOW)
    await repository.reminders.change(
        reminder_id,
        rule=EVERY_HOUR,
        zone="UTC",
        channel_id=None,
        next_fire_at=NOW + timedelta(hours=9),
        now=NOW,
    )

    stored = await repository.reminders.get(reminder_id)
    assert changed and stored is not None
    assert (stored.id, stored.rule, stored.timezone, stored.status) == (
        reminder_id,
        EVERY_HOUR,
        "UTC",
        "paused",
    )
    assert stored.next_fire_at == NOW + timedelta(hours=1)
    await repository.reminders.delete(reminder_id)
    gone = await repository.reminders.change(
        reminder_id, rule=EVERY_HOUR, zone="UTC", channel_id=None, next_fire_at=NOW, now=NOW
    )
    assert not gone
