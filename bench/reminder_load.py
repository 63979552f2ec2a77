"""Support for the reminder benchmarks: seeding many reminders, and a start-up probe run as a child.

Seeding: one reminder of each shape is stored through `ReminderRepository.create` (the real code
path), then its row is cloned in bulk with the same columns, each clone with its own user, rule JSON
(written by `rule_to_json`) and next fire: `executemany` on SQLite, COPY on PostgreSQL. Thousands of
single-row transactions would only measure commits.

The start-up probe (`python -m bench.reminder_load start`) runs in a fresh process so that its memory
figures belong to the bot alone: it imports the bot and every cog, reads its resident set size, then
builds the bot with `create_bot` and starts it against the Discord that `DISCORD_API_BASE` /
`DISCORD_GATEWAY_URL` point at, and prints one JSON line with the times until the reminder dispatcher
reports ready (recovery done, first wake-up armed) and until READY, the wall-clock instant the
dispatcher was ready (so the parent can time from the spawn, imports included), and the memory figures:
`rss_before_kb` (VmRSS just before start), `rss_ready_kb` (VmRSS once ready) and `peak_kb` (VmHWM, the
high-water mark, so a transient load that was freed again still counts). Read from /proc/self/status.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bot.clock import to_storage
from bot.db.database import Database
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.domain.reminders.model import NewReminder, Rule, kind_of, rule_to_json


@dataclass(frozen=True, slots=True)
class Planned:
    """One reminder to store: by DM to `user_id` (whose DM channel is `dm_channel_id`, when known)."""

    user_id: int
    rule: Rule
    timezone: str
    next_fire_at: datetime
    dm_channel_id: int | None = None


async def migrated(target: Path | str) -> None:
    """Migrate the SQLite file at ``target`` (a path) or the PostgreSQL database ``target`` (a URL)."""
    database = await Database.open(target)
    try:
        await database.migrate()
    finally:
        await database.close()


async def seed(target: Path | str, planned: Sequence[Planned]) -> list[int]:
    """Store `planned` in ``target``, a SQLite file (a path) or a PostgreSQL database (a URL), migrated
    here; returns the reminder ids in the same order."""
    if not planned:
        return []
    first, rest = planned[0], planned[1:]
    now = datetime.now(UTC)
    database = await Database.open(target)
    try:
        await database.migrate()
        repository = ReminderRepository(database)
        await repository.create(
            NewReminder(first.user_id, None, None, first.rule, first.timezone, first.next_fire_at), now=now
        )
        if first.dm_channel_id is not None:
            await PumpUserRepository(database).cache_dm_channel(first.user_id, first.dm_channel_id, now=now)
    finally:
        await database.close()
    if isinstance(target, Path):
        return _clone_sqlite(target, rest, now)
    return _clone_postgres(target, rest, now)


def _reminder_row(item: Planned) -> tuple[int, str, str, str]:
    """The columns `ReminderRepository.create` writes that differ between reminders."""
    return item.user_id, kind_of(item.rule), rule_to_json(item.rule), item.timezone


def _clone_sqlite(path: Path, rest: Sequence[Planned], now: datetime) -> list[int]:
    stamp = to_storage(now)
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO reminders (user_id, guild_id, channel_id, kind, rule, timezone, status, "
            "next_fire_at, created_at, updated_at) VALUES (?, NULL, NULL, ?, ?, ?, 'active', ?, ?, ?)",
            ((*_reminder_row(item), to_storage(item.next_fire_at), stamp, stamp) for item in rest),
        )
        connection.executemany(
            "INSERT INTO pump_users (user_id, dm_channel_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id",
            ((item.user_id, item.dm_channel_id, stamp) for item in rest),
        )
        return [row[0] for row in connection.execute("SELECT id FROM reminders ORDER BY id")]


def _clone_postgres(url: str, rest: Sequence[Planned], now: datetime) -> list[int]:
    """COPY, PostgreSQL's bulk load; the owners' rows one per user, as `ensure_user` leaves them."""
    owners: dict[int, int | None] = {}
    for item in rest:
        owners.setdefault(item.user_id, item.dm_channel_id)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        existing = {row[0] for row in cursor.execute("SELECT user_id FROM pump_users")}
        with cursor.copy("COPY pump_users (user_id, dm_channel_id, updated_at) FROM STDIN") as copy:
            for user_id, dm_channel_id in owners.items():
                if user_id not in existing:
                    copy.write_row((user_id, dm_channel_id, now))
        columns = "user_id, kind, rule, timezone, status, next_fire_at, created_at, updated_at"
        with cursor.copy(f"COPY reminders ({columns}) FROM STDIN") as copy:
            for item in rest:
                copy.write_row((*_reminder_row(item), "active", item.next_fire_at, now, now))
        return [row[0] for row in cursor.execute("SELECT id FROM reminders ORDER BY id")]


@dataclass(frozen=True, slots=True)
class DeliveryTally:
    sent: int
    failed: int
    sending: int
    skipped: int


def tally(path: Path) -> DeliveryTally:
    """Delivery rows by state, read from the file while the bot may be running (WAL)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        counts = dict(connection.execute("SELECT state, COUNT(*) FROM reminder_deliveries GROUP BY state"))
    return DeliveryTally(
        counts.get("sent", 0), counts.get("failed", 0), counts.get("sending", 0), counts.get("skipped", 0)
    )


def future_instants(count: int, *, start: datetime, spread: timedelta) -> Iterable[datetime]:
    step = spread / max(count, 1)
    return (start + step * index for index in range(count))


# ---------------------------------------------------------------------------------------------- the probe


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


async def _probe_start() -> dict[str, float]:
    from bot.app import create_bot, extension_names
    from bot.config import Settings
    from bot.endpoints import apply_endpoints
    from bot.reminders.dispatcher import ReminderDispatcher

    for name in extension_names():  # code loaded before the baseline: the growth is start-up work
        importlib.import_module(name)
    settings = Settings(_env_file=None)
    token = settings.token
    assert token is not None
    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    figures: dict[str, float] = {}
    dispatcher_ready = asyncio.Event()
    original_start = ReminderDispatcher.start

    async def observed_start(self: ReminderDispatcher) -> None:  # the real start, timed
        await original_start(self)
        figures["dispatcher_ready_s"] = time.perf_counter() - started
        figures["dispatcher_ready_epoch"] = time.time()
        # What the dispatcher found: proves the probe ran against the seeded file.
        earliest = await self.repository.earliest_due()
        figures["armed_for_epoch"] = earliest.timestamp() if earliest is not None else 0.0
        dispatcher_ready.set()

    ReminderDispatcher.start = observed_start  # type: ignore[method-assign]
    bot = create_bot(settings)
    figures["rss_before_kb"] = _status_kb("VmRSS")
    started = time.perf_counter()
    async with bot:
        runner = asyncio.create_task(bot.start(token))
        await asyncio.wait_for(dispatcher_ready.wait(), 120)
        await asyncio.wait_for(bot.wait_until_ready(), 120)
        figures["gateway_ready_s"] = time.perf_counter() - started
        figures["rss_ready_kb"] = _status_kb("VmRSS")
        figures["peak_kb"] = _status_kb("VmHWM")
        await bot.close()
        await runner
    return figures


def main(argv: Sequence[str]) -> int:
    if list(argv) != ["start"]:
        print("usage: python -m bench.reminder_load start", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(_probe_start())), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
