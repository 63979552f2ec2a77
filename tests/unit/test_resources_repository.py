"""The server resources repository: one transaction for the row, its audit entry and its search row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.db import audit
from bot.db.audit import AuditRepository
from bot.db.database import Database
from bot.db.search_index import SearchIndexRepository
from bot.db.server_resources import ServerResourceRepository
from bot.domain.curation import (
    MAX_RESOURCES_PER_SERVER,
    DuplicateResourceName,
    ServerResourceLimit,
    parse_resource_search_ref,
    resource_search_ref,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
GUILD = 111


@pytest.fixture
def database(any_database: Database) -> Database:
    return any_database


async def add(repository: ServerResourceRepository, name: str = "Meetup", **fields: Any) -> Any:
    values = {
        "guild_id": GUILD,
        "name": name,
        "url": "https://meetup.example.org/",
        "description": "Weekly.",
        "topic": "peer-support",
        "region": "US",
        "actor_id": 7,
        "now": NOW,
    }
    return await repository.add(**{**values, **fields})


async def test_add_stores_audits_and_indexes_together(database: Database) -> None:
    repository = ServerResourceRepository(database)

    added = await add(repository)

    assert await repository.list(GUILD) == [added]
    assert await repository.get(GUILD, added.id) == added
    assert await repository.get(GUILD + 1, added.id) is None
    (entry,) = await AuditRepository(database).recent(GUILD)
    assert (entry.action, entry.actor_id, entry.created_at) == ("resource.add", 7, NOW)
    hits = await SearchIndexRepository(database).search(["meetup"], guild_id=GUILD)
    assert [hit.ref for hit in hits] == [resource_search_ref(added.id)]


async def test_a_failing_audit_leaves_nothing_behind(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    repository = ServerResourceRepository(database)

    with pytest.raises(RuntimeError):
        await add(repository)

    assert await repository.list(GUILD) == []
    assert await SearchIndexRepository(database).search(["meetup"], guild_id=GUILD) == []


async def test_names_are_unique_per_server_ignoring_case(database: Database) -> None:
    repository = ServerResourceRepository(database)
    await add(repository, "Meetup")

    with pytest.raises(DuplicateResourceName):
        await add(repository, "MEETUP")
    await add(repository, "Meetup", guild_id=GUILD + 1)  # another server may use the name

    assert len(await repository.list(GUILD)) == 1
    assert len(await AuditRepository(database).recent(GUILD)) == 1


async def test_a_server_holds_at_most_the_limit(database: Database) -> None:
    repository = ServerResourceRepository(database)
    for number in range(MAX_RESOURCES_PER_SERVER):
        await add(repository, f"Group {number}")

    with pytest.raises(ServerResourceLimit):
        await add(repository, "One too many")

    assert len(await repository.list(GUILD)) == MAX_RESOURCES_PER_SERVER


async def test_remove_is_scoped_to_the_server_and_audited(database: Database) -> None:
    repository = ServerResourceRepository(database)
    added = await add(repository)

    assert await repository.remove(GUILD + 1, added.id, actor_id=8, now=NOW) is None
    removed = await repository.remove(GUILD, added.id, actor_id=8, now=NOW)

    assert removed == added
    assert await repository.list(GUILD) == []
    assert [e.action for e in await AuditRepository(database).recent(GUILD)] == [
        "resource.remove",
        "resource.add",
    ]
    assert await SearchIndexRepository(database).search(["meetup"], guild_id=GUILD) == []


@pytest.mark.parametrize(("ref", "expected"), [("server-12", 12), ("samaritans", None), ("server-x", None)])
def test_search_refs(ref: str, expected: int | None) -> None:
    assert parse_resource_search_ref(ref) == expected
    if expected is not None:
        assert resource_search_ref(expected) == ref
