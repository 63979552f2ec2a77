"""Scheduled tip posts: the pure rules.

- When the next post is due: a cadence (every day, weekdays, or one day a week) at a local time in the
  server's zone, computed in that zone so a 09:00 post stays at 09:00 across daylight-saving changes.
- What to do after downtime: the latest missed post is sent once when it is less than two hours late;
  anything older is skipped to the next future post. Never a burst.
- Which tip comes next: every tip of the pool once, in random order, before any tip is repeated.
- Each post's nonce, the same every time that post is made: Discord keeps one message per nonce, so a
  post made again after a crash does not appear twice.

No Discord, no database: the service, the dispatcher and the repository call these. The time of day a
moderator types is read by the same parser as reminder times (bot.domain.reminders.parsing).
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from bot.clock import require_aware
from bot.domain.nonces import make_nonce
from bot.errors import Refusal

Cadence = Literal["daily", "weekdays", "weekly"]
Source = Literal["library", "server", "both"]
CADENCES: tuple[Cadence, ...] = get_args(Cadence)
SOURCES: tuple[Source, ...] = get_args(Source)

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A post missed by less than this (the bot was down) is still sent, once; older posts are skipped.
LATE_LIMIT = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Cadenced:
    """When a server's tip is posted: the cadence, the local time, the weekday (weekly only), the zone."""

    cadence: Cadence
    at: time
    zone: str
    weekday: int | None = None  # 0 = Monday … 6 = Sunday

    def __post_init__(self) -> None:
        if (self.cadence == "weekly") != (self.weekday is not None):
            raise ValueError("a weekday is given for weekly posts, and only for them")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")

    def posts_on(self, day: date) -> bool:
        if self.cadence == "daily":
            return True
        if self.cadence == "weekdays":
            return day.weekday() < 5
        return day.weekday() == self.weekday


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``zone``, as UTC.

    An ambiguous time (clocks going back) is its first occurrence. A time that does not exist (clocks
    going forward, e.g. 01:30 in London on the last Sunday of March) moves forward by the gap, to
    02:30 local, so that day still gets its post.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_post_time(rule: Cadenced, after: datetime) -> datetime:
    """The first post strictly after ``after`` (aware), in UTC."""
    zone = ZoneInfo(rule.zone)
    start = require_aware(after).astimezone(zone).date() - timedelta(days=1)
    for offset in range(9):  # a week and a little: every cadence posts at least once in it
        day = start + timedelta(days=offset)
        if not rule.posts_on(day):
            continue
        instant = local_instant(day, rule.at, zone)
        if instant > after:
            return instant
    raise AssertionError("every cadence posts at least once a week")  # pragma: no cover


Action = Literal["post", "skip"]


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What the dispatcher does when a schedule is due at ``now``."""

    action: Action
    scheduled_for: datetime  # the latest post that was due (the one posted or skipped)
    skipped: int  # how many due posts are not sent (older missed posts, and this one when skipping)
    next_at: datetime  # the next future post


def catch_up(rule: Cadenced, due_at: datetime, now: datetime) -> CatchUp:
    """Decide what to send for a schedule whose stored next post ``due_at`` has come (``due_at <= now``).

    Only the latest due post can be sent, and only when it is less than ``LATE_LIMIT`` late.
    """
    latest = require_aware(due_at)
    missed = 0
    following = next_post_time(rule, latest)
    while following <= now:
        latest = following
        missed += 1
        following = next_post_time(rule, latest)
    if now - latest < LATE_LIMIT:
        return CatchUp("post", latest, missed, following)
    return CatchUp("skip", latest, missed + 1, following)


def still_postable(claimed_for: datetime, now: datetime) -> bool:
    """Whether a post claimed for ``claimed_for`` and left unfinished (its process stopped) is still made:
    the same window as a post missed while the bot was down."""
    return require_aware(now) - require_aware(claimed_for) < LATE_LIMIT


def post_nonce(guild_id: int, claimed_for: datetime) -> str:
    """The nonce of a server's scheduled post due at ``claimed_for``: the same text every time.

    "t" + base-36 server id + "." + base-36 milliseconds since the epoch: at most 23 characters for a
    64-bit id until 2059, within Discord's 25.
    """
    return make_nonce("t", guild_id, require_aware(claimed_for))


def drawn_by(nonce: str) -> Callable[[int], int]:
    """A draw for `next_tip` fixed by a post's nonce: the post made again after a crash picks the tip
    the first attempt picked, so the rotation records the tip Discord kept."""
    seed = zlib.crc32(nonce.encode())
    return lambda count: seed % count


def next_tip(
    pool: Sequence[str],
    posted: Collection[str],
    *,
    last: str | None = None,
    draw: Callable[[int], int] = secrets.randbelow,
) -> tuple[str, bool] | None:
    """The next tip to post from ``pool`` (card ids), given those ``posted`` in the current cycle.

    Returns (card id, starts a new cycle), or None for an empty pool. A tip is only repeated once every
    tip of the pool has been posted; then a new cycle begins, and its first tip is never ``last`` (the
    tip posted most recently) unless the pool has only that one tip. ``draw(n)`` picks an index below n.
    """
    unique = list(dict.fromkeys(pool))
    if not unique:
        return None
    remaining = [card_id for card_id in unique if card_id not in posted]
    new_cycle = not remaining
    if new_cycle:
        remaining = [card_id for card_id in unique if card_id != last] or unique
    return remaining[draw(len(remaining))], new_cycle


# Why a post could not be made (a schedule is paused with the code; `bot.ui.tip_post` says how to fix it).
PauseReason = Literal[
    "channel_gone", "not_found", "missing_permissions", "post_refused", "no_server_tips", "no_tips"
]

# The channel permissions a tip post needs (discord.py's names for them).
POST_PERMISSIONS: tuple[str, ...] = ("view_channel", "send_messages", "embed_links")


class PostFailed(Refusal):
    """A tip could not be posted: ``reason`` is a PauseReason, ``data`` what a moderator needs to fix it
    (``channel_id``; the ``missing`` permissions; the HTTP ``status`` and ``text`` Discord answered)."""

    def __init__(self, reason: PauseReason, **data: object) -> None:
        super().__init__(f"post.{reason}", **data)
        self.reason: PauseReason = reason


@dataclass(frozen=True, slots=True)
class TipSchedule:
    guild_id: int
    channel_id: int
    rule: Cadenced
    source: Source
    next_post_at: datetime | None
    paused_reason: PauseReason | None
    paused_detail: dict[str, object] | None
    last_posted_at: datetime | None
    claimed_for: datetime | None = None  # the post a process is making (see `still_postable`)

    @property
    def paused(self) -> bool:
        return self.paused_reason is not None

    @property
    def pause_refusal(self) -> PostFailed | None:
        """Why the schedule is paused, as the refusal the failed post raised."""
        if self.paused_reason is None:
            return None
        return PostFailed(self.paused_reason, **(self.paused_detail or {}))
