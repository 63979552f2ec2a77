"""The shard heartbeat behind retention, on both engines: each shard (of a count) seen up, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db.database import Database
from bot.db.privacy import PrivacyRepository, ShardSeen
from bot.privacy.service import ServersSeen

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_a_heartbeat_records_each_shard_and_moves_its_time_on(any_database: Database) -> None:
    repository = PrivacyRepository(any_database)
    await repository.record_shards_up(3, [0, 2], now=NOW)
    await repository.record_shards_up(3, [2], now=NOW + timedelta(days=1))
    await repository.record_shards_up(3, [], now=NOW)  # nothing up: nothing written

    assert await repository.shards_seen() == [
        ShardSeen(3, 0, NOW),
        ShardSeen(3, 2, NOW + timedelta(days=1)),
    ]


async def test_a_shard_id_is_below_its_count(any_database: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        await PrivacyRepository(any_database).record_shards_up(2, [2], now=NOW)


def test_a_process_judges_only_servers_of_its_shards_that_are_up() -> None:
    seen = ServersSeen(shard_count=2, shards=frozenset({0}), servers=frozenset())

    assert seen.judges(4 << 22)  # shard 0
    assert not seen.judges(5 << 22)  # shard 1: another process's
