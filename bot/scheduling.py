"""The bot's timer: jobs at an instant, every so often, or on a calendar, driven by the bot's `Clock`.

APScheduler's triggers do the calendar arithmetic (cron fields in a time zone, intervals, one date);
they take "now" as an argument, so every decision here reads the injected clock and nothing patches a
library. The waiting itself is an asyncio timer on the bot's loop: in production that is real time,
and under SimCord it is the virtual time that `env.advance_time()` moves. A wake-up that comes early
(the loop's clock and the wall clock drifted, or a long wait was cut short on purpose) just waits
again, so a job never runs before its time.

Like APScheduler's defaults, a job whose times were missed (the bot was busy or the clock jumped) runs
once, then continues from the next future time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock, require_aware

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]

# The longest single wait; then the clock is read again (wall-clock changes, suspended machines).
MAX_WAIT = timedelta(hours=1)
# A timer may fire a hair before its instant (float loop time against microsecond datetimes).
SLACK = timedelta(milliseconds=1)


@dataclass(eq=False)
class _Scheduled:
    job_id: str
    func: Job
    trigger: BaseTrigger
    next_run: datetime | None


class Scheduler:
    """Named jobs on one loop; adding a job with an existing id replaces it.

    One waiter task sleeps until the earliest job is due (at most `MAX_WAIT`), starts every due job in
    a task of its own, and sleeps again; any change to the jobs wakes it to look again.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.last_tick: datetime | None = None  # when a job last ran (the health check reads it)
        self._jobs: dict[str, _Scheduled] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Task[None] | None = None
        self._running = False
        self._paused = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self._running

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._running = True
        self._rearm()

    def shutdown(self) -> None:
        """Stop waking up; runs already started finish (the bot drains in-flight work)."""
        self._running = False
        self._rearm()

    def pause(self) -> None:
        """Keep the jobs but run none of them until `resume()` (operators and tests)."""
        self._paused = True
        self._rearm()

    def resume(self) -> None:
        self._paused = False
        self._rearm()

    def run_at(self, job_id: str, when: datetime, func: Job) -> None:
        """Run `func` once at `when` (replacing any pending job with the same id)."""
        self._add(_Scheduled(job_id, func, DateTrigger(run_date=require_aware(when)), when))

    def every(self, job_id: str, interval: timedelta, func: Job, *, first: datetime | None = None) -> None:
        """Run `func` every `interval`, the first time at `first` (default: one interval from now)."""
        start = first if first is not None else self.clock.now() + interval
        trigger = IntervalTrigger(seconds=interval.total_seconds(), start_date=start, timezone=UTC)
        self._add(_Scheduled(job_id, func, trigger, start))

    def daily(self, job_id: str, func: Job, *, hour: int, minute: int, timezone: tzinfo | str = UTC) -> None:
        """Run `func` every day at hour:minute in `timezone` (a wall time, across daylight saving)."""
        trigger = CronTrigger(hour=hour, minute=minute, timezone=timezone)
        self._add(_Scheduled(job_id, func, trigger, trigger.get_next_fire_time(None, self.clock.now())))

    def remove(self, job_id: str) -> None:
        """Drop a job if it is scheduled (no error when it is not)."""
        if self._jobs.pop(job_id, None) is not None:
            self._rearm()

    def next_run(self, job_id: str) -> datetime | None:
        job = self._jobs.get(job_id)
        return job.next_run if job is not None else None

    # ------------------------------------------------------------------ internals

    def _add(self, job: _Scheduled) -> None:
        self._jobs[job.job_id] = job
        self._rearm()

    def _rearm(self) -> None:
        """(Re)start the waiter for the current jobs; called after every change."""
        if self._waiter is not None and self._waiter is not _current_task():
            self._waiter.cancel()
        self._waiter = None
        if self._running and not self._paused and self._loop is not None and self._jobs:
            self._waiter = self._loop.create_task(self._wait(), name="scheduler")

    async def _wait(self) -> None:
        while self._jobs:
            due_times = [job.next_run for job in self._jobs.values() if job.next_run is not None]
            if not due_times:
                return
            wait = (min(due_times) - self.clock.now()).total_seconds()
            if wait > SLACK.total_seconds():
                # Capped, then the clock is read again: an early wake-up simply waits the rest.
                await asyncio.sleep(min(wait, MAX_WAIT.total_seconds()))
                continue
            self._run_due()

    def _run_due(self) -> None:
        now = self.clock.now()
        for job in list(self._jobs.values()):
            due = job.next_run
            if due is None or due - SLACK > now:
                continue
            moment = max(now, due)
            following = job.trigger.get_next_fire_time(due, moment)
            while following is not None and following <= moment:
                following = job.trigger.get_next_fire_time(following, moment)
            job.next_run = following
            if following is None:
                del self._jobs[job.job_id]
            self.last_tick = moment
            # Its own task: a job that re-schedules itself (restarting the waiter) is never cancelled.
            run = asyncio.ensure_future(self._run(job))
            self._tasks.add(run)
            run.add_done_callback(self._tasks.discard)

    async def _run(self, job: _Scheduled) -> None:
        try:
            await job.func()
        except Exception:
            log.exception("scheduled job %s failed", job.job_id)


def _current_task() -> asyncio.Task[object] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None
