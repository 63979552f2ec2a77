"""Every refusal a member can read, by code: the catalog that a second language would translate.

Domain rules, repositories and services raise `bot.errors.Refusal(code, **data)`; `refusal_text` looks
the code up here and fills the template with the data, shown safely:
- what a member typed (`Typed`) only as a short, clipped, escaped quote, never more;
- durations as "3 h 30 min", instants as Discord timestamps each reader sees in their own zone;
- lists as "a, b and c", a refusal inside a refusal as its own text.

A code without a template is a bug, reported like any other (`bot.ui.replies`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from string import Formatter
from typing import Any

from bot.domain.reminders.model import DailyWindow, Ends
from bot.errors import Refusal, Typed
from bot.ui.reminder_text import describe_date, describe_quiet
from bot.ui.share_text import SHARE_MESSAGES
from bot.ui.text import clip_typed, counted, format_duration, joined, timestamp

# Permissions by discord.py's name, as Discord's settings show them.
PERMISSION_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}

INTERVAL_HELP = "Use a duration from 30m to 24h, e.g. `3h`, `2h30m` or `90m`."
AFTER_HELP = "Use a duration from 1m to 7d, e.g. `45m`, `2h30m` or `1d`."
TIME_HELP = "Use a time of day, e.g. `06:00`, `9:30`, `6am` or `1pm`."
TIMES_HELP = "Use 1 to 12 times of day separated by commas or spaces, e.g. `06:00, 9:30, 13:00` or `6am 1pm`."
QUIET_HELP = "Use quiet hours as start-end, e.g. `23:00-06:00` or `11pm-6am`."
QUIET_SAME_HELP = "Quiet hours need a start and an end that differ, e.g. `23:00-06:00`."
NIGHT_HELP = "Use a night window as start-end, e.g. `22:00-06:00` or `10pm-6am`."
NIGHT_SAME_HELP = "A night window needs a start and an end that differ, e.g. `22:00-06:00`."
NIGHT_INTERVAL_HELP = "Use a duration from 30m to 24h, at least the daytime interval, e.g. `4h30m` or `5h`."
UNTIL_HELP = (
    "Use a day in the reminder's time zone with the month as a word, or year-month-day, e.g. "
    "`24 Dec`, `Dec 24 2026`, `2026-12-24`, `today` or `tomorrow`."
)
COUNT_HELP = "Use a number of reminders from 1 to 500, e.g. `8` or `20`."
NIGHT_EXAMPLE = "`interval:3h night:22:00-06:00 night_interval:4h30m`"

# What each kind of reminder value accepts (bot.domain.reminders.parsing.ValueKind).
VALUE_HELP = {
    "interval": INTERVAL_HELP,
    "after": AFTER_HELP,
    "time": TIME_HELP,
    "times": TIMES_HELP,
    "quiet": QUIET_HELP,
    "night": NIGHT_HELP,
    "night_interval": NIGHT_INTERVAL_HELP,
    "until": UNTIL_HELP,
    "count": COUNT_HELP,
}

# For /pump edit: what each changeable value is called, and the reminders it belongs to.
EDIT_FIELDS = {
    "interval": "interval",
    "times": "times",
    "starting": "starting time",
    "quiet": "quiet hours",
    "night": "night spacing",
    "until": "end date",
    "count": "count",
    "zone": "time zone",
}
EDIT_SHAPES = {
    "every": (
        "a reminder every few hours",
        "interval, starting time, quiet hours, night spacing, end or time zone",
    ),
    "since_last": (
        "a reminder that counts from your last session",
        "interval, quiet hours, night spacing, end or time zone",
    ),
    "at": ("a reminder at set times", "times, end or time zone"),
    "once": ("a one-off reminder", "time zone"),
}

URL_ACCEPTED = (
    "Accepted: an https:// link to a website name (not an IP address), with no user name or password "
    "in it, up to 512 characters, for example `https://llli.org/breastfeeding-info/`"
)
ZONE_EXAMPLE = "Europe/London, America/New_York, Asia/Kolkata, or a city such as Sydney"
REGION_EXAMPLE = "a two-letter country code such as US, GB, AU, IN or CA, or “global”"
SEARCH_EXAMPLE = "`/search query: letdown at work`"

MESSAGES: dict[str, str] = {
    # ---------------------------------------------------------------- reminder values
    "reminder.input": "{typed} isn't something I can read. {help}",
    "reminder.whole_minutes": "Whole minutes only. {help}",
    "reminder.too_short": "That is shorter than {limit}. {help}",
    "reminder.too_long": "That is longer than {limit}. {help}",
    "reminder.too_many_times": "That is more than {limit} times. {help}",
    "reminder.quiet_same": QUIET_SAME_HELP,
    "reminder.night_same": NIGHT_SAME_HELP,
    "reminder.date_ambiguous": (
        "I can't tell the day from the month in {typed}. Write the month as a word, or the date as "
        "year-month-day, e.g. `3 Apr`, `Apr 3` or `2026-04-03`."
    ),
    "reminder.no_such_date": "{typed} isn't a day on the calendar. {help}",
    "reminder.until_past": (
        "{until} has already passed in {zone}, where it is {today} today. Use today or a later day, "
        "e.g. `tomorrow`, `24 Dec` or `2026-12-24`."
    ),
    "reminder.until_too_far": (
        "That is more than {years} years ahead. Use a day within {years} years, e.g. `24 Dec` or "
        "`2026-12-24`, or leave `until` out for a reminder that doesn't end."
    ),
    "reminder.count_range": "A count is from {low} to {high} reminders; {typed} isn't. {help}",
    # ---------------------------------------------------------------- reminder values together
    "reminder.night_incomplete": (
        "Night spacing needs both a window and the gap through it, e.g. " + NIGHT_EXAMPLE + "."
    ),
    "reminder.night_shorter": (
        "The night interval ({night_interval}) is shorter than the interval ({interval}); night spacing "
        "only makes the gap longer. Use a night interval of {interval} or more, e.g. " + NIGHT_EXAMPLE + "."
    ),
    "reminder.night_in_quiet": (
        "The night window {night} is inside your quiet hours {quiet}, which already silence it, so it "
        "would never have a reminder to space out. Use a night window that reaches outside them, e.g. "
        "`night:22:00-06:00` with `quiet_hours:01:00-05:00`, or leave `night` out."
    ),
    "reminder.night_covers_grid": (
        "Every time of this reminder (every {interval} from {anchor}) falls in the night window {night}, "
        "so no daytime rhythm is left to stretch. Use a shorter night window or a shorter interval, "
        "e.g. " + NIGHT_EXAMPLE + ", or leave `night` out."
    ),
    "reminder.never_fires": (
        "With those settings the reminder has no time left to fire ({ends}). Choose a later `until` "
        "or a larger `count`, e.g. `until:tomorrow` or `count:8`."
    ),
    "reminder.edit_nothing": (
        "Tell me what to change, e.g. `interval:2h30m`, `starting:06:00` or `quiet_hours:23:00-06:00`."
    ),
    "reminder.edit_not_applicable": ("{shape} has no {field} to change. You can change its {changeable}."),
    # ---------------------------------------------------------------- reminders
    "reminder.limit_active": (
        "You already have {limit} active reminders, the most Latch keeps per person. "
        "Pause or delete one first (`/pump list`)."
    ),
    "reminder.limit_kept": (
        "You have {limit} reminders kept (active and paused). Delete a paused one first (`/pump delete`)."
    ),
    "reminder.already_past": "That time has already passed. Use a duration from 1m to 7d, e.g. `45m`.",
    "reminder.gone": "This reminder has been deleted.",
    "reminder.not_found": (
        "No reminder of yours matches that. Choose one from the list as you type, or run `/pump list`."
    ),
    "reminder.not_yours": "This reminder belongs to someone else, so only they can use its buttons.",
    "reminder.snooze_paused": "This reminder is paused. Resume it with `/pump resume` first.",
    "reminder.skip_past": "That occurrence is already skipped or past. `/pump list` shows the next one.",
    "reminder.channel_needs_server": (
        "`deliver:channel` only works in a server channel. Use `deliver:dm` here."
    ),
    "reminder.channel_not_member": (
        "Latch isn't a member of this server, so it can't post in its channels. Your reminders come by "
        "DM instead: use `deliver:dm` (the default)."
    ),
    "reminder.channel_not_allowed": (
        "This server doesn't allow reminders in channels. A moderator can turn that on in "
        "`/curate settings`; until then use `deliver:dm` (the default)."
    ),
    "reminder.nothing_to_pause": (
        "Nothing to pause: none of those reminders is active. `/pump list` shows them."
    ),
    "reminder.nothing_to_resume": (
        "Nothing to resume: none of those reminders is paused. `/pump list` shows them."
    ),
    "reminder.list_not_yours": "Only the person who ran /pump list can use these buttons.",
    "reminder.move_not_yours": "Only the person who ran /pump timezone can use this button.",
    "reminder.edit_finished": (
        "That reminder has ended, so there is nothing to change. Start a new one with `/pump every`, "
        "`/pump at` or `/pump once`."
    ),
    "reminder.choose_first": "Choose a reminder from the menu first, then press the button.",
    # ---------------------------------------------------------------- time zones, regions, topics
    "zone.unknown": "{typed} is not a time zone I know. Try " + ZONE_EXAMPLE + ".",
    "region.unknown": "{typed} is not a region I know. Use " + REGION_EXAMPLE + ".",
    "region.not_a_region": (
        "{typed} is not a region. Use a two-letter country code such as US, GB, AU, IN or CA, or “global”."
    ),
    "topic.unknown": "{typed} is not a topic. Choose one of: {choices}.",
    "field.empty": "The {field} can't be empty.",
    "field.too_long": "The {field} can be at most {limit} characters; yours has {length}. Please shorten it.",
    # ---------------------------------------------------------------- links
    "url.no_host": "That link has no website name. " + URL_ACCEPTED,
    "url.ip_address": "Links to an IP address aren't accepted. " + URL_ACCEPTED,
    "url.bad_host": "That website name isn't valid. " + URL_ACCEPTED,
    "url.empty": "The link is empty. " + URL_ACCEPTED,
    "url.too_long": "That link is {length} characters long. " + URL_ACCEPTED,
    "url.too_long_written_out": "That link is {length} characters long once written out. " + URL_ACCEPTED,
    "url.bad_characters": "That link contains spaces or characters links can't have. " + URL_ACCEPTED,
    "url.not_https": "Only https:// links are accepted. " + URL_ACCEPTED,
    "url.malformed": "That link isn't a valid web address. " + URL_ACCEPTED,
    "url.credentials": "Links with a user name or password in them aren't accepted. " + URL_ACCEPTED,
    "url.port": "Links with a port number aren't accepted. " + URL_ACCEPTED,
    "url.shortener": "Short links ({host}) hide where they lead, so they aren't accepted. " + URL_ACCEPTED,
    "url.invite_off": (
        "Discord invite links are off in this server. A moderator can allow them with "
        "`/curate settings allow_invites: True`."
    ),
    # ---------------------------------------------------------------- tips and suggestions
    "tip.no_title": "Give the tip a title, for example “Warm flannel before pumping”.",
    "tip.title_too_long": "A title can be up to {limit} characters; yours has {length}.",
    "tip.no_body": "Write the tip itself: a sentence or two members can try.",
    "tip.body_too_long": "A tip can be up to {limit} characters; yours has {length}. Try shortening it.",
    "tip.source_too_long": (
        "A source link can be up to {limit} characters, for example https://www.llli.org/breastfeeding-info/."
    ),
    "tip.source": "Source link: {reason}",
    "tip.reason_too_long": "A reason can be up to {limit} characters; yours has {length}.",
    "tip.reason_needed": "Give a short reason, for example “We already have a tip like this one.”",
    "tip.unknown": (
        "This server has no tip {typed}. Pick one from the list as you type, or see them all with "
        "`/curate tip list`."
    ),
    "tip.removed_meanwhile": "Tip #{tip} was removed in the meantime, so nothing was changed.",
    "tip.none": "There are no tips to show yet.",
    "card.gone": "That card is no longer available. Run `{command}` to find another.",
    "suggest.server_only": "Suggestions go to a server's moderators, so use `/suggest` in a server.",
    "suggest.off": (
        "The moderators of this server haven't turned suggestions on yet (they need to choose a review "
        "channel with `/curate settings`)."
    ),
    "suggest.not_posted": (
        "I couldn't post your suggestion in the moderators' review channel, so nothing was saved. "
        "Please let a moderator know; they may need to check my permissions there."
    ),
    "suggest.limit": (
        "You've suggested {limit} tips here in the last 24 hours, the most there can be. "
        "You can suggest another {again_at}."
    ),
    "suggest.duplicate": (
        "This server already has a tip with that title, or one waiting for the moderators. "
        "Nothing was saved; give yours a title of its own if it is a different tip."
    ),
    "suggestion.gone": "That suggestion no longer exists.",
    "suggestion.already_decided": "Another moderator already {status} this suggestion.",
    # ---------------------------------------------------------------- curation
    "curate.not_curator": (
        "Only moderators can do that: you need the Manage Server permission or this server's moderator role."
    ),
    "curate.everyone_role": "@everyone can't be the moderator role. Pick a role only moderators have.",
    "curate.weekly_needs_weekday": (
        "Weekly posts need a weekday: add the weekday option, e.g. cadence weekly, weekday monday."
    ),
    "curate.weekday_not_weekly": (
        "A weekday only applies to weekly posts. Leave it out for {cadence} posts, or choose cadence weekly."
    ),
    "curate.choose_text_channel": "Choose a text channel to post in with the channel option.",
    "resource.duplicate_name": (
        "This server already has a resource called {name}. Pick another name, or remove the old one "
        "first with `/curate resource remove`."
    ),
    "resource.limit": (
        "This server has {limit} resources, the most it can have. Remove one with "
        "`/curate resource remove` first."
    ),
    "resource.unknown": (
        "This server has no resource with that number. `/curate resource list` shows them all."
    ),
    "resource.bad_number": (
        "Pick a resource from the list as you type, or give its number from `/curate resource list`, "
        "for example `#3`."
    ),
    # ---------------------------------------------------------------- tip posts (and why one failed)
    "post.channel_gone": (
        "The channel {channel} no longer exists, or I can no longer see it. Choose another channel."
    ),
    "post.missing_permissions": (
        "I can't post in {channel}: I'm missing the {missing} {permission_word} there. "
        "A server admin can grant {them} in the channel's settings, under Permissions."
    ),
    "post.not_found": "Discord could not find {channel}{status_text}; was it deleted?",
    "post.post_refused": "Discord refused the post in {channel}{status_text}.",
    "post.no_server_tips": (
        "This server has no tips of its own yet. Add some with `/curate tip add`, or choose source "
        "“both” or “library”."
    ),
    "post.no_tips": "There are no tips to post.",
    # ---------------------------------------------------------------- sharing and search
    "share.server_only": "Sharing works in a server channel. This card stays private here.",
    "share.member_cannot_post": (
        "You can't send messages in this channel, so I won't share there for you. "
        "Try a channel where you can post."
    ),
    "share.bot_cannot_post": (
        "I can't post in this channel: I need the Send Messages and Embed Links permissions here. "
        "A server admin can grant them, or share the card in another channel."
    ),
    "search.empty": "Type a word or two to search for, for example " + SEARCH_EXAMPLE + ".",
    "search.too_long": (
        "A search can be up to {limit} characters. Try a few key words, for example " + SEARCH_EXAMPLE + "."
    ),
    "search.no_words": "Search for words with letters or numbers, for example " + SEARCH_EXAMPLE + ".",
    "browse.choose_fact": "Choose a fact from the menu.",
    # ---------------------------------------------------------------- privacy and general
    "privacy.not_yours": "These buttons belong to the member who asked. Run `/privacy delete` yourself.",
    "server.only": "This command only works in a server.",
    **SHARE_MESSAGES,  # sharing a reminder with a caregiver
}


def _post_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of a failed post, as its message names them."""
    shown = dict(data)
    channel_id = data.get("channel_id")
    shown["channel"] = f"<#{channel_id}>" if channel_id else "the channel"
    missing = [PERMISSION_LABELS.get(name, str(name)) for name in data.get("missing", ())]
    shown["missing"] = joined(missing)
    shown["permission_word"] = "permission" if len(missing) == 1 else "permissions"
    shown["them"] = "it" if len(missing) == 1 else "them"
    status = data.get("status")
    detail = data.get("text") or ("Unknown Channel" if status == 404 else "Forbidden")
    shown["status_text"] = f" ({status}: {clip_typed(str(detail), 80)})" if status else ""
    return shown


def _reminder_data(code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of a reminder refusal whose wording depends on them."""
    shown = dict(data)
    if code == "reminder.never_fires" and isinstance(data.get("ends"), Ends):
        ends: Ends = data["ends"]
        fired = data.get("fired_count") or 0
        limits = []
        if ends.count is not None:
            limits.append(counted(ends.count, "reminder") + (f", {fired} already sent" if fired else ""))
        if ends.until is not None:
            limits.append(describe_date(ends.until))
        shown["ends"] = f"it ends after {joined(limits, 'or')}"
    if code == "reminder.edit_not_applicable":
        shape, changeable = EDIT_SHAPES[str(data.get("shape"))]
        shown["shape"] = shape[0].upper() + shape[1:]
        shown["field"] = EDIT_FIELDS[str(data.get("field"))]
        shown["changeable"] = changeable
    return shown


def _display(value: object) -> str:
    if isinstance(value, Typed):
        return f"“{clip_typed(value.text)}”"
    if isinstance(value, Refusal):
        return refusal_text(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        return timestamp(value, "R")
    if isinstance(value, date):
        return describe_date(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, DailyWindow):
        return describe_quiet(value)
    if isinstance(value, list | tuple):
        return joined([str(item) for item in value])
    return str(value)


def refusal_text(refusal: Refusal) -> str:
    """The sentence a member reads for ``refusal``; KeyError for a code without one (a bug)."""
    template = MESSAGES[refusal.code]
    data: dict[str, Any] = dict(refusal.data)
    if refusal.code.startswith("reminder.") and "kind" in data:
        data["help"] = VALUE_HELP[str(data["kind"])]
    if refusal.code in {"reminder.never_fires", "reminder.edit_not_applicable"}:
        data = _reminder_data(refusal.code, data)
    if refusal.code.startswith("post."):
        data = _post_data(data)
    if refusal.code == "card.gone":
        data["command"] = "/fact" if data.get("kind") == "fact" else "/tip"
    names = {field for _text, field, _spec, _conversion in Formatter().parse(template) if field}
    return template.format(**{name: _display(data.get(name, "")) for name in names})


def has_text(code: str) -> bool:
    return code in MESSAGES


def missing_codes(codes: Sequence[str]) -> list[str]:
    """The codes among ``codes`` that have no message (the test suite checks every raised code)."""
    return [code for code in codes if code not in MESSAGES]
