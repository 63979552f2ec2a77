"""A token bucket that keeps reminder sends under Discord's global limit of 50 requests a second.

discord.py waits out a 429 on its own, but every 429 counts towards Cloudflare's ban of 10,000 rejected
requests in 10 minutes, so a burst of due reminders is paced on our side instead. Commands keep the
rest of the budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class SendPacer:
    """At most ``burst`` sends at once, refilled at ``per_second``; `wait()` before each send."""

    def __init__(
        self,
        per_second: float,
        *,
        burst: float | None = None,
        monotonic: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.per_second = per_second
        self.burst: float = burst if burst is not None else max(int(per_second), 1)
        self._tokens = float(self.burst)
        # Alone, a late wake-up's time is lost, which leaves a little margin under the limit; a share
        # of a budget (`set_rate`, no burst) keeps it instead, or it would fall short of its share.
        self.keeps_late_wakes = False
        self._updated: float | None = None
        self._lock = asyncio.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    def set_rate(self, per_second: float, *, burst: float = 1.0) -> None:
        """A new rate and burst: this process's share of a budget shared with others."""
        if per_second <= 0 or burst < 1.0:
            raise ValueError("per_second and burst must be positive")
        self.per_second = per_second
        self.burst = burst
        self.keeps_late_wakes = True
        self._tokens = min(self._tokens, burst)

    def _now(self) -> float:
        return self._monotonic() if self._monotonic is not None else asyncio.get_running_loop().time()

    async def wait(self) -> None:
        async with self._lock:
            now = self._now()
            if self._updated is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.per_second)
            self._updated = now
            if self._tokens < 1:
                delay = (1 - self._tokens) / self.per_second
                # Holding the lock while sleeping keeps waiters in arrival order.
                await self._sleep(delay)
                woke = self._now()
                if self.keeps_late_wakes:
                    # Count the time really slept: a wake-up that comes a little late keeps what it
                    # earned (up to the burst), so a busy loop does not slow the pace.
                    earned = self._tokens + (woke - now) * self.per_second
                    self._tokens = min(self.burst, max(1.0, earned))
                else:
                    self._tokens = 1.0
                self._updated = woke
            self._tokens -= 1
