"""/privacy and data retention: what Latch stores about a member, a copy of it, erasing it; and the
erasure of servers Latch has left.

Every feature that stores something about members registers here with its declaration (``user_data``,
see `bot.domain.privacy`) and two hooks for what it holds in memory (``forget_user``,
``forget_server``). A view, an export and an erasure each cover everything the registered features
declare, read or written in one transaction, so an export is a consistent snapshot and an erasure is
all or nothing; then each feature drops what it holds in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.clock import Clock
from bot.db.database import Database
from bot.db.privacy import Departure, PrivacyRepository
from bot.domain.privacy import UserData, delivery_cutoff, departure_cutoff, export_document
from bot.domain.shards import shard_of

log = logging.getLogger(__name__)


class HoldsUserData(Protocol):
    """A feature that stores something about members."""

    user_data: tuple[UserData, ...]

    async def forget_user(self, user_id: int) -> None:
        """The member's rows were erased: drop anything about them held in memory."""
        ...

    async def forget_server(self, guild_id: int) -> None:
        """A server's rows were erased: drop anything about it held in memory."""
        ...


@dataclass(frozen=True, slots=True)
class ServersSeen:
    """What this process knows for certain about server presence: its shards that are up with their
    server list complete (``shards``, of ``shard_count`` in all), and the servers on those shards.

    Servers on any other shard (another process's, or one of this process's that is down) are not
    this process's to judge: not seeing them says nothing about whether Latch is still in them.
    """

    shard_count: int
    shards: frozenset[int]
    servers: frozenset[int]

    def judges(self, guild_id: int) -> bool:
        """Whether this process can tell if Latch is still in ``guild_id``: its shard is up here."""
        return shard_of(guild_id, self.shard_count) in self.shards


@dataclass(frozen=True, slots=True)
class RetentionReport:
    servers_erased: list[int]
    deliveries_purged: int


class PrivacyService:
    def __init__(self, database: Database, clock: Clock, registry: Sequence[HoldsUserData]) -> None:
        self.clock = clock
        self.registry = tuple(registry)
        self.repository = PrivacyRepository(database)

    @property
    def user_data(self) -> tuple[UserData, ...]:
        """Every declaration of the registered features, in erasure order."""
        return tuple(entry for holder in self.registry for entry in holder.user_data)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.kind for entry in self.user_data))

    async def collect(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row about the member, by kind (for /privacy view and export)."""
        return await self.repository.collect(user_id, self.user_data)

    async def export(self, user_id: int, *, about: str) -> dict[str, Any]:
        sections = await self.collect(user_id)
        return export_document(user_id, sections, kinds=self.kinds, about=about, now=self.clock.now())

    async def erase_member(self, user_id: int) -> dict[str, int]:
        """Erase every row about the member in one transaction; rows touched, by kind."""
        counts = await self.repository.erase_member(user_id, self.user_data)
        log.info("a member erased their data (%d rows touched)", sum(counts.values()))
        for holder in self.registry:
            await holder.forget_user(user_id)
        return counts

    # ------------------------------------------------------------------ servers

    async def left_server(self, guild_id: int) -> None:
        """Latch left ``guild_id``: its data is erased in 30 days unless Latch returns."""
        await self.repository.record_departure(guild_id, now=self.clock.now())

    async def back_in_server(self, guild_id: int) -> bool:
        """Latch is in ``guild_id`` again: its data is kept. True when a departure was waiting."""
        return await self.repository.clear_departure(guild_id)

    async def departures(self) -> list[Departure]:
        return await self.repository.departures()

    async def apply_retention(
        self, *, seen: ServersSeen | None, now: datetime | None = None
    ) -> RetentionReport:
        """Erase servers left more than 30 days ago and purge old delivery records.

        ``seen``: this process's shards that are up and their servers, when known. Each of those shards
        is recorded as seen up now (a heartbeat in shard_presence). Then a server with data on one of
        them that is not among their servers counts as left now (it was removed while the bot was
        offline), and a waiting departure of a server back on one of them is cancelled. Servers of
        other shards are left alone: their own shard's process decides for them, while it is up.
        """
        now = now or self.clock.now()
        repository = self.repository
        if seen is not None and seen.shards:
            await repository.record_shards_up(seen.shard_count, seen.shards, now=now)
            waiting = {departure.guild_id for departure in await repository.departures()}
            judged = {guild_id for guild_id in await repository.servers_with_data() if seen.judges(guild_id)}
            for guild_id in sorted(judged - seen.servers - waiting):
                await repository.record_departure(guild_id, now=now)
            for guild_id in sorted(waiting & seen.servers):
                await repository.clear_departure(guild_id)
        erased: list[int] = []
        for guild_id in await repository.departed_before(departure_cutoff(now)):
            await repository.erase_server(guild_id)
            for holder in self.registry:
                await holder.forget_server(guild_id)
            erased.append(guild_id)
        purged = await repository.purge_deliveries(delivery_cutoff(now))
        return RetentionReport(servers_erased=erased, deliveries_purged=purged)
