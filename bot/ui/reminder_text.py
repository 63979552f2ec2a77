"""Reminders in words: a rule described, a reminder's line in /pump list, and the answers of /pump."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.reminders.model import AtRule, DailyWindow, Ends, NightSpacing, OnceRule, Reminder, Rule
from bot.ui.text import counted, format_duration, joined, timestamp, when_text

TITLE = "Time to pump"
LATE_TITLE = "Time to pump (late)"
LIST_TITLE = "Your pumping reminders"
LIST_FOOTER = "Choose a reminder below, then pause, resume or delete it."
NO_REMINDERS = (
    "You have no reminders yet. Start one with `/pump every interval:3h`, "
    "`/pump at times:06:00, 9:30, 13:00` or `/pump once after:45m`."
)
UTC_NOTE = (
    "You haven't set a time zone, so this uses **UTC**. Set yours with `/pump timezone` "
    "(e.g. `tz:Europe/London`) and create the reminder again."
)
BUTTONS_FOOTER = "Done, snooze, skip the next one, or pause below."
SESSION_DONE = "Session done at {when}."

# Why a reminder was paused, told once on the member's next /pump command.
NOTICES = {
    "dm_closed": (
        "⚠️ I couldn't send you a reminder by direct message, so I paused it. To allow DMs from Latch: "
        "open the server's menu → **Privacy Settings** → turn on **Direct Messages** "
        "(Server → Privacy Settings → Direct Messages). Then run `/pump resume`."
    ),
    "channel_gone": (
        "⚠️ The channel one of your reminders posted in is gone, so I paused it. Delete it with "
        "`/pump delete` and create it again, or `/pump resume` it."
    ),
    "no_access": (
        "⚠️ I can't post in the channel one of your reminders uses, so I paused it. Ask a moderator to "
        "let Latch post there, then `/pump resume`, or recreate it with `deliver:dm`."
    ),
}

PAUSED_REASONS = {
    "dm_closed": "I couldn't DM you",
    "channel_gone": "its channel is gone",
    "no_access": "I can't post in its channel",
}


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def describe_quiet(quiet: DailyWindow) -> str:
    return f"{_hhmm(quiet.start)}\u2013{_hhmm(quiet.end)}"  # en dash


def describe_night(night: NightSpacing) -> str:
    """ "nights 22:00-06:00 (an en dash) every 4 h 30 min"."""
    return f"nights {describe_quiet(night.window)} every {format_duration(night.interval)}"


def describe_date(day: date) -> str:
    """ "24 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"


def describe_ends(ends: Ends) -> str:
    """ "until 24 Dec 2026", "8 times", "8 times until 24 Dec 2026"."""
    parts = []
    if ends.count is not None:
        parts.append(counted(ends.count, "time"))
    if ends.until is not None:
        parts.append(f"until {describe_date(ends.until)}")
    return " ".join(parts)


def describe(rule: Rule, zone: str) -> str:
    """A short human summary, e.g. "every 3 h from 06:00 · quiet 23:00-06:00 · Europe/London" (an en dash),
    with its night spacing and its end when it has them."""
    if isinstance(rule, OnceRule):
        local = rule.at.astimezone(ZoneInfo(zone))
        return f"once at {_hhmm(local.time())} on {local.day} {local:%b} · {zone}"
    if isinstance(rule, AtRule):
        parts = [f"at {', '.join(_hhmm(moment) for moment in rule.times)}"]
    else:
        start = "after the last session" if rule.since_last else f"from {_hhmm(rule.anchor)}"
        parts = [f"every {format_duration(rule.interval)} {start}"]
        if rule.night is not None:
            parts.append(describe_night(rule.night))
        if rule.quiet is not None:
            parts.append(f"quiet {describe_quiet(rule.quiet)}")
    if rule.ends is not None:
        parts.append(describe_ends(rule.ends))
    parts.append(zone)
    return " · ".join(parts)


def zoned_when(instant: datetime, zone: str) -> str:
    """ "07:00 in America/New_York (your <t:…:t>, <t:…:R>)": the reminder's own wall time, and the
    reader's (Discord shows a timestamp in each reader's zone)."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{_hhmm(local.time())} in {zone} (your {timestamp(instant, 't')}, {timestamp(instant, 'R')})"


def ends_line(rule: Rule, fired_count: int | None = None) -> str | None:
    """When a repeating reminder ends, for /pump list and the answer to creating or editing it:
    "Ends after 24 Dec 2026.", "Ends after 8 reminders (3 left)."; None when it does not end."""
    if isinstance(rule, OnceRule) or rule.ends is None:
        return None
    ends = rule.ends
    parts = []
    if ends.count is not None:
        left = "" if fired_count is None else f" ({max(ends.count - fired_count, 0)} left)"
        parts.append(f"{counted(ends.count, 'reminder')}{left}")
    if ends.until is not None:
        parts.append(describe_date(ends.until))
    return f"Ends after {joined(parts, 'or')}."


LAST_TITLE = "The last one"
LAST_ONE = "This is the last one: the reminder ends with it."
SKIPPED_TITLE = "Time to pump (skipped)"
SKIPPED_BY_NEXT = "No answer came before the next reminder, so this one counts as skipped."


def upcoming_text(fires: Sequence[datetime]) -> str:
    """The next fires of a reminder, as each reader's local time: "Next: …, … and …"."""
    if not fires:
        return "It has no time left to fire."
    return f"Next: {joined([when_text(fire) for fire in fires])}."


def late_text(scheduled_for: datetime) -> str:
    return f"This was due at <t:{int(scheduled_for.timestamp())}:t>; Latch was offline, so it comes late."


def status_text(reminder: Reminder) -> str:
    if reminder.status == "paused":
        reason = PAUSED_REASONS.get(reminder.paused_reason or "")
        return f"⏸ paused ({reason})" if reason else "⏸ paused"
    if reminder.status == "finished":
        return "finished"
    return "active"


def reminder_label(reminder: Reminder) -> str:
    """One line naming a reminder: "#12 every 3 h from 06:00 · Europe/London"."""
    label = f"#{reminder.id} {describe(reminder.rule, reminder.timezone)}"
    if reminder.channel_id is not None:
        label += " · in channel"
    return label


def reminder_line(reminder: Reminder) -> str:
    parts = [status_text(reminder)]
    if reminder.status == "active":
        if reminder.next_fire_at is not None:
            parts.append(f"next {zoned_when(reminder.next_fire_at, reminder.timezone)}")
        if reminder.snoozed_until is not None:
            parts.append(f"snoozed until {when_text(reminder.snoozed_until)}")
    if reminder.channel_id is not None:
        parts.append(f"in <#{reminder.channel_id}>")
    if reminder.unanswered:
        parts.append(f"{counted(reminder.unanswered, 'reminder')} left unanswered")
    line = " · ".join(parts)
    ends = ends_line(reminder.rule, reminder.fired_count) if reminder.status != "finished" else None
    return f"{line}\n{ends}" if ends else line


# ------------------------------------------------------------------ answers


def created_text(
    reminder: Reminder, *, zone_defaulted: bool, upcoming: Sequence[datetime] = (), verb: str = "set"
) -> str:
    """The answer to creating (``verb`` "set") or editing ("changed") a reminder: what it is, where and
    when it comes next, the two after that, and when it ends."""
    where = f" in <#{reminder.channel_id}>" if reminder.channel_id is not None else " by DM"
    lines = [f"Reminder #{reminder.id} {verb}: {describe(reminder.rule, reminder.timezone)}."]
    if reminder.status == "paused":
        lines.append(f"It stays paused; resume it with `/pump resume`. {upcoming_text(upcoming)}")
    else:
        if reminder.next_fire_at is not None:
            lines.append(f"Next{where}: {zoned_when(reminder.next_fire_at, reminder.timezone)}.")
        later = [fire for fire in upcoming if fire != reminder.next_fire_at]
        if later:
            lines.append(f"Then: {joined([when_text(fire) for fire in later])}.")
    ends = ends_line(reminder.rule, reminder.fired_count)
    if ends:
        lines.append(ends)
    if zone_defaulted:
        lines.append(UTC_NOTE)
    return "\n".join(lines)


def paused_text(reminder: Reminder, paused: bool) -> str:
    return f"Paused #{reminder.id}." if paused else f"#{reminder.id} was not active."


def resumed_text(reminder: Reminder, upcoming: datetime | None) -> str:
    if upcoming is None:
        return f"#{reminder.id} had no time left to fire, so it is finished."
    return f"Resumed #{reminder.id}. Next: {zoned_when(upcoming, reminder.timezone)}."


def not_paused_text(reminder: Reminder) -> str:
    return f"#{reminder.id} is not paused."


def deleted_text(reminder: Reminder) -> str:
    return f"Deleted #{reminder.id}."


RESUME_HINT = "Resume with `/pump resume`."


def done_text(now: datetime, restarted: int) -> str:
    text = SESSION_DONE.format(when=when_text(now))
    if restarted:
        text += f" {counted(restarted, 'since-last reminder')} now count from this session."
    return text


def snoozed_text(until: datetime) -> str:
    return f"Snoozed: I'll remind you again at {when_text(until)}."


def skipped_text(upcoming: datetime | None) -> str:
    after = f" After it: {when_text(upcoming)}." if upcoming else " There are no more after it."
    return "Skipped the next one." + after


def paused_by_button_text(paused: bool) -> str:
    return "Paused. Resume it with `/pump resume`." if paused else "This reminder is already paused."


def zone_set_text(zone: str, elsewhere: int = 0) -> str:
    """The answer to /pump timezone; ``elsewhere``: the member's reminders in another zone."""
    text = f"Your time zone is now **{zone}**. New reminders use it."
    if elsewhere:
        keep, them, their = ("keeps its", "it", "its") if elsewhere == 1 else ("keep their", "them", "their")
        text += (
            f" {counted(elsewhere, 'reminder')} of yours {keep} own zone; move {them} with the button "
            f"below ({their} local times stay the same, now read in {zone})."
        )
    return text


MOVE_LABEL = "Move my reminders to {zone}"


def moved_text(moved: Sequence[Reminder], zone: str, left: int) -> str:
    """What the move button did: each reminder moved with its next time, and any that could not move."""
    if not moved:
        return f"None of your reminders could move to {zone}: each would have no time left to fire there."
    lines = [f"Moved to {zone}:"]
    for reminder in moved:
        when = f", next {zoned_when(reminder.next_fire_at, zone)}" if reminder.next_fire_at else ""
        lines.append(f"• #{reminder.id} {describe(reminder.rule, zone)}{when}")
    if left:
        kept, it = ("kept its", "it") if left == 1 else ("kept their", "they")
        lines.append(f"{counted(left, 'reminder')} {kept} zone: {it} would have no time left to fire there.")
    return "\n".join(lines)


ALL_MY_REMINDERS = "All my reminders"
