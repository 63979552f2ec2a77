"""Reminders as values: the three kinds of schedule, how a rule is stored, and the records services use.

- `EveryRule`: every N minutes on a daily grid that restarts at `anchor` each local day, or (with
  `since_last`) N minutes after the last session, optionally with quiet hours (no reminder at all) and
  night spacing (through a nightly window the gap stretches to a longer interval);
- `AtRule`: a fixed list of local times of day;
- `OnceRule`: one instant.

An `EveryRule` or `AtRule` may end (`Ends`): after a local date, inclusive, and/or after a number of
reminders delivered. How many were delivered is state kept beside the rule, not part of it.

Times of day are wall times in the reminder's IANA zone (see `bot.domain.reminders.schedule`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

from bot.domain.nonces import make_nonce
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
class DailyWindow:
    """Local times [start, end) every day; crosses midnight when start > end."""

    start: time
    end: time

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _plain_time(self.start))
        object.__setattr__(self, "end", _plain_time(self.end))
        if self.start == self.end:
            raise ValueError("a daily window needs a start and an end that differ")

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    @property
    def length(self) -> timedelta:
        """How long the window lasts on a day without a clock change."""
        return timedelta(microseconds=self._length_micros())

    def _length_micros(self) -> int:
        return (micros_of_day(self.end) - micros_of_day(self.start)) % MICROS_PER_DAY

    def covers(self, other: DailyWindow) -> bool:
        """Whether every local time in `other` is also in this window."""
        offset = (micros_of_day(other.start) - micros_of_day(self.start)) % MICROS_PER_DAY
        return offset + other._length_micros() <= self._length_micros()


# Quiet hours: no reminder at all inside them; one that falls inside fires when they end.
QuietHours = DailyWindow


@dataclass(frozen=True, slots=True)
class NightSpacing:
    """Through the local window every night, reminders come `interval` apart (longer than by day)."""

    window: DailyWindow
    interval: timedelta

    def __post_init__(self) -> None:
        if self.interval < timedelta(minutes=1):
            raise ValueError("the night interval must be at least a minute")


@dataclass(frozen=True, slots=True)
class Ends:
    """When a repeating reminder stops: after its local day `until` (that day included), and/or once
    `count` reminders have been delivered. Either may be None, not both."""

    until: date | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if self.until is None and self.count is None:
            raise ValueError("an end needs a date, a count or both")
        if isinstance(self.until, datetime):
            raise ValueError("`until` is a local date, not an instant")
        if self.count is not None and (isinstance(self.count, bool) or self.count < 1):
            raise ValueError("a count of reminders is at least 1")


@dataclass(frozen=True, slots=True)
class EveryRule:
    """Every `interval` on a daily grid from `anchor`, or (`since_last`) after the last session.

    With `night`, its interval is at least `interval`, and a grid keeps some time outside the night window
    (the grid's night times are worked out from the last one before the window).
    """

    interval: timedelta
    anchor: time
    quiet: QuietHours | None = None
    since_last: bool = False
    night: NightSpacing | None = None
    ends: Ends | None = None

    def __post_init__(self) -> None:
        if self.interval < timedelta(minutes=1):
            raise ValueError("the interval must be at least a minute")
        object.__setattr__(self, "anchor", _plain_time(self.anchor))
        if self.night is not None:
            if self.night.interval < self.interval:
                raise ValueError("the night interval must be at least the interval")
            if not self.since_last and night_covers_grid(self.interval, self.anchor, self.night.window):
                raise ValueError("the night window holds every time of the grid")


@dataclass(frozen=True, slots=True)
class AtRule:
    times: tuple[time, ...]
    ends: Ends | None = None

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


MICROS_PER_DAY = 86_400_000_000


def micros_of_day(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def time_from_micros(micros: int) -> time:
    seconds, microsecond = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, microsecond)


def grid_times(interval: timedelta, anchor: time) -> tuple[time, ...]:
    """The local times of day of a grid that restarts at `anchor` every day and steps by `interval`."""
    step = interval // timedelta(microseconds=1)
    start = micros_of_day(anchor)
    return tuple(
        sorted(
            {time_from_micros((start + offset) % MICROS_PER_DAY) for offset in range(0, MICROS_PER_DAY, step)}
        )
    )


@lru_cache(maxsize=1024)
def night_covers_grid(interval: timedelta, anchor: time, window: DailyWindow) -> bool:
    """Whether every time of the grid falls inside the night window (so no daytime rhythm is left)."""
    return all(window.contains(moment) for moment in grid_times(interval, anchor))


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
            quiet = _window_json(rule.quiet)
        data = {
            "kind": "every",
            "interval_seconds": _seconds(rule.interval),
            "anchor": rule.anchor.isoformat(),
            "quiet": quiet,
            "since_last": rule.since_last,
        }
        if rule.night is not None:
            data["night"] = {
                **_window_json(rule.night.window),
                "interval_seconds": _seconds(rule.night.interval),
            }
    if not isinstance(rule, OnceRule) and rule.ends is not None:
        until = rule.ends.until
        data["ends"] = {"until": None if until is None else until.isoformat(), "count": rule.ends.count}
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _window_json(window: DailyWindow) -> dict[str, str]:
    return {"start": window.start.isoformat(), "end": window.end.isoformat()}


def _window_from(data: dict[str, Any]) -> DailyWindow:
    return DailyWindow(time.fromisoformat(data["start"]), time.fromisoformat(data["end"]))


def _ends_from(data: dict[str, Any] | None) -> Ends | None:
    """Rules stored before ends existed have no "ends" key."""
    if data is None:
        return None
    until, count = data["until"], data["count"]
    if count is not None and not isinstance(count, int):
        raise TypeError("a stored count is a whole number")
    return Ends(None if until is None else date.fromisoformat(until), count)


def rule_from_json(text: str) -> Rule:
    """The rule `rule_to_json` wrote; ValueError when the stored text is not one."""
    try:
        data = json.loads(text)
        kind = data["kind"]
        if kind == "once":
            return OnceRule(datetime.fromisoformat(data["at"]))
        if kind == "at":
            times = tuple(time.fromisoformat(moment) for moment in data["times"])
            return AtRule(times, ends=_ends_from(data.get("ends")))
        if kind == "every":
            quiet_data = data["quiet"]
            night_data = data.get("night")  # absent in rules stored before night spacing
            night = None
            if night_data is not None:
                night = NightSpacing(
                    _window_from(night_data), timedelta(seconds=float(night_data["interval_seconds"]))
                )
            return EveryRule(
                interval=timedelta(seconds=float(data["interval_seconds"])),
                anchor=time.fromisoformat(data["anchor"]),
                quiet=None if quiet_data is None else _window_from(quiet_data),
                since_last=bool(data["since_last"]),
                night=night,
                ends=_ends_from(data.get("ends")),
            )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"not a stored reminder rule: {error}") from error
    raise ValueError(f"not a stored reminder rule: unknown kind {kind!r}")


def delivery_nonce(reminder_id: int, scheduled_for: datetime) -> str:
    """The same short text for the same occurrence, every time: Discord dedupes a resend with it.

    "p" + base-36 reminder id + "." + base-36 milliseconds since the epoch: 17 characters for the
    millionth reminder, and at most 25 for any id below 36**13.
    """
    return make_nonce("p", reminder_id, as_utc(scheduled_for))


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
class SentMessage:
    """Where a delivered reminder message is, so the next one can mark it skipped."""

    channel_id: int
    message_id: int


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
    fired_count: int = 0  # occurrences claimed to send (what a rule ending after a count reads)
    unanswered: int = 0  # reminders left without Done, Snooze or Skip since the member last answered
    last_message: SentMessage | None = None  # the latest reminder message sent, while unanswered

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
    last: bool = False  # nothing follows it: the reminder ends with this one
    previous: SentMessage | None = None  # the previous message, unanswered: to be marked skipped

    @property
    def nonce(self) -> str:
        return delivery_nonce(self.reminder_id, self.scheduled_for)


def ends_with(reminder: Reminder, upcoming: datetime | None) -> bool:
    """Whether an occurrence of a reminder that ends (a date or a count) is its last: nothing follows it
    and no snooze is pending. A one-off is not "the last one" of anything."""
    rule = reminder.rule
    if isinstance(rule, OnceRule) or rule.ends is None:
        return False
    return upcoming is None and reminder.snoozed_until is None
