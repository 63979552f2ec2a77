"""Which shards a process runs, and which servers are its own.

Discord deals servers to shards by id: a server belongs to shard `(guild_id >> 22) % shard_count`, and
DMs arrive on shard 0. A process that runs some of the shards does guild work (tip posts, retention)
only for servers on its own shards. `SHARD_COUNT` is the total; `SHARD_IDS` this process's shards, as
"0-3", "0,1" or "2"; both unset: one process with the count Discord recommends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")
MAX_SHARDS = 10_000


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """ "0-3" → (0, 1, 2, 3); "0,2" → (0, 2); ValueError for anything else."""
    found: set[int] = set()
    for piece in text.split(","):
        match = _RANGE.match(piece)
        if match is None:
            raise ValueError(f"not a shard id or range: {piece.strip()!r} (use e.g. 0-3 or 0,1)")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low or high >= MAX_SHARDS:
            raise ValueError(f"not a shard range: {piece.strip()!r}")
        found.update(range(low, high + 1))
    if not found:
        raise ValueError("no shard ids given")
    return tuple(sorted(found))


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a server's events on."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """This process's part of the bot: ``count`` shards in all, running ``ids`` (None: all of them, the
    count Discord recommends when ``count`` is None too)."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 1:
            raise ValueError("SHARD_COUNT is at least 1")
        if self.ids is not None:
            if self.count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT (the total number of shards)")
            if any(shard >= self.count for shard in self.ids):
                raise ValueError(f"every shard id is below SHARD_COUNT ({self.count})")

    @property
    def runs_all(self) -> bool:
        return self.ids is None

    def owns_guild(self, guild_id: int) -> bool:
        """Whether a server's guild work is this process's."""
        if self.ids is None or self.count is None:
            return True
        return shard_of(guild_id, self.count) in self.ids

    @property
    def receives_dms(self) -> bool:
        """DM events arrive on shard 0."""
        return self.ids is None or 0 in self.ids

    @property
    def leads(self) -> bool:
        """One process does the once-per-bot work (syncing commands): the one running shard 0."""
        return self.receives_dms
