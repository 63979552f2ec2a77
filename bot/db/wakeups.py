"""Wake-ups between processes: "a reminder now fires at T", from the process that changed it to all.

On PostgreSQL this is LISTEN/NOTIFY on the channel ``latch_reminders``: `publish` sends the instant as
the payload (after the change committed), and `listen` keeps one connection of its own listening and
hands each instant to a callback, reconnecting after a lost connection. SQLite has no such thing: there
`publish` does nothing and `listen` returns at once; the dispatcher's short poll covers it (and covers
PostgreSQL while its listening connection is down).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import psycopg
from sqlalchemy import func, make_url, select

from bot.clock import from_storage, to_storage
from bot.db.database import Database

log = logging.getLogger(__name__)

CHANNEL = "latch_reminders"
RECONNECT_AFTER = 2.0  # seconds before listening again after the connection was lost


class WakeupChannel:
    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def available(self) -> bool:
        return self._db.dialect == "postgresql"

    async def publish(self, when: datetime) -> None:
        """Tell every process (this one too) that a reminder fires at ``when``."""
        if not self.available:
            return
        async with self._db.transaction() as connection:
            await connection.execute(select(func.pg_notify(CHANNEL, to_storage(when))))

    async def listen(
        self, on_wakeup: Callable[[datetime], None], *, listening: asyncio.Event | None = None
    ) -> None:
        """Call ``on_wakeup`` with each instant any process publishes, until cancelled. ``listening`` is
        set each time the LISTEN is in place."""
        if not self.available:
            return
        url = make_url(self._db.url.sqlalchemy_url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    if listening is not None:
                        listening.set()
                    async for notice in connection.notifies():
                        try:
                            when = from_storage(notice.payload)
                        except ValueError:
                            log.warning("ignored a reminder wake-up that is not an instant")
                            continue
                        on_wakeup(when)
            except (psycopg.Error, OSError) as error:
                if listening is not None:
                    listening.clear()
                log.warning(
                    "listening for reminder wake-ups failed (%s); again in %ss", error, RECONNECT_AFTER
                )
                await asyncio.sleep(RECONNECT_AFTER)
