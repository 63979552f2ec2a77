"""Reminders shaped like a pumping day: reminders that end, night spacing, and editing a schedule.

The reference comparisons for night spacing across clock changes are in test_reminder_rules.py; here are
the worked examples, the properties that state the rules in other words, parsing, refusals and storage.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise, takewhile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.reminders.building import ReminderRuleError, every_rule, first_fire
from bot.domain.reminders.editing import CLEAR, ReminderEditError, RuleChanges, edit_rule
from bot.domain.reminders.model import (
    AtRule,
    DailyWindow,
    Ends,
    EveryRule,
    NightSpacing,
    OnceRule,
    QuietHours,
    Rule,
    grid_times,
    night_covers_grid,
    rule_from_json,
    rule_to_json,
)
from bot.domain.reminders.parsing import (
    ReminderInputError,
    parse_count,
    parse_night_interval,
    parse_night_window,
    parse_until,
)
from bot.domain.reminders.schedule import is_last, next_fire, next_fires
from bot.domain.timezones import UnknownZoneError
from bot.errors import Refusal
from bot.ui.messages import COUNT_HELP, NIGHT_HELP, NIGHT_INTERVAL_HELP, UNTIL_HELP, has_text, refusal_text
from bot.ui.reminder_text import LAST_ONE, describe, ends_line, upcoming_text

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
DENVER = "America/Denver"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"  # no clock changes: wall-time gaps equal elapsed gaps

SLOW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hm(text: str) -> time:
    return time.fromisoformat(text)


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def walls(fires: tuple[datetime, ...] | list[datetime], zone: str) -> list[str]:
    return [local(fire, zone).strftime("%d %H:%M %Z") for fire in fires]


def night(window: str, interval: timedelta) -> NightSpacing:
    start, end = window.split("-")
    return NightSpacing(DailyWindow(hm(start), hm(end)), interval)


H = timedelta(hours=1)
M = timedelta(minutes=1)

# ---------------------------------------------------------------------------------------------------
# Ends: the model and storage


def test_an_end_needs_a_date_or_a_count_of_at_least_one() -> None:
    with pytest.raises(ValueError, match="date, a count or both"):
        Ends()
    with pytest.raises(ValueError, match="at least 1"):
        Ends(count=0)
    with pytest.raises(ValueError, match="local date"):
        Ends(until=utc(2026, 6, 1))  # an instant is a date too, in Python
    assert Ends(date(2026, 6, 1), 3).count == 3


def test_rules_stored_before_ends_and_night_spacing_still_load() -> None:
    every = rule_from_json(
        '{"anchor":"06:00:00","interval_seconds":10800,"kind":"every",'
        '"quiet":{"end":"06:00:00","start":"23:00:00"},"since_last":false}'
    )
    assert every == EveryRule(3 * H, hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    assert isinstance(every, EveryRule) and every.night is None and every.ends is None
    at = rule_from_json('{"kind":"at","times":["06:00:00","13:00:00"]}')
    assert at == AtRule((hm("06:00"), hm("13:00")))
    assert isinstance(at, AtRule) and at.ends is None


def test_a_rule_with_an_end_and_night_spacing_is_stored_readably() -> None:
    rule = EveryRule(
        3 * H, hm("06:00"), None, night=night("22:00-06:00", 4 * H + 30 * M), ends=Ends(date(2026, 12, 24), 8)
    )
    assert json.loads(rule_to_json(rule)) == {
        "kind": "every",
        "interval_seconds": 10800,
        "anchor": "06:00:00",
        "quiet": None,
        "since_last": False,
        "night": {"start": "22:00:00", "end": "06:00:00", "interval_seconds": 16200},
        "ends": {"until": "2026-12-24", "count": 8},
    }
    assert json.loads(rule_to_json(AtRule((hm("06:00"),), ends=Ends(count=5))))["ends"] == {
        "until": None,
        "count": 5,
    }


@pytest.mark.parametrize(
    "ends",
    ['{"until":null,"count":null}', '{"until":null,"count":"3"}', '{"until":"24 Dec","count":null}', "[]"],
)
def test_a_stored_end_that_is_not_one_is_refused(ends: str) -> None:
    with pytest.raises(ValueError, match="not a stored reminder rule"):
        rule_from_json('{"kind":"at","times":["06:00:00"],"ends":' + ends + "}")


ends_values = (
    st.tuples(st.none() | st.dates(date(2025, 1, 1), date(2029, 1, 1)), st.none() | st.integers(1, 60))
    .filter(lambda pair: pair != (None, None))
    .map(lambda pair: Ends(*pair))
)
whole_minutes = st.builds(time, hour=st.integers(0, 23), minute=st.integers(0, 59))
windows = (
    st.tuples(whole_minutes, whole_minutes)
    .filter(lambda pair: pair[0] != pair[1])
    .map(lambda pair: DailyWindow(*pair))
)


@st.composite
def shaped_rules(draw: st.DrawFn) -> EveryRule | AtRule:
    """Rules with every new field, valid as the model requires."""
    ends = draw(st.none() | ends_values)
    if draw(st.booleans()):
        return AtRule(tuple(draw(st.lists(whole_minutes, min_size=1, max_size=12))), ends=ends)
    interval = timedelta(minutes=draw(st.integers(30, 24 * 60)))
    anchor = draw(whole_minutes)
    since_last = draw(st.booleans())
    spacing = None
    if draw(st.booleans()):
        spacing = NightSpacing(draw(windows), interval + timedelta(minutes=draw(st.integers(0, 600))))
        assume(since_last or not night_covers_grid(interval, anchor, spacing.window))
    return EveryRule(interval, anchor, draw(st.none() | windows), since_last, spacing, ends)


@given(rule=shaped_rules())
def test_rules_with_ends_and_night_spacing_round_trip(rule: Rule) -> None:
    stored = rule_to_json(rule)
    assert rule_from_json(stored) == rule
    assert rule_to_json(rule_from_json(stored)) == stored


# ---------------------------------------------------------------------------------------------------
# Ends: the next fire respects them


def test_until_is_the_last_local_day_included() -> None:
    rule = AtRule((hm("06:00"), hm("18:00")), ends=Ends(until=date(2026, 6, 3)))
    got = next_fires(rule, LONDON, utc(2026, 6, 2, 12), 10)
    assert walls(got, LONDON) == ["02 18:00 BST", "03 06:00 BST", "03 18:00 BST"]
    assert next_fire(rule, LONDON, utc(2026, 6, 3, 17)) is None


def test_until_is_a_date_in_the_reminders_zone_not_in_utc() -> None:
    # 07:00 in Sydney on 4 June is still 3 June in UTC: with until 3 June it does not fire.
    rule = AtRule((hm("07:00"),), ends=Ends(until=date(2026, 6, 3)))
    assert next_fire(rule, SYDNEY, utc(2026, 6, 2, 12)) == utc(2026, 6, 2, 21)  # 3 June, 07:00 AEST
    assert next_fire(rule, SYDNEY, utc(2026, 6, 2, 21)) is None


def test_a_fire_moved_by_quiet_hours_past_the_until_day_does_not_come() -> None:
    # 00:00 and 03:00 on 4 June are quiet and would fire at 06:00 on 4 June, after the until day.
    rule = EveryRule(3 * H, hm("00:00"), QuietHours(hm("23:00"), hm("06:00")), ends=Ends(date(2026, 6, 3)))
    got = next_fires(rule, LONDON, utc(2026, 6, 3, 15), 10)
    assert walls(got, LONDON) == ["03 18:00 BST", "03 21:00 BST"]


def test_a_count_needs_the_reminders_already_delivered() -> None:
    rule = EveryRule(3 * H, hm("06:00"), ends=Ends(count=3))
    with pytest.raises(ValueError, match="fired_count"):
        next_fire(rule, LONDON, utc(2026, 6, 1))
    with pytest.raises(ValueError, match="fired_count"):
        next_fire(rule, LONDON, utc(2026, 6, 1), fired_count=-1)
    assert next_fire(rule, LONDON, utc(2026, 6, 1), fired_count=2) == utc(2026, 6, 1, 2)  # 03:00 BST
    assert next_fire(rule, LONDON, utc(2026, 6, 1), fired_count=3) is None
    assert len(next_fires(rule, LONDON, utc(2026, 6, 1), 10, fired_count=1)) == 2


def test_count_and_until_together_end_at_whichever_comes_first() -> None:
    rule = AtRule((hm("09:00"),), ends=Ends(until=date(2026, 6, 10), count=3))
    assert walls(next_fires(rule, LONDON, utc(2026, 6, 1), 10, fired_count=0), LONDON) == [
        "01 09:00 BST",
        "02 09:00 BST",
        "03 09:00 BST",
    ]
    assert walls(next_fires(rule, LONDON, utc(2026, 6, 8), 10, fired_count=0), LONDON) == [
        "08 09:00 BST",
        "09 09:00 BST",
        "10 09:00 BST",
    ]


def test_a_since_last_reminder_ends_too() -> None:
    rule = EveryRule(4 * H, hm("00:00"), since_last=True, ends=Ends(until=date(2026, 6, 1)))
    done = utc(2026, 6, 1, 14)  # 15:00 BST
    assert walls(next_fires(rule, LONDON, done, 5, since=done), LONDON) == ["01 19:00 BST", "01 23:00 BST"]


@SLOW
@given(
    rule=shaped_rules().filter(lambda rule: not (isinstance(rule, EveryRule) and rule.since_last)),
    zone=st.sampled_from([LONDON, NEW_YORK, SYDNEY, KOLKATA]),
    start=st.datetimes(utc(2025, 6, 1).replace(tzinfo=None), utc(2028, 6, 1).replace(tzinfo=None)).map(
        lambda moment: moment.replace(tzinfo=UTC)
    ),
    fired=st.integers(0, 10),
)
def test_an_end_cuts_the_same_fires_short(
    rule: EveryRule | AtRule, zone: str, start: datetime, fired: int
) -> None:
    """With an end, the fires are those without it, up to the until day and the count, and the last of
    them is the one is_last names."""
    unbounded = next_fires(replace(rule, ends=None), zone, start, 40)
    ends = rule.ends
    until = None if ends is None else ends.until
    expected = list(takewhile(lambda fire: until is None or local(fire, zone).date() <= until, unbounded))
    if ends is not None and ends.count is not None:
        expected = expected[: max(ends.count - fired, 0)]
    got = next_fires(rule, zone, start, 40, fired_count=fired)
    assert list(got) == expected
    for index, fire in enumerate(got):
        if index < len(got) - 1 or len(got) < 40:
            assert is_last(rule, zone, fire, fired_count=fired + index) == (index == len(got) - 1)


def test_is_last() -> None:
    counted = AtRule((hm("09:00"),), ends=Ends(count=3))
    assert not is_last(counted, LONDON, utc(2026, 6, 1, 8), fired_count=1)
    assert is_last(counted, LONDON, utc(2026, 6, 1, 8), fired_count=2)
    dated = AtRule((hm("09:00"), hm("21:00")), ends=Ends(until=date(2026, 6, 1)))
    assert not is_last(dated, LONDON, utc(2026, 6, 1, 8))
    assert is_last(dated, LONDON, utc(2026, 6, 1, 20))
    assert is_last(OnceRule(utc(2026, 6, 1)), LONDON, utc(2026, 6, 1))
    assert not is_last(AtRule((hm("09:00"),)), LONDON, utc(2026, 6, 1, 8))
    since_last = EveryRule(4 * H, hm("00:00"), since_last=True, ends=Ends(until=date(2026, 6, 1)))
    assert not is_last(since_last, LONDON, utc(2026, 6, 1, 18))  # 19:00 BST: 23:00 is still 1 June
    assert is_last(since_last, LONDON, utc(2026, 6, 1, 20))  # 21:00 BST: the next would be 2 June


def test_next_fires_of_a_since_last_rule_count_from_each_fire() -> None:
    rule = EveryRule(3 * H, hm("00:00"), QuietHours(hm("23:00"), hm("06:00")), since_last=True)
    done = utc(2026, 6, 1, 15)  # 16:00 BST
    assert walls(next_fires(rule, LONDON, done, since=done), LONDON) == [
        "01 19:00 BST",
        "01 22:00 BST",
        "02 06:00 BST",
    ]


# ---------------------------------------------------------------------------------------------------
# Parsing an end

NOW = utc(2026, 6, 1, 12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", date(2026, 12, 24)),
        ("2026/12/24", date(2026, 12, 24)),
        ("2027-1-5", date(2027, 1, 5)),
        ("24 Dec", date(2026, 12, 24)),
        ("24 december", date(2026, 12, 24)),
        ("24th Dec", date(2026, 12, 24)),
        ("the 24th of December", date(2026, 12, 24)),
        ("Dec 24", date(2026, 12, 24)),
        ("dec. 24th", date(2026, 12, 24)),
        ("December 24, 2026", date(2026, 12, 24)),
        ("24-Dec-2027", date(2027, 12, 24)),
        ("sept 3", date(2026, 9, 3)),
        ("1 Jan", date(2027, 1, 1)),  # the next 1 January
        ("1 June", date(2026, 6, 1)),  # today
        ("31 May", date(2027, 5, 31)),  # yesterday's day: next year
        ("29 Feb", date(2028, 2, 29)),  # the next leap day
        ("today", date(2026, 6, 1)),
        ("Tomorrow", date(2026, 6, 2)),
        ("  24   DEC ", date(2026, 12, 24)),
    ],
)
def test_parse_until_accepts(text: str, expected: date) -> None:
    assert parse_until(text, now=NOW, zone=LONDON) == expected


@pytest.mark.parametrize("text", ["03/04", "3/4/2026", "24.12.", "12-24", "24 12", "3.4.26"])
def test_parse_until_refuses_dates_that_could_be_day_or_month_first(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_until(text, now=NOW, zone=LONDON)
    assert refused.value.code == "reminder.date_ambiguous"
    message = refusal_text(refused.value)
    assert message.startswith(f"I can't tell the day from the month in “{text}”")
    assert "e.g. `3 Apr`" in message


@pytest.mark.parametrize("text", ["31 Feb", "2026-02-30", "apr 31", "0 jan", "2027-13-01"])
def test_parse_until_refuses_days_not_on_the_calendar(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_until(text, now=NOW, zone=LONDON)
    assert refused.value.code == "reminder.no_such_date"
    assert refusal_text(refused.value).endswith(UNTIL_HELP)


@pytest.mark.parametrize("text", ["", "xmas", "dec", "24", "next friday", "24 dec 26", "dec 2026", "24 foo"])
def test_parse_until_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_until(text, now=NOW, zone=LONDON)
    assert refused.value.code == "reminder.input"
    assert refusal_text(refused.value).endswith(UNTIL_HELP)


def test_parse_until_refuses_a_day_already_past_in_the_reminders_zone() -> None:
    # 23:30 UTC on 1 June: already 2 June in London, still 1 June in New York.
    late = utc(2026, 6, 1, 23, 30)
    assert parse_until("2026-06-01", now=late, zone=NEW_YORK) == date(2026, 6, 1)
    with pytest.raises(ReminderInputError) as refused:
        parse_until("2026-06-01", now=late, zone=LONDON)
    assert refused.value.code == "reminder.until_past"
    assert refusal_text(refused.value) == (
        "1 Jun 2026 has already passed in Europe/London, where it is 2 Jun 2026 today. "
        "Use today or a later day, e.g. `tomorrow`, `24 Dec` or `2026-12-24`."
    )
    assert parse_until("today", now=late, zone=LONDON) == date(2026, 6, 2)


def test_parse_until_refuses_a_day_more_than_two_years_ahead() -> None:
    assert parse_until("2028-06-01", now=NOW, zone=LONDON) == date(2028, 6, 1)
    with pytest.raises(ReminderInputError) as refused:
        parse_until("2028-06-02", now=NOW, zone=LONDON)
    assert refused.value.code == "reminder.until_too_far"
    assert "more than 2 years ahead" in refusal_text(refused.value)


MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September"]
MONTH_NAMES += ["October", "November", "December"]


@st.composite
def spelled_date(draw: st.DrawFn, day: date) -> str:
    month = MONTH_NAMES[day.month - 1]
    month = draw(st.sampled_from([month, month[:3], month.lower(), month[:3].upper()]))
    suffix = draw(st.sampled_from(["", "th" if day.day in range(4, 21) else ""]))
    return draw(
        st.sampled_from(
            [
                day.isoformat(),
                f"{day.day}{suffix} {month} {day.year}",
                f"{month} {day.day}{suffix}, {day.year}",
                f"{day.day} {month}-{day.year}",
            ]
        )
    )


@given(
    st.integers(0, 730)
    .map(lambda days: date(2026, 6, 1) + timedelta(days=days))
    .flatmap(lambda day: st.tuples(st.just(day), spelled_date(day)))
)
def test_parse_until_reads_every_spelling_of_a_day_ahead(case: tuple[date, str]) -> None:
    day, text = case
    assert parse_until(text, now=NOW, zone=LONDON) == day


@given(
    st.integers(1, 12), st.integers(1, 12), st.sampled_from(["/", ".", "-"]), st.sampled_from(["", "/2026"])
)
def test_parse_until_never_guesses_a_numbers_only_day_and_month(
    first: int, second: int, separator: str, year: str
) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_until(f"{first}{separator}{second}{year.replace('/', separator)}", now=NOW, zone=LONDON)
    assert refused.value.code == "reminder.date_ambiguous"


@given(text=st.text(max_size=40) | st.text(alphabet="0123456789 -/.,thsndrofdecjanmay", max_size=16))
def test_parse_until_raises_only_reminder_input_error_with_an_example(text: str) -> None:
    try:
        parse_until(text, now=NOW, zone=LONDON)
    except ReminderInputError as error:
        assert "e.g." in refusal_text(error)


@pytest.mark.parametrize(
    ("text", "count"), [("8", 8), ("8 times", 8), ("8x", 8), ("x 8", 8), (" 500 ", 500), (1, 1)]
)
def test_parse_count_accepts(text: str | int, count: int) -> None:
    assert parse_count(text) == count


@given(st.one_of(st.integers(-1000, 0), st.integers(501, 10**8)))
def test_parse_count_refuses_outside_one_to_five_hundred(count: int) -> None:
    for typed in (count, str(count)) if count >= 0 else (count,):
        with pytest.raises(ReminderInputError) as refused:
            parse_count(typed)
        assert refused.value.code == "reminder.count_range"
        assert refusal_text(refused.value).startswith("A count is from 1 to 500 reminders; “")
        assert refusal_text(refused.value).endswith(COUNT_HELP)


@pytest.mark.parametrize("text", ["", "eight", "8.5", "-3", "8 weeks", True])
def test_parse_count_refuses_what_is_not_a_count(text: str | bool) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_count(text)
    assert refused.value.code == "reminder.input"
    assert refusal_text(refused.value).endswith(COUNT_HELP)


def test_first_fire_refuses_a_reminder_that_ends_before_it_fires() -> None:
    evening = utc(2026, 6, 1, 20)  # 21:00 BST: today's 09:00 and 18:00 are past
    rule = AtRule((hm("09:00"), hm("18:00")), ends=Ends(until=date(2026, 6, 1)))
    with pytest.raises(ReminderRuleError) as refused:
        first_fire(rule, LONDON, evening)
    assert refusal_text(refused.value) == (
        "With those settings the reminder has no time left to fire (it ends after 1 Jun 2026). Choose a "
        "later `until` or a larger `count`, e.g. `until:tomorrow` or `count:8`."
    )
    assert first_fire(replace(rule, ends=Ends(until=date(2026, 6, 2))), LONDON, evening) == utc(2026, 6, 2, 8)
    with pytest.raises(Refusal) as past:
        first_fire(OnceRule(utc(2026, 6, 1, 19)), LONDON, evening)
    assert past.value.code == "reminder.already_past"


# ---------------------------------------------------------------------------------------------------
# Night spacing on a grid: worked examples


def day_of(rule: EveryRule, zone: str, start: datetime, count: int) -> list[str]:
    return walls(next_fires(rule, zone, start, count), zone)


def test_night_spacing_stretches_the_gap_and_keeps_the_daytime_grid() -> None:
    # Every 3 h from 06:00; from 21:00 the next is 4 h 30 min later (01:30), then 06:00: 01:30 + 4:30.
    rule = EveryRule(3 * H, hm("06:00"), night=night("22:00-06:00", 4 * H + 30 * M))
    assert day_of(rule, KOLKATA, utc(2026, 6, 1, 10), 8) == [
        "01 18:00 IST",
        "01 21:00 IST",
        "02 01:30 IST",
        "02 06:00 IST",
        "02 09:00 IST",
        "02 12:00 IST",
        "02 15:00 IST",
        "02 18:00 IST",
    ]


def test_a_night_step_that_would_pass_the_windows_end_fires_at_the_end() -> None:
    # Every 2 h from 07:00: 21:00, then 01:30; 01:30 + 4:30 is the window's end, 06:00; then 07:00.
    rule = EveryRule(2 * H, hm("07:00"), night=night("22:00-06:00", 4 * H + 30 * M))
    assert day_of(rule, KOLKATA, utc(2026, 6, 1, 14), 5) == [
        "01 21:00 IST",
        "02 01:30 IST",
        "02 06:00 IST",
        "02 07:00 IST",
        "02 09:00 IST",
    ]
    # A night interval longer than the window: one reminder at its end, at most that long after 21:00.
    long_night = EveryRule(2 * H, hm("07:00"), night=night("22:00-06:00", 10 * H))
    assert day_of(long_night, KOLKATA, utc(2026, 6, 1, 14), 3) == [
        "01 21:00 IST",
        "02 06:00 IST",
        "02 07:00 IST",
    ]


def test_the_windows_end_fires_only_when_the_grid_still_had_a_time_left_in_the_night() -> None:
    # Every 3 h from 00:00, night 22:00-05:00: 21:00, 00:30, 04:00; the grid has no time between 04:00 and
    # 05:00, so the next is the grid's 06:00 (2 h, within the night interval), not 05:00.
    rule = EveryRule(3 * H, hm("00:00"), night=night("22:00-05:00", 3 * H + 30 * M))
    assert day_of(rule, KOLKATA, utc(2026, 6, 1, 14), 4) == [
        "01 21:00 IST",
        "02 00:30 IST",
        "02 04:00 IST",
        "02 06:00 IST",
    ]
    # A window with no time of the grid changes nothing.
    empty = EveryRule(3 * H, hm("00:00"), night=night("22:00-23:00", 4 * H))
    plain = EveryRule(3 * H, hm("00:00"))
    start = utc(2026, 6, 1)
    assert next_fires(empty, KOLKATA, start, 10) == next_fires(plain, KOLKATA, start, 10)


def test_quiet_hours_still_silence_night_reminders() -> None:
    # 01:30 is in quiet hours 01:00-05:00, so it fires when they end; the window's end follows.
    rule = EveryRule(
        3 * H, hm("06:00"), QuietHours(hm("01:00"), hm("05:00")), night=night("22:00-06:00", 4 * H + 30 * M)
    )
    assert day_of(rule, KOLKATA, utc(2026, 6, 1, 14), 4) == [
        "01 21:00 IST",
        "02 05:00 IST",
        "02 06:00 IST",
        "02 09:00 IST",
    ]


def test_night_times_of_a_grid_are_wall_times_across_clock_changes() -> None:
    rule = EveryRule(3 * H, hm("06:00"), night=night("22:00-06:00", 4 * H + 30 * M))
    # New York, 8 March 2026: clocks go forward at 02:00, so 01:30 EST to 06:00 EDT is 3 h 30 min.
    spring = next_fires(rule, NEW_YORK, utc(2026, 3, 8, 1), 3)
    assert walls(spring, NEW_YORK) == ["07 21:00 EST", "08 01:30 EST", "08 06:00 EDT"]
    assert spring[2] - spring[1] == 3 * H + 30 * M
    # Denver, 1 November 2026: 01:30 happens twice and fires the first time; 06:00 MST is 5 h 30 min on.
    fall = next_fires(rule, DENVER, utc(2026, 11, 1, 2), 3)
    assert walls(fall, DENVER) == ["31 21:00 MDT", "01 01:30 MDT", "01 06:00 MST"]
    assert fall[2] - fall[1] == 5 * H + 30 * M


# ---------------------------------------------------------------------------------------------------
# Night spacing after the last session: worked examples


def test_night_spacing_after_the_last_session() -> None:
    rule = EveryRule(3 * H, hm("00:00"), since_last=True, night=night("22:00-06:00", 4 * H + 30 * M))
    done = utc(2026, 6, 1, 14, 30)  # 20:00 IST: 23:00 is in the night, so 00:30; then 05:00, then 08:00
    assert walls(next_fires(rule, KOLKATA, done, 4, since=done), KOLKATA) == [
        "02 00:30 IST",
        "02 05:00 IST",
        "02 08:00 IST",
        "02 11:00 IST",
    ]


def test_night_spacing_after_the_last_session_is_elapsed_time_across_a_clock_change() -> None:
    rule = EveryRule(3 * H, hm("00:00"), since_last=True, night=night("22:00-06:00", 4 * H + 30 * M))
    done = utc(2026, 3, 8, 2)  # 21:00 EST on 7 March
    got = next_fires(rule, NEW_YORK, done, 3, since=done)
    # 00:00 is in the night: 4 h 30 min after 21:00 is 01:30 EST. 3 h after that is 05:30 EDT, in the
    # night: 4 h 30 min would be 07:00 EDT, past the night's end, so 06:00 EDT. Then 09:00 EDT.
    assert got == (utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 10), utc(2026, 3, 8, 13))
    assert walls(got, NEW_YORK) == ["08 01:30 EST", "08 06:00 EDT", "08 09:00 EDT"]


@pytest.mark.parametrize(
    ("zone", "done", "resumed"),
    [
        (KOLKATA, utc(2026, 6, 1, 14, 30), utc(2026, 6, 5, 10)),
        (LONDON, utc(2026, 10, 20, 19, 10), utc(2026, 10, 26, 3, 20)),  # across the October change
        (NEW_YORK, utc(2026, 3, 1, 1), utc(2026, 3, 20, 4)),  # nearly three weeks, across March's
    ],
)
def test_a_since_last_reminder_resumed_days_later_keeps_its_night_spaced_rhythm(
    zone: str, done: datetime, resumed: datetime
) -> None:
    rule = EveryRule(3 * H, hm("00:00"), since_last=True, night=night("22:00-06:00", 4 * H + 30 * M))
    step_by_step = next_fires(rule, zone, done, 200, since=done)
    expected = next(fire for fire in step_by_step if fire > resumed)
    assert next_fire(rule, zone, resumed, since=done) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    interval=st.integers(30, 6 * 60),
    longer=st.integers(0, 8 * 60),
    window=windows,
    zone=st.sampled_from([KOLKATA, LONDON, NEW_YORK, "Australia/Lord_Howe"]),
    done=st.integers(0, 3 * 365 * 24 * 60),
    away=st.integers(0, 9 * 24 * 60),
)
def test_resuming_a_night_spaced_rhythm_lands_where_following_it_step_by_step_does(
    interval: int, longer: int, window: DailyWindow, zone: str, done: int, away: int
) -> None:
    """Resumed up to nine days after the last session, the next fire is the one that following every
    fire from that session would reach (the resume walks the days in between at once)."""
    step = timedelta(minutes=interval)
    rule = EveryRule(step, hm("00:00"), since_last=True, night=NightSpacing(window, step + longer * M))
    since = utc(2025, 1, 1) + timedelta(minutes=done)
    resumed = since + timedelta(minutes=away)
    followed = next_fires(rule, zone, since, 10 * 24 * 60 // interval + 5, since=since)
    assert next_fire(rule, zone, resumed, since=since) == next(fire for fire in followed if fire > resumed)


# ---------------------------------------------------------------------------------------------------
# Night spacing: the rules in other words, where wall-clock and elapsed time agree


night_windows = windows
intervals = st.integers(30, 6 * 60).map(lambda minutes: timedelta(minutes=minutes))


@st.composite
def kolkata_night_rules(draw: st.DrawFn, since_last: bool) -> EveryRule:
    interval = draw(intervals)
    anchor = draw(whole_minutes)
    window = draw(night_windows)
    assume(since_last or not night_covers_grid(interval, anchor, window))
    spacing = NightSpacing(window, interval + timedelta(minutes=draw(st.integers(0, 8 * 60))))
    return EveryRule(interval, anchor, since_last=since_last, night=spacing)


def in_window(moment: time, window: DailyWindow) -> bool:
    if window.start < window.end:
        return window.start <= moment < window.end
    return not window.end <= moment < window.start


@SLOW
@given(rule=kolkata_night_rules(since_last=False), days=st.integers(0, 600))
def test_a_night_spaced_grid_keeps_every_daytime_time_and_spaces_the_night(
    rule: EveryRule, days: int
) -> None:
    assert rule.night is not None
    window, stretch = rule.night.window, rule.night.interval
    start = utc(2026, 1, 1) + timedelta(days=days)
    got = [local(fire, KOLKATA).replace(tzinfo=None) for fire in next_fires(rule, KOLKATA, start, 200)]
    got = [wall for wall in got if wall < got[0].replace(hour=0, minute=0) + timedelta(days=3)]
    middle_day = got[0].date() + timedelta(days=1)
    daytime = [moment for moment in grid_times(rule.interval, rule.anchor) if not in_window(moment, window)]
    assert all(datetime.combine(middle_day, moment) in got for moment in daytime)
    for previous, fire in pairwise(got):
        assert fire - previous <= stretch  # never longer than the night interval
        if in_window(fire.time(), window):
            assert fire - previous == stretch  # inside the night: exactly the night interval
        elif fire.time() != window.end:
            assert fire.time() in daytime  # outside: the grid's own times (or the night's end)


@SLOW
@given(rule=kolkata_night_rules(since_last=True), since=st.integers(0, 600 * 24 * 60))
def test_a_night_spaced_rhythm_steps_by_the_interval_or_through_the_night(
    rule: EveryRule, since: int
) -> None:
    assert rule.night is not None
    window, stretch = rule.night.window, rule.night.interval
    done = utc(2026, 1, 1) + timedelta(minutes=since)
    got = [done, *next_fires(rule, KOLKATA, done, 20, since=done)]
    for previous, fire in pairwise(got):
        plain = previous + rule.interval
        if not in_window(local(plain, KOLKATA).time(), window):
            assert fire == plain
        else:
            assert fire == previous + stretch or (
                fire < previous + stretch and local(fire, KOLKATA).time() == window.end
            )


# ---------------------------------------------------------------------------------------------------
# Night spacing: parsing and refusals


def test_parse_night_window_and_interval() -> None:
    assert parse_night_window("10pm-6am") == DailyWindow(hm("22:00"), hm("06:00"))
    assert parse_night_window("22:00 to 06:00") == DailyWindow(hm("22:00"), hm("06:00"))
    assert parse_night_interval("4h30m") == 4 * H + 30 * M
    for text in ["", "22:00", "night"]:
        with pytest.raises(ReminderInputError) as refused:
            parse_night_window(text)
        assert refusal_text(refused.value).endswith(NIGHT_HELP)
    with pytest.raises(ReminderInputError) as refused:
        parse_night_window("6am-06:00")
    assert (
        refusal_text(refused.value)
        == "A night window needs a start and an end that differ, e.g. `22:00-06:00`."
    )
    with pytest.raises(ReminderInputError) as refused:
        parse_night_interval("25h")
    assert refusal_text(refused.value) == "That is longer than 24 h. " + NIGHT_INTERVAL_HELP


def test_every_rule_builds_night_spacing() -> None:
    rule = every_rule(3 * H, hm("06:00"), night=DailyWindow(hm("22:00"), hm("06:00")), night_interval=5 * H)
    assert rule == EveryRule(3 * H, hm("06:00"), night=night("22:00-06:00", 5 * H))
    assert every_rule(3 * H, hm("06:00")).night is None


def test_a_night_interval_shorter_than_the_interval_is_refused() -> None:
    with pytest.raises(ReminderRuleError) as refused:
        every_rule(3 * H, hm("06:00"), night=DailyWindow(hm("22:00"), hm("06:00")), night_interval=2 * H)
    assert refusal_text(refused.value) == (
        "The night interval (2 h) is shorter than the interval (3 h); night spacing only makes the gap "
        "longer. Use a night interval of 3 h or more, e.g. "
        "`interval:3h night:22:00-06:00 night_interval:4h30m`."
    )
    with pytest.raises(ValueError, match="at least the interval"):
        EveryRule(3 * H, hm("06:00"), night=night("22:00-06:00", 2 * H))


@pytest.mark.parametrize(
    ("window", "quiet", "refused"),
    [
        ("23:00-05:00", "22:00-06:00", True),
        ("22:00-06:00", "22:00-06:00", True),
        ("01:00-02:00", "23:00-06:00", True),
        ("22:00-06:00", "23:00-05:00", False),  # the night reaches outside quiet hours
        ("21:00-23:30", "23:00-06:00", False),
        ("05:00-07:00", "23:00-06:00", False),
    ],
)
def test_a_night_window_inside_quiet_hours_is_refused(window: str, quiet: str, refused: bool) -> None:
    night_start, night_end = (hm(part) for part in window.split("-"))
    quiet_start, quiet_end = (hm(part) for part in quiet.split("-"))

    def build() -> EveryRule:
        return every_rule(
            H,
            hm("00:30"),
            quiet=QuietHours(quiet_start, quiet_end),
            night=DailyWindow(night_start, night_end),
            night_interval=4 * H,
        )

    if not refused:
        assert build().night is not None
        return
    with pytest.raises(ReminderRuleError) as error:
        build()
    shown_night = window.replace("-", "\u2013")
    shown_quiet = quiet.replace("-", "\u2013")
    assert refusal_text(error.value).startswith(
        f"The night window {shown_night} is inside your quiet hours {shown_quiet}, which already silence it"
    )


@given(night_window=windows, quiet=windows, moment=whole_minutes)
def test_covers_means_every_time_of_one_window_is_in_the_other(
    night_window: DailyWindow, quiet: DailyWindow, moment: time
) -> None:
    if quiet.covers(night_window) and in_window(moment, night_window):
        assert in_window(moment, quiet)
    if not quiet.covers(night_window):
        # Some whole minute of the night is outside quiet hours (windows start and end on whole minutes).
        minutes = [
            (datetime.combine(date(2026, 1, 1), night_window.start) + timedelta(minutes=step)).time()
            for step in range(24 * 60)
        ]
        inside = [t for t in minutes if in_window(t, night_window)]
        assert any(not in_window(t, quiet) for t in inside)


def test_a_night_window_holding_every_time_of_the_grid_is_refused() -> None:
    with pytest.raises(ReminderRuleError) as refused:
        every_rule(24 * H, hm("23:00"), night=DailyWindow(hm("22:00"), hm("06:00")), night_interval=24 * H)
    assert refusal_text(refused.value).startswith(
        "Every time of this reminder (every 24 h from 23:00) falls in the night window 22:00\u201306:00"
    )
    # Since-last reminders have no grid: the same night is fine for them.
    assert (
        every_rule(
            24 * H,
            hm("23:00"),
            since_last=True,
            night=DailyWindow(hm("22:00"), hm("06:00")),
            night_interval=24 * H,
        ).night
        is not None
    )
    with pytest.raises(ValueError, match="every time of the grid"):
        EveryRule(24 * H, hm("23:00"), night=night("22:00-06:00", 24 * H))


def test_night_spacing_needs_both_values() -> None:
    for values in ({"night": DailyWindow(hm("22:00"), hm("06:00"))}, {"night_interval": 5 * H}):
        with pytest.raises(ReminderRuleError) as refused:
            every_rule(3 * H, hm("06:00"), **values)
        assert refusal_text(refused.value) == (
            "Night spacing needs both a window and the gap through it, e.g. "
            "`interval:3h night:22:00-06:00 night_interval:4h30m`."
        )


# ---------------------------------------------------------------------------------------------------
# In words


def test_describe_names_night_spacing_and_the_end() -> None:
    rule = EveryRule(
        3 * H,
        hm("06:00"),
        QuietHours(hm("01:00"), hm("05:00")),
        night=night("22:00-06:00", 4 * H + 30 * M),
        ends=Ends(date(2026, 12, 24), 8),
    )
    assert describe(rule, LONDON) == (
        "every 3 h from 06:00 · nights 22:00\u201306:00 every 4 h 30 min · quiet 01:00\u201305:00 · "
        "8 times until 24 Dec 2026 · Europe/London"
    )
    assert describe(AtRule((hm("06:00"),), ends=Ends(until=date(2026, 12, 24))), LONDON) == (
        "at 06:00 · until 24 Dec 2026 · Europe/London"
    )


@given(rule=shaped_rules(), zone=st.sampled_from([LONDON, NEW_YORK, "America/Argentina/Buenos_Aires"]))
def test_describe_fits_a_discord_embed_footer_and_names_the_zone(rule: Rule, zone: str) -> None:
    text = describe(rule, zone)
    assert text.endswith(zone)
    assert len(text) <= 200


def test_ends_line_and_the_last_one() -> None:
    assert ends_line(AtRule((hm("06:00"),))) is None
    assert ends_line(OnceRule(utc(2026, 6, 1))) is None
    assert ends_line(AtRule((hm("06:00"),), ends=Ends(until=date(2026, 12, 24)))) == "Ends after 24 Dec 2026."
    assert (
        ends_line(AtRule((hm("06:00"),), ends=Ends(count=8)), fired_count=5)
        == "Ends after 8 reminders (3 left)."
    )
    both = AtRule((hm("06:00"),), ends=Ends(date(2026, 12, 24), 1))
    assert ends_line(both) == "Ends after 1 reminder or 24 Dec 2026."
    assert "last one" in LAST_ONE


def test_upcoming_text_lists_the_next_fires() -> None:
    fires = [utc(2026, 6, 1, 9), utc(2026, 6, 1, 12)]
    text = upcoming_text(fires)
    first, second = (int(fire.timestamp()) for fire in fires)
    assert text.startswith(f"Next: <t:{first}:t> (<t:{first}:R>)") and f" and <t:{second}:t>" in text
    assert upcoming_text([]) == "It has no time left to fire."


def test_every_reminder_refusal_code_has_a_message() -> None:
    """Each code the reminder rules raise (by name in their source) is worded in bot.ui.messages."""
    folder = Path(__file__).parents[2] / "bot" / "domain" / "reminders"
    codes = set()
    for source in folder.glob("*.py"):
        codes.update(re.findall(r"\"(reminder\.[a-z_]+)\"", source.read_text()))
    codes.update({"reminder.quiet_same", "reminder.night_same"})  # built from the value's kind
    assert len(codes) >= 15  # the pattern does find the codes
    assert [code for code in sorted(codes) if not has_text(code)] == []


# ---------------------------------------------------------------------------------------------------
# Editing a schedule


EDIT_NOW = utc(2026, 6, 1, 10, 15)  # 11:15 BST


def test_editing_the_interval_of_a_grid_shows_the_next_three() -> None:
    rule = EveryRule(3 * H, hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    edited = edit_rule(rule, LONDON, RuleChanges(interval=2 * H + 30 * M), now=EDIT_NOW)
    assert edited.rule == EveryRule(2 * H + 30 * M, hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    assert edited.zone == LONDON
    # From 06:00 every 2 h 30 min: 08:30, 11:00, 13:30, 16:00, 18:30.
    assert walls(edited.upcoming, LONDON) == ["01 13:30 BST", "01 16:00 BST", "01 18:30 BST"]


def test_editing_the_starting_time_and_clearing_quiet_hours() -> None:
    rule = EveryRule(3 * H, hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    edited = edit_rule(rule, LONDON, RuleChanges(starting=hm("07:00"), quiet=CLEAR), now=EDIT_NOW)
    assert edited.rule == EveryRule(3 * H, hm("07:00"))
    assert walls(edited.upcoming, LONDON) == ["01 13:00 BST", "01 16:00 BST", "01 19:00 BST"]


def test_editing_the_zone_keeps_the_wall_times() -> None:
    rule = AtRule((hm("07:00"),))
    edited = edit_rule(rule, LONDON, RuleChanges(zone="new york"), now=EDIT_NOW)
    assert edited.rule == rule and edited.zone == NEW_YORK
    assert walls(edited.upcoming, NEW_YORK) == ["01 07:00 EDT", "02 07:00 EDT", "03 07:00 EDT"]
    with pytest.raises(UnknownZoneError):
        edit_rule(rule, LONDON, RuleChanges(zone="Atlantis"), now=EDIT_NOW)


def test_editing_times_and_ends_of_an_at_reminder() -> None:
    rule = AtRule((hm("07:00"),), ends=Ends(until=date(2026, 6, 10)))
    edited = edit_rule(rule, LONDON, RuleChanges(times=(hm("12:00"), hm("18:00")), count=2), now=EDIT_NOW)
    assert edited.rule == AtRule((hm("12:00"), hm("18:00")), ends=Ends(date(2026, 6, 10), 2))
    assert walls(edited.upcoming, LONDON) == ["01 12:00 BST", "01 18:00 BST"]
    cleared = edit_rule(edited.rule, LONDON, RuleChanges(until=CLEAR, count=CLEAR), now=EDIT_NOW)
    assert cleared.rule == AtRule((hm("12:00"), hm("18:00")))
    assert len(cleared.upcoming) == 3


def test_an_edit_is_checked_as_a_new_reminder_is() -> None:
    spaced = EveryRule(3 * H, hm("06:00"), night=night("22:00-06:00", 4 * H))
    with pytest.raises(ReminderRuleError) as shorter:
        edit_rule(spaced, LONDON, RuleChanges(interval=5 * H), now=EDIT_NOW)  # the night's 4 h is now shorter
    assert shorter.value.code == "reminder.night_shorter"
    counted = EveryRule(3 * H, hm("06:00"), ends=Ends(count=10))
    with pytest.raises(ReminderRuleError) as reached:
        edit_rule(counted, LONDON, RuleChanges(count=6), now=EDIT_NOW, fired_count=6)
    assert refusal_text(reached.value).startswith(
        "With those settings the reminder has no time left to fire (it ends after 6 reminders, 6 already "
        "sent)."
    )
    more = edit_rule(counted, LONDON, RuleChanges(count=8), now=EDIT_NOW, fired_count=6)
    assert len(more.upcoming) == 2
    night_added = edit_rule(
        EveryRule(3 * H, hm("06:00")),
        LONDON,
        RuleChanges(night=DailyWindow(hm("22:00"), hm("06:00")), night_interval=4 * H + 30 * M),
        now=EDIT_NOW,
    )
    assert night_added.rule == EveryRule(3 * H, hm("06:00"), night=night("22:00-06:00", 4 * H + 30 * M))
    assert edit_rule(night_added.rule, LONDON, RuleChanges(night=CLEAR), now=EDIT_NOW).rule == EveryRule(
        3 * H, hm("06:00")
    )


def test_editing_a_since_last_reminder_counts_from_the_last_session() -> None:
    rule = EveryRule(3 * H, hm("00:00"), since_last=True)
    done = utc(2026, 6, 1, 9)
    edited = edit_rule(rule, LONDON, RuleChanges(interval=2 * H), now=EDIT_NOW, since=done)
    assert edited.upcoming == (utc(2026, 6, 1, 11), utc(2026, 6, 1, 13), utc(2026, 6, 1, 15))


@pytest.mark.parametrize(
    ("rule", "changes", "message"),
    [
        (
            EveryRule(3 * H, hm("00:00"), since_last=True),
            RuleChanges(starting=hm("06:00")),
            "A reminder that counts from your last session has no starting time to change. You can change "
            "its interval, quiet hours, night spacing, end or time zone.",
        ),
        (
            AtRule((hm("07:00"),)),
            RuleChanges(interval=3 * H),
            "A reminder at set times has no interval to change. You can change its times, end or time zone.",
        ),
        (
            EveryRule(3 * H, hm("06:00")),
            RuleChanges(times=(hm("07:00"),)),
            "A reminder every few hours has no times to change. You can change its interval, starting time, "
            "quiet hours, night spacing, end or time zone.",
        ),
        (
            OnceRule(utc(2026, 6, 2)),
            RuleChanges(quiet=QuietHours(hm("23:00"), hm("06:00"))),
            "A one-off reminder has no quiet hours to change. You can change its time zone.",
        ),
    ],
)
def test_an_edit_of_a_value_the_reminder_does_not_have_is_refused(
    rule: Rule, changes: RuleChanges, message: str
) -> None:
    with pytest.raises(ReminderEditError) as refused:
        edit_rule(rule, LONDON, changes, now=EDIT_NOW)
    assert refusal_text(refused.value) == message


def test_an_edit_without_a_value_is_refused() -> None:
    with pytest.raises(ReminderEditError) as refused:
        edit_rule(AtRule((hm("07:00"),)), LONDON, RuleChanges(), now=EDIT_NOW)
    assert "Tell me what to change, e.g." in refusal_text(refused.value)


def test_a_one_off_reminder_keeps_its_instant_in_another_zone() -> None:
    once = OnceRule(utc(2026, 6, 2, 8))
    edited = edit_rule(once, LONDON, RuleChanges(zone="Asia/Kolkata"), now=EDIT_NOW)
    assert edited.rule == once and edited.zone == KOLKATA and edited.upcoming == (utc(2026, 6, 2, 8),)
