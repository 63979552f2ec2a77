"""Reminders as values: the three kinds of schedule, how a rule is stored, and the records services use.

- `EveryRule`: every N minutes on a daily grid that restarts at `anchor` each local day, or (with
  `since_last`) N minutes after the last session, optionally with quiet hours;
- `AtRule`: a fixed list of local times of day;
- `OnceRule`: one instant.

Times of day are wall times in the reminder's IANA zone (see `bot.domain.reminders.schedule`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from bot.errors import Refusal
from bot.limits import LIST_LIMIT

MAX_TIMES = 12
MAX_ACTIVE_PER_USER = 10
MAX_KEPT_PER_USER = LIST_LIMIT  # active and paused together: what one select menu can list

ReminderKind = Literal["every", "at", "once"]
ReminderStatus = Literal["active", "paused", "finished"]
# Why the dispatcher paused a reminder (stored as its paused_reason and as its owner's notice).
PauseReason = Literal["dm_closed", "channel_gone", "no_access"]
PAUSE_REASONS: tuple[PauseReason, ...] = ("dm_closed", "channel_gone", "no_access")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local quiet hours [start, end); crosses midnight when start > end."""

    start: time
    end: time

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _plain_time(self.start))
        object.__setattr__(self, "end", _plain_time(self.end))
        if self.start == self.end:
            raise ValueError("quiet hours need a start and an end that differ")

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class EveryRule:
    interval: timedelta
    anchor: time
    quiet: QuietHours | None = None
    since_last: bool = False

    def __post_init__(self) -> None:
        if self.interval < timedelta(minutes=1):
            raise ValueError("the interval must be at least a minute")
        object.__setattr__(self, "anchor", _plain_time(self.anchor))


@dataclass(frozen=True, slots=True)
class AtRule:
    times: tuple[time, ...]

    def __post_init__(self) -> None:
        times = tuple(sorted({_plain_time(moment) for moment in self.times}))
        if not 1 <= len(times) <= MAX_TIMES:
            raise ValueError(f"an AtRule needs 1 to {MAX_TIMES} distinct times")
        object.__setattr__(self, "times", times)


@dataclass(frozen=True, slots=True)
class OnceRule:
    at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc(self.at))


Rule = EveryRule | AtRule | OnceRule


def _plain_time(moment: time) -> time:
    return moment.replace(tzinfo=None, fold=0)


def as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetimes are not allowed; attach a timezone")
    return instant.astimezone(UTC)


def kind_of(rule: Rule) -> ReminderKind:
    """The rule's kind as stored beside it."""
    if isinstance(rule, EveryRule):
        return "every"
    return "at" if isinstance(rule, AtRule) else "once"


def _seconds(span: timedelta) -> int | float:
    whole, rest = divmod(span, timedelta(seconds=1))
    return whole if not rest else span.total_seconds()


def rule_to_json(rule: Rule) -> str:
    """The rule as compact JSON for the `reminders.rule` column."""
    data: dict[str, Any]
    if isinstance(rule, OnceRule):
        data = {"kind": "once", "at": rule.at.isoformat()}
    elif isinstance(rule, AtRule):
        data = {"kind": "at", "times": [moment.isoformat() for moment in rule.times]}
    else:
        quiet = None
        if rule.quiet is not None:
            quiet = {"start": rule.quiet.start.isoformat(), "end": rule.quiet.end.isoformat()}
        data = {
            "kind": "every",
            "interval_seconds": _seconds(rule.interval),
            "anchor": rule.anchor.isoformat(),
            "quiet": quiet,
            "since_last": rule.since_last,
        }
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def rule_from_json(text: str) -> Rule:
    """The rule `rule_to_json` wrote; ValueError when the stored text is not one."""
    try:
        data = json.loads(text)
        kind = data["kind"]
        if kind == "once":
            return OnceRule(datetime.fromisoformat(data["at"]))
        if kind == "at":
            return AtRule(tuple(time.fromisoformat(moment) for moment in data["times"]))
        if kind == "every":
            quiet_data = data["quiet"]
            quiet = None
            if quiet_data is not None:
                quiet = QuietHours(
                    time.fromisoformat(quiet_data["start"]), time.fromisoformat(quiet_data["end"])
                )
            return EveryRule(
                interval=timedelta(seconds=float(data["interval_seconds"])),
                anchor=time.fromisoformat(data["anchor"]),
                quiet=quiet,
                since_last=bool(data["since_last"]),
            )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"not a stored reminder rule: {error}") from error
    raise ValueError(f"not a stored reminder rule: unknown kind {kind!r}")


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if number == 0:
            return digits


def delivery_nonce(reminder_id: int, scheduled_for: datetime) -> str:
    """The same short text for the same occurrence, every time: Discord dedupes a resend with it.

    "p" + base-36 reminder id + "." + base-36 milliseconds since the epoch: 17 characters for the
    millionth reminder, and at most 25 for any id below 36**13.
    """
    millis = int(scheduled_for.timestamp() * 1000)
    return f"p{_base36(reminder_id)}.{_base36(millis)}"[:25]


class ReminderLimit(Refusal):
    """Creating or resuming would take the member past ``limit`` (``which``: active or kept)."""

    def __init__(self, which: Literal["active", "kept"], limit: int) -> None:
        super().__init__(f"reminder.limit_{which}", limit=limit)


@dataclass(frozen=True, slots=True)
class NewReminder:
    user_id: int
    guild_id: int | None
    channel_id: int | None  # None: delivered by DM
    rule: Rule
    timezone: str
    next_fire_at: datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    user_id: int
    guild_id: int | None
    channel_id: int | None
    kind: ReminderKind
    rule: Rule
    timezone: str
    status: ReminderStatus
    paused_reason: str | None
    next_fire_at: datetime | None
    snoozed_until: datetime | None
    last_fire_at: datetime | None
    created_at: datetime

    @property
    def since_last(self) -> bool:
        return isinstance(self.rule, EveryRule) and self.rule.since_last

    def counting_from(self, last_done_at: datetime | None) -> datetime:
        """Where a since-last reminder counts from: the latest of last done, last fire, creation."""
        moments = [self.created_at, self.last_fire_at, last_done_at]
        return max(moment for moment in moments if moment is not None)


@dataclass(frozen=True, slots=True)
class PumpUser:
    user_id: int
    timezone: str | None = None
    last_done_at: datetime | None = None
    dm_channel_id: int | None = None
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed occurrence to send."""

    reminder_id: int
    user_id: int
    channel_id: int | None  # None: by DM
    dm_channel_id: int | None  # the cached DM channel, when known
    scheduled_for: datetime
    late: bool
    next_fire_at: datetime | None  # the reminder's next occurrence right after this one (for Skip)
    rule: Rule
    timezone: str

    @property
    def nonce(self) -> str:
        return delivery_nonce(self.reminder_id, self.scheduled_for)
