"""One send budget for the bot token, shared by every process: each paces at its share of it.

Discord's global limit (50 requests a second) is per bot token, whichever process sends. Each process
beats in `bot_processes` every few seconds and paces its reminder sends at about ``total / N``, N being
the processes seen within the last `LIVE_WITHIN`. This costs one small write per process every few
seconds and nothing per send (a shared token bucket row would cost a write per send on one hot row,
and a database round trip before each send). A process's bucket holds little more than one send (no
burst), and its rate is capped so that N buckets stay under the limit in every second, not only on
average (`SendBudget.share`).

Each beat also records the process's rate, and a process never takes more than the others' recorded
rates leave (`SendBudget.rate_beside`). So a process that joins starts at a trickle, and takes its
share only once the others, at their next beat, have counted it and given up their part; the sum stays
under the limit (but for the newcomer's first send). A process that crashes keeps its share until it
is no longer counted live, so the others stay under the limit meanwhile.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import timedelta

from bot import metrics
from bot.clock import Clock
from bot.db.database import Database
from bot.db.processes import ProcessRepository
from bot.reminders.pacing import SendPacer

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=5)
LIVE_WITHIN = timedelta(seconds=30)  # a process not seen for this long no longer takes a share
FORGET_AFTER = timedelta(hours=1)  # rows of processes gone this long are removed
DISCORD_GLOBAL_LIMIT = 50  # requests a second per bot token
# With peers, a process's bucket holds one send and a quarter: a wake-up that comes a little late (a
# busy loop) keeps what it earned instead of slowing the pace, and no process sends a burst.
SEND_BURST = 1.25
# A process whose peers take the whole budget for now (it has just joined) sends at this trickle.
TRICKLE = 0.2


def new_process_id() -> str:
    """This process's name in claims and heartbeats: host, pid and a random part (pids repeat across
    restarts and containers)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class SendBudget:
    def __init__(
        self,
        database: Database,
        *,
        pacer: SendPacer,
        clock: Clock,
        process_id: str,
        shard_ids: str,
        total_per_second: float,
    ) -> None:
        self.pacer = pacer
        self.clock = clock
        self.process_id = process_id
        self.shard_ids = shard_ids
        self.total_per_second = total_per_second
        self.processes = 1
        self._repository = ProcessRepository(database)

    async def beat(self) -> None:
        """Say this process is alive, and take its share of the budget."""
        beat = await self._repository.beat(
            self.process_id,
            shard_ids=self.shard_ids,
            now=self.clock.now(),
            live_within=LIVE_WITHIN,
            forget_after=FORGET_AFTER,
            pace=self.rate_beside,
        )
        rate = beat.sends_per_second
        if beat.live != self.processes:
            log.info("%d bot process(es) share the send budget; pacing at %.1f/s", beat.live, rate)
        self.processes = beat.live
        self.pacer.set_rate(rate, burst=SEND_BURST)
        metrics.PROCESSES_LIVE.set(beat.live)

    def share(self, processes: int) -> float:
        """One process's rate: its part of the budget, and no more than keeps the sum under Discord's
        limit in every second. A bucket of `SEND_BURST` sends at most its rate plus that in any one
        second, so N processes send at most N * (rate + SEND_BURST) <= `DISCORD_GLOBAL_LIMIT`."""
        even = self.total_per_second / processes
        return max(min(even, DISCORD_GLOBAL_LIMIT / processes - SEND_BURST), 1.0)

    def rate_beside(self, others: list[float | None]) -> float:
        """This process's rate beside live processes sending at ``others``: its share, but no more than
        they leave of the limit. (One that records no rate counts as not having counted this one.)"""
        processes = len(others) + 1
        assumed = self.share(processes - 1) if others else 0.0
        taken = sum((rate if rate is not None else assumed) + SEND_BURST for rate in others)
        return max(min(self.share(processes), DISCORD_GLOBAL_LIMIT - taken - SEND_BURST), TRICKLE)

    async def leave(self) -> None:
        await self._repository.leave(self.process_id)
