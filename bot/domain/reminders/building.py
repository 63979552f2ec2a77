"""A reminder's rule from parsed values, and the checks on values that are fine one by one but not
together (a night interval shorter than the interval, night spacing inside quiet hours, an end already
reached): each is refused with a `ReminderRuleError` whose code `bot.ui.messages` words.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.reminders.model import (
    DailyWindow,
    Ends,
    EveryRule,
    NightSpacing,
    OnceRule,
    QuietHours,
    Rule,
    night_covers_grid,
)
from bot.domain.reminders.schedule import next_fire
from bot.errors import Refusal


class ReminderRuleError(Refusal):
    """The values of a reminder do not make a schedule together.

    Codes: ``reminder.night_incomplete``, ``reminder.night_shorter`` (``interval``, ``night_interval``),
    ``reminder.night_in_quiet`` (``night``, ``quiet``), ``reminder.night_covers_grid`` (``night``,
    ``interval``, ``anchor``), ``reminder.never_fires`` (``ends``, ``fired_count``).
    """


def night_spacing(
    interval: timedelta,
    window: DailyWindow | None,
    night_interval: timedelta | None,
    *,
    anchor: time,
    since_last: bool,
    quiet: QuietHours | None,
) -> NightSpacing | None:
    """Night spacing from its two values, checked against the rest of the rule; None without them.

    Refused: only one of the two; a night interval shorter than the interval (spacing only stretches);
    a night window inside quiet hours (they already silence it, so it never has a reminder to space); a
    night window holding every time of a grid (no daytime rhythm is left to stretch from).
    """
    if window is None and night_interval is None:
        return None
    if window is None or night_interval is None:
        raise ReminderRuleError("reminder.night_incomplete")
    if night_interval < interval:
        raise ReminderRuleError("reminder.night_shorter", interval=interval, night_interval=night_interval)
    if quiet is not None and quiet.covers(window):
        raise ReminderRuleError("reminder.night_in_quiet", night=window, quiet=quiet)
    if not since_last and night_covers_grid(interval, anchor, window):
        raise ReminderRuleError("reminder.night_covers_grid", night=window, interval=interval, anchor=anchor)
    return NightSpacing(window, night_interval)


def every_rule(
    interval: timedelta,
    anchor: time,
    *,
    quiet: QuietHours | None = None,
    since_last: bool = False,
    night: DailyWindow | None = None,
    night_interval: timedelta | None = None,
    ends: Ends | None = None,
) -> EveryRule:
    """An `EveryRule` from parsed values, refusing (`ReminderRuleError`) those that clash."""
    spacing = night_spacing(
        interval, night, night_interval, anchor=anchor, since_last=since_last, quiet=quiet
    )
    return EveryRule(interval, anchor, quiet, since_last, spacing, ends)


def ends(until: date | None = None, count: int | None = None) -> Ends | None:
    """The end of a reminder from its parsed `until` and `count` (None when neither was given)."""
    return None if until is None and count is None else Ends(until, count)


def first_fire(
    rule: Rule, zone: str, now: datetime, *, since: datetime | None = None, fired_count: int = 0
) -> datetime:
    """The first fire after `now` of a rule being created or changed; a refusal when it has none.

    A one-off already past is ``reminder.already_past``; a rule that has ended before firing again
    (until today after today's last time, a count already reached) is ``reminder.never_fires``.
    """
    fire = next_fire(rule, zone, now, since=now if since is None else since, fired_count=fired_count)
    if fire is not None:
        return fire
    rule_ends = None if isinstance(rule, OnceRule) else rule.ends
    if rule_ends is None:
        raise Refusal("reminder.already_past")
    raise ReminderRuleError("reminder.never_fires", ends=rule_ends, fired_count=fired_count)
