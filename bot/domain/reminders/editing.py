"""Changing a reminder's schedule (for `/pump edit reminder`): the new rule from the values that change,
checked as a new reminder is, and its next fires to show the member.

Values the member leaves out keep theirs; `CLEAR` removes an optional one (quiet hours, night spacing,
the end date, the count). The zone changes where the rule's wall times are read: a reminder at 07:00
stays at 07:00 in the new zone, and an end date stays the same local date there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Literal, TypeVar

from bot.domain.reminders.building import ends, first_fire, night_spacing
from bot.domain.reminders.model import AtRule, DailyWindow, Ends, EveryRule, OnceRule, QuietHours, Rule
from bot.domain.reminders.schedule import next_fires
from bot.domain.timezones import resolve_zone
from bot.errors import Refusal


class Clear(Enum):
    """Remove this optional value from the reminder."""

    CLEAR = "clear"


CLEAR = Clear.CLEAR
# What a member types to remove an optional value with /pump edit, e.g. `quiet_hours:none`.
CLEAR_WORDS = frozenset({"none", "off", "no", "clear", "remove", "-"})

_V = TypeVar("_V")


def cleared_or(text: str | None, parse: Callable[[str], _V]) -> _V | Clear | None:
    """None when not given, CLEAR for "none" (and the other CLEAR_WORDS), else the parsed value."""
    if text is None:
        return None
    if text.strip().casefold() in CLEAR_WORDS:
        return CLEAR
    return parse(text)


EditField = Literal["interval", "times", "starting", "quiet", "night", "until", "count", "zone"]
RuleShape = Literal["every", "since_last", "at", "once"]

# What each shape of reminder has that an edit can change.
CHANGEABLE: dict[RuleShape, frozenset[EditField]] = {
    "every": frozenset({"interval", "starting", "quiet", "night", "until", "count", "zone"}),
    "since_last": frozenset({"interval", "quiet", "night", "until", "count", "zone"}),
    "at": frozenset({"times", "until", "count", "zone"}),
    "once": frozenset({"zone"}),
}


class ReminderEditError(Refusal):
    """The edit cannot apply: ``reminder.edit_nothing`` (no value given), ``reminder.edit_not_applicable``
    (``field``: an EditField the reminder does not have, ``shape``: its RuleShape)."""


@dataclass(frozen=True, slots=True)
class RuleChanges:
    """The values a member gave to `/pump edit reminder`, already parsed; None: unchanged."""

    interval: timedelta | None = None
    times: tuple[time, ...] | None = None
    starting: time | None = None  # the grid's anchor
    quiet: QuietHours | Clear | None = None
    night: DailyWindow | Clear | None = None  # the night window; CLEAR removes night spacing
    night_interval: timedelta | None = None
    until: date | Clear | None = None
    count: int | Clear | None = None
    zone: str | None = None

    def given(self) -> tuple[EditField, ...]:
        """The fields this edit changes, in a fixed order."""
        values: tuple[tuple[EditField, object], ...] = (
            ("interval", self.interval),
            ("times", self.times),
            ("starting", self.starting),
            ("quiet", self.quiet),
            ("night", self.night if self.night is not None else self.night_interval),
            ("until", self.until),
            ("count", self.count),
            ("zone", self.zone),
        )
        return tuple(field for field, value in values if value is not None)


@dataclass(frozen=True, slots=True)
class EditedReminder:
    rule: Rule
    zone: str
    upcoming: tuple[datetime, ...]  # the next fires from now (up to three; fewer when it ends first)


def shape_of(rule: Rule) -> RuleShape:
    if isinstance(rule, OnceRule):
        return "once"
    if isinstance(rule, AtRule):
        return "at"
    return "since_last" if rule.since_last else "every"


_T = TypeVar("_T")


def _kept(change: _T | Clear | None, current: _T | None) -> _T | None:
    """The value after an edit: removed, unchanged, or the new one."""
    if isinstance(change, Clear):
        return None
    return current if change is None else change


def _edited_every(rule: EveryRule, changes: RuleChanges) -> EveryRule:
    interval = rule.interval if changes.interval is None else changes.interval
    anchor = rule.anchor if changes.starting is None else changes.starting
    quiet = _kept(changes.quiet, rule.quiet)
    window: DailyWindow | None = None
    night_interval: timedelta | None = None
    if not isinstance(changes.night, Clear):
        if rule.night is not None:
            window, night_interval = rule.night.window, rule.night.interval
        window = window if changes.night is None else changes.night
        night_interval = night_interval if changes.night_interval is None else changes.night_interval
    # Night spacing that stays is checked again against the new interval, starting time and quiet hours.
    night = night_spacing(
        interval, window, night_interval, anchor=anchor, since_last=rule.since_last, quiet=quiet
    )
    return EveryRule(interval, anchor, quiet, rule.since_last, night, _edited_ends(rule, changes))


def _edited_ends(rule: EveryRule | AtRule, changes: RuleChanges) -> Ends | None:
    current = rule.ends
    until = _kept(changes.until, None if current is None else current.until)
    count = _kept(changes.count, None if current is None else current.count)
    return ends(until, count)


def edit_rule(
    rule: Rule,
    zone: str,
    changes: RuleChanges,
    *,
    now: datetime,
    since: datetime | None = None,
    fired_count: int = 0,
    upcoming: int = 3,
) -> EditedReminder:
    """The reminder's new rule and zone, and its next `upcoming` fires after `now`.

    Refused as creating it would be (a night interval shorter than the interval, night inside quiet
    hours, an end already reached...), and when no value is given or one the reminder does not have (a
    starting time for a since-last reminder, times for an every-rule). `since` is where a since-last rule
    counts from (the latest of the last session, the last fire and the creation; default `now`);
    `fired_count` the reminders it has delivered, which an end after a count needs.
    """
    given = changes.given()
    if not given:
        raise ReminderEditError("reminder.edit_nothing")
    shape = shape_of(rule)
    for field in given:
        if field not in CHANGEABLE[shape]:
            raise ReminderEditError("reminder.edit_not_applicable", field=field, shape=shape)
    new_zone = resolve_zone(changes.zone) if changes.zone is not None else zone
    new_rule: Rule
    if isinstance(rule, OnceRule):
        new_rule = rule
    elif isinstance(rule, AtRule):
        times = rule.times if changes.times is None else changes.times
        new_rule = AtRule(times, ends=_edited_ends(rule, changes))
    else:
        new_rule = _edited_every(rule, changes)
    counting_from = now if since is None else since
    first_fire(new_rule, new_zone, now, since=counting_from, fired_count=fired_count)
    fires = next_fires(new_rule, new_zone, now, upcoming, since=counting_from, fired_count=fired_count)
    return EditedReminder(new_rule, new_zone, fires)
