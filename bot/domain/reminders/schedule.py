"""When a reminder fires next, in its own zone, across daylight saving changes, quiet hours and nights.

Times of day live in the reminder's IANA zone, so a 07:00 reminder stays at 07:00 local across daylight
saving changes. A local time that does not exist (the spring-forward gap) fires once, at the instant
zoneinfo gives for fold=0 (02:30 in New York becomes 03:30 EDT); a local time that exists twice fires
once, the first time. Quiet hours move a fire inside [start, end) to the end of that quiet period (the
first later moment the clock shows their end outside them), and fires that land on the same instant
fire once.

Since-last rules step by their interval from the last session; a step in quiet hours is held until
they end, and after missed steps (paused, offline) the next fire is the earliest of the last missed
step's (if its quiet period is still running) and the later steps'.

Night spacing stretches the gap through a nightly window instead of silencing it. From a fire, the next
is the usual one unless that falls in the window; then it is the night interval after the fire, or the
window's end if that comes first. On a grid this works on wall times and gives the same times every day:
the daytime times stay, and the night's are counted from the last daytime time before the window (a
window holding no grid time changes nothing; the window's end fires only when the grid still had a time
in the window after the last night fire). After the last session it works on elapsed time, step by step.
Quiet hours then apply to every fire as before.

Ends: a rule with `until` fires while its fire's local date is that day or earlier; the first fire after
it is not sent and the reminder is over. A rule with a count ends when `fired_count` (the reminders
already delivered: state, passed in) reaches it.

`next_fire` is O(1) on ordinary days (a fixed UTC offset and a bisect over the day's times); only within
two days of a zone transition does it walk the listed times around `after` one by one (at most about a
day and a half of them). A since-last rule looks at one or two steps on ordinary days, and near a
transition walks its steps through the quiet period that holds one (at most a day of them); with night
spacing, resumed long after its last session, it walks its rhythm from that session, a few steps for
each day in between.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.domain.reminders.daily_plan import MAX_SHIFT, DailyPlan, daily_plan
from bot.domain.reminders.model import (
    AtRule,
    DailyWindow,
    EveryRule,
    NightSpacing,
    OnceRule,
    QuietHours,
    Rule,
    as_utc,
    grid_times,
)

__all__ = ["anchor_from", "grid_times", "is_last", "next_fire", "next_fires"]

_DAY = timedelta(days=1)
# A zone that keeps one UTC offset for this long on both sides of an instant has no transition that can
# move a fire near it, so a fixed offset gives the exact answer (no zone changes offset twice in 4 days).
_STEADY_SPAN = timedelta(days=2)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_instant(day: date, moment: time, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The UTC instant of a local wall time; fold=0 for a time in a gap gives the shifted-later instant."""
    return datetime.combine(day, moment, tzinfo=zone).replace(fold=fold).astimezone(UTC)


def _first_quiet_end(end_day: date, zone: ZoneInfo, quiet: QuietHours, later_than: datetime) -> datetime:
    """The first instant from `end_day` on whose local time is `quiet.end`, after `later_than`, and not
    itself inside quiet hours (which only happens when a spring-forward gap swallows the whole
    non-quiet window of a day; then the quiet period runs on to the next day's end)."""
    for day_offset in range(4):
        for fold in (0, 1):
            end = _local_instant(end_day + timedelta(days=day_offset), quiet.end, zone, fold)
            if end > later_than and not quiet.contains(end.astimezone(zone).time()):
                return end
    return later_than.astimezone(UTC)  # unreachable for real zones: a day always has non-quiet time


def _quiet_end(local: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """The end of the quiet period that `local` (an aware local datetime inside it) belongs to: the first
    later instant at which the local clock shows `quiet.end` and is not in quiet hours. Usually that day's
    or the next day's end; after a fall-back it can be the end's second showing the same night."""
    return _first_quiet_end(local.date(), zone, quiet, local)


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


def _next_daily_exact(plan: DailyPlan, zone: ZoneInfo, after: datetime) -> datetime:
    """Walk the listed wall times around `after` in order, mapping each to the instant it fires at.

    The walk starts early enough to see a fire moved past `after` by a gap or by quiet hours, and stops
    once wall times are so far past the best fire found that no transition could bring one before it.
    """
    local_after = after.astimezone(zone).replace(tzinfo=None)
    lookback = _DAY + 2 * MAX_SHIFT if plan.quiet is not None else MAX_SHIFT
    quiet_ends: dict[date, datetime] = {}
    best: tuple[datetime, datetime] | None = None  # (fire, the wall time beyond which to stop)
    long_before = local_after - 2 * MAX_SHIFT
    for wall in _listed_walls(plan.base, local_after - lookback):
        if best is not None and wall > best[1]:
            return best[0]
        if wall < long_before and wall.time() not in plan.movable:
            continue  # fires long before `after`: neither a gap nor quiet hours can move it past
        fire = _daily_fire(wall.date(), wall.time(), zone, plan.quiet, quiet_ends)
        if fire > after and (best is None or fire < best[0]):
            best = (fire, fire.astimezone(zone).replace(tzinfo=None) + MAX_SHIFT)
    raise AssertionError("unreachable: the walk is endless")


def _next_daily(plan: DailyPlan, zone: ZoneInfo, after: datetime) -> datetime:
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


def _since_step(rule: EveryRule, zone: ZoneInfo, step: datetime) -> datetime:
    """The step of the rhythm after `step`: `interval` later; when that falls in the night window, the
    night interval later instead, or that night's end if it comes first."""
    following = step + rule.interval
    night = rule.night
    if night is None:
        return following
    local = following.astimezone(zone)
    if not night.window.contains(local.time()):
        return following
    return min(step + night.interval, _quiet_end(local, zone, night.window))


def _night_end_wall(wall: datetime, window: DailyWindow) -> datetime:
    """Where the night that the naive wall time `wall` (inside the window) is in ends, on a steady day."""
    end = datetime.combine(wall.date(), window.end)
    return end if end > wall else end + _DAY


def _steady_steps(
    rule: EveryRule, night: NightSpacing, wall: datetime, horizon: datetime
) -> tuple[datetime, datetime]:
    """Walk the rhythm in naive wall time from the step at `wall` while steps stay at or before
    `horizon`, with the clock at one UTC offset all along: (the last step reached, the step after it).
    Daytime steps up to the next night are crossed at once."""
    window = night.window
    while True:
        following = wall + rule.interval
        if window.contains(following.time()):
            following = min(wall + night.interval, _night_end_wall(following, window))
        else:
            night_starts = datetime.combine(wall.date(), window.start)
            if night_starts <= wall:
                night_starts += _DAY
            before_night = -((wall - night_starts) // rule.interval) - 1  # steps strictly before it
            crossed = min(before_night, (horizon - wall) // rule.interval)
            if crossed > 1:
                wall += crossed * rule.interval
                continue
        if following > horizon:
            return wall, following
        wall = following


def _last_step(rule: EveryRule, zone: ZoneInfo, start: datetime, after: datetime) -> datetime | None:
    """The last step of the rhythm from `start` at or before `after` (None: the first is after it)."""
    night = rule.night
    if night is None:
        missed = (after - start) // rule.interval if after > start else 0
        return start + missed * rule.interval if missed >= 1 else None
    if after < start + rule.interval:
        return None  # every step is at least the interval after the one before
    last: datetime | None = None
    step = start
    while True:
        offset = _steady_offset(step, zone)
        if offset is None:
            following = _since_step(rule, zone, step)
        else:
            # One offset for two days from `step`: walk a day of steps in wall time.
            horizon = min(after, step + _DAY)
            local = (step + offset).replace(tzinfo=None)
            reached, next_wall = _steady_steps(rule, night, local, (horizon + offset).replace(tzinfo=None))
            if reached != local:
                last = step = (reached - offset).replace(tzinfo=UTC)
                continue
            following = (next_wall - offset).replace(tzinfo=UTC)
            if following - step > _STEADY_SPAN:
                following = _since_step(rule, zone, step)
        if following > after:
            return last
        last = step = following


def _held_steadily(step: datetime, fire: datetime, zone: ZoneInfo) -> bool:
    """Whether every step between `step` and the `fire` quiet hours moved it to is held to that same fire:
    true when the zone keeps one UTC offset all along, so the local clock runs through the quiet period
    without leaving it."""
    return fire == step or (fire - step <= _STEADY_SPAN and _steady_offset(step, zone) is not None)


def _next_since_last(rule: EveryRule, zone: ZoneInfo, after: datetime, since: datetime | None) -> datetime:
    """The earliest fire after `after` of the last step at or before it and of every later step.

    A step in quiet hours is held until they end. The last step at or before `after` (a step missed while
    paused or offline) still fires if its quiet period has not ended yet; earlier ones are superseded by
    it. A later step can fire before a held one when the clock changes inside the quiet period (a repeated
    hour outside quiet hours, or a quiet end pushed later by a gap), so the steps are compared until they
    pass the best fire found, which on a steady day is the first one or two.
    """
    start = after if since is None else as_utc(since)
    step = _last_step(rule, zone, start, after) or _since_step(rule, zone, start)
    best: datetime | None = None
    while best is None or step < best:
        fire = _outside_quiet(step, zone, rule.quiet)
        if fire > after and (best is None or fire < best):
            best = fire
            if _held_steadily(step, fire, zone):
                return best
        step = _since_step(rule, zone, step)
    return best


def _unbounded_next(
    rule: EveryRule | AtRule, zone: ZoneInfo, after: datetime, since: datetime | None
) -> datetime:
    if isinstance(rule, EveryRule) and rule.since_last:
        return _next_since_last(rule, zone, after, since)
    return _next_daily(daily_plan(rule), zone, after)


def next_fire(
    rule: Rule,
    zone: str,
    after: datetime,
    *,
    since: datetime | None = None,
    fired_count: int | None = None,
) -> datetime | None:
    """The first fire strictly after `after` (aware, any zone in; aware UTC out); None once it has ended.

    `since` (used by since-last rules only) is the latest of the last session marked done, the last fire
    and the reminder's creation; without it, `after` is used. `fired_count` is how many reminders the
    reminder has delivered so far: state kept beside the rule, needed (and only read) when the rule ends
    after a count. A OnceRule ends once past; a rule that ends `until` a date ends at its first fire
    whose local date is after that day; one with a count ends when `fired_count` reaches it.
    """
    after = as_utc(after)
    if isinstance(rule, OnceRule):
        return rule.at if rule.at > after else None
    ends = rule.ends
    if ends is not None and ends.count is not None:
        if fired_count is None or fired_count < 0:
            raise ValueError("a rule that ends after a count needs fired_count, the reminders delivered")
        if fired_count >= ends.count:
            return None
    tz = _zone(zone)
    fire = _unbounded_next(rule, tz, after, since)
    if ends is not None and ends.until is not None and fire.astimezone(tz).date() > ends.until:
        return None
    return fire


def is_last(
    rule: Rule,
    zone: str,
    occurrence: datetime,
    *,
    fired_count: int | None = None,
    since: datetime | None = None,
) -> bool:
    """Whether the occurrence at `occurrence`, delivered after `fired_count` others, is the last one.

    It is when nothing follows it: the count is reached with it, or the next fire would land after the
    `until` day, or it is a one-off. A since-last rule counts from `since` after it (default: the
    occurrence itself, as it does once delivered); marking a session done later only moves fires later.
    """
    occurrence = as_utc(occurrence)
    following = next_fire(
        rule,
        zone,
        occurrence,
        since=occurrence if since is None else since,
        fired_count=None if fired_count is None else fired_count + 1,
    )
    return following is None


def next_fires(
    rule: Rule,
    zone: str,
    after: datetime,
    n: int = 3,
    *,
    since: datetime | None = None,
    fired_count: int | None = None,
) -> tuple[datetime, ...]:
    """The next `n` fires after `after` (fewer when the reminder ends first), each one delivered.

    A since-last rule counts each next one from the fire before it: what happens when no session is marked
    done meanwhile. `fired_count` as for `next_fire`.
    """
    found: list[datetime] = []
    for _ in range(n):
        fire = next_fire(rule, zone, after, since=since, fired_count=fired_count)
        if fire is None:
            break
        found.append(fire)
        after = since = fire
        fired_count = None if fired_count is None else fired_count + 1
    return tuple(found)


def anchor_from(instant: datetime, zone: str) -> time:
    """The local wall time of `instant` to the minute: the default grid anchor for "starting now"."""
    return as_utc(instant).astimezone(_zone(zone)).time().replace(second=0, microsecond=0, fold=0)
