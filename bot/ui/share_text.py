"""Every sentence about sharing a reminder with a caregiver: the invitation, the copies, the answers,
and the refusals (``SHARE_MESSAGES``, part of the catalog in `bot.ui.messages`)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.reminders.model import Reminder
from bot.domain.reminders.sharing import NIGHTS, Share
from bot.ui.reminder_text import describe, describe_quiet, reminder_label
from bot.ui.text import timestamp

SHARE_EXAMPLE = "`/pump share invite reminder:12 with:@partner`"
NIGHTS_TEXT = f"only the nudges between {describe_quiet(NIGHTS)} in the reminder's time zone"

ACCEPT_LABEL = "Accept"
DECLINE_LABEL = "Decline"
DONE_LABEL = "Done"
STOP_LABEL = "Stop sharing"
COPY_FOOTER = "Shared with you by consent. Done marks the session for both of you; stop any time below."

SHARE_MESSAGES: dict[str, str] = {
    "share.bot": "Reminders can be shared only with a person, not a bot. Choose someone, e.g. "
    + SHARE_EXAMPLE
    + ".",
    "share.self": (
        "That's you: you get this reminder already. Choose the person who helps you, e.g. "
        + SHARE_EXAMPLE
        + "."
    ),
    "share.not_yours": (
        "You can share only a reminder of your own. Choose one from the list as you type, or find its "
        "number with `/pump list`, e.g. " + SHARE_EXAMPLE + "."
    ),
    "share.finished": (
        "Reminder #{reminder} has ended, so there is nothing to share. `/pump list` shows the others."
    ),
    "share.already_shared": (
        "Reminder #{reminder} is already shared with <@{caregiver}> (one person per reminder). Stop that "
        "first with `/pump share stop reminder:{reminder}`, then invite someone else."
    ),
    "share.already_invited": (
        "Reminder #{reminder} already has an invitation waiting for <@{caregiver}> (one person per "
        "reminder). Withdraw it with `/pump share stop reminder:{reminder}` to invite someone else."
    ),
    "share.declined_twice": (
        "That person declined two invitations from you in the last 24 hours, so I won't send another "
        "for now. You can invite them again {again_at}."
    ),
    "share.cannot_dm": (
        "I can't send that person a direct message (their DMs are closed to Latch), so nothing was "
        "shared. Ask them to allow direct messages from this server's members, then invite them again."
    ),
    "share.not_shared": (
        "None of the reminders you shared, or that were shared with you, matches that. Choose one from "
        "the list as you type, e.g. `/pump share stop reminder:12`."
    ),
    "share.invite_gone": "This invitation is no longer open: it was withdrawn or already answered.",
    "share.already_accepted": (
        "You already accepted this. To stop receiving the reminder, press Stop sharing on a reminder "
        "you get, or use `/pump share stop`."
    ),
    "share.stopped": "This reminder is no longer shared with you, so its buttons do nothing now.",
}


def _which(share: Share) -> str:
    return f"Which nudges: {NIGHTS_TEXT}." if share.nights_only else "Which nudges: every one."


def invitation_text(share: Share, reminder: Reminder) -> str:
    """The DM the invited person reads."""
    return (
        f"<@{share.owner_id}> would like you to receive their pumping reminder too: "
        f"{describe(reminder.rule, reminder.timezone)}.\n{_which(share)}\n"
        "If you accept, I'll send you a copy of each nudge by DM, with a Done button that marks the session "
        "for both of you. Either of you can stop it at any time. Latch keeps only who shares with whom, "
        "which reminder, and when you accepted.\n"
        "If you decline, nothing is shared; I keep only that you declined, for a day."
    )


def invited_text(share: Share, reminder: Reminder) -> str:
    """The owner's answer once the invitation is sent."""
    which = f" ({NIGHTS_TEXT})" if share.nights_only else ""
    return (
        f"I've asked <@{share.caregiver_id}> by DM. Once they accept, they'll get {reminder_label(reminder)} "
        f"too{which}. Stop it any time with `/pump share stop reminder:{reminder.id}`."
    )


def accepted_text(share: Share, reminder: Reminder) -> str:
    return (
        f"Accepted. You'll get a copy of <@{share.owner_id}>'s reminder {reminder_label(reminder)}"
        f"{' (' + NIGHTS_TEXT + ')' if share.nights_only else ''}. Press {STOP_LABEL} on any of them to stop."
    )


def declined_text(share: Share) -> str:
    return f"Declined. You won't get <@{share.owner_id}>'s reminder."


def stopped_text(share: Share, user_id: int) -> str:
    """After /pump share stop or the Stop sharing button, for the person who stopped it."""
    if user_id == share.owner_id:
        if share.accepted:
            return f"Reminder #{share.reminder_id} is no longer shared: <@{share.caregiver_id}> won't get it."
        return (
            f"Withdrawn: the invitation to <@{share.caregiver_id}> for reminder #{share.reminder_id} is gone."
        )
    return f"Stopped: you won't get <@{share.owner_id}>'s reminder #{share.reminder_id} any more."


def copy_content(owner_id: int) -> str:
    return f"A pumping reminder for <@{owner_id}>, shared with you."


def done_for_owner_text(share: Share, now: datetime) -> str:
    return f"Marked the session done for <@{share.owner_id}> at {timestamp(now, 't')}."


def share_choice(share: Share, user_id: int, label: str) -> str:
    """An autocomplete choice for /pump share stop."""
    state = "" if share.accepted else ", invitation waiting"
    if user_id == share.owner_id:
        return f"{label} (shared by you{state})"
    return f"#{share.reminder_id} shared with you{state}"
