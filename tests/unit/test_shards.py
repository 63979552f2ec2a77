"""Which shards a process runs and which servers are its own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.shards import ShardPlan, parse_shard_ids, shard_of


@pytest.mark.parametrize(
    ("text", "ids"),
    [("0-3", (0, 1, 2, 3)), ("0,1", (0, 1)), ("2", (2,)), (" 4 - 5 , 1 ", (1, 4, 5)), ("1,1,0-1", (0, 1))],
)
def test_shard_ids_are_read_as_ranges_and_lists(text: str, ids: tuple[int, ...]) -> None:
    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize("text", ["", "a", "3-1", "-1", "0-", "1;2", "0-10000"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_shard_ids(text)


def test_a_server_is_on_the_shard_discord_sends_it_on() -> None:
    # Discord's documented formula: shard_id = (guild_id >> 22) % num_shards.
    guild_id = 197038439483310086
    assert shard_of(guild_id, 4) == (guild_id >> 22) % 4 == 2


@given(st.integers(min_value=0, max_value=2**63 - 1), st.integers(min_value=1, max_value=16))
def test_each_server_belongs_to_exactly_one_process_of_a_split(guild_id: int, count: int) -> None:
    # A split of the shards over processes, each running a contiguous range.
    cut = count // 2
    plans = [ShardPlan(count, tuple(range(0, cut))), ShardPlan(count, tuple(range(cut, count)))]
    owners = [plan for plan in plans if plan.ids and plan.owns_guild(guild_id)]
    assert len(owners) == 1


def test_only_the_process_with_shard_zero_gets_dms_and_leads() -> None:
    assert ShardPlan(4, (0, 1)).receives_dms and ShardPlan(4, (0, 1)).leads
    assert not ShardPlan(4, (2, 3)).receives_dms and not ShardPlan(4, (2, 3)).leads
    assert ShardPlan().leads and ShardPlan().owns_guild(123)


@pytest.mark.parametrize(("count", "ids"), [(0, None), (None, (0,)), (2, (2,))])
def test_inconsistent_plans_are_refused(count: int | None, ids: tuple[int, ...] | None) -> None:
    with pytest.raises(ValueError):
        ShardPlan(count, ids)
