"""What /privacy shows: the summary of a member's stored data, and the erase confirmation buttons.

The Erase and Keep buttons are ``DynamicItem``s whose custom_id carries the member's id, so they work
after a restart and only ever act for the member they were shown to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Self

import discord

from bot.clock import from_storage
from bot.domain.reminders.model import rule_from_json
from bot.errors import Refusal
from bot.services import services_of
from bot.ui.reminder_text import describe
from bot.ui.replies import edit
from bot.ui.text import clip_typed, counted
from bot.ui.views import run_component

PRIVACY_COLOUR = discord.Colour(0x4F7CAC)
NOTICE = (
    "Latch's privacy notice (PRIVACY.md) says what is stored, why and for how long. "
    "Take a copy with `/privacy export`; erase it with `/privacy delete`."
)
CONFIRM_TEXT = (
    "This erases everything Latch stores about you in every server and in DMs: your reminders and "
    "their delivery records, your time zone and last session. Suggestions you made and changes you "
    "made as a moderator stay, without your name. This cannot be undone."
)
ERASE_LABEL = "Erase my data"
KEEP_LABEL = "Cancel"
KEPT_TEXT = "Nothing was erased."
EXPORT_ABOUT = "Everything Latch stores about you. Erase it with /privacy delete."
EXPORT_TEXT = (
    "Everything Latch stores about you, as JSON. Only you can see this file; "
    "erase the data with `/privacy delete`."
)
NOTHING_ERASED = "Latch had nothing stored about you. Nothing was erased."

# What /privacy delete names each kind of row it touched: (one, several).
ERASED_LABELS: dict[str, tuple[str, str]] = {
    "reminder_deliveries": ("reminder delivery record", "reminder delivery records"),
    "reminders": ("reminder", "reminders"),
    "pump_settings": ("set of reminder settings (time zone, last session)", "sets of reminder settings"),
    "reminder_shares": ("reminder you shared with a caregiver", "reminders you shared with a caregiver"),
    "reminders_shared_with_you": ("reminder shared with you", "reminders shared with you"),
    "share_declines": ("declined invitation you sent", "declined invitations you sent"),
    "share_declines_by_you": ("invitation you declined", "invitations you declined"),
    "suggestions": ("suggestion (kept, without your name)", "suggestions (kept, without your name)"),
    "suggestions_reviewed": (
        "suggestion you reviewed (kept, without your name)",
        "suggestions you reviewed (kept, without your name)",
    ),
    "tip_credits": ("credit on a server tip (removed)", "credits on server tips (removed)"),
    "server_tips": (
        "server tip you added (kept, without your name)",
        "server tips you added (kept, without your name)",
    ),
    "audit_entries": ("audit entry (kept, without your name)", "audit entries (kept, without your name)"),
}

MAX_LISTED = 10
MAX_TITLE = 60
FIELD_LIMIT = 1024


def erase_summary(counts: Mapping[str, int]) -> str:
    """One sentence per kind of row that was touched, from ``counts`` (kind → rows)."""
    parts = [
        counted(count, *ERASED_LABELS.get(kind, (kind, kind))) for kind, count in counts.items() if count
    ]
    if not parts:
        return NOTHING_ERASED
    return "Erased: " + "; ".join(parts) + "."


def _plain(text: object, limit: int = MAX_TITLE) -> str:
    """User text, one line, no mentions or Markdown, at most ``limit`` characters."""
    return clip_typed(str(text), limit)


def _when(value: object, style: str = "R") -> str:
    if not isinstance(value, str) or not value:
        return "—"
    instant: datetime = from_storage(value)
    return f"<t:{int(instant.timestamp())}:{style}>"


def _lines(lines: Sequence[str], total: int) -> str:
    shown: list[str] = []
    size = 0
    for line in lines[:MAX_LISTED]:
        if size + len(line) + 1 > FIELD_LIMIT - 30:
            break
        shown.append(line)
        size += len(line) + 1
    if total > len(shown):
        shown.append(f"… and {total - len(shown)} more (all of them are in `/privacy export`)")
    return "\n".join(shown)


def describe_reminder(row: Mapping[str, Any]) -> str:
    """The reminder's rule in words, in its own zone ("every 3 h from 06:00 · Europe/London")."""
    try:
        return describe(rule_from_json(str(row["rule"])), str(row["timezone"]))
    except (KeyError, ValueError):
        return f"{row.get('kind', 'reminder')} reminder"


def _reminder_line(row: Mapping[str, Any]) -> str:
    where = f"<#{row['channel_id']}>" if row.get("channel_id") else "by DM"
    status = str(row.get("status", ""))
    nxt = f"next {_when(row.get('next_fire_at'))}" if status == "active" else status
    return f"• {_plain(describe_reminder(row), 120)} · {where} · {nxt}"


def _share_line(row: Mapping[str, Any], other: str, word: str) -> str:
    """ "• #12 with <@…> · accepted <t:…:R>" (or "invited, not accepted yet")."""
    consented = row.get("consented_at")
    state = f"accepted {_when(consented)}" if consented else "invited, not accepted yet"
    nights = " · nights only" if row.get("nights_only") else ""
    return f"• #{row.get('reminder_id')} {word} <@{row.get(other)}>{nights} · {state}"


def privacy_embed(sections: Mapping[str, Sequence[Mapping[str, Any]]]) -> discord.Embed:
    """Everything stored about the member, in words, across servers."""
    embed = discord.Embed(title="What Latch stores about you", colour=PRIVACY_COLOUR, description=NOTICE)
    reminders = sections.get("reminders", [])
    if reminders:
        lines = [_reminder_line(row) for row in reminders]
        embed.add_field(name=f"Reminders ({len(reminders)})", value=_lines(lines, len(lines)), inline=False)
    deliveries = sections.get("reminder_deliveries", [])
    if deliveries:
        embed.add_field(
            name="Delivery records",
            value=f"{len(deliveries)} (when each reminder was sent; kept 30 days)",
            inline=False,
        )
    shares = [_share_line(row, "caregiver_id", "with") for row in sections.get("reminder_shares", [])] + [
        _share_line(row, "owner_id", "from") for row in sections.get("reminders_shared_with_you", [])
    ]
    if shares:
        embed.add_field(
            name=f"Shared reminders ({len(shares)})", value=_lines(shares, len(shares)), inline=False
        )
    declines = len(sections.get("share_declines", [])) + len(sections.get("share_declines_by_you", []))
    if declines:
        embed.add_field(
            name="Declined invitations",
            value=f"{declines} (kept a day, so an invitation cannot be sent again and again)",
            inline=False,
        )
    for row in sections.get("pump_settings", []):
        zone = row.get("timezone") or "not set"
        embed.add_field(
            name="Your reminder settings",
            value=(
                f"Time zone: {_plain(zone)}\nLast session marked done: {_when(row.get('last_done_at'), 'f')}"
            ),
            inline=False,
        )
    suggestions = sections.get("suggestions", [])
    if suggestions:
        pending = [row for row in suggestions if row.get("status") == "pending"]
        lines = [
            f"• {_plain(row.get('title', ''))} ({_plain(row.get('status', ''), 20)})" for row in suggestions
        ]
        embed.add_field(
            name=f"Suggestions ({len(suggestions)}, {len(pending)} pending)",
            value=_lines(lines, len(lines)),
            inline=False,
        )
    credits = sections.get("tip_credits", [])
    if credits:
        lines = [f"• {_plain(row.get('title', ''))}" for row in credits]
        embed.add_field(name=f"Server tips crediting you ({len(credits)})", value=_lines(lines, len(lines)))
    moderator_rows = {
        "server_tips": "server tips you added",
        "resources": "resources you added",
        "schedules": "scheduled posts you set",
        "audit_entries": "audit entries naming you as the moderator",
    }
    counts = [
        f"{len(sections[kind])} {label}" for kind, label in moderator_rows.items() if sections.get(kind)
    ]
    if counts:
        embed.add_field(name="As a moderator", value="\n".join(counts), inline=False)
    if not embed.fields:
        embed.add_field(name="Nothing stored", value="Latch holds no data about you.", inline=False)
    embed.set_footer(text="Only you can see this.")
    return embed


# ------------------------------------------------------------------ erase confirmation


def _check_owner(interaction: discord.Interaction[Any], user_id: int) -> None:
    if interaction.user.id != user_id:
        raise Refusal("privacy.not_yours")


class ConfirmEraseButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"latch:privacy:(?P<action>erase|keep):(?P<user>\d{1,20})",
):
    """Erase my data / Cancel under /privacy delete; only the member who asked may press them."""

    def __init__(self, action: Literal["erase", "keep"], user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=ERASE_LABEL if action == "erase" else KEEP_LABEL,
                style=discord.ButtonStyle.danger if action == "erase" else discord.ButtonStyle.secondary,
                custom_id=f"latch:privacy:{action}:{user_id}",
            )
        )
        self.action: Literal["erase", "keep"] = action
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls("erase" if match["action"] == "erase" else "keep", int(match["user"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        where = "the Erase my data button" if self.action == "erase" else "the Cancel button"
        await run_component(interaction, where, self._press)

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        _check_owner(interaction, self.user_id)
        if self.action == "keep":
            await edit(interaction, content=KEPT_TEXT, embed=None, view=None)
            return
        counts = await services_of(interaction.client).privacy.erase_member(self.user_id)
        await edit(interaction, content=erase_summary(counts), embed=None, view=None)


def confirm_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmEraseButton("erase", user_id))
    view.add_item(ConfirmEraseButton("keep", user_id))
    return view
