"""The reminder dispatcher: one scheduler job that wakes at the earliest due reminder and sends it.

The database is the source of truth; APScheduler is only the clock. Each wake-up claims everything due
in one transaction (a delivery row in state 'sending', the reminder moved to its next occurrence), then
sends outside any transaction, at most `concurrency` at once, so one slow or failing reminder never
delays the others, and records each outcome. Every message carries a deterministic nonce, which
discord.py sends with `enforce_nonce`, so when a crash leaves a claim in 'sending', the next start
re-sends it and Discord keeps the first copy.

Several processes (shards) may share the database. A claim then carries a lease: the process renews
it while it sends (every quarter of `LEASE`), and any live process re-sends, with the same nonce, the
claims whose lease ended (their process is gone), at start and at every short poll. A process that runs
every shard is alone, so at start it takes over whatever its previous run left. Wake-ups reach every
process (LISTEN/NOTIFY on PostgreSQL, the poll on both engines), and each process claims only what it
can send soon, at its share of the one send budget (`bot.reminders.budget`), so a burst is spread
over all of them.

Failures: DMs closed (403, 50007) or the channel gone (404) pause the reminder and leave its owner a
notice; 429 is retried by discord.py itself; a server or network error is retried with backoff, then
the reminder simply waits for its next occurrence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import discord

from bot import metrics
from bot.clock import Clock
from bot.db.database import Database
from bot.db.deliveries import DeliveryRepository
from bot.db.pump_users import PumpUserRepository
from bot.db.wakeups import WakeupChannel
from bot.domain.reminders.model import Delivery, PauseReason, SentMessage
from bot.inflight import WorkGate
from bot.recovery import find_sent, may_succeed_later, nonce_outlived
from bot.reminders.budget import HEARTBEAT_EVERY, SendBudget, new_process_id
from bot.reminders.copies import CaregiverCopies
from bot.reminders.pacing import SendPacer
from bot.reminders.service import next_occurrence
from bot.scheduling import Scheduler

log = logging.getLogger(__name__)

DISPATCH_JOB = "reminder-dispatch"
RETRY_AFTER_FAILURE = timedelta(minutes=1)  # a dispatch that failed (the database, say) runs again
GRACE = timedelta(minutes=30)  # missed by less: sent once, marked late; more: skipped
LATE_AFTER = timedelta(minutes=1)  # sent later than this after its time: marked late
RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0, 16.0)  # seconds before each retry of a 5xx/network error
CONCURRENCY = 50
SENDS_PER_SECOND = 48.0  # under Discord's global 50 requests/s (interaction replies are exempt from it)
CLAIM_BATCH = 500
# A claim's lease. It outlives the longest send by far (with peers a claim waits about
# `CLAIM_AHEAD_SECONDS` for its turn, then up to four attempts with 21 s of backoff between them), and
# the process renews it every quarter while it holds claims, so only a process that stopped (or lost
# its database for three renewals) loses one. It is also how long a crashed process's claims wait
# before a peer sends them.
LEASE = timedelta(minutes=2)
# With peers, claim at most this many seconds of sends at this process's pace: the rest stays for the
# other processes, so a burst is shared out to the end (and a claim waits little before it is sent).
CLAIM_AHEAD_SECONDS = 2.0
POLL_EVERY = timedelta(seconds=5)  # with peers: look for due reminders and ended leases this often
POLL_JOB = "reminder-poll"
RENEW_JOB = "reminder-lease-renewal"
HEARTBEAT_JOB = "process-heartbeat"

_CANNOT_DM = 50007


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A rendered reminder, ready to send (`bot.ui.reminder_views` renders it)."""

    content: str | None
    embed: discord.Embed
    view: discord.ui.View
    allowed_mentions: discord.AllowedMentions


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str  # the metrics label and, when pausing, the stored PauseReason
    pause: PauseReason | None
    retry: bool


def classify(error: BaseException) -> Failure:
    """What a failed send means for the reminder."""
    if isinstance(error, discord.Forbidden):
        reason: PauseReason = "dm_closed" if error.code == _CANNOT_DM else "no_access"
        return Failure(reason, pause=reason, retry=False)
    if isinstance(error, discord.NotFound):
        return Failure("channel_gone", pause="channel_gone", retry=False)
    if isinstance(error, discord.HTTPException):
        if may_succeed_later(error):
            return Failure("server_error", pause=None, retry=True)
        return Failure("rejected", pause=None, retry=False)
    if may_succeed_later(error):
        return Failure("network", pause=None, retry=True)
    return Failure("error", pause=None, retry=False)


class ReminderDispatcher:
    """Claims due reminders and delivers them; the bot starts it in setup_hook and stops it on close.

    ``render`` turns a delivery into the message to send; ``already_sent`` tells whether a message in
    the channel is this reminder's (recovery after a crash). Both come from `bot.ui`.
    """

    def __init__(
        self,
        database: Database,
        *,
        client: discord.Client,
        clock: Clock,
        scheduler: Scheduler,
        work: WorkGate,
        render: Callable[[Delivery], OutgoingMessage],
        already_sent: Callable[[discord.Message, int], bool],
        render_skipped: Callable[[], OutgoingMessage] | None = None,
        render_copy: Callable[[Delivery], OutgoingMessage] | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        concurrency: int = CONCURRENCY,
        batch_size: int = CLAIM_BATCH,
        sends_per_second: float = SENDS_PER_SECOND,
        process_id: str | None = None,
        lease: timedelta = LEASE,
        peers: bool = False,
        shard_ids: str = "",
        poll_every: timedelta = POLL_EVERY,
    ) -> None:
        """``peers``: other processes may share the database (this one does not run every shard)."""
        self.client = client
        self.clock = clock
        self.scheduler = scheduler
        self.work = work
        self.render = render
        self.already_sent = already_sent
        self.render_skipped = render_skipped
        self.pacer = SendPacer(sends_per_second)  # with peers, `budget` sets its share and burst
        self.process_id = process_id or new_process_id()
        self.lease = lease
        self.peers = peers
        self.poll_every = poll_every
        self.budget = SendBudget(
            database,
            pacer=self.pacer,
            clock=clock,
            process_id=self.process_id,
            shard_ids=shard_ids,
            total_per_second=sends_per_second,
        )
        self.wakeup_channel = WakeupChannel(database)
        self.listening = asyncio.Event()  # the LISTEN for other processes' wake-ups is in place
        self._listener: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()
        self._renewing = False
        self._backlog = False
        self._dispatches: set[asyncio.Task[int]] = set()
        self.repository = DeliveryRepository(database)
        self.users = PumpUserRepository(database)
        self.retry_delays = tuple(retry_delays)
        self.batch_size = batch_size
        self.last_tick: datetime | None = None
        self.ready = asyncio.Event()  # set once recovery is done and the first wake-up is armed
        self._slots = asyncio.Semaphore(concurrency)
        self._claiming = asyncio.Lock()
        self._sending: set[asyncio.Task[None]] = set()
        self._armed_at: datetime | None = None
        self._dm_channels: dict[int, int] = {}
        self._stopped = False
        # A shared reminder's copy for the caregiver, after the owner's (see `bot.reminders.copies`).
        self.copies = CaregiverCopies(
            database,
            client=client,
            pacer=self.pacer,
            render=render_copy,
            dm_channels=self._dm_channels,
            retry_delays=self.retry_delays,
        )

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Re-send what a crash left in flight (or skip it when stale), then arm the wake-ups."""
        self._stopped = False
        if self.peers:
            await self.budget.beat()  # this process's share of the send budget, before any send
            self.scheduler.every(HEARTBEAT_JOB, HEARTBEAT_EVERY, self._beat)
            if self.wakeup_channel.available:
                self._listener = asyncio.create_task(
                    self.wakeup_channel.listen(self._wake_locally, listening=self.listening),
                    name="reminder wake-ups",
                )
            self.scheduler.every(POLL_JOB, self.poll_every, self.poll)
        # Alone, whatever is 'sending' was left by this process's previous run: take it all now.
        await self.recover(every_claim=not self.peers)
        await self.arm()
        self.ready.set()
        log.info("reminder dispatcher ready; next wake-up %s", self._armed_at or "on the next reminder")

    def stop(self) -> None:
        """Stop claiming; deliveries already being sent finish (the bot drains in-flight work)."""
        self._stopped = True
        for job in (DISPATCH_JOB, POLL_JOB, HEARTBEAT_JOB, RENEW_JOB):
            self.scheduler.remove(job)
        self._renewing = False
        self._armed_at = None
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None

    async def leave(self) -> None:
        """After `stop`, on a clean shutdown: this process no longer takes a share of the budget, and
        a claim it still holds (a send that outlived the shutdown's grace) is handed to the others at
        once, not after its lease (the same nonce keeps a second copy out)."""
        if self.peers:
            await self.repository.renew_leases(self.process_id, lease_until=self.clock.now())
            await self.budget.leave()

    async def recover(self, *, every_claim: bool = False) -> int:
        """Take over the claims whose lease ended (their process stopped) and send them again; returns
        how many were taken."""
        now = self.clock.now()
        resend, stale = await self.repository.recover_sending(
            now,
            grace=GRACE,
            late_after=LATE_AFTER,
            claimed_by=self.process_id,
            lease_until=now + self.lease,
            every_claim=every_claim,
        )
        if resend or stale:
            log.info(
                "recovered %d reminder deliveries in flight; %d were too old and skipped", len(resend), stale
            )
        metrics.REMINDERS_RECOVERED.inc(len(resend))
        for delivery in resend:
            await self._recover(delivery)
        return len(resend)

    async def poll(self) -> None:
        """With peers: the short poll. Ended leases are taken over, and a reminder another process
        created (whose wake-up did not reach this one) is found."""
        if self._stopped or not self.work.accepting_work:
            return
        async with self.work.track():
            try:
                await self.recover()
                if not self._backlog:
                    await self.arm()
            except Exception:
                log.exception("reminder poll failed")

    async def _beat(self) -> None:
        try:
            await self.budget.beat()
        except Exception:
            log.exception("process heartbeat failed")

    async def _renew(self) -> None:
        try:
            await self.repository.renew_leases(self.process_id, lease_until=self.clock.now() + self.lease)
        except Exception:
            log.exception("renewing reminder leases failed")

    @property
    def claim_room(self) -> int:
        """How many more claims this process takes now: with peers, a few seconds of sends at its pace
        (the rest is left to them); alone, everything due, a batch at a time."""
        if not self.peers:
            return self.batch_size
        return self._claim_cap - len(self._sending)

    @property
    def _claim_cap(self) -> int:
        return max(int(self.pacer.per_second * CLAIM_AHEAD_SECONDS), 10)

    def forget_user(self, user_id: int) -> None:
        """Drop what is held in memory about a member who erased their data (their DM channel id)."""
        self._dm_channels.pop(user_id, None)

    async def wait_idle(self) -> None:
        """Wait until every dispatch and delivery under way has finished (tests and benches)."""
        while self._sending or self._dispatches:
            await asyncio.gather(*self._dispatches, *self._sending, return_exceptions=True)

    @property
    def sending(self) -> int:
        return len(self._sending)

    # ------------------------------------------------------------------ waking up

    async def arm(self) -> None:
        """Point the one dispatch job at the earliest due time in the database."""
        earliest = await self.repository.earliest_due()
        pending = self._armed_at if self._armed_at is not None and self._armed_at > self.clock.now() else None
        if pending is not None and (earliest is None or pending <= earliest):
            return  # already armed early enough (wake_at may have run while we read the database)
        self._armed_at = None
        if earliest is not None:
            self._schedule(earliest)

    def wake_at(self, when: datetime | None) -> None:
        """A reminder now fires at ``when`` (created, resumed, snoozed): wake up then if that is earlier,
        and tell the other processes (the one that sends it may be another)."""
        if when is None or self._stopped:
            return
        self._wake_locally(when)
        if self.peers and self.wakeup_channel.available:
            task = asyncio.create_task(self._publish(when), name="reminder wake-up notice")
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    async def _publish(self, when: datetime) -> None:
        try:
            await self.wakeup_channel.publish(when)
        except Exception:  # the poll finds it anyway
            log.warning("could not tell the other processes about a reminder wake-up", exc_info=True)

    def _wake_locally(self, when: datetime) -> None:
        if self._stopped or self._backlog:
            return  # a backlog is being sent: the next claim comes as soon as there is room
        armed = self._armed_at
        if armed is None or when < armed:
            self._schedule(when)
        elif armed <= self.clock.now():
            # A wake-up is due or running: dispatch now, which re-arms from the database.
            self._schedule(armed)

    def _schedule(self, when: datetime) -> None:
        when = max(when, self.clock.now())
        self._armed_at = when
        self.scheduler.run_at(DISPATCH_JOB, when, self.wake_up)

    async def wake_up(self) -> None:
        """The scheduler's entry point: start a dispatch and return at once.

        A dispatch re-arms the one dispatch job. Were this job still running when the re-armed one
        came due, APScheduler would drop the new run ("maximum number of running instances"), and the
        reminder would wait for the safety wake-up. `_claiming` keeps dispatches one at a time.
        """
        task = asyncio.create_task(self._dispatch_logged(), name="reminder dispatch")
        self._dispatches.add(task)
        task.add_done_callback(self._dispatches.discard)

    async def _dispatch_logged(self) -> int:
        async with self.work.track():
            try:
                return await self.dispatch()
            except Exception:
                log.exception("reminder dispatch failed; trying again in %s", RETRY_AFTER_FAILURE)
                self._schedule(self.clock.now() + RETRY_AFTER_FAILURE)
                return 0

    async def dispatch(self) -> int:
        """Claim everything due now and start sending it; returns how many were claimed."""
        if self._stopped or not self.work.accepting_work:
            return 0
        claimed_total = 0
        async with self._claiming:
            self.last_tick = self.clock.now()
            self._backlog = False
            while True:
                room = min(self.batch_size, self.claim_room)
                if room <= 0:
                    # This process has enough to send for now; it claims more as sends finish, and
                    # meanwhile the other processes claim the rest.
                    self._backlog = True
                    break
                now = self.clock.now()
                claimed, skipped = await self.repository.claim_due(
                    now,
                    limit=room,
                    grace=GRACE,
                    late_after=LATE_AFTER,
                    next_occurrence=next_occurrence,
                    claimed_by=self.process_id,
                    lease_until=now + self.lease,
                )
                if skipped:
                    log.info("skipped %d reminder occurrence(s) missed by %s or more", skipped, GRACE)
                for delivery in claimed:
                    self._spawn(delivery)
                claimed_total += len(claimed)
                if len(claimed) + skipped < room:
                    break
            if not self._backlog:
                await self.arm()
        return claimed_total

    # ------------------------------------------------------------------ sending

    async def _recover(self, delivery: Delivery) -> None:
        """Re-send a claim a crash left in flight, unless it is old enough to outlive the nonce and
        the channel shows Discord already has it."""
        now = self.clock.now()
        if nonce_outlived(delivery.scheduled_for, now) and await self._already_in_channel(delivery):
            await self.repository.mark_sent(delivery, attempts=1, now=now)
            log.info("reminder %s: found already delivered before the restart", delivery.reminder_id)
            return
        self._spawn(delivery)

    async def _already_in_channel(self, delivery: Delivery) -> bool:
        channel_id = delivery.channel_id or self._dm_channels.get(delivery.user_id) or delivery.dm_channel_id
        me = self.client.user
        if channel_id is None or me is None:
            return False  # no DM channel was ever opened, so nothing can have been sent
        kind = discord.ChannelType.text if delivery.channel_id else discord.ChannelType.private
        found = await find_sent(
            self.client.get_partial_messageable(channel_id, type=kind),
            author_id=me.id,
            due=delivery.scheduled_for,
            matches=lambda message: self.already_sent(message, delivery.reminder_id),
            what=f"reminder {delivery.reminder_id}",
        )
        return found is not None

    def _spawn(self, delivery: Delivery) -> None:
        task = asyncio.create_task(self._deliver(delivery), name=f"reminder {delivery.nonce}")
        self._sending.add(task)
        task.add_done_callback(self._sent)
        if not self._renewing and not self._stopped:
            # While this process holds claims, it renews their leases.
            self._renewing = True
            self.scheduler.every(RENEW_JOB, self.lease / 4, self._renew)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if not self._sending and self._renewing:
            self._renewing = False
            self.scheduler.remove(RENEW_JOB)
        if self._backlog and not self._stopped and self.claim_room * 2 >= self._claim_cap:
            self._backlog = False
            self._schedule(self.clock.now())  # room for more of the reminders still due

    async def _deliver(self, delivery: Delivery) -> None:
        async with self.work.track(), self._slots:
            try:
                await self._deliver_with_retries(delivery)
            except Exception:
                log.exception("reminder %s: recording the delivery failed", delivery.reminder_id)

    async def _deliver_with_retries(self, delivery: Delivery) -> None:
        attempts = 0
        while True:
            attempts += 1
            try:
                sent = await self._send(delivery)
            except Exception as error:
                failure = classify(error)
                if failure.retry and attempts <= len(self.retry_delays):
                    log.warning(
                        "reminder %s: attempt %d failed (%s); retrying", delivery.reminder_id, attempts, error
                    )
                    await asyncio.sleep(self.retry_delays[attempts - 1])
                    continue
                await self._record_failure(delivery, failure, error, attempts)
                return
            now = self.clock.now()
            message = SentMessage(sent.channel.id, sent.id)
            previous = await self.repository.mark_sent(delivery, attempts=attempts, now=now, message=message)
            if previous is not None:
                await self._mark_skipped(delivery, previous)
            lateness = max((now - delivery.scheduled_for).total_seconds(), 0.0)
            metrics.REMINDERS_SENT.inc()
            metrics.REMINDER_LATENESS.observe(lateness)
            if delivery.late:
                metrics.REMINDERS_LATE.inc()
            try:
                await self.copies.send(delivery)
            except Exception:  # the caregiver's copy never stops the owner's reminder
                log.exception("reminder %s: the caregiver's copy failed", delivery.reminder_id)
            return

    async def _record_failure(
        self, delivery: Delivery, failure: Failure, error: BaseException, attempts: int
    ) -> None:
        metrics.REMINDERS_FAILED.labels(reason=failure.reason).inc()
        forget_dm = delivery.channel_id is None and failure.reason == "channel_gone"
        if forget_dm:
            self._dm_channels.pop(delivery.user_id, None)
        if failure.pause:
            log.info("reminder %s paused: %s", delivery.reminder_id, failure.reason)
        else:
            log.warning("reminder %s not delivered (%s): %s", delivery.reminder_id, failure.reason, error)
        await self.repository.mark_failed(
            delivery,
            attempts=attempts,
            now=self.clock.now(),
            pause_reason=failure.pause,
            forget_dm_channel=forget_dm,
        )

    async def _channel_for(self, delivery: Delivery) -> discord.PartialMessageable:
        if delivery.channel_id is not None:
            return self.client.get_partial_messageable(delivery.channel_id, type=discord.ChannelType.text)
        channel_id = self._dm_channels.get(delivery.user_id) or delivery.dm_channel_id
        if channel_id is None:
            await self.pacer.wait()  # opening the DM channel is a request too
            data = await self.client.http.start_private_message(delivery.user_id)
            channel_id = int(data["id"])
            await self.users.cache_dm_channel(delivery.user_id, channel_id, now=self.clock.now())
        self._dm_channels[delivery.user_id] = channel_id
        return self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def _mark_skipped(self, delivery: Delivery, previous: SentMessage) -> None:
        """Never a pile: the previous reminder, left unanswered, now says it was skipped and its buttons
        are off. A message the member deleted (or a channel gone) is simply left."""
        if self.render_skipped is None:
            return
        skipped = self.render_skipped()
        kind = discord.ChannelType.text if delivery.channel_id else discord.ChannelType.private
        channel = self.client.get_partial_messageable(previous.channel_id, type=kind)
        await self.pacer.wait()
        try:
            await channel.get_partial_message(previous.message_id).edit(
                content=skipped.content, embed=skipped.embed, view=skipped.view
            )
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.info("reminder %s: previous message not marked skipped: %s", delivery.reminder_id, error)

    async def _send(self, delivery: Delivery) -> discord.Message:
        await self.pacer.wait()
        channel = await self._channel_for(delivery)
        message = self.render(delivery)
        return await channel.send(
            content=message.content,
            embed=message.embed,
            view=message.view,
            allowed_mentions=message.allowed_mentions,
            nonce=delivery.nonce,
        )
