"""Repository for the dispatcher's cycle: claiming due reminders, `reminder_deliveries`, recovery.

`claim_due` moves every due reminder to its next occurrence and writes a delivery row in state 'sending'
in one transaction; the dispatcher then sends (outside any transaction) and records the outcome with
`mark_sent` / `mark_failed`.

Several processes may share the database. A claim names its process (``claimed_by``) and carries a
lease (``lease_until``) that the process renews while it sends (`renew_leases`). A crash between claim
and send leaves 'sending' rows; `recover_sending` hands them to any process, but only once their lease
has ended, so a live peer's send in flight is never taken over. On PostgreSQL the due rows are read
``FOR UPDATE SKIP LOCKED``: two claimers never wait on, or take, the same reminder. SQLite has one
writer at a time (BEGIN IMMEDIATE), so the clause is left out there. The primary key (reminder,
occurrence) makes a second delivery record of one occurrence impossible either way.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Select, and_, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.database import Database, upsert
from bot.db.reminder_rows import NextOccurrence, ensure_user, reminder_from_row, sent_message
from bot.db.schema import pump_users, reminder_deliveries, reminders
from bot.domain.reminders.model import Delivery, Reminder, SentMessage, ends_with

_OWNER = reminders.outerjoin(pump_users, pump_users.c.user_id == reminders.c.user_id)


def _due_select() -> Select[Any]:
    """A reminder with what delivering it needs from its owner's row: last done (since-last) and DM
    channel."""
    return select(
        reminders,
        pump_users.c.last_done_at.label("owner_last_done"),
        pump_users.c.dm_channel_id.label("owner_dm"),
    ).select_from(_OWNER)


def _lease_ended(now: datetime) -> Any:
    """A claim nobody holds any more: its lease ended, or it was made before claims had leases."""
    return reminder_deliveries.c.lease_until.is_(None) | (reminder_deliveries.c.lease_until <= now)


def _this_delivery(reminder_id: int, scheduled_for: datetime) -> Any:
    return (reminder_deliveries.c.reminder_id == reminder_id) & (
        reminder_deliveries.c.scheduled_for == scheduled_for
    )


def _delivery(
    row: Any, reminder: Reminder, scheduled: datetime, upcoming: datetime | None, *, late: bool
) -> Delivery:
    """The delivery of ``reminder``'s occurrence at ``scheduled`` (``row`` has its owner's DM channel)."""
    return Delivery(
        reminder_id=reminder.id,
        user_id=reminder.user_id,
        channel_id=reminder.channel_id,
        dm_channel_id=row["owner_dm"],
        scheduled_for=scheduled,
        late=late,
        next_fire_at=upcoming,
        rule=reminder.rule,
        timezone=reminder.timezone,
        last=ends_with(reminder, upcoming),
    )


class _Claim:
    """The occurrences one claim takes, recorded together: 'sending' for those still within the grace,
    'skipped' for older ones. A reminder appears once in a claim."""

    def __init__(
        self,
        now: datetime,
        *,
        grace: timedelta,
        late_after: timedelta,
        claimed_by: str | None,
        lease_until: datetime | None,
    ) -> None:
        self.now = now
        self.grace = grace
        self.late_after = late_after
        self.claimed_by = claimed_by
        self.lease_until = lease_until
        self.sending: list[Delivery] = []
        self.skipped: list[dict[str, Any]] = []

    def another(self) -> _Claim:
        """An empty claim with the same settings."""
        return _Claim(
            self.now,
            grace=self.grace,
            late_after=self.late_after,
            claimed_by=self.claimed_by,
            lease_until=self.lease_until,
        )

    def add(self, row: Any, reminder: Reminder, scheduled: datetime, upcoming: datetime | None) -> None:
        lateness = self.now - scheduled
        if lateness >= self.grace:
            self.skipped.append({"reminder_id": reminder.id, "scheduled_for": scheduled})
            return
        self.sending.append(_delivery(row, reminder, scheduled, upcoming, late=lateness > self.late_after))

    async def record(self, connection: AsyncConnection) -> tuple[list[Delivery], int]:
        """Write the delivery rows: (the claims to send, how many were skipped). An occurrence that
        already has its row (a snooze landing on a regular time) is neither."""
        record = upsert(connection, reminder_deliveries)
        if self.skipped:
            await connection.execute(
                record.values(state="skipped", late=True).on_conflict_do_nothing(), self.skipped
            )
        if not self.sending:
            return [], len(self.skipped)
        rows = [
            {
                "reminder_id": delivery.reminder_id,
                "scheduled_for": delivery.scheduled_for,
                "state": "sending",
                "late": delivery.late,
                "claimed_by": self.claimed_by,
                "lease_until": self.lease_until,
            }
            for delivery in self.sending
        ]
        inserted = await connection.execute(
            record.on_conflict_do_nothing().returning(reminder_deliveries.c.reminder_id), rows
        )
        new = {row[0] for row in inserted}
        return [delivery for delivery in self.sending if delivery.reminder_id in new], len(self.skipped)


class DeliveryRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def earliest_due(self) -> datetime | None:
        """The earliest instant an active reminder fires (its next occurrence or its snooze)."""
        active = reminders.c.status == "active"
        row = await self._db.fetch_one(
            select(
                select(func.min(reminders.c.next_fire_at)).where(active).scalar_subquery().label("regular"),
                select(func.min(reminders.c.snoozed_until))
                .where(active, reminders.c.snoozed_until.is_not(None))
                .scalar_subquery()
                .label("snoozed"),
            )
        )
        found = [value for value in (row or {}).values() if value is not None]
        return min(found, default=None)

    async def claim_due(
        self,
        now: datetime,
        *,
        limit: int,
        grace: timedelta,
        late_after: timedelta,
        next_occurrence: NextOccurrence,
        claimed_by: str | None = None,
        lease_until: datetime | None = None,
    ) -> tuple[list[Delivery], int]:
        """Claim up to ``limit`` due occurrences in one transaction: (deliveries to send, skipped).

        Each due reminder moves to its next occurrence after ``now`` (never a burst). An occurrence
        missed by less than ``grace`` is claimed ('sending' by ``claimed_by`` until ``lease_until``,
        marked late beyond ``late_after``); an older one is recorded as skipped. Reminders another
        transaction is claiming right now are passed over, not waited for (PostgreSQL). A batch is
        written in a few statements, not a few per reminder: the transaction, and SQLite's one writer,
        are held for as short a time as can be.
        """
        claim = _Claim(
            now, grace=grace, late_after=late_after, claimed_by=claimed_by, lease_until=lease_until
        )
        async with self._db.transaction() as connection:
            regular = (
                (
                    await connection.execute(
                        _due_select()
                        .where(reminders.c.status == "active", reminders.c.next_fire_at <= now)
                        .order_by(reminders.c.next_fire_at)
                        .limit(limit)
                        .with_for_update(skip_locked=True, of=reminders)
                    )
                )
                .mappings()
                .all()
            )
            moves: list[dict[str, Any]] = []
            for row in regular:
                reminder = reminder_from_row(row)
                scheduled: datetime = row["next_fire_at"]
                # This occurrence is the reminder's latest fire: since-last reminders count from it. Only
                # one that is sent counts towards an end after a count (not one missed while offline).
                sending = now - scheduled < grace
                fired = replace(
                    reminder, last_fire_at=scheduled, fired_count=reminder.fired_count + int(sending)
                )
                upcoming = next_occurrence(fired, row["owner_last_done"], now)
                moves.append(
                    {
                        "b_id": reminder.id,
                        "b_next": upcoming,
                        "b_last": scheduled,
                        "b_count": fired.fired_count,
                        "b_ends": upcoming is None,
                    }
                )
                claim.add(row, fired, scheduled, upcoming)
            if moves:
                # Nothing follows and no snooze waits: finished.
                ends = and_(bindparam("b_ends", type_=Boolean), reminders.c.snoozed_until.is_(None))
                await connection.execute(
                    update(reminders)
                    .where(reminders.c.id == bindparam("b_id"))
                    .values(
                        next_fire_at=bindparam("b_next"),
                        last_fire_at=bindparam("b_last"),
                        fired_count=bindparam("b_count"),
                        status=case((ends, "finished"), else_=reminders.c.status),
                        updated_at=now,
                    ),
                    moves,
                )
            claimed, skipped = await claim.record(connection)
            room = limit - len(regular)
            if room > 0:
                snoozed = (
                    (
                        await connection.execute(
                            _due_select()
                            .where(
                                reminders.c.status == "active",
                                reminders.c.snoozed_until.is_not(None),
                                reminders.c.snoozed_until <= now,
                            )
                            .order_by(reminders.c.snoozed_until)
                            .limit(room)
                            .with_for_update(skip_locked=True, of=reminders)
                        )
                    )
                    .mappings()
                    .all()
                )
                if snoozed:
                    await connection.execute(
                        update(reminders)
                        .where(reminders.c.id.in_([row["id"] for row in snoozed]))
                        .values(
                            snoozed_until=None,
                            status=case(
                                (reminders.c.next_fire_at.is_(None), "finished"), else_=reminders.c.status
                            ),
                            updated_at=now,
                        )
                    )
                snoozes = claim.another()
                for row in snoozed:
                    reminder = reminder_from_row(row)
                    snoozes.add(row, reminder, row["snoozed_until"], reminder.next_fire_at)
                more, more_skipped = await snoozes.record(connection)
                claimed += more
                skipped += more_skipped
        return claimed, skipped

    async def recover_sending(
        self,
        now: datetime,
        *,
        grace: timedelta,
        late_after: timedelta,
        claimed_by: str | None = None,
        lease_until: datetime | None = None,
        every_claim: bool = False,
    ) -> tuple[list[Delivery], int]:
        """Claims left 'sending' by a process that is gone → (recent ones to re-send with their nonce,
        now claimed by ``claimed_by`` until ``lease_until``; stale ones marked skipped).

        Only claims whose lease has ended are taken, so a live process's sends in flight are left to
        it. ``every_claim``: take them all, leases or not (a process that knows it is the only one, at
        its start: whatever is 'sending' was left by its own previous run).
        """
        sending = reminder_deliveries.c.state == "sending"
        unheld = sending if every_claim else sending & _lease_ended(now)
        async with self._db.transaction() as connection:
            rows = (
                (
                    await connection.execute(
                        select(
                            reminder_deliveries.c.scheduled_for.label("delivery_time"),
                            reminders,
                            pump_users.c.dm_channel_id.label("owner_dm"),
                        )
                        .select_from(
                            reminder_deliveries.join(
                                reminders, reminders.c.id == reminder_deliveries.c.reminder_id
                            ).outerjoin(pump_users, pump_users.c.user_id == reminders.c.user_id)
                        )
                        .where(unheld)
                        .order_by(reminder_deliveries.c.scheduled_for)
                        .with_for_update(skip_locked=True, of=reminder_deliveries)
                    )
                )
                .mappings()
                .all()
            )
            resend: list[Delivery] = []
            stale = 0
            for row in rows:
                reminder = reminder_from_row(row)
                scheduled: datetime = row["delivery_time"]
                this = _this_delivery(reminder.id, scheduled)
                if scheduled < now - grace:
                    await connection.execute(update(reminder_deliveries).where(this).values(state="skipped"))
                    stale += 1
                    continue
                late = now - scheduled > late_after
                # The claim is this process's now: the row's new lease keeps every other process off it.
                taken: dict[str, Any] = {"claimed_by": claimed_by, "lease_until": lease_until}
                if late:
                    taken["late"] = True
                await connection.execute(update(reminder_deliveries).where(this).values(**taken))
                resend.append(_delivery(row, reminder, scheduled, reminder.next_fire_at, late=late))
        return resend, stale

    async def renew_leases(self, claimed_by: str, *, lease_until: datetime) -> int:
        """Extend every claim ``claimed_by`` still holds to ``lease_until``: the process is alive and
        sending them. Returns how many it holds."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(reminder_deliveries)
                .where(
                    reminder_deliveries.c.state == "sending",
                    reminder_deliveries.c.claimed_by == claimed_by,
                )
                .values(lease_until=lease_until)
            )
        return int(result.rowcount)

    async def mark_sent(
        self, delivery: Delivery, *, attempts: int, now: datetime, message: SentMessage | None = None
    ) -> SentMessage | None:
        """Record a delivery sent as ``message``; returns the reminder's previous message when it was
        left unanswered (to be marked skipped), and counts it."""
        async with self._db.transaction() as connection:
            await connection.execute(
                update(reminder_deliveries)
                .where(_this_delivery(delivery.reminder_id, delivery.scheduled_for))
                .values(state="sent", attempts=attempts, sent_at=now)
            )
            if message is None:
                return None
            row = (
                (
                    await connection.execute(
                        select(
                            reminders.c.last_answered,
                            reminders.c.last_channel_id,
                            reminders.c.last_message_id,
                        ).where(reminders.c.id == delivery.reminder_id)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                return None  # deleted while it was being sent
            previous = sent_message(row)
            if previous == message:
                return None  # the same message recorded again (a recovered claim)
            await connection.execute(
                update(reminders)
                .where(reminders.c.id == delivery.reminder_id)
                .values(
                    last_channel_id=message.channel_id,
                    last_message_id=message.message_id,
                    last_answered=False,
                    unanswered=reminders.c.unanswered + int(previous is not None),
                )
            )
            return previous

    async def mark_failed(
        self,
        delivery: Delivery,
        *,
        attempts: int,
        now: datetime,
        pause_reason: str | None = None,
        forget_dm_channel: bool = False,
    ) -> None:
        """Record a failed delivery; with ``pause_reason``, pause the reminder and leave its owner a
        notice that the next /pump command shows."""
        async with self._db.transaction() as connection:
            await connection.execute(
                update(reminder_deliveries)
                .where(_this_delivery(delivery.reminder_id, delivery.scheduled_for))
                .values(state="failed", attempts=attempts)
            )
            owner = pump_users.c.user_id == delivery.user_id
            if pause_reason is not None:
                await connection.execute(
                    update(reminders)
                    .where(reminders.c.id == delivery.reminder_id, reminders.c.status == "active")
                    .values(status="paused", paused_reason=pause_reason, snoozed_until=None, updated_at=now)
                )
                await ensure_user(connection, delivery.user_id, now)
                await connection.execute(
                    update(pump_users).where(owner).values(notice=pause_reason, updated_at=now)
                )
            if forget_dm_channel:
                await connection.execute(update(pump_users).where(owner).values(dm_channel_id=None))

    async def deliveries(self, reminder_id: int) -> list[dict[str, Any]]:
        """The delivery records of one reminder, oldest first (for /privacy export and tests)."""
        rows = await self._db.fetch_all(
            select(
                reminder_deliveries.c.scheduled_for,
                reminder_deliveries.c.state,
                reminder_deliveries.c.attempts,
                reminder_deliveries.c.late,
                reminder_deliveries.c.sent_at,
            )
            .where(reminder_deliveries.c.reminder_id == reminder_id)
            .order_by(reminder_deliveries.c.scheduled_for)
        )
        return [dict(row) for row in rows]
