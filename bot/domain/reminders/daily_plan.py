"""The local times of day a daily rule (a grid or a list of times) fires at, before the clock of a zone is
applied: the grid's times, night spacing worked out on wall times, and what quiet hours do to them.
`bot.domain.reminders.schedule` turns a plan into instants in a zone."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from bot.domain.reminders.model import (
    MICROS_PER_DAY,
    AtRule,
    EveryRule,
    NightSpacing,
    QuietHours,
    grid_times,
    micros_of_day,
    time_from_micros,
)

# No zone moves its wall clock by more than this at one transition (real ones move 30 minutes to 2 hours).
MAX_SHIFT = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class DailyPlan:
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


def may_end_up_quiet(moment: time, quiet: QuietHours) -> bool:
    """Whether a fire at wall time `moment` is in quiet hours, or could be once a gap shifts it."""
    shifted = (datetime.combine(date.min, moment) + MAX_SHIFT).time()
    if shifted > moment:
        starts_between = moment < quiet.start <= shifted
    else:  # past midnight
        starts_between = quiet.start > moment or quiet.start <= shifted
    return quiet.contains(moment) or starts_between


def night_times(base: tuple[time, ...], night: NightSpacing) -> tuple[time, ...]:
    """A grid's times of day with night spacing: the same every day, as a grid's are.

    Times outside the night window stay. From the last of them before the window, each next time is the
    previous one + the night interval, or the window's end if that comes first, for as long as the grid
    has a time left in the window after the previous one. A window without grid times changes nothing.
    """
    day = MICROS_PER_DAY
    start = micros_of_day(night.window.start)
    length = night.window.length // timedelta(microseconds=1)
    step = night.interval // timedelta(microseconds=1)
    # Positions on the day's clock counted from the window's start: the window is [0, length).
    positions = sorted((micros_of_day(moment) - start) % day for moment in base)
    if positions[0] >= length:
        return base
    daytime = [position for position in positions if position >= length]  # never empty (EveryRule)
    fire = daytime[-1] - day  # the last daytime time, the day before
    night_fires: list[int] = []
    while True:
        if fire < 0:
            index = bisect_right(positions, fire + day)
            following = positions[index] - day if index < len(positions) else positions[0]
        else:
            index = bisect_right(positions, fire)
            following = positions[index] if index < len(positions) else positions[0] + day
        if following >= length:  # the grid's next time is in the day again
            break
        fire = min(fire + step, length)
        night_fires.append(fire)
        if fire == length:
            break
    kept = {moment for moment in base if not night.window.contains(moment)}
    stretched = {time_from_micros((start + position) % day) for position in night_fires}
    return tuple(sorted(kept | stretched))


def daily_plan(rule: EveryRule | AtRule) -> DailyPlan:
    if isinstance(rule, AtRule):
        return listed_plan(rule.times)
    return grid_plan(rule.interval, rule.anchor, rule.quiet, rule.night)


@lru_cache(maxsize=4096)
def listed_plan(times: tuple[time, ...]) -> DailyPlan:
    return DailyPlan(times, None, times)


@lru_cache(maxsize=4096)
def grid_plan(
    interval: timedelta, anchor: time, quiet: QuietHours | None, night: NightSpacing | None
) -> DailyPlan:
    base = grid_times(interval, anchor)
    if night is not None:
        base = night_times(base, night)
    if quiet is None:
        return DailyPlan(base, None, base)
    effective = tuple(sorted({quiet.end if quiet.contains(moment) else moment for moment in base}))
    movable = frozenset(moment for moment in base if may_end_up_quiet(moment, quiet))
    return DailyPlan(base, quiet, effective, movable)
