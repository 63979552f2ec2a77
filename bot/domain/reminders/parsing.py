"""Parsing what members type for a reminder: durations, times of day, lists of times, quiet hours.

Forgiving on purpose: "3h", "2h30m", "90m", "1.5h", "3 hours"; "06:00", "6am", "1 pm", "noon"; any dash
in "23:00 to 06:00". What cannot be read is refused with a `ReminderInputError` whose code says which kind
of value it was, so the member is told what is accepted, with an example.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time, timedelta
from fractions import Fraction
from typing import Literal

from bot.domain.reminders.model import MAX_TIMES, QuietHours
from bot.errors import Refusal, Typed

MIN_INTERVAL = timedelta(minutes=30)
MAX_INTERVAL = timedelta(hours=24)
MIN_AFTER = timedelta(minutes=1)
MAX_AFTER = timedelta(days=7)

# Anything longer than this is not a duration or a list of times; refusing early keeps parsing cheap.
MAX_INPUT_LENGTH = 200

# What a value was meant to be: the message names what is accepted for it.
ValueKind = Literal["interval", "after", "time", "times", "quiet"]


class ReminderInputError(Refusal):
    """What a member typed is not a valid schedule value.

    Codes: ``reminder.input`` (unreadable), ``reminder.whole_minutes``, ``reminder.too_short`` /
    ``reminder.too_long`` (with ``limit``), ``reminder.too_many_times``, ``reminder.quiet_same``;
    ``kind`` is the ValueKind and ``typed`` what was typed.
    """

    def __init__(self, code: str, kind: ValueKind, typed: str, **data: object) -> None:
        super().__init__(code, kind=kind, typed=Typed(typed), **data)
        self.kind = kind


def _refuse(kind: ValueKind, typed: str) -> ReminderInputError:
    return ReminderInputError("reminder.input", kind, typed)


def _normalise(text: str, kind: ValueKind) -> str:
    """Lower case, plain digits, plain dashes, single spaces."""
    if not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH:
        raise _refuse(kind, str(text))
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_DASH_TABLE)
    return " ".join(folded.split())


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))

_UNIT_SECONDS = {
    **dict.fromkeys(("d", "day", "days"), 86_400),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3_600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
}
_NUMBER = r"[0-9]{1,6}(?:[.,][0-9]{1,6})?"
_PART = rf"{_NUMBER} ?[a-z]+"
_DURATION_RE = re.compile(rf"{_PART}(?:(?: ?(?:,|&|\+|and) ?| ?){_PART})*")
_PART_RE = re.compile(rf"({_NUMBER}) ?([a-z]+)")


def _parse_duration(text: str, low: timedelta, high: timedelta, kind: ValueKind) -> timedelta:
    cleaned = _normalise(text, kind)
    if not _DURATION_RE.fullmatch(cleaned):
        raise _refuse(kind, text)
    seconds = Fraction(0)
    units_seen: set[int] = set()
    for number, unit in _PART_RE.findall(cleaned):
        unit_seconds = _UNIT_SECONDS.get(unit)
        if unit_seconds is None or unit_seconds in units_seen:
            raise _refuse(kind, text)
        units_seen.add(unit_seconds)
        seconds += Fraction(number.replace(",", ".")) * unit_seconds
    if seconds.denominator != 1 or seconds % 60:
        raise ReminderInputError("reminder.whole_minutes", kind, text)
    if seconds < low.total_seconds():
        raise ReminderInputError("reminder.too_short", kind, text, limit=low)
    if seconds > high.total_seconds():
        raise ReminderInputError("reminder.too_long", kind, text, limit=high)
    return timedelta(seconds=int(seconds))


def parse_interval(text: str) -> timedelta:
    """A repeat interval, 30m to 24h: "3h", "2h30m", "90m", "1.5h", "3 hours"."""
    return _parse_duration(text, MIN_INTERVAL, MAX_INTERVAL, "interval")


def parse_after(text: str) -> timedelta:
    """A delay for a one-off reminder, 1m to 7d: "45m", "2h30m", "1d"."""
    return _parse_duration(text, MIN_AFTER, MAX_AFTER, "after")


_TIME_PATTERN = r"(?:([0-9]{1,2})(?:[:.h]([0-9]{2}))?(?: ?(am|pm))?|(noon|midday|midnight))"
_TIME_RE = re.compile(_TIME_PATTERN)
_TIME_SEPARATOR_RE = re.compile(r" ?(?:,|;|/|&|\+|\band\b) ?| ")
_MERIDIEM_RE = re.compile(r"(?<![a-z])([ap])\.? ?m(?![a-z])\.?")
_NOT_SEPARATOR_RE = re.compile(r"[^ ,;/&+]+")


def _clean_times_text(text: str, kind: ValueKind) -> str:
    return _MERIDIEM_RE.sub(r"\1m", _normalise(text, kind))


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


def _single_time(cleaned: str, kind: ValueKind) -> time:
    match = _TIME_RE.fullmatch(cleaned)
    parsed = _time_from_match(match) if match else None
    if parsed is None:
        raise _refuse(kind, cleaned)  # the one value that is not a time, so the member sees which
    return parsed


def parse_time_of_day(text: str) -> time:
    """A local time of day: "06:00", "6:00", "9:30", "6am", "1pm", "12:30am", "13:00"."""
    return _single_time(_clean_times_text(text, "time"), "time")


def parse_times(text: str) -> tuple[time, ...]:
    """1 to 12 times of day separated by commas or spaces, sorted, duplicates collapsed."""
    cleaned = _clean_times_text(text, "times").strip(" ,;")
    found: set[time] = set()
    position = 0
    while position < len(cleaned):
        if found:
            separator = _TIME_SEPARATOR_RE.match(cleaned, position)
            if separator is None:
                raise _refuse("times", _piece_at(cleaned, position))
            position = separator.end()
        match = _TIME_RE.match(cleaned, position)
        parsed = _time_from_match(match) if match and match.end() > position else None
        if match is None or parsed is None:
            raise _refuse("times", _piece_at(cleaned, position))
        found.add(parsed)
        position = match.end()
    if not found:
        raise _refuse("times", text)
    if len(found) > MAX_TIMES:
        raise ReminderInputError("reminder.too_many_times", "times", text, limit=MAX_TIMES)
    return tuple(sorted(found))


def _piece_at(cleaned: str, position: int) -> str:
    """The word at ``position``: the value that could not be read."""
    match = _NOT_SEPARATOR_RE.search(cleaned, position)
    return match.group(0) if match else cleaned[position:]


_QUIET_SPLIT_RE = re.compile(r" ?(?:-|\bto\b|\buntil\b|\btill\b) ?")


def parse_quiet_hours(text: str) -> QuietHours:
    """Local quiet hours: "23:00-06:00", "23:00 to 06:00", "11pm-6am" (any dash), "22:30 to 7:00"."""
    parts = _QUIET_SPLIT_RE.split(_clean_times_text(text, "quiet"))
    if len(parts) != 2:
        raise _refuse("quiet", text)
    start, end = (_single_time(part, "quiet") for part in parts)
    if start == end:
        raise ReminderInputError("reminder.quiet_same", "quiet", text)
    return QuietHours(start, end)
