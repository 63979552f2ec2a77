"""Claims across processes, on both engines: leases, their renewal and recovery, SKIP LOCKED, the
process heartbeat that splits the send budget, and wake-ups between processes (PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.db.database import Database
from bot.db.deliveries import DeliveryRepository
from bot.db.processes import ProcessRepository
from bot.db.reminders import ReminderRepository
from bot.db.schema import reminder_deliveries, reminders
from bot.db.wakeups import WakeupChannel
from bot.domain.reminders.model import (
    MAX_ACTIVE_PER_USER,
    Delivery,
    EveryRule,
    NewReminder,
    ReminderLimit,
    delivery_nonce,
)
from bot.reminders.budget import DISCORD_GLOBAL_LIMIT, SEND_BURST, TRICKLE, SendBudget
from bot.reminders.dispatcher import GRACE, LATE_AFTER, LEASE, SENDS_PER_SECOND
from bot.reminders.pacing import SendPacer
from bot.reminders.service import next_occurrence

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
EVERY_HOUR = EveryRule(interval=timedelta(hours=1), anchor=time(0))
A, B, C = "host-a:11:aaaa", "host-b:22:bbbb", "host-c:33:cccc"


def due_now(user_id: int) -> NewReminder:
    return NewReminder(user_id, None, None, EVERY_HOUR, "UTC", NOW)


async def claim_as(
    deliveries: DeliveryRepository, process: str, now: datetime = NOW, *, limit: int = 100
) -> tuple[list[Delivery], int]:
    return await deliveries.claim_due(
        now,
        limit=limit,
        grace=GRACE,
        late_after=LATE_AFTER,
        next_occurrence=next_occurrence,
        claimed_by=process,
        lease_until=now + LEASE,
    )


async def recover_as(
    deliveries: DeliveryRepository, process: str, now: datetime, *, every_claim: bool = False
) -> list[Delivery]:
    resend, _ = await deliveries.recover_sending(
        now,
        grace=GRACE,
        late_after=LATE_AFTER,
        claimed_by=process,
        lease_until=now + LEASE,
        every_claim=every_claim,
    )
    return resend


async def holders(database: Database) -> list[str | None]:
    rows = await database.fetch_all(select(reminder_deliveries.c.claimed_by))
    return [row["claimed_by"] for row in rows]


async def test_a_live_lease_is_left_to_its_process_and_an_ended_one_is_taken_over(
    any_database: Database,
) -> None:
    reminder_id = await ReminderRepository(any_database).create(due_now(1), now=NOW - timedelta(hours=1))
    deliveries = DeliveryRepository(any_database)
    [claimed], _ = await claim_as(deliveries, A)
    assert await holders(any_database) == [A]

    assert await recover_as(deliveries, B, NOW + LEASE - timedelta(seconds=1)) == []  # A is sending it
    [taken] = await recover_as(deliveries, B, NOW + LEASE)  # A's lease ended: A is gone
    assert taken.nonce == claimed.nonce == delivery_nonce(reminder_id, NOW)  # Discord keeps one copy
    assert await holders(any_database) == [B]
    assert await recover_as(deliveries, C, NOW + LEASE + timedelta(seconds=30)) == []  # B holds it now
    assert [record["state"] for record in await deliveries.deliveries(reminder_id)] == ["sending"]


async def test_a_renewed_lease_is_not_taken_and_only_its_holder_renews_it(any_database: Database) -> None:
    await ReminderRepository(any_database).create(due_now(1), now=NOW - timedelta(hours=1))
    deliveries = DeliveryRepository(any_database)
    await claim_as(deliveries, A)

    assert await deliveries.renew_leases(B, lease_until=NOW + 10 * LEASE) == 0
    assert await deliveries.renew_leases(A, lease_until=NOW + 2 * LEASE) == 1

    assert await recover_as(deliveries, B, NOW + LEASE + timedelta(seconds=1)) == []
    assert len(await recover_as(deliveries, B, NOW + 2 * LEASE)) == 1


async def test_a_finished_claim_is_never_recovered(any_database: Database) -> None:
    await ReminderRepository(any_database).create(due_now(1), now=NOW - timedelta(hours=1))
    deliveries = DeliveryRepository(any_database)
    [delivery], _ = await claim_as(deliveries, A)
    await deliveries.mark_sent(delivery, attempts=1, now=NOW)

    assert await recover_as(deliveries, B, NOW + 2 * LEASE) == []
    assert await deliveries.renew_leases(A, lease_until=NOW + 2 * LEASE) == 0


async def test_a_process_alone_takes_every_claim_at_start_and_claims_without_a_lease_are_free(
    any_database: Database,
) -> None:
    repository = ReminderRepository(any_database)
    for user in (1, 2):
        await repository.create(due_now(user), now=NOW - timedelta(hours=1))
    deliveries = DeliveryRepository(any_database)
    await claim_as(deliveries, A, limit=1)
    await deliveries.claim_due(  # a claim from before leases: nobody holds it
        NOW, limit=1, grace=GRACE, late_after=LATE_AFTER, next_occurrence=next_occurrence
    )

    assert len(await recover_as(deliveries, B, NOW + timedelta(seconds=1))) == 1
    assert len(await recover_as(deliveries, C, NOW + timedelta(seconds=2), every_claim=True)) == 2
    assert await holders(any_database) == [C, C]


async def test_a_stale_claim_of_a_gone_process_is_skipped_not_sent(any_database: Database) -> None:
    reminder_id = await ReminderRepository(any_database).create(due_now(1), now=NOW - timedelta(hours=1))
    deliveries = DeliveryRepository(any_database)
    await claim_as(deliveries, A)

    resend, stale = await deliveries.recover_sending(
        NOW + GRACE + timedelta(minutes=1),
        grace=GRACE,
        late_after=LATE_AFTER,
        claimed_by=B,
        lease_until=NOW + GRACE + LEASE,
    )

    assert (resend, stale) == ([], 1)
    assert [record["state"] for record in await deliveries.deliveries(reminder_id)] == ["skipped"]


async def test_concurrent_claimers_on_their_own_connections_share_out_every_occurrence_once(
    any_database: Database,
) -> None:
    repository = ReminderRepository(any_database)
    count = 120
    for user in range(count):
        await repository.create(due_now(user), now=NOW - timedelta(hours=1))
    where = any_database.path or any_database.url.sqlalchemy_url  # as two processes would open it
    peers = [await Database.open(where) for _ in range(2)]
    try:
        claimers = [DeliveryRepository(peer) for peer in peers]

        async def drain(deliveries: DeliveryRepository, process: str) -> tuple[list[int], int]:
            mine: list[int] = []
            skipped = 0
            while True:
                claimed, passed = await claim_as(deliveries, process, limit=7)
                mine += [delivery.reminder_id for delivery in claimed]
                skipped += passed
                if not claimed and not passed:
                    return mine, skipped

        (first, skipped_a), (second, skipped_b) = await asyncio.gather(
            drain(claimers[0], A), drain(claimers[1], B)
        )
    finally:
        for peer in peers:
            await peer.close()

    assert skipped_a == skipped_b == 0  # no claimer ever ran into the other's occurrence
    union = first + second
    assert len(union) == len(set(union)) == count  # none twice, none left out
    rows = await any_database.fetch_all(select(reminder_deliveries.c.claimed_by))
    assert len(rows) == count
    if any_database.dialect == "postgresql":
        assert first and second  # both worked at once (on SQLite writers take turns)


async def test_a_claimer_passes_over_a_reminder_another_is_claiming(any_database: Database) -> None:
    if any_database.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no row another claimer holds")
    repository = ReminderRepository(any_database)
    held = await repository.create(due_now(1), now=NOW - timedelta(hours=1))
    free = await repository.create(due_now(2), now=NOW - timedelta(hours=1))
    async with any_database.transaction() as connection:
        # Another process's claim transaction, still open, holding the first reminder's row.
        await connection.execute(select(reminders.c.id).where(reminders.c.id == held).with_for_update())
        claimed, _ = await asyncio.wait_for(claim_as(DeliveryRepository(any_database), B), timeout=5)
    assert [delivery.reminder_id for delivery in claimed] == [free]


async def test_the_heartbeat_counts_live_processes_and_forgets_gone_ones(any_database: Database) -> None:
    processes = ProcessRepository(any_database)
    live, forget = timedelta(seconds=30), timedelta(hours=1)

    async def beat(process: str, shard: str, now: datetime) -> int:
        found = await processes.beat(
            process, shard_ids=shard, now=now, live_within=live, forget_after=forget, pace=lambda _: 1.0
        )
        return found.live

    assert await beat(A, "0", NOW) == 1
    assert await beat(B, "1", NOW) == 2
    later = NOW + timedelta(seconds=31)  # A stopped beating (a crash): it no longer takes a share
    assert await beat(B, "1", later) == 1
    assert await beat(C, "2", later) == 2
    await processes.leave(C)
    assert await processes.live(later, within=live) == [B]
    much_later = NOW + timedelta(hours=2)
    await beat(B, "1", much_later)
    assert await processes.live(NOW - timedelta(days=1), within=live) == [B]  # A's row is gone


async def test_a_wake_up_published_by_one_process_reaches_another(any_database: Database) -> None:
    channel = WakeupChannel(any_database)
    if not channel.available:
        await channel.publish(NOW)  # nothing to do on SQLite: the poll covers it
        return
    heard: asyncio.Queue[datetime] = asyncio.Queue()
    listening = asyncio.Event()
    listener = asyncio.create_task(WakeupChannel(any_database).listen(heard.put_nowait, listening=listening))
    try:
        await asyncio.wait_for(listening.wait(), timeout=10)
        await channel.publish(NOW + timedelta(minutes=5))
        assert await asyncio.wait_for(heard.get(), timeout=10) == NOW + timedelta(minutes=5)
    finally:
        listener.cancel()


class _At:
    def __init__(self, now: datetime) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


def _budget(database: Database, clock: _At, process: str, shard: int) -> SendBudget:
    """A process's share of the send budget, paced at the dispatcher's rate until its first beat."""
    return SendBudget(
        database,
        pacer=SendPacer(SENDS_PER_SECOND),
        clock=clock,
        process_id=process,
        shard_ids=str(shard),
        total_per_second=SENDS_PER_SECOND,
    )


async def test_each_process_paces_at_its_share_and_together_they_stay_under_the_limit(
    any_database: Database,
) -> None:
    clock = _At(NOW)
    budgets = []
    for index, process in enumerate((A, B, C)):
        budget = _budget(any_database, clock, process, index)
        await budget.beat()
        budgets.append(budget)
    for budget in budgets:
        await budget.beat()

    rates = [budget.pacer.per_second for budget in budgets]
    assert [budget.processes for budget in budgets] == [3, 3, 3]
    assert all(budget.pacer.burst == SEND_BURST < 2 for budget in budgets)
    # In any one second a bucket sends at most its rate + its burst: the three stay within 50.
    assert sum(rate + SEND_BURST for rate in rates) <= DISCORD_GLOBAL_LIMIT
    assert sum(rates) >= 0.9 * DISCORD_GLOBAL_LIMIT

    await budgets[2].leave()  # a clean stop: the other two share it
    clock.instant = NOW + timedelta(seconds=5)
    await budgets[0].beat()
    assert budgets[0].processes == 2
    assert budgets[0].pacer.per_second == DISCORD_GLOBAL_LIMIT / 2 - SEND_BURST  # 23.75 (of 24)


async def test_a_process_that_joins_takes_only_what_the_others_leave_until_they_count_it(
    any_database: Database,
) -> None:
    clock = _At(NOW)

    def budget(process: str, index: int) -> SendBudget:
        return _budget(any_database, clock, process, index)

    def in_one_second(budgets: list[SendBudget]) -> float:
        return sum(each.pacer.per_second + each.pacer.burst for each in budgets)

    first, second = budget(A, 0), budget(B, 1)
    for each in (first, second, first, second):
        await each.beat()
    assert first.pacer.per_second == second.pacer.per_second == DISCORD_GLOBAL_LIMIT / 2 - SEND_BURST

    newcomer = budget(C, 2)
    await newcomer.beat()  # the other two still send at half the budget each: it waits its turn
    assert newcomer.processes == 3
    assert newcomer.pacer.per_second == TRICKLE
    assert in_one_second([first, second]) <= DISCORD_GLOBAL_LIMIT

    clock.instant = NOW + timedelta(seconds=5)
    for each in (first, second, newcomer):  # each beat gives up a part or takes one: never too much
        await each.beat()
        assert in_one_second([first, second, newcomer]) <= DISCORD_GLOBAL_LIMIT + TRICKLE + SEND_BURST
    third = DISCORD_GLOBAL_LIMIT / 3 - SEND_BURST
    assert [each.pacer.per_second for each in (first, second, newcomer)] == pytest.approx([third] * 3)
    assert in_one_second([first, second, newcomer]) == pytest.approx(DISCORD_GLOBAL_LIMIT)


async def test_the_per_user_limit_holds_for_creates_from_two_processes(any_database: Database) -> None:
    await ReminderRepository(any_database).create(due_now(7), now=NOW)  # the member's row exists
    where = any_database.path or any_database.url.sqlalchemy_url
    peers = [await Database.open(where) for _ in range(2)]
    try:
        results = await asyncio.gather(
            *(
                ReminderRepository(peers[index % 2]).create(due_now(7), now=NOW)
                for index in range(MAX_ACTIVE_PER_USER + 5)
            ),
            return_exceptions=True,
        )
    finally:
        for peer in peers:
            await peer.close()

    assert sum(isinstance(result, ReminderLimit) for result in results) == 6
    assert not [
        result
        for result in results
        if isinstance(result, BaseException) and not isinstance(result, ReminderLimit)
    ]
    assert len(await ReminderRepository(any_database).for_user(7)) == MAX_ACTIVE_PER_USER
