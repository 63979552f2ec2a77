"""Reminder schedules as pure rules: parsing what members type, and the next time a reminder fires.

Three kinds of rule:
- `EveryRule`: every N minutes on a daily grid that restarts at `anchor` each local day, or (with
  `since_last`) N minutes after the last session, optionally with quiet hours;
- `AtRule`: a fixed list of local times of day;
- `OnceRule`: one instant.

Times of day live in the reminder's IANA zone, so a 07:00 reminder stays at 07:00 local across daylight
saving changes. A local time that does not exist (the spring-forward gap) fires once, at the instant
zoneinfo gives for fold=0 (02:30 in New York becomes 03:30 EDT); a local time that exists twice fires
once, the first time. Quiet hours move a fire inside [start, end) to the end of that quiet period, and
fires that land on the same instant fire once.

`next_fire` is O(1) on ordinary days (a fixed UTC offset and a bisect over the day's times); only within
two days of a zone transition does it walk the listed times around `after` one by one (at most about a
day and a half of them).
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

MIN_INTERVAL = timedelta(minutes=30)
MAX_INTERVAL = timedelta(hours=24)
MIN_AFTER = timedelta(minutes=1)
MAX_AFTER = timedelta(days=7)
MAX_TIMES = 12

INTERVAL_HELP = "Use a duration from 30m to 24h, e.g. `3h`, `2h30m` or `90m`."
AFTER_HELP = "Use a duration from 1m to 7d, e.g. `45m`, `2h30m` or `1d`."
TIME_HELP = "Use a time of day, e.g. `06:00`, `9:30`, `6am` or `1pm`."
TIMES_HELP = "Use 1 to 12 times of day separated by commas or spaces, e.g. `06:00, 9:30, 13:00` or `6am 1pm`."
QUIET_HELP = "Use quiet hours as start-end, e.g. `23:00-06:00` or `11pm-6am`."
QUIET_SAME_HELP = "Quiet hours need a start and an end that differ, e.g. `23:00-06:00`."

# Anything longer than this is not a duration or a list of times; refusing early keeps parsing cheap.
_MAX_INPUT_LENGTH = 200

_DAY = timedelta(days=1)
# No zone moves its wall clock by more than this at one transition (real ones move 30 minutes to 2 hours).
_MAX_SHIFT = timedelta(hours=3)
# A zone that keeps one UTC offset for this long on both sides of an instant has no transition that can
# move a fire near it, so a fixed offset gives the exact answer (no zone changes offset twice in 4 days).
_STEADY_SPAN = timedelta(days=2)


class ReminderInputError(ValueError):
    """What a member typed is not a valid schedule; str(error) says what is accepted, with an example."""


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
        object.__setattr__(self, "at", _as_utc(self.at))


Rule = EveryRule | AtRule | OnceRule


def _plain_time(moment: time) -> time:
    return moment.replace(tzinfo=None, fold=0)


def _as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetimes are not allowed; attach a timezone")
    return instant.astimezone(UTC)


# ---------------------------------------------------------------------------------------------------
# Parsing


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))


def _normalise(text: str, help_text: str) -> str:
    """Lower case, plain digits, plain dashes, single spaces."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LENGTH:
        raise ReminderInputError(help_text)
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_DASH_TABLE)
    return " ".join(folded.split())


_UNIT_SECONDS = {
    **dict.fromkeys(("d", "day", "days"), 86_400),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3_600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
}
_NUMBER = r"[0-9]{1,6}(?:[.,][0-9]{1,6})?"
_PART = rf"{_NUMBER} ?[a-z]+"
_DURATION_RE = re.compile(rf"{_PART}(?:(?: ?(?:,|&|\+|and) ?| ?){_PART})*")
_PART_RE = re.compile(rf"({_NUMBER}) ?([a-z]+)")


def _parse_duration(text: str, low: timedelta, high: timedelta, help_text: str) -> timedelta:
    cleaned = _normalise(text, help_text)
    if not _DURATION_RE.fullmatch(cleaned):
        raise ReminderInputError(help_text)
    seconds = Fraction(0)
    units_seen: set[int] = set()
    for number, unit in _PART_RE.findall(cleaned):
        unit_seconds = _UNIT_SECONDS.get(unit)
        if unit_seconds is None or unit_seconds in units_seen:
            raise ReminderInputError(help_text)
        units_seen.add(unit_seconds)
        seconds += Fraction(number.replace(",", ".")) * unit_seconds
    if seconds.denominator != 1 or seconds % 60:
        raise ReminderInputError(f"Whole minutes only. {help_text}")
    if seconds < low.total_seconds():
        raise ReminderInputError(f"That is shorter than {format_duration(low)}. {help_text}")
    if seconds > high.total_seconds():
        raise ReminderInputError(f"That is longer than {format_duration(high)}. {help_text}")
    return timedelta(seconds=int(seconds))


def parse_interval(text: str) -> timedelta:
    """A repeat interval, 30m to 24h: "3h", "2h30m", "90m", "1.5h", "3 hours"."""
    return _parse_duration(text, MIN_INTERVAL, MAX_INTERVAL, INTERVAL_HELP)


def parse_after(text: str) -> timedelta:
    """A delay for a one-off reminder, 1m to 7d: "45m", "2h30m", "1d"."""
    return _parse_duration(text, MIN_AFTER, MAX_AFTER, AFTER_HELP)


_TIME_PATTERN = r"(?:([0-9]{1,2})(?:[:.h]([0-9]{2}))?(?: ?(am|pm))?|(noon|midday|midnight))"
_TIME_RE = re.compile(_TIME_PATTERN)
_TIME_SEPARATOR_RE = re.compile(r" ?(?:,|;|/|&|\+|\band\b) ?| ")
_MERIDIEM_RE = re.compile(r"(?<![a-z])([ap])\.? ?m(?![a-z])\.?")


def _clean_times_text(text: str, help_text: str) -> str:
    return _MERIDIEM_RE.sub(r"\1m", _normalise(text, help_text))


def _time_from_match(match: re.Match[str]) -> time | None:
    hour_text, minute_text, meridiem, word = match.groups()
    if word is not None:
        return time(0) if word == "midnight" else time(12)
    hour = int(hour_text)
    minute = int(minute_text) if minute_text is not None else 0
    if minute > 59:
        return None
    if meridiem is None:
        # A bare "6" could mean morning or evening: ask for "6am" or "06:00" instead of guessing.
        if minute_text is None or hour > 23:
            return None
        return time(hour, minute)
    if not 1 <= hour <= 12:
        return None
    return time(hour % 12 + (12 if meridiem == "pm" else 0), minute)


def _single_time(cleaned: str, help_text: str) -> time:
    match = _TIME_RE.fullmatch(cleaned)
    parsed = _time_from_match(match) if match else None
    if parsed is None:
        raise ReminderInputError(help_text)
    return parsed


def parse_time_of_day(text: str) -> time:
    """A local time of day: "06:00", "6:00", "9:30", "6am", "1pm", "12:30am", "13:00"."""
    return _single_time(_clean_times_text(text, TIME_HELP), TIME_HELP)


def parse_times(text: str) -> tuple[time, ...]:
    """1 to 12 times of day separated by commas or spaces, sorted, duplicates collapsed."""
    cleaned = _clean_times_text(text, TIMES_HELP).strip(" ,;")
    found: set[time] = set()
    position = 0
    while position < len(cleaned):
        if found:
            separator = _TIME_SEPARATOR_RE.match(cleaned, position)
            if separator is None:
                raise ReminderInputError(TIMES_HELP)
            position = separator.end()
        match = _TIME_RE.match(cleaned, position)
        parsed = _time_from_match(match) if match and match.end() > position else None
        if match is None or parsed is None:
            raise ReminderInputError(TIMES_HELP)
        found.add(parsed)
        position = match.end()
    if not found:
        raise ReminderInputError(TIMES_HELP)
    if len(found) > MAX_TIMES:
        raise ReminderInputError(f"That is more than {MAX_TIMES} times. {TIMES_HELP}")
    return tuple(sorted(found))


_QUIET_SPLIT_RE = re.compile(r" ?(?:-|\bto\b|\buntil\b|\btill\b) ?")


def parse_quiet_hours(text: str) -> QuietHours:
    """Local quiet hours: "23:00-06:00", "23:00 to 06:00", "11pm-6am" (any dash), "22:30 to 7:00"."""
    parts = _QUIET_SPLIT_RE.split(_clean_times_text(text, QUIET_HELP))
    if len(parts) != 2:
        raise ReminderInputError(QUIET_HELP)
    start, end = (_single_time(part, QUIET_HELP) for part in parts)
    if start == end:
        raise ReminderInputError(QUIET_SAME_HELP)
    return QuietHours(start, end)


# ---------------------------------------------------------------------------------------------------
# Next fire


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_instant(day: date, moment: time, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The UTC instant of a local wall time; fold=0 for a time in a gap gives the shifted-later instant."""
    return datetime.combine(day, moment, tzinfo=zone).replace(fold=fold).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _DailyPlan:
    """The local times of day a daily rule fires at.

    `base` are the times before quiet hours (every calendar day has the same set, since a grid that
    restarts at the anchor each day repeats the same wall times); `effective` are the sorted times after
    quiet hours moved some of them to the end of the quiet period, which holds on any day with one UTC
    offset.
    """

    base: tuple[time, ...]
    quiet: QuietHours | None
    effective: tuple[time, ...]
    # Base times whose fire quiet hours may move (directly, or once a gap shifts them).
    movable: frozenset[time] = frozenset()


_MICROS_PER_DAY = 86_400_000_000


def _micros(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def _time_from_micros(micros: int) -> time:
    seconds, microsecond = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, microsecond)


def grid_times(interval: timedelta, anchor: time) -> tuple[time, ...]:
    """The local times of day of a grid that restarts at `anchor` every day and steps by `interval`."""
    step = interval // timedelta(microseconds=1)
    start = _micros(anchor)
    return tuple(
        sorted(
            {
                _time_from_micros((start + offset) % _MICROS_PER_DAY)
                for offset in range(0, _MICROS_PER_DAY, step)
            }
        )
    )


def _may_end_up_quiet(moment: time, quiet: QuietHours) -> bool:
    """Whether a fire at wall time `moment` is in quiet hours, or could be once a gap shifts it."""
    shifted = (datetime.combine(date.min, moment) + _MAX_SHIFT).time()
    if shifted > moment:
        starts_between = moment < quiet.start <= shifted
    else:  # past midnight
        starts_between = quiet.start > moment or quiet.start <= shifted
    return quiet.contains(moment) or starts_between


@lru_cache(maxsize=4096)
def _daily_plan(rule: EveryRule | AtRule) -> _DailyPlan:
    if isinstance(rule, AtRule):
        return _DailyPlan(rule.times, None, rule.times)
    base = grid_times(rule.interval, rule.anchor)
    quiet = rule.quiet
    if quiet is None:
        return _DailyPlan(base, None, base)
    effective = tuple(sorted({quiet.end if quiet.contains(moment) else moment for moment in base}))
    movable = frozenset(moment for moment in base if _may_end_up_quiet(moment, quiet))
    return _DailyPlan(base, quiet, effective, movable)


def _first_quiet_end(end_day: date, zone: ZoneInfo, quiet: QuietHours, later_than: datetime) -> datetime:
    """The first instant from `end_day` on whose local time is `quiet.end`, after `later_than`, and not
    itself inside quiet hours (which only happens when a spring-forward gap swallows the whole
    non-quiet window of a day; then the quiet period runs on to the next day's end)."""
    for day_offset in range(3):
        for fold in (0, 1):
            end = _local_instant(end_day + timedelta(days=day_offset), quiet.end, zone, fold)
            if end > later_than and not quiet.contains(end.astimezone(zone).time()):
                return end
    return later_than.astimezone(UTC)  # unreachable for real zones: a day always has non-quiet time


def _quiet_end(local: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """The end of the quiet period that `local` (an aware local datetime inside it) belongs to."""
    end_day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_day += _DAY
    return _first_quiet_end(end_day, zone, quiet, local)


def _outside_quiet(instant: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    if quiet is None:
        return instant
    local = instant.astimezone(zone)
    if quiet.contains(local.time()):
        return _quiet_end(local, zone, quiet)
    return instant


def _steady_offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset at `instant` if it holds for `_STEADY_SPAN` on both sides, else None."""
    offset = instant.astimezone(zone).utcoffset()
    before = (instant - _STEADY_SPAN).astimezone(zone).utcoffset()
    after = (instant + _STEADY_SPAN).astimezone(zone).utcoffset()
    return offset if offset == before == after else None


def _daily_fire(
    day: date, moment: time, zone: ZoneInfo, quiet: QuietHours | None, quiet_ends: dict[date, datetime]
) -> datetime:
    """Where the listed wall time `moment` of `day` fires, after quiet hours.

    A wall time inside quiet hours moves to the end of its quiet period. So does one that exists only
    because of a gap shift (02:30 firing at 03:30 EDT) when the shifted time is inside quiet hours.
    """
    if quiet is not None and quiet.contains(moment):
        end_day = day + _DAY if quiet.start > quiet.end and moment >= quiet.start else day
        if end_day not in quiet_ends:
            start_of_day = datetime.combine(day, time(0), tzinfo=zone)
            quiet_ends[end_day] = _first_quiet_end(end_day, zone, quiet, start_of_day)
        return quiet_ends[end_day]
    return _outside_quiet(_local_instant(day, moment, zone), zone, quiet)


def _listed_walls(times: tuple[time, ...], start: datetime) -> Iterator[datetime]:
    """The listed local wall times (naive datetimes) from `start` on, in order, without end."""
    day = start.date()
    index = bisect_left(times, start.time())
    while True:
        for moment in times[index:]:
            yield datetime.combine(day, moment)
        day += _DAY
        index = 0


def _next_daily_exact(plan: _DailyPlan, zone: ZoneInfo, after: datetime) -> datetime:
    """Walk the listed wall times around `after` in order, mapping each to the instant it fires at.

    The walk starts early enough to see a fire moved past `after` by a gap or by quiet hours, and stops
    once wall times are so far past the best fire found that no transition could bring one before it.
    """
    local_after = after.astimezone(zone).replace(tzinfo=None)
    lookback = _DAY + 2 * _MAX_SHIFT if plan.quiet is not None else _MAX_SHIFT
    quiet_ends: dict[date, datetime] = {}
    best: tuple[datetime, datetime] | None = None  # (fire, the wall time beyond which to stop)
    long_before = local_after - 2 * _MAX_SHIFT
    for wall in _listed_walls(plan.base, local_after - lookback):
        if best is not None and wall > best[1]:
            return best[0]
        if wall < long_before and wall.time() not in plan.movable:
            continue  # fires long before `after`: neither a gap nor quiet hours can move it past
        fire = _daily_fire(wall.date(), wall.time(), zone, plan.quiet, quiet_ends)
        if fire > after and (best is None or fire < best[0]):
            best = (fire, fire.astimezone(zone).replace(tzinfo=None) + _MAX_SHIFT)
    raise AssertionError("unreachable: the walk is endless")


def _next_daily(plan: _DailyPlan, zone: ZoneInfo, after: datetime) -> datetime:
    offset = _steady_offset(after, zone)
    if offset is None:
        return _next_daily_exact(plan, zone, after)
    local = (after + offset).replace(tzinfo=None)
    index = bisect_right(plan.effective, local.time())
    if index < len(plan.effective):
        wall = datetime.combine(local.date(), plan.effective[index])
    else:
        wall = datetime.combine(local.date() + _DAY, plan.effective[0])
    return (wall - offset).replace(tzinfo=UTC)


def _next_since_last(rule: EveryRule, zone: ZoneInfo, after: datetime, since: datetime | None) -> datetime:
    start = after if since is None else _as_utc(since)
    steps = 1 if start + rule.interval > after else (after - start) // rule.interval + 1
    fire = _outside_quiet(start + steps * rule.interval, zone, rule.quiet)
    if steps > 1:
        # A step at or before `after` inside the quiet period `after` is in fires at that period's end.
        earlier = _outside_quiet(start + (steps - 1) * rule.interval, zone, rule.quiet)
        if earlier > after:
            return earlier
    return fire


def next_fire(rule: Rule, zone: str, after: datetime, *, since: datetime | None = None) -> datetime | None:
    """The first fire strictly after `after` (aware, any zone in; aware UTC out).

    None only for a OnceRule already past. `since` (used by since-last rules only) is the latest of the
    last session marked done, the last fire and the reminder's creation; without it, `after` is used.
    """
    after = _as_utc(after)
    if isinstance(rule, OnceRule):
        return rule.at if rule.at > after else None
    tz = _zone(zone)
    if isinstance(rule, EveryRule) and rule.since_last:
        return _next_since_last(rule, tz, after, since)
    return _next_daily(_daily_plan(rule), tz, after)


def anchor_from(instant: datetime, zone: str) -> time:
    """The local wall time of `instant` to the minute: the default grid anchor for "starting now"."""
    return _as_utc(instant).astimezone(_zone(zone)).time().replace(second=0, microsecond=0, fold=0)


# ---------------------------------------------------------------------------------------------------
# Describing and storing


def format_duration(span: timedelta) -> str:
    """ "3 h", "2 h 30 min", "45 min", "24 h", "7 d"."""
    minutes = int(span.total_seconds()) // 60
    days, rest = divmod(minutes, 1440)
    if days > 1 and not rest:
        return f"{days} d"
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def describe_quiet(quiet: QuietHours) -> str:
    return f"{_hhmm(quiet.start)}\u2013{_hhmm(quiet.end)}"  # en dash


def kind_of(rule: Rule) -> str:
    """The rule's kind as stored beside it: "every", "at" or "once"."""
    if isinstance(rule, EveryRule):
        return "every"
    return "at" if isinstance(rule, AtRule) else "once"


def describe(rule: Rule, zone: str) -> str:
    """A short human summary, e.g. "every 3 h from 06:00 · quiet 23:00-06:00 · Europe/London" (en dash)."""
    if isinstance(rule, OnceRule):
        local = rule.at.astimezone(_zone(zone))
        return f"once at {_hhmm(local.time())} on {local.day} {local:%b} · {zone}"
    if isinstance(rule, AtRule):
        return f"at {', '.join(_hhmm(moment) for moment in rule.times)} · {zone}"
    start = "after the last session" if rule.since_last else f"from {_hhmm(rule.anchor)}"
    parts = [f"every {format_duration(rule.interval)} {start}"]
    if rule.quiet is not None:
        parts.append(f"quiet {describe_quiet(rule.quiet)}")
    parts.append(zone)
    return " · ".join(parts)


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
