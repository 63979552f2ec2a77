"""Repository for `bot_processes`: which bot processes are running now (a heartbeat per process).

Each process writes its row when it starts and every few seconds after (`beat`), and removes it when it
stops cleanly (`leave`). A process not seen for a while (a crash, a lost machine) simply stops
counting; its row is cleared by the next process that beats. With its beat a process records the rate
it sends at, decided from the rates the others recorded (the beats take turns, so two processes never
decide from the same figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from bot.db.database import Database
from bot.db.schema import bot_processes

# pg_advisory_xact_lock key for a beat ("LatchBEA" as 8 bytes).
BEAT_LOCK = int.from_bytes(b"LatchBEA", "big", signed=True)

# Given the send rates the other live processes recorded (None: a process that records none), this
# process's rate.
Pace = Callable[[list[float | None]], float]


@dataclass(frozen=True, slots=True)
class Beat:
    live: int  # processes seen recently, this one included
    sends_per_second: float  # the rate this process recorded


class ProcessRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def beat(
        self,
        process_id: str,
        *,
        shard_ids: str,
        now: datetime,
        live_within: timedelta,
        forget_after: timedelta,
        pace: Pace,
    ) -> Beat:
        """Record that ``process_id`` is alive at ``now``, with the rate ``pace`` decides from the other
        live processes' rates (seen within ``live_within``). Rows not seen for ``forget_after`` are
        removed."""
        statement = self._db.insert(bot_processes).values(
            process_id=process_id, shard_ids=shard_ids, started_at=now, last_seen=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[bot_processes.c.process_id], set_={"last_seen": statement.excluded.last_seen}
        )
        async with self._db.transaction() as connection:
            if self._db.dialect == "postgresql":
                await connection.execute(select(func.pg_advisory_xact_lock(BEAT_LOCK)))
            await connection.execute(statement)
            await connection.execute(
                delete(bot_processes).where(bot_processes.c.last_seen < now - forget_after)
            )
            others = (
                await connection.execute(
                    select(bot_processes.c.sends_per_second).where(
                        bot_processes.c.last_seen >= now - live_within,
                        bot_processes.c.process_id != process_id,
                    )
                )
            ).all()
            rate = pace([row[0] for row in others])
            await connection.execute(
                update(bot_processes)
                .where(bot_processes.c.process_id == process_id)
                .values(sends_per_second=rate)
            )
        return Beat(len(others) + 1, rate)

    async def leave(self, process_id: str) -> None:
        """The process stops: it no longer takes a share of anything."""
        async with self._db.transaction() as connection:
            await connection.execute(delete(bot_processes).where(bot_processes.c.process_id == process_id))

    async def live(self, now: datetime, *, within: timedelta) -> list[str]:
        """The processes seen within ``within`` of ``now`` (health, tests)."""
        rows = await self._db.fetch_all(
            select(bot_processes.c.process_id)
            .where(bot_processes.c.last_seen >= now - within)
            .order_by(bot_processes.c.process_id)
        )
        return [str(row["process_id"]) for row in rows]
