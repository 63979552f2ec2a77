"""Parsing what members type for a reminder: durations, times of day, lists of times, quiet hours, night
spacing, an end date and a count.

Forgiving on purpose: "3h", "2h30m", "90m", "1.5h", "3 hours"; "06:00", "6am", "1 pm", "noon"; any dash
in "23:00 to 06:00"; "24 Dec", "dec 24th", "2026-12-24", "tomorrow"; "8", "8 times". What cannot be read
is refused with a `ReminderInputError` whose code says which kind of value it was, so the member is told
what is accepted, with an example. A date written only in numbers other than year-month-day ("03/04") is
refused as ambiguous rather than guessed. Values that clash are checked in `bot.domain.reminders.building`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.reminders.model import (
    MAX_TIMES,
    DailyWindow,
    QuietHours,
    as_utc,
)
from bot.errors import Refusal, Typed

MIN_INTERVAL = timedelta(minutes=30)
MAX_INTERVAL = timedelta(hours=24)
MIN_AFTER = timedelta(minutes=1)
MAX_AFTER = timedelta(days=7)
MIN_COUNT = 1
MAX_COUNT = 500
MAX_UNTIL_YEARS = 2  # an end date at most this many years ahead (a typo like 2062 is refused)

# Anything longer than this is not a duration or a list of times; refusing early keeps parsing cheap.
MAX_INPUT_LENGTH = 200

# What a value was meant to be: the message names what is accepted for it.
ValueKind = Literal[
    "interval", "after", "time", "times", "quiet", "night", "night_interval", "until", "count"
]


class ReminderInputError(Refusal):
    """What a member typed is not a valid schedule value.

    Codes: ``reminder.input`` (unreadable), ``reminder.whole_minutes``, ``reminder.too_short`` /
    ``reminder.too_long`` (with ``limit``), ``reminder.too_many_times``, ``reminder.quiet_same``,
    ``reminder.night_same``, ``reminder.date_ambiguous``, ``reminder.no_such_date``,
    ``reminder.until_past`` (with ``until``, ``today``, ``zone``), ``reminder.until_too_far`` (with
    ``years``), ``reminder.count_range`` (with ``low``, ``high``); ``kind`` is the ValueKind and
    ``typed`` what was typed.
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


def _parse_window(text: str, kind: Literal["quiet", "night"]) -> DailyWindow:
    parts = _QUIET_SPLIT_RE.split(_clean_times_text(text, kind))
    if len(parts) != 2:
        raise _refuse(kind, text)
    start, end = (_single_time(part, kind) for part in parts)
    if start == end:
        raise ReminderInputError(f"reminder.{kind}_same", kind, text)
    return DailyWindow(start, end)


def parse_quiet_hours(text: str) -> QuietHours:
    """Local quiet hours: "23:00-06:00", "23:00 to 06:00", "11pm-6am" (any dash), "22:30 to 7:00"."""
    return _parse_window(text, "quiet")


def parse_night_window(text: str) -> DailyWindow:
    """The local night window of night spacing, written as quiet hours are: "22:00-06:00", "10pm to 6am"."""
    return _parse_window(text, "night")


def parse_night_interval(text: str) -> timedelta:
    """The gap between reminders through the night, 30m to 24h: "4h30m", "5 hours"."""
    return _parse_duration(text, MIN_INTERVAL, MAX_INTERVAL, "night_interval")


# ---------------------------------------------------------------------------------------------------
# When a reminder ends

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO_DATE_RE = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")
# Only digits and separators, not year first: 03/04, 3.4., 24-12, 3/4/2026. Day or month first? Refused.
_NUMERIC_DATE_RE = re.compile(r"[0-9]{1,2}[-/.][0-9]{1,2}(?:[-/.][0-9]{2,4})?\.?")
_DATE_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+(?:st|nd|rd|th)?")
_DATE_FILLER = re.compile(r"(?:[ ,./-]|\bof\b|\bthe\b)*")
_DAY_RE = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?")
_YEAR_RE = re.compile(r"[0-9]{4}")
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1}


def _today(now: datetime, zone: str) -> date:
    return as_utc(now).astimezone(ZoneInfo(zone)).date()


def _date_parts(cleaned: str, typed: str) -> tuple[int | None, int, int]:
    """(year or None, month, day) from "24 dec", "december 24th 2026", "24th of dec, 2026"."""
    tokens: list[str] = []
    position = 0
    while position < len(cleaned):
        filler = _DATE_FILLER.match(cleaned, position)
        position = filler.end() if filler else position
        if position >= len(cleaned):
            break
        token = _DATE_TOKEN_RE.match(cleaned, position)
        if token is None:
            raise _refuse("until", typed)
        tokens.append(token.group(0))
        position = token.end()
    if len(tokens) >= 2 and all(token.isdigit() for token in tokens):
        raise ReminderInputError("reminder.date_ambiguous", "until", typed)  # "24 12": which is which?
    year: int | None = None
    if len(tokens) == 3 and _YEAR_RE.fullmatch(tokens[2]):
        year = int(tokens.pop())
    if len(tokens) != 2:
        raise _refuse("until", typed)
    first, second = tokens
    month_word, day_text = (first, second) if first in _MONTHS else (second, first)
    day = _DAY_RE.fullmatch(day_text)
    if month_word not in _MONTHS or day is None:
        raise _refuse("until", typed)
    return year, _MONTHS[month_word], int(day.group(1))


def _calendar_date(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ReminderInputError("reminder.no_such_date", "until", typed) from None


def _next_such_day(today: date, month: int, day: int, typed: str) -> date:
    """The first `day` of `month` on or after today (29 Feb waits for a leap year)."""
    if not 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31):
        raise ReminderInputError("reminder.no_such_date", "until", typed)
    year = today.year
    while True:
        try:
            found = date(year, month, day)
        except ValueError:  # 29 Feb outside a leap year
            year += 1
            continue
        if found >= today:
            return found
        year += 1


def parse_until(text: str, *, now: datetime, zone: str) -> date:
    """The last local day a reminder fires on (that day included), in the reminder's zone.

    "2026-12-24" (also with / or .), "24 Dec", "24th December 2026", "Dec 24", "dec 24, 2026", "today",
    "tomorrow". Without a year: the next such day from today on. Refused: numbers-only dates other than
    year-month-day (ambiguous), days that do not exist, days before today in `zone` at `now`, and days
    more than two years ahead.
    """
    cleaned = _normalise(text, "until")
    today = _today(now, zone)
    if cleaned in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[cleaned])
    iso = _ISO_DATE_RE.fullmatch(cleaned)
    if iso is not None:
        until = _calendar_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), text)
    elif _NUMERIC_DATE_RE.fullmatch(cleaned):
        raise ReminderInputError("reminder.date_ambiguous", "until", text)
    else:
        year, month, day = _date_parts(cleaned, text)
        if year is None:
            until = _next_such_day(today, month, day, text)
        else:
            until = _calendar_date(year, month, day, text)
    if until < today:
        raise ReminderInputError("reminder.until_past", "until", text, until=until, today=today, zone=zone)
    if until > _years_after(today, MAX_UNTIL_YEARS):
        raise ReminderInputError("reminder.until_too_far", "until", text, years=MAX_UNTIL_YEARS)
    return until


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year + years, day=28)


_COUNT_RE = re.compile(r"(?:x ?)?([0-9]{1,9})(?: ?(?:x|times|reminders?))?")


def parse_count(text: str | int) -> int:
    """How many reminders to deliver before the reminder ends, 1 to 500: "8", "8 times", "8x", or an int."""
    if isinstance(text, int) and not isinstance(text, bool):
        count, typed = text, str(text)
    else:
        typed = str(text)
        match = _COUNT_RE.fullmatch(_normalise(typed, "count"))
        if match is None:
            raise _refuse("count", typed)
        count = int(match.group(1))
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise ReminderInputError("reminder.count_range", "count", typed, low=MIN_COUNT, high=MAX_COUNT)
    return count
