"""Repository for `bot_processes`: which bot processes are running now (a heartbeat per process).

Each process writes its row when it starts and every few seconds after (`beat`), and removes it when it
stops cleanly (`leave`). A process not seen for a while (a crash, a lost machine) simply stops
counting; its row is cleared by the next process that beats.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bot.db.database import Database
from bot.db.schema import bot_processes


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
    ) -> int:
        """Record that ``process_id`` is alive at ``now``; returns how many processes are live (seen
        within ``live_within``, this one included). Rows not seen for ``forget_after`` are removed."""
        statement = self._db.insert(bot_processes).values(
            process_id=process_id, shard_ids=shard_ids, started_at=now, last_seen=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[bot_processes.c.process_id], set_={"last_seen": statement.excluded.last_seen}
        )
        async with self._db.transaction() as connection:
            await connection.execute(statement)
            await connection.execute(
                delete(bot_processes).where(bot_processes.c.last_seen < now - forget_after)
            )
            live = await connection.scalar(
                select(func.count())
                .select_from(bot_processes)
                .where(bot_processes.c.last_seen >= now - live_within)
            )
        return max(int(live or 0), 1)

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
