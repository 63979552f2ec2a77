"""Reminder rules: parsing what members type, next fire times across DST, quiet hours, and storage."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.reminders.daily_plan import daily_plan
from bot.domain.reminders.model import (
    AtRule,
    EveryRule,
    NightSpacing,
    OnceRule,
    QuietHours,
    Rule,
    kind_of,
    night_covers_grid,
    rule_from_json,
    rule_to_json,
)
from bot.domain.reminders.parsing import (
    ReminderInputError,
    parse_after,
    parse_count,
    parse_interval,
    parse_night_interval,
    parse_night_window,
    parse_quiet_hours,
    parse_time_of_day,
    parse_times,
)
from bot.domain.reminders.schedule import _next_daily_exact, anchor_from, grid_times, next_fire
from bot.ui.messages import (
    AFTER_HELP,
    INTERVAL_HELP,
    QUIET_HELP,
    QUIET_SAME_HELP,
    TIME_HELP,
    TIMES_HELP,
    refusal_text,
)
from bot.ui.reminder_text import describe
from bot.ui.text import format_duration

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"
LORD_HOWE = "Australia/Lord_Howe"
DENVER = "America/Denver"
TROLL = "Antarctica/Troll"  # +00 in winter, +02 in summer: a two-hour jump at 01:00 UTC
ZONES = (NEW_YORK, LONDON, SYDNEY, KOLKATA, LORD_HOWE, DENVER, TROLL)

SLOW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hm(text: str) -> time:
    return time.fromisoformat(text)


def fires(
    rule: Rule, zone: str, start: datetime, count: int, since: datetime | None = None
) -> list[datetime]:
    result: list[datetime] = []
    after = start
    for _ in range(count):
        fire = next_fire(rule, zone, after, since=since)
        assert fire is not None
        result.append(fire)
        after = fire
    return result


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# ---------------------------------------------------------------------------------------------------
# An independent statement of the schedule semantics, by brute force over whole days.


@cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """Every instant in 2025-2028 where the zone's UTC offset changes (found on a 15-minute scan)."""
    tz = ZoneInfo(zone)
    found = []
    instant = utc(2025, 1, 1)
    previous = instant.astimezone(tz).utcoffset()
    while instant < utc(2029, 1, 1):
        offset = instant.astimezone(tz).utcoffset()
        if offset != previous:
            found.append(instant)
        previous = offset
        instant += timedelta(minutes=15)
    return tuple(found)


def wall_instant(day: date, moment: time, zone: str, fold: int = 0) -> datetime:
    return datetime.combine(day, moment, tzinfo=ZoneInfo(zone)).replace(fold=fold).astimezone(UTC)


def exists(day: date, moment: time, zone: str) -> bool:
    return local(wall_instant(day, moment, zone), zone).time() == moment


def is_doubled(day: date, moment: time, zone: str) -> bool:
    """True when the local time happens twice that day (fold=0 and fold=1 also differ inside a gap)."""
    return exists(day, moment, zone) and wall_instant(day, moment, zone) != wall_instant(
        day, moment, zone, fold=1
    )


def in_quiet(moment: time, quiet: QuietHours) -> bool:
    if quiet.start < quiet.end:
        return quiet.start <= moment < quiet.end
    return not (quiet.end <= moment < quiet.start)


def moved_by_quiet(instant: datetime, zone: str, quiet: QuietHours | None) -> datetime:
    if quiet is None:
        return instant
    here = local(instant, zone)
    if not in_quiet(here.time(), quiet):
        return instant
    end_day = here.date() + timedelta(days=1 if quiet.start > quiet.end and here.time() >= quiet.start else 0)
    end = wall_instant(end_day, quiet.end, zone)
    return end if end > instant else wall_instant(end_day, quiet.end, zone, fold=1)


def day_wall_times(rule: EveryRule | AtRule, day: date) -> Iterator[datetime]:
    """The naive local wall times a daily rule lists for one local day (the grid restarts at the anchor)."""
    if isinstance(rule, AtRule):
        for moment in rule.times:
            yield datetime.combine(day, moment)
        return
    wall = datetime.combine(day, rule.anchor)
    next_anchor = wall + timedelta(days=1)
    while wall < next_anchor:
        yield wall
        wall += rule.interval


def night_end_wall(wall: datetime, window: QuietHours) -> datetime:
    """The naive wall time at which the night that `wall` (inside the window) belongs to ends."""
    crosses = window.start > window.end and wall.time() >= window.start
    return datetime.combine(wall.date() + timedelta(days=1 if crosses else 0), window.end)


def night_spaced_walls(rule: EveryRule, first_day: date, last_day: date) -> list[datetime]:
    """A grid's wall times with night spacing, by following the rule one fire at a time: from a fire, the
    next is the grid's next wall time, unless that is in the night window; then it is the fire + the night
    interval, or the end of that night if it comes first."""
    assert rule.night is not None
    window, stretch = rule.night.window, rule.night.interval
    grid = sorted(
        wall
        for offset in range((last_day - first_day).days + 3)
        for wall in day_wall_times(rule, first_day - timedelta(days=1) + timedelta(days=offset))
    )
    fire = next(wall for wall in grid if not in_quiet(wall.time(), window))
    walls = [fire]
    while fire < datetime.combine(last_day, time(0)):
        following = grid[bisect_right(grid, fire)]
        if in_quiet(following.time(), window):
            fire = min(fire + stretch, night_end_wall(following, window))
        else:
            fire = following
        walls.append(fire)
    return [wall for wall in walls if wall.date() >= first_day]


def listed_walls(rule: EveryRule | AtRule, first_day: date, last_day: date) -> list[datetime]:
    if isinstance(rule, EveryRule) and rule.night is not None:
        return night_spaced_walls(rule, first_day, last_day + timedelta(days=1))
    walls: list[datetime] = []
    day = first_day
    while day <= last_day:
        walls.extend(day_wall_times(rule, day))
        day += timedelta(days=1)
    return walls


def reference_fires(rule: EveryRule | AtRule, zone: str, start: datetime, end: datetime) -> list[datetime]:
    """All fires in (start, end]: each listed wall time at zoneinfo's fold=0 instant, moved by quiet hours."""
    quiet = rule.quiet if isinstance(rule, EveryRule) else None
    first_day = local(start, zone).date() - timedelta(days=2)
    last_day = local(end, zone).date() + timedelta(days=1)
    found = set()
    for wall in listed_walls(rule, first_day, last_day):
        if quiet is not None and in_quiet(wall.time(), quiet):
            crosses = quiet.start > quiet.end and wall.time() >= quiet.start
            end_day = wall.date() + timedelta(days=1 if crosses else 0)
            # A gap may swallow a whole non-quiet window; then the quiet period runs on a day.
            while in_quiet(local(wall_instant(end_day, quiet.end, zone), zone).time(), quiet):
                end_day += timedelta(days=1)
            found.add(wall_instant(end_day, quiet.end, zone))
        else:
            found.add(moved_by_quiet(wall_instant(wall.date(), wall.time(), zone), zone, quiet))
    return sorted(instant for instant in found if start < instant <= end)


def quiet_end_after(instant: datetime, zone: str, quiet: QuietHours) -> datetime:
    """The first later instant at which the local clock reads the quiet end (either instant of a doubled
    wall time, zoneinfo's fold=0 instant of a missing one) and that is not itself in quiet hours."""
    day = local(instant, zone).date()
    candidates = [
        wall_instant(day + timedelta(days=shift), quiet.end, zone, fold)
        for shift in range(-1, 4)
        for fold in (0, 1)
    ]
    return min(
        candidate
        for candidate in candidates
        if candidate > instant and not in_quiet(local(candidate, zone).time(), quiet)
    )


def held_by_quiet(instant: datetime, zone: str, quiet: QuietHours | None) -> datetime:
    if quiet is None or not in_quiet(local(instant, zone).time(), quiet):
        return instant
    return quiet_end_after(instant, zone, quiet)


def following_step(rule: EveryRule, zone: str, step: datetime) -> datetime:
    """The interval later; in the night window, the night interval later or that night's end if sooner."""
    following = step + rule.interval
    if rule.night is None or not in_quiet(local(following, zone).time(), rule.night.window):
        return following
    return min(step + rule.night.interval, quiet_end_after(following, zone, rule.night.window))


def since_last_steps(rule: EveryRule, zone: str, since: datetime, until: datetime) -> list[datetime]:
    """The steps of the rhythm that counts from `since`, one by one, up to `until`."""
    steps = [following_step(rule, zone, since)]
    while steps[-1] <= until:
        steps.append(following_step(rule, zone, steps[-1]))
    return steps


def reference_since_last(rule: EveryRule, zone: str, after: datetime, since: datetime) -> datetime:
    """The earliest fire after `after` among the last step at or before it and every later step, each
    held to the end of the quiet period it falls in; earlier steps are superseded by the last one."""
    steps = since_last_steps(rule, zone, since, after + timedelta(days=4))
    missed = [index for index, step in enumerate(steps) if step <= after]
    first = missed[-1] if missed else 0
    return min(
        fire for fire in (held_by_quiet(step, zone, rule.quiet) for step in steps[first:]) if fire > after
    )


# ---------------------------------------------------------------------------------------------------
# Strategies

zones = st.sampled_from(ZONES)
whole_minutes = st.builds(time, hour=st.integers(0, 23), minute=st.integers(0, 59))
# Times around the small hours, where every DST transition of these zones happens, come up often.
times_of_day = st.one_of(
    whole_minutes, st.builds(time, hour=st.integers(0, 3), minute=st.sampled_from([0, 15, 30, 45]))
)
intervals = st.integers(30, 24 * 60).map(lambda minutes: timedelta(minutes=minutes))
quiet_hours = (
    st.tuples(times_of_day, times_of_day)
    .filter(lambda pair: pair[0] != pair[1])
    .map(lambda pair: QuietHours(*pair))
)
at_rules = st.lists(times_of_day, min_size=1, max_size=12).map(lambda times: AtRule(tuple(times)))
grid_rules = st.builds(
    EveryRule,
    interval=intervals,
    anchor=times_of_day,
    quiet=st.none() | quiet_hours,
    since_last=st.just(False),
)
since_rules = st.builds(
    EveryRule,
    interval=intervals,
    anchor=times_of_day,
    quiet=st.none() | quiet_hours,
    since_last=st.just(True),
)


@st.composite
def night_spacings(draw: st.DrawFn, interval: timedelta, edge: time | None = None) -> NightSpacing:
    """A night window (with an edge at `edge` when given) and a night interval at least `interval`."""
    if edge is None:
        start, end = draw(st.tuples(times_of_day, times_of_day).filter(lambda pair: pair[0] != pair[1]))
    else:
        start, end = draw(window_near(edge))
    longer = timedelta(minutes=draw(st.one_of(st.integers(0, 180), st.integers(0, 24 * 60))))
    return NightSpacing(QuietHours(start, end), interval + longer)


@st.composite
def night_rules(draw: st.DrawFn, since_last: bool, edge: time | None = None) -> EveryRule:
    """Every-rules with night spacing (and quiet hours half the time)."""
    interval = draw(short_intervals)
    anchor = draw(times_of_day)
    night = draw(night_spacings(interval, edge))
    assume(since_last or not night_covers_grid(interval, anchor, night.window))
    quiet = draw(st.none() | quiet_hours)
    return EveryRule(interval, anchor, quiet, since_last, night)


once_rules = st.datetimes(utc(2020, 1, 1).replace(tzinfo=None), utc(2035, 1, 1).replace(tzinfo=None)).map(
    lambda moment: OnceRule(moment.replace(tzinfo=UTC))
)
rules = st.one_of(at_rules, grid_rules, since_rules, once_rules)
any_instant = st.datetimes(utc(2025, 6, 1).replace(tzinfo=None), utc(2028, 6, 1).replace(tzinfo=None)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@st.composite
def zone_and_instant(draw: st.DrawFn, hours: int = 72) -> tuple[str, datetime]:
    """A zone and an instant, half the time within `hours` of one of that zone's transitions."""
    zone = draw(zones)
    nearby = transitions(zone)
    near_one = draw(st.booleans())
    if nearby and near_one:
        centre = draw(st.sampled_from(nearby))
        offset = draw(st.integers(-hours * 60 * 60, hours * 60 * 60))
        return zone, centre + timedelta(seconds=offset)
    return zone, draw(any_instant)


# How long before "now" the last session was: often within a day, up to five days (and a little after).
gaps = st.one_of(
    st.integers(-3600, 86400),
    st.builds(lambda days, seconds: days * 86400 + seconds, st.integers(1, 5), st.integers(0, 86399)),
)


@st.composite
def near_a_transition(draw: st.DrawFn) -> tuple[str, datetime, time]:
    """A zone, an instant within six hours of one of its transitions, and a local wall time within three
    hours of that transition (to put an edge of quiet hours or of a night where the clock jumps)."""
    zone = draw(zones)
    centre = draw(st.sampled_from(transitions(zone) or (utc(2026, 6, 1),)))
    after = centre + timedelta(seconds=draw(st.integers(-6 * 3600, 6 * 3600)))
    edge = local(centre + timedelta(minutes=draw(st.integers(-180, 180))), zone)
    return zone, after, edge.time().replace(second=0, microsecond=0, fold=0)


@st.composite
def window_near(draw: st.DrawFn, edge: time) -> tuple[time, time]:
    """Daily [start, end) local times with one of them at `edge`, the other anywhere."""
    other = draw(times_of_day.filter(lambda moment: moment != edge))
    return (edge, other) if draw(st.booleans()) else (other, edge)


short_intervals = st.one_of(st.integers(30, 120), st.integers(30, 24 * 60)).map(
    lambda minutes: timedelta(minutes=minutes)
)


@st.composite
def since_last_cases(draw: st.DrawFn) -> tuple[EveryRule, str, datetime, datetime]:
    """A since-last rule, its zone, now and the last session, with a clock change near now and quiet
    hours with an edge near it."""
    zone, after, edge = draw(near_a_transition())
    if draw(st.booleans()):
        rule = draw(night_rules(since_last=True, edge=edge))
    else:
        quiet = QuietHours(*draw(window_near(edge))) if draw(st.integers(0, 4)) else None
        rule = EveryRule(draw(short_intervals), hm("00:00"), quiet, since_last=True)
    since = after - timedelta(seconds=draw(gaps))
    return rule, zone, after, since


@st.composite
def night_grid_cases(draw: st.DrawFn) -> tuple[EveryRule, str, datetime]:
    """A grid with night spacing whose window has an edge near a clock change, and an instant near it."""
    zone, after, edge = draw(near_a_transition())
    return draw(night_rules(since_last=False, edge=edge)), zone, after


# ---------------------------------------------------------------------------------------------------
# Parsing durations


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("3h", 180),
        ("2h30m", 150),
        ("90m", 90),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("3 hours", 180),
        ("3 Hours", 180),
        ("  2 HRS 30 MINS ", 150),
        ("2 hours and 30 minutes", 150),
        ("2h, 30m", 150),
        ("1 hour 15 min", 75),
        ("30 minutes", 30),
        ("24h", 1440),
        ("1d", 1440),
        ("1 day", 1440),
        ("\uff13h", 180),  # a full-width digit
    ],
)
def test_parse_interval_accepts(text: str, minutes: int) -> None:
    assert parse_interval(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    ["", "3", "h", "3x", "three hours", "3h 3h", "29m", "24h1m", "25h", "1.01h", "-3h", "3h-", "30s", "2d"],
)
def test_parse_interval_refuses_with_what_is_accepted(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_interval(text)
    assert INTERVAL_HELP in refusal_text(refused.value)


def test_out_of_range_messages_say_which_side() -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_interval("20m")
    assert "shorter than 30 min" in refusal_text(refused.value)
    with pytest.raises(ReminderInputError) as refused:
        parse_interval("25h")
    assert "longer than 24 h" in refusal_text(refused.value)
    with pytest.raises(ReminderInputError) as refused:
        parse_after("8d")
    assert "longer than 7 d" in refusal_text(refused.value)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("45m", 45), ("1m", 1), ("2h30m", 150), ("1d", 1440), ("7 days", 7 * 1440), ("1 day 2 hours", 1560)],
)
def test_parse_after_accepts(text: str, minutes: int) -> None:
    assert parse_after(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["0m", "7d1m", "8d", "45", "soon", "0.5m"])
def test_parse_after_refuses(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_after(text)
    assert AFTER_HELP in refusal_text(refused.value)


HOUR_WORDS = ["h", "hr", "hrs", "hour", "hours", "H", "Hours", "HRS"]
MINUTE_WORDS = ["m", "min", "mins", "minute", "minutes", "M", "Min", "MINUTES"]


@st.composite
def spelled_duration(draw: st.DrawFn, minutes: int) -> str:
    """One of the many ways a member may write `minutes`."""
    hours, rest = divmod(minutes, 60)
    space = draw(st.sampled_from(["", " ", "  "]))
    hour_word = draw(st.sampled_from(HOUR_WORDS))
    minute_word = draw(st.sampled_from(MINUTE_WORDS))
    choices = [f"{minutes}{space}{minute_word}"]
    if hours and rest:
        joiner = draw(st.sampled_from(["", " ", ", ", " and "]))
        choices.append(f"{hours}{space}{hour_word}{joiner}{rest}{space}{minute_word}")
    if hours and not rest:
        choices.append(f"{hours}{space}{hour_word}")
    if rest % 6 == 0:
        choices.append(f"{hours}.{rest // 6}{space}{hour_word}")
    return draw(st.sampled_from(choices))


@given(st.integers(30, 1440).flatmap(lambda minutes: st.tuples(st.just(minutes), spelled_duration(minutes))))
def test_parse_interval_reads_every_spelling(case: tuple[int, str]) -> None:
    minutes, text = case
    assert parse_interval(text) == timedelta(minutes=minutes)


@given(
    st.integers(1, 7 * 1440).flatmap(lambda minutes: st.tuples(st.just(minutes), spelled_duration(minutes)))
)
def test_parse_after_reads_every_spelling(case: tuple[int, str]) -> None:
    minutes, text = case
    assert parse_after(text) == timedelta(minutes=minutes)


@given(st.one_of(st.integers(0, 29), st.integers(1441, 10**6)))
def test_parse_interval_refuses_out_of_range(minutes: int) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_interval(f"{minutes}m")
    assert "30m to 24h" in refusal_text(refused.value)


PARSERS = [
    parse_interval,
    parse_after,
    parse_time_of_day,
    parse_times,
    parse_quiet_hours,
    parse_night_window,
    parse_night_interval,
    parse_count,
]


@pytest.mark.parametrize("parser", PARSERS)
@given(text=st.text(max_size=60) | st.text(alphabet="0123456789:.,- hmdapHMDAP\u2013", max_size=20))
def test_parsers_raise_only_reminder_input_error_with_an_example(parser: object, text: str) -> None:
    assert callable(parser)
    try:
        parser(text)
    except ReminderInputError as error:
        assert "e.g." in refusal_text(error)


@pytest.mark.parametrize("parser", PARSERS)
def test_parsers_refuse_very_long_text(parser: object) -> None:
    assert callable(parser)
    with pytest.raises(ReminderInputError):
        parser("1" * 10_000)


# ---------------------------------------------------------------------------------------------------
# Parsing times of day and quiet hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06:00", "06:00"),
        ("6:00", "06:00"),
        ("9:30", "09:30"),
        ("9.30", "09:30"),
        ("6am", "06:00"),
        ("6 AM", "06:00"),
        ("6 a.m.", "06:00"),
        ("1pm", "13:00"),
        ("1:15 p.m.", "13:15"),
        ("12:30am", "00:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("13:00", "13:00"),
        ("00:00", "00:00"),
        ("23:59", "23:59"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
    ],
)
def test_parse_time_of_day_accepts(text: str, expected: str) -> None:
    assert parse_time_of_day(text) == hm(expected)


@pytest.mark.parametrize(
    "text", ["", "6", "24:00", "13pm", "0am", "6:60", "6:5", "06:00:00", "breakfast", "6am 7am"]
)
def test_parse_time_of_day_refuses(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_time_of_day(text)
    assert refusal_text(refused.value).endswith(TIME_HELP)


@pytest.mark.parametrize(("text", "named"), [("24:00", "24:00"), ("breakfast", "breakfast")])
def test_a_time_refusal_names_the_value_that_was_wrong(text: str, named: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_time_of_day(text)
    assert refusal_text(refused.value).startswith(f"“{named}” isn't something I can read.")


def test_a_list_of_times_names_the_one_that_was_wrong() -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_times("06:00, 25:00, 13:00")
    assert refusal_text(refused.value).startswith("“25:00” isn't")
    with pytest.raises(ReminderInputError) as refused:
        parse_quiet_hours("23:00-6")
    assert refusal_text(refused.value).startswith("“6” isn't")


@st.composite
def spelled_time(draw: st.DrawFn, moment: time) -> str:
    hour, minute = moment.hour, moment.minute
    twelve = hour % 12 or 12
    meridiem = (
        draw(st.sampled_from(["am", "AM", " am", " a.m."]))
        if hour < 12
        else draw(st.sampled_from(["pm", "PM", " pm", " p.m."]))
    )
    choices = [f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}", f"{twelve}:{minute:02d}{meridiem}"]
    if minute == 0:
        choices.append(f"{twelve}{meridiem}")
    return draw(st.sampled_from(choices))


@given(whole_minutes.flatmap(lambda moment: st.tuples(st.just(moment), spelled_time(moment))))
def test_parse_time_of_day_reads_every_spelling(case: tuple[time, str]) -> None:
    moment, text = case
    assert parse_time_of_day(text) == moment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06:00, 9:30, 13:00", ["06:00", "09:30", "13:00"]),
        ("6am 1pm", ["06:00", "13:00"]),
        ("1pm, 6am", ["06:00", "13:00"]),
        ("6 am, 1 pm", ["06:00", "13:00"]),
        ("06:00 06:00 6am", ["06:00"]),
        ("6am and 1pm;8pm", ["06:00", "13:00", "20:00"]),
        ("6am,", ["06:00"]),
    ],
)
def test_parse_times_accepts(text: str, expected: list[str]) -> None:
    assert parse_times(text) == tuple(hm(moment) for moment in expected)


@pytest.mark.parametrize("text", ["", ",", "6", "6am 25:00", "6am,,1pm", "at 6am", "6am x"])
def test_parse_times_refuses(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_times(text)
    assert TIMES_HELP in refusal_text(refused.value)


def test_parse_times_refuses_more_than_twelve() -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_times(", ".join(f"{hour}:00" for hour in range(13)))
    assert "more than 12" in refusal_text(refused.value)


@given(
    st.lists(whole_minutes, min_size=1, max_size=20).flatmap(
        lambda moments: st.tuples(
            st.just(moments),
            st.tuples(*(spelled_time(moment) for moment in moments)),
            st.lists(
                st.sampled_from([", ", ",", " ", " , ", "; ", " and "]),
                min_size=len(moments),
                max_size=len(moments),
            ),
        )
    )
)
def test_parse_times_reads_lists_and_collapses_duplicates(
    case: tuple[list[time], tuple[str, ...], list[str]],
) -> None:
    moments, spelled, separators = case
    text = "".join(part + separator for part, separator in zip(spelled, separators, strict=True))
    text = text[: -len(separators[-1])]
    unique = sorted(set(moments))
    if len(unique) > 12:
        with pytest.raises(ReminderInputError) as refused:
            parse_times(text)
        assert "more than 12" in refusal_text(refused.value)
    else:
        assert parse_times(text) == tuple(unique)


@pytest.mark.parametrize(
    "text",
    [
        "23:00-06:00",
        "23:00\u201306:00",
        "23:00 \u2014 06:00",
        "23:00\u221206:00",
        "11pm-6am",
        "11 PM to 6 AM",
        "23:00 until 6am",
    ],
)
def test_parse_quiet_hours_accepts(text: str) -> None:
    assert parse_quiet_hours(text) == QuietHours(hm("23:00"), hm("06:00"))


@pytest.mark.parametrize("text", ["", "23:00", "23:00-", "23-6", "23:00-06:00-07:00", "night"])
def test_parse_quiet_hours_refuses(text: str) -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_quiet_hours(text)
    assert refusal_text(refused.value).endswith(QUIET_HELP)


def test_parse_quiet_hours_refuses_an_empty_window() -> None:
    with pytest.raises(ReminderInputError) as refused:
        parse_quiet_hours("6am-06:00")
    assert refusal_text(refused.value) == QUIET_SAME_HELP


@given(
    st.tuples(whole_minutes, whole_minutes).flatmap(
        lambda pair: st.tuples(
            st.just(pair),
            spelled_time(pair[0]),
            spelled_time(pair[1]),
            st.sampled_from(["-", " - ", "\u2013", " \u2014 ", "\u2212", " to ", " until "]),
        )
    )
)
def test_parse_quiet_hours_reads_every_spelling(case: tuple[tuple[time, time], str, str, str]) -> None:
    (start, end), start_text, end_text, dash = case
    text = f"{start_text}{dash}{end_text}"
    if start == end:
        with pytest.raises(ReminderInputError):
            parse_quiet_hours(text)
    else:
        assert parse_quiet_hours(text) == QuietHours(start, end)


# ---------------------------------------------------------------------------------------------------
# Rule values


def test_rules_normalise_and_check_their_values() -> None:
    assert AtRule((hm("13:00"), hm("06:00"), hm("13:00"))).times == (hm("06:00"), hm("13:00"))
    with pytest.raises(ValueError, match="1 to 12"):
        AtRule(())
    with pytest.raises(ValueError, match="differ"):
        QuietHours(hm("06:00"), hm("06:00"))
    with pytest.raises(ValueError, match="at least a minute"):
        EveryRule(timedelta(0), hm("06:00"))
    with pytest.raises(ValueError, match="naive"):
        OnceRule(datetime(2026, 1, 1))  # noqa: DTZ001 - checking that naive datetimes are refused
    assert OnceRule(datetime(2026, 1, 1, 9, tzinfo=ZoneInfo(LONDON))).at == utc(2026, 1, 1, 9)


def test_grid_times_restart_at_the_anchor_each_day() -> None:
    assert grid_times(timedelta(hours=5), hm("06:00")) == tuple(
        hm(t) for t in ["02:00", "06:00", "11:00", "16:00", "21:00"]
    )
    assert len(grid_times(timedelta(minutes=30), hm("00:15"))) == 48
    assert grid_times(timedelta(hours=24), hm("07:30")) == (hm("07:30"),)


# ---------------------------------------------------------------------------------------------------
# next_fire: worked examples on transition days


def test_at_rule_new_york_spring_forward() -> None:
    seven = AtRule((hm("07:00"),))
    assert fires(seven, NEW_YORK, utc(2026, 3, 7), 3) == [
        utc(2026, 3, 7, 12),
        utc(2026, 3, 8, 11),
        utc(2026, 3, 9, 11),
    ]
    # 02:30 does not exist on 8 March: it fires once, at 03:30 EDT.
    gap = AtRule((hm("02:30"),))
    assert fires(gap, NEW_YORK, utc(2026, 3, 7), 3) == [
        utc(2026, 3, 7, 7, 30),
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 9, 6, 30),
    ]
    # 02:30 (shifted) and 03:30 land on one instant, which fires once.
    both = AtRule((hm("02:30"), hm("03:30")))
    assert fires(both, NEW_YORK, utc(2026, 3, 8), 3) == [
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 9, 6, 30),
        utc(2026, 3, 9, 7, 30),
    ]


def test_at_rule_new_york_fall_back() -> None:
    seven = AtRule((hm("07:00"),))
    assert fires(seven, NEW_YORK, utc(2026, 10, 31), 2) == [utc(2026, 10, 31, 11), utc(2026, 11, 1, 12)]
    # 01:30 happens twice on 1 November: it fires once, the first time (EDT).
    doubled = AtRule((hm("01:30"),))
    assert fires(doubled, NEW_YORK, utc(2026, 11, 1), 2) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_every_rule_new_york_transition_nights() -> None:
    hourly = EveryRule(timedelta(hours=1), hm("00:00"))
    # 02:00 does not exist; it and 03:00 fire once, at 03:00 EDT.
    spring = fires(hourly, NEW_YORK, utc(2026, 3, 8, 4, 30), 4)
    assert spring == [utc(2026, 3, 8, 5), utc(2026, 3, 8, 6), utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)]
    assert [local(fire, NEW_YORK).strftime("%H:%M") for fire in spring] == [
        "00:00",
        "01:00",
        "03:00",
        "04:00",
    ]
    # The repeated hour does not fire again.
    half_hourly = EveryRule(timedelta(minutes=30), hm("00:00"))
    fall = fires(half_hourly, NEW_YORK, utc(2026, 11, 1, 3, 45), 5)
    assert fall == [
        utc(2026, 11, 1, 4),
        utc(2026, 11, 1, 4, 30),
        utc(2026, 11, 1, 5),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 7),
    ]


def test_london_transitions() -> None:
    seven = AtRule((hm("07:00"),))
    assert fires(seven, LONDON, utc(2026, 3, 28), 2) == [utc(2026, 3, 28, 7), utc(2026, 3, 29, 6)]
    assert fires(seven, LONDON, utc(2026, 10, 24), 2) == [utc(2026, 10, 24, 6), utc(2026, 10, 25, 7)]
    # 01:30 does not exist on 29 March (fires at 02:30 BST) and exists twice on 25 October (fires in BST).
    one_thirty = AtRule((hm("01:30"),))
    assert fires(one_thirty, LONDON, utc(2026, 3, 29), 2) == [
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]
    assert fires(one_thirty, LONDON, utc(2026, 10, 25), 2) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]


def test_sydney_transitions() -> None:
    seven = AtRule((hm("07:00"),))
    assert fires(seven, SYDNEY, utc(2026, 4, 3), 2) == [utc(2026, 4, 3, 20), utc(2026, 4, 4, 21)]
    assert fires(seven, SYDNEY, utc(2026, 10, 2), 2) == [utc(2026, 10, 2, 21), utc(2026, 10, 3, 20)]
    two_thirty = AtRule((hm("02:30"),))
    # 5 April: 02:30 happens twice, fires in AEDT; 4 October: 02:30 does not exist, fires at 03:30 AEDT.
    assert fires(two_thirty, SYDNEY, utc(2026, 4, 4), 2) == [utc(2026, 4, 4, 15, 30), utc(2026, 4, 5, 16, 30)]
    assert fires(two_thirty, SYDNEY, utc(2026, 10, 3), 2) == [
        utc(2026, 10, 3, 16, 30),
        utc(2026, 10, 4, 15, 30),
    ]
    assert local(utc(2026, 10, 3, 16, 30), SYDNEY).strftime("%H:%M") == "03:30"


def test_lord_howe_half_hour_transitions() -> None:
    seven = AtRule((hm("07:00"),))
    assert fires(seven, LORD_HOWE, utc(2026, 10, 2), 2) == [utc(2026, 10, 2, 20, 30), utc(2026, 10, 3, 20)]
    # 5 April: 01:30-02:00 happens twice; 01:45 fires once, at +11:00.
    doubled = AtRule((hm("01:45"),))
    assert fires(doubled, LORD_HOWE, utc(2026, 4, 4), 2) == [utc(2026, 4, 4, 14, 45), utc(2026, 4, 5, 15, 15)]
    # 4 October: 02:00-02:30 does not exist; 02:15 fires once, at 02:45 +11:00.
    gap = AtRule((hm("02:15"),))
    assert fires(gap, LORD_HOWE, utc(2026, 10, 3), 2) == [utc(2026, 10, 3, 15, 45), utc(2026, 10, 4, 15, 15)]
    assert local(utc(2026, 10, 3, 15, 45), LORD_HOWE).strftime("%H:%M") == "02:45"


def test_kolkata_has_no_transitions() -> None:
    seven = AtRule((hm("07:00"),))
    for day in (date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)):
        start = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=6)
        assert next_fire(seven, KOLKATA, start) == datetime.combine(day, time(1, 30), tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------
# next_fire: quiet hours and since-last


def test_quiet_hours_move_night_fires_to_the_end_once() -> None:
    rule = EveryRule(timedelta(hours=3), hm("06:00"), QuietHours(hm("22:00"), hm("07:00")))
    day = fires(rule, LONDON, utc(2026, 6, 1, 7), 7)
    assert [local(fire, LONDON).strftime("%d %H:%M") for fire in day] == [
        "01 09:00",
        "01 12:00",
        "01 15:00",
        "01 18:00",
        "01 21:00",
        "02 07:00",
        "02 09:00",
    ]
    ends_at_grid = EveryRule(timedelta(hours=3), hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    night = fires(ends_at_grid, LONDON, utc(2026, 6, 1, 19, 30), 2)
    assert [local(fire, LONDON).strftime("%d %H:%M") for fire in night] == ["01 21:00", "02 06:00"]


def test_quiet_hours_over_the_spring_forward_night() -> None:
    rule = EveryRule(timedelta(hours=1), hm("00:00"), QuietHours(hm("01:00"), hm("06:00")))
    assert fires(rule, NEW_YORK, utc(2026, 3, 8, 4, 30), 3) == [
        utc(2026, 3, 8, 5),
        utc(2026, 3, 8, 10),
        utc(2026, 3, 8, 11),
    ]


def test_quiet_hours_run_on_when_a_gap_swallows_the_waking_window() -> None:
    # Awake only 01:01-02:00, which does not exist in London on 30 March 2025.
    rule = EveryRule(timedelta(minutes=30), hm("00:00"), QuietHours(hm("02:00"), hm("01:01")))
    assert fires(rule, LONDON, utc(2025, 3, 29, 1), 3) == [
        utc(2025, 3, 29, 1, 1),
        utc(2025, 3, 29, 1, 30),
        utc(2025, 3, 31, 0, 1),
    ]


def test_since_last_counts_from_the_last_session() -> None:
    rule = EveryRule(timedelta(hours=3), hm("00:00"), QuietHours(hm("23:00"), hm("06:00")), since_last=True)
    done = utc(2026, 6, 1, 12)
    assert next_fire(rule, LONDON, done, since=done) == utc(2026, 6, 1, 15)
    # 20:30 BST + 3 h is in quiet hours: 06:00 BST the next morning.
    late = utc(2026, 6, 1, 19, 30)
    assert next_fire(rule, LONDON, late, since=late) == utc(2026, 6, 2, 5)
    # Long after the last session: the next step of the same rhythm.
    assert next_fire(rule, LONDON, utc(2026, 6, 3, 12, 10), since=done) == utc(2026, 6, 3, 15)
    # During the quiet period that a missed step fell into: the end of it.
    assert next_fire(rule, LONDON, utc(2026, 6, 3, 23), since=utc(2026, 6, 3, 18)) == utc(2026, 6, 4, 5)
    # Without `since`, counting starts at `after`.
    assert next_fire(rule, LONDON, done) == utc(2026, 6, 1, 15)


def test_a_missed_step_held_by_quiet_hours_yields_to_an_earlier_step_after_the_repeated_hour() -> None:
    # Every 45 min since 29 Oct 07:44:42Z: step 96 is 1 Nov 07:44:42Z (01:44:42 MDT, quiet, held until
    # 06:00 MST); step 97 is 08:29:42Z, after the clocks went back: 01:29:42 MST, before quiet hours
    # start again at 01:30.
    quiet = QuietHours(hm("01:30"), hm("06:00"))
    rule = EveryRule(timedelta(minutes=45), hm("00:00"), quiet, since_last=True)
    since = datetime(2026, 10, 29, 7, 44, 42, tzinfo=UTC)
    fire = next_fire(rule, DENVER, utc(2026, 11, 1, 7, 59), since=since)
    assert fire == datetime(2026, 11, 1, 8, 29, 42, tzinfo=UTC) == since + 97 * timedelta(minutes=45)
    assert fire is not None and local(fire, DENVER).strftime("%H:%M:%S %Z") == "01:29:42 MST"


def test_a_missed_step_held_by_quiet_hours_yields_to_a_step_in_the_spring_gap() -> None:
    # Every 30 min since 5 Mar 06:44:42Z: step 144 is 8 Mar 06:44:42Z (01:44:42 EST, quiet; 02:30 does not
    # exist that night, so it is held until 03:30 EDT); step 145 is 07:14:42Z, 03:14:42 EDT, not quiet.
    quiet = QuietHours(hm("01:00"), hm("02:30"))
    rule = EveryRule(timedelta(minutes=30), hm("00:00"), quiet, since_last=True)
    since = datetime(2026, 3, 5, 6, 44, 42, tzinfo=UTC)
    fire = next_fire(rule, NEW_YORK, utc(2026, 3, 8, 6, 59), since=since)
    assert fire == datetime(2026, 3, 8, 7, 14, 42, tzinfo=UTC) == since + 145 * timedelta(minutes=30)
    assert fire is not None and local(fire, NEW_YORK).strftime("%H:%M:%S %Z") == "03:14:42 EDT"


def test_a_missed_step_held_by_quiet_hours_still_fires_at_their_end_on_ordinary_nights() -> None:
    # Every 3 h since 18:00Z; at 05:30 BST the step of 05:00 BST is held until 06:00, before the 08:00 step.
    rule = EveryRule(timedelta(hours=3), hm("00:00"), QuietHours(hm("23:00"), hm("06:00")), since_last=True)
    assert next_fire(rule, LONDON, utc(2026, 6, 4, 4, 30), since=utc(2026, 6, 3, 19)) == utc(2026, 6, 4, 5)


def test_a_step_held_by_quiet_hours_fires_when_the_clock_shows_their_end_again_after_a_fall_back() -> None:
    # Awake only 01:00-01:01. The step at 01:59:59 EDT is quiet; a second later the clock goes back to
    # 01:00 EST, the end of quiet hours, rather than waiting for 01:00 the next night.
    awake_a_minute = QuietHours(hm("01:01"), hm("01:00"))
    rule = EveryRule(timedelta(minutes=30), hm("00:00"), awake_a_minute, since_last=True)
    since = datetime(2025, 11, 2, 5, 29, 59, tzinfo=UTC)
    assert next_fire(rule, NEW_YORK, since, since=since) == utc(2025, 11, 2, 6)


def test_once_rule() -> None:
    rule = OnceRule(utc(2026, 6, 1, 12))
    assert next_fire(rule, LONDON, utc(2026, 6, 1, 11)) == utc(2026, 6, 1, 12)
    assert next_fire(rule, LONDON, utc(2026, 6, 1, 12)) is None


def test_next_fire_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_fire(AtRule((hm("07:00"),)), LONDON, datetime(2026, 1, 1))  # noqa: DTZ001 - checking the refusal


def test_next_fire_accepts_aware_instants_in_any_zone() -> None:
    after = datetime(2026, 6, 1, 8, tzinfo=ZoneInfo(NEW_YORK))
    fire = next_fire(AtRule((hm("09:00"),)), NEW_YORK, after)
    assert fire == utc(2026, 6, 1, 13)
    assert fire is not None and fire.tzinfo is UTC


# ---------------------------------------------------------------------------------------------------
# next_fire: properties over the five zones, with instants near their transitions


def fires_until(rule: Rule, zone: str, start: datetime, end: datetime) -> list[datetime]:
    got: list[datetime] = []
    after = start
    while True:
        fire = next_fire(rule, zone, after)
        assert fire is not None and fire > after and fire.tzinfo is UTC
        if fire > end:
            return got
        got.append(fire)
        after = fire


@SLOW
@given(rule=st.one_of(at_rules, grid_rules, night_rules(since_last=False)), place=zone_and_instant())
def test_daily_rules_fire_exactly_the_listed_times(
    rule: AtRule | EveryRule, place: tuple[str, datetime]
) -> None:
    """Iterating over three days yields every listed local time once, in order, and nothing else."""
    zone, start = place
    end = start + timedelta(days=3)
    assert fires_until(rule, zone, start, end) == reference_fires(rule, zone, start, end)


@SLOW
@given(rule=at_rules, place=zone_and_instant())
def test_at_rule_fires_at_a_listed_local_time(rule: AtRule, place: tuple[str, datetime]) -> None:
    zone, after = place
    fire = next_fire(rule, zone, after)
    assert fire is not None and fire > after
    here = local(fire, zone)
    listed_instants = {
        wall_instant(here.date() + timedelta(days=shift), moment, zone)
        for shift in (-1, 0, 1)
        for moment in rule.times
    }
    # Either the wall time is listed, or it is a listed time that does not exist, shifted by zoneinfo.
    assert here.time() in rule.times or fire in listed_instants
    assert fire in listed_instants


@SLOW
@given(rule=at_rules, place=zone_and_instant())
def test_each_listed_time_fires_once_per_day(rule: AtRule, place: tuple[str, datetime]) -> None:
    zone, start = place
    got = fires(rule, zone, start, 3 * len(rule.times))
    assert len(set(got)) == len(got)
    first_day = local(start, zone).date() + timedelta(days=1)
    last_day = local(got[-1], zone).date() - timedelta(days=1)
    day = first_day
    while day <= last_day:
        for moment in rule.times:
            assert got.count(wall_instant(day, moment, zone)) == 1
            # A time that exists twice never fires the second time.
            assert wall_instant(day, moment, zone, fold=1) not in got or not is_doubled(day, moment, zone)
        day += timedelta(days=1)


@SLOW
@given(
    zone=zones,
    centre=st.sampled_from(
        [
            utc(2026, 3, 8),
            utc(2026, 3, 29),
            utc(2026, 4, 5),
            utc(2026, 10, 4),
            utc(2026, 10, 25),
            utc(2026, 11, 1),
        ]
    ),
    shift=st.integers(-2 * 86400, 2 * 86400),
)
def test_seven_am_stays_at_seven_am_local(zone: str, centre: datetime, shift: int) -> None:
    rule = AtRule((hm("07:00"),))
    for fire in fires(rule, zone, centre + timedelta(seconds=shift), 5):
        assert local(fire, zone).time() == hm("07:00")


@SLOW
@given(rule=grid_rules, place=zone_and_instant())
def test_grid_fires_are_grid_times_or_quiet_ends(rule: EveryRule, place: tuple[str, datetime]) -> None:
    zone, after = place
    fire = next_fire(rule, zone, after)
    assert fire is not None and fire > after
    here = local(fire, zone)
    candidates = {
        wall_instant(here.date() + timedelta(days=shift), moment, zone)
        for shift in (-1, 0, 1)
        for moment in grid_times(rule.interval, rule.anchor)
    }
    if rule.quiet is None:
        assert fire in candidates
    else:
        assert (
            fire in candidates
            or here.time() == rule.quiet.end
            or not exists(here.date(), rule.quiet.end, zone)
        )


@SLOW
@given(
    rule=st.builds(EveryRule, interval=intervals, anchor=times_of_day, quiet=quiet_hours),
    place=zone_and_instant(),
)
def test_no_fire_inside_quiet_hours_and_one_end_of_quiet_fire_per_night(
    rule: EveryRule, place: tuple[str, datetime]
) -> None:
    zone, start = place
    quiet = rule.quiet
    assert quiet is not None
    got = fires(rule, zone, start, 60)
    assert len(set(got)) == len(got)
    for fire in got:
        assert not in_quiet(local(fire, zone).time(), quiet)
    quiet_grid = any(in_quiet(moment, quiet) for moment in grid_times(rule.interval, rule.anchor))
    days = sorted({local(fire, zone).date() for fire in got})
    for day in days[1:-1]:
        ends = [
            fire for fire in got if local(fire, zone).date() == day and local(fire, zone).time() == quiet.end
        ]
        if quiet_grid and exists(day, quiet.end, zone):
            assert len(ends) == 1
        else:
            assert len(ends) <= 1


@SLOW
@given(rule=since_rules, zone=zones, since=any_instant, gap=st.integers(-3 * 86400, 5 * 86400))
def test_since_last_is_since_plus_interval_outside_quiet_hours(
    rule: EveryRule, zone: str, since: datetime, gap: int
) -> None:
    after = since + timedelta(seconds=gap)
    fire = next_fire(rule, zone, after, since=since)
    assert fire is not None and fire > after
    natural = since + rule.interval
    if rule.quiet is not None:
        assert not in_quiet(local(fire, zone).time(), rule.quiet)
    if natural > after and (rule.quiet is None or not in_quiet(local(natural, zone).time(), rule.quiet)):
        assert fire == natural
    else:
        # A later step of the same rhythm, or the end of the quiet period one of them fell into.
        steps = (fire - since) / rule.interval
        assert steps == int(steps) or (rule.quiet is not None and local(fire, zone).time() == rule.quiet.end)


@SLOW
@given(rule=st.one_of(since_rules, night_rules(since_last=True)), place=zone_and_instant(), gap=gaps)
def test_since_last_agrees_with_the_reference(rule: EveryRule, place: tuple[str, datetime], gap: int) -> None:
    """Any since-last rule, now near a transition half the time, the last session up to five days before."""
    zone, after = place
    since = after - timedelta(seconds=gap)
    assert next_fire(rule, zone, after, since=since) == reference_since_last(rule, zone, after, since)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=since_last_cases())
def test_since_last_agrees_with_the_reference_where_the_clock_jumps_in_quiet_hours(
    case: tuple[EveryRule, str, datetime, datetime],
) -> None:
    rule, zone, after, since = case
    assert next_fire(rule, zone, after, since=since) == reference_since_last(rule, zone, after, since)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=night_grid_cases())
def test_night_spacing_on_a_grid_agrees_with_the_reference_where_the_clock_jumps(
    case: tuple[EveryRule, str, datetime],
) -> None:
    rule, zone, start = case
    end = start + timedelta(days=2)
    assert fires_until(rule, zone, start, end) == reference_fires(rule, zone, start, end)


@SLOW
@given(rule=st.one_of(at_rules, grid_rules, night_rules(since_last=False)), place=zone_and_instant())
def test_the_fast_path_agrees_with_the_exact_computation(
    rule: AtRule | EveryRule, place: tuple[str, datetime]
) -> None:
    zone, after = place
    assert next_fire(rule, zone, after) == _next_daily_exact(daily_plan(rule), ZoneInfo(zone), after)


# ---------------------------------------------------------------------------------------------------
# Describing and storing


def test_describe() -> None:
    every = EveryRule(timedelta(hours=3), hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    assert (
        describe(every, LONDON) == "every 3 h from 06:00 \u00b7 quiet 23:00\u201306:00 \u00b7 Europe/London"
    )
    since = EveryRule(timedelta(minutes=150), hm("00:00"), since_last=True)
    assert describe(since, KOLKATA) == "every 2 h 30 min after the last session \u00b7 Asia/Kolkata"
    at = AtRule((hm("06:00"), hm("09:30"), hm("13:00")))
    assert describe(at, NEW_YORK) == "at 06:00, 09:30, 13:00 \u00b7 America/New_York"
    once = OnceRule(utc(2026, 6, 1, 12, 45))
    assert describe(once, LONDON) == "once at 13:45 on 1 Jun \u00b7 Europe/London"


@given(rule=rules, zone=zones)
def test_describe_is_short(rule: Rule, zone: str) -> None:
    text = describe(rule, zone)
    assert zone in text
    assert len(text) <= 120


def test_format_duration() -> None:
    assert [format_duration(timedelta(minutes=m)) for m in (45, 60, 150, 1440, 10080)] == [
        "45 min",
        "1 h",
        "2 h 30 min",
        "24 h",
        "7 d",
    ]


def test_kind_of() -> None:
    assert kind_of(EveryRule(timedelta(hours=3), hm("06:00"))) == "every"
    assert kind_of(AtRule((hm("06:00"),))) == "at"
    assert kind_of(OnceRule(utc(2026, 1, 1))) == "once"


def test_anchor_from() -> None:
    assert anchor_from(datetime(2026, 6, 1, 12, 34, 56, 789, tzinfo=UTC), LONDON) == hm("13:34")


@given(rule=rules)
def test_rule_json_round_trip(rule: Rule) -> None:
    stored = rule_to_json(rule)
    assert rule_from_json(stored) == rule
    assert rule_to_json(rule_from_json(stored)) == stored


def test_rule_json_is_readable() -> None:
    rule = EveryRule(timedelta(hours=3), hm("06:00"), QuietHours(hm("23:00"), hm("06:00")))
    assert rule_to_json(rule) == (
        '{"anchor":"06:00:00","interval_seconds":10800,"kind":"every",'
        '"quiet":{"end":"06:00:00","start":"23:00:00"},"since_last":false}'
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "{}",
        '{"kind":"weekly"}',
        '{"kind":"at","times":[]}',
        '{"kind":"once","at":"2026-01-01T00:00:00"}',
        "null",
    ],
)
def test_rule_from_json_refuses_what_it_did_not_write(text: str) -> None:
    with pytest.raises(ValueError, match="not a stored reminder rule"):
        rule_from_json(text)
