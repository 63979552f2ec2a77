"""The APScheduler instance the bot owns, driven by the bot's `Clock`.

APScheduler 3 asks `datetime.now()` directly when it decides what is due, while its wake-ups run on
the asyncio loop. To keep both on one clock (so a test that moves SimCord's virtual time moves the
scheduler too), the scheduler modules' `datetime` name is pointed at a subclass whose `now()` reads
the active `Clock`. Nothing else in APScheduler changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

import apscheduler.executors.base as _aps_executors
import apscheduler.schedulers.base as _aps_schedulers
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock

log = logging.getLogger(__name__)

_active_clock: Clock = SystemClock()


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = _active_clock.now()
        return current.astimezone(tz) if tz is not None else current.astimezone(UTC).replace(tzinfo=None)


_aps_schedulers.datetime = _ClockedDatetime
_aps_executors.datetime = _ClockedDatetime


class Scheduler:
    """Start/stop wrapper around one AsyncIOScheduler; jobs are coroutine functions."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self.last_tick: datetime | None = None

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        global _active_clock
        _active_clock = self.clock
        if loop is not None:
            # configure() without timezone would reset it to the machine's local zone.
            self._scheduler.configure(event_loop=loop, timezone=UTC)
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            # wait=False: the asyncio executor cannot block; in-flight work is drained by the bot.
            self._scheduler.shutdown(wait=False)

    def run_at(self, job_id: str, when: datetime, func: Callable[[], Awaitable[None]]) -> None:
        """Run `func` once at `when` (replacing any pending job with the same id)."""
        self._scheduler.add_job(
            self._ticking(func),
            trigger="date",
            run_date=when,
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def add_job(self, func: Callable[[], Awaitable[None]], job_id: str, **trigger: Any) -> None:
        """Add a job with any APScheduler trigger (e.g. `trigger="cron", hour=9, timezone=zone`)."""
        self._scheduler.add_job(
            self._ticking(func), id=job_id, replace_existing=True, misfire_grace_time=None, **trigger
        )

    def remove(self, job_id: str) -> None:
        """Drop a job if it is scheduled (no error when it is not)."""
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def _ticking(self, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self.last_tick = self.clock.now()
            await func()

        run.__name__ = getattr(func, "__name__", "job")
        return run
