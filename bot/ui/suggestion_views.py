"""The suggestion queue on screen: the /suggest form, the review message and its persistent buttons.

Approve, Edit & approve and Reject are ``DynamicItem``s whose custom_id carries the suggestion id, so
a review message keeps working after a restart. Each press re-checks that the presser may curate.
Member text is shown with mentions broken and Markdown escaped, and capped, so it can neither ping
anyone nor break the embed (the client's default ``AllowedMentions.none()`` holds as well).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self

import discord

from bot.catalog.service import display_link
from bot.domain.curation import ServerTip
from bot.domain.suggestions import (
    REASON_MAX,
    AlreadyDecided,
    Suggestion,
    TipDraft,
    checked_draft,
    clean_reason,
)
from bot.errors import Refusal
from bot.services import services_of
from bot.ui.checks import require_curator, server_id
from bot.ui.curation import CURATE_COLOUR
from bot.ui.messages import refusal_text
from bot.ui.replies import edit, reply
from bot.ui.server_tip_views import Typed, input_value, tip_inputs, typed_values
from bot.ui.text import member_markdown, safe
from bot.ui.views import LatchModal, run_component

log = logging.getLogger("latch.suggestions")

APPROVE_LABEL = "Approve"
EDIT_LABEL = "Edit & approve"
REJECT_LABEL = "Reject"
CREDIT_FIELD = "credit"
REASON_FIELD = "reason"

PENDING_COLOUR = discord.Colour(0xE0B040)
APPROVED_COLOUR = discord.Colour(0x3BA55D)
REJECTED_COLOUR = discord.Colour(0xA5453B)

CLOSED_DMS = 50007  # Discord: cannot send messages to this user


def thanks_text(left_today: int) -> str:
    more = (
        f"You can suggest {left_today} more today."
        if left_today
        else "That was your last suggestion for 24 hours."
    )
    return (
        "Thank you! Your tip went to this server's moderators for review. You'll hear the outcome by DM "
        f"if your DMs are open to me. {more}"
    )


OnSuggest = Callable[[discord.Interaction[Any], TipDraft, bool], Awaitable[None]]


class SuggestModal(LatchModal):
    """/suggest: title, tip, optional source, and whether to be credited by name."""

    def __init__(
        self,
        *,
        allow_invites: bool,
        on_suggest: OnSuggest,
        typed: Typed | None = None,
        credit: bool = False,
    ) -> None:
        super().__init__(title="Suggest a tip to the moderators", timeout=15 * 60)
        self.allow_invites = allow_invites
        self.on_suggest = on_suggest
        title, body, source = typed or ("", "", "")
        self.inputs = tip_inputs(title=title or None, body=body or None, source=source or None)
        for label in self.inputs:
            self.add_item(label)
        self.credit = discord.ui.Checkbox[Any](custom_id=CREDIT_FIELD, default=credit)
        self.add_item(
            discord.ui.Label(
                text="Credit me by name",
                description="If the tip is approved, show your server name with it",
                component=self.credit,
            )
        )

    def reopened(self) -> SuggestModal:
        return SuggestModal(
            allow_invites=self.allow_invites,
            on_suggest=self.on_suggest,
            typed=typed_values(self.inputs),
            credit=self.credit.value,
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        title, body, source = (input_value(label) for label in self.inputs)
        draft = checked_draft(title, body, source, allow_invites=self.allow_invites)
        await self.on_suggest(interaction, draft, self.credit.value)


# ------------------------------------------------------------------ the review message


def _credit_text(suggestion: Suggestion) -> str:
    if suggestion.user_id is None:
        return "a member who has since erased their data"
    if suggestion.credit_name:
        return f"<@{suggestion.user_id}> · asked to be credited as “{safe(suggestion.credit_name, 40)}”"
    return f"<@{suggestion.user_id}> · asked not to be credited"


def review_embed(suggestion: Suggestion, approved: ServerTip | None = None) -> discord.Embed:
    """The suggestion as moderators review it, with the decision once there is one; once approved, the
    tip as it was approved (a moderator may have edited it)."""
    colour = {"pending": PENDING_COLOUR, "approved": APPROVED_COLOUR, "rejected": REJECTED_COLOUR}
    title, body, link = suggestion.title, suggestion.body, suggestion.source_url
    if approved is not None:
        title, body, link = approved.title, approved.body, approved.source_url
    embed = discord.Embed(
        title=f"{'Approved tip' if approved is not None else 'Suggested tip'}: {safe(title, 200)}",
        description=member_markdown(body, 3000),
        colour=colour[suggestion.status],
        timestamp=suggestion.created_at,
    )
    source = f"[{safe(display_link(link), 200)}]({link})" if link else "none given"
    embed.add_field(name="Source", value=source, inline=False)
    embed.add_field(name="Suggested by", value=_credit_text(suggestion), inline=False)
    when = f"<t:{int(suggestion.decided_at.timestamp())}:R>" if suggestion.decided_at else ""
    if suggestion.status == "approved":
        tip = f" as tip #{suggestion.tip_id}" if suggestion.tip_id is not None else ""
        embed.add_field(
            name="Decision", value=f"Approved by <@{suggestion.reviewer_id}>{tip} {when}", inline=False
        )
    elif suggestion.status == "rejected":
        reason = f"\nReason: {safe(suggestion.reason, REASON_MAX + 50)}" if suggestion.reason else ""
        embed.add_field(
            name="Decision", value=f"Rejected by <@{suggestion.reviewer_id}> {when}{reason}", inline=False
        )
    embed.set_footer(text=f"Suggestion #{suggestion.id}")
    return embed


def review_view(suggestion_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ApproveButton(suggestion_id))
    view.add_item(EditApproveButton(suggestion_id))
    view.add_item(RejectButton(suggestion_id))
    return view


def pending_embed(guild_id: int, pending: Sequence[Suggestion]) -> discord.Embed:
    """/curate suggestions: what waits for a decision, linking to each review message."""
    embed = discord.Embed(title="Suggestions waiting for a decision", colour=CURATE_COLOUR)
    if not pending:
        embed.description = "Nothing is waiting. Members suggest tips with `/suggest`."
        return embed
    lines = []
    for suggestion in pending:
        link = (
            f" · [review](https://discord.com/channels/{guild_id}/{suggestion.review_channel_id}/"
            f"{suggestion.review_message_id})"
            if suggestion.review_message_id
            else ""
        )
        when = int(suggestion.created_at.timestamp())
        lines.append(f"**#{suggestion.id} · {safe(suggestion.title, 90)}** · <t:{when}:R>{link}")
    embed.description = "\n".join(lines)
    return embed


# ------------------------------------------------------------------ deciding


async def _pending(interaction: discord.Interaction[Any], suggestion_id: int) -> Suggestion:
    """The suggestion if it still waits for a decision; otherwise the review message is brought up to date."""
    await require_curator(interaction)
    suggestion = await services_of(interaction.client).suggestions.get(server_id(interaction), suggestion_id)
    if suggestion.status != "pending":
        await _already_decided(interaction, suggestion)
        raise _Handled
    return suggestion


class _Handled(Exception):
    """The interaction was already answered; stop quietly."""


async def _already_decided(interaction: discord.Interaction[Any], suggestion: Suggestion | None) -> None:
    refusal = AlreadyDecided(suggestion)
    if suggestion is None or interaction.message is None or interaction.response.is_done():
        raise refusal
    await edit(interaction, embed=await decided_embed(interaction, suggestion), view=None)
    await reply(interaction, refusal_text(refusal), ephemeral=True)


async def decided_embed(interaction: discord.Interaction[Any], suggestion: Suggestion) -> discord.Embed:
    """The review message once decided: an approved suggestion shows the tip as approved."""
    approved = None
    if suggestion.status == "approved" and suggestion.tip_id is not None:
        curation = services_of(interaction.client).curation
        approved = await curation.tip_numbered(suggestion.guild_id, suggestion.tip_id)
    return review_embed(suggestion, approved)


async def _show_decision(interaction: discord.Interaction[Any], suggestion: Suggestion) -> None:
    """Edit the review message to show the outcome, without buttons, then tell the member."""
    await edit(interaction, embed=await decided_embed(interaction, suggestion), view=None)
    await notify_suggester(
        interaction.client, suggestion, guild_name=interaction.guild.name if interaction.guild else None
    )


async def approve(
    interaction: discord.Interaction[Any], suggestion_id: int, edited: TipDraft | None = None
) -> None:
    try:
        decided = await services_of(interaction.client).suggestions.approve(
            server_id(interaction), suggestion_id, reviewer_id=interaction.user.id, edited=edited
        )
    except AlreadyDecided as taken:
        await _already_decided(interaction, taken.suggestion)
        return
    await _show_decision(interaction, decided)


async def reject(interaction: discord.Interaction[Any], suggestion_id: int, reason: str) -> None:
    try:
        decided = await services_of(interaction.client).suggestions.reject(
            server_id(interaction), suggestion_id, reviewer_id=interaction.user.id, reason=reason
        )
    except AlreadyDecided as taken:
        await _already_decided(interaction, taken.suggestion)
        return
    await _show_decision(interaction, decided)


def outcome_message(suggestion: Suggestion, guild_name: str | None) -> str:
    where = f"**{safe(guild_name, 100)}**" if guild_name else "the server"
    title = safe(suggestion.title, 100)
    if suggestion.status == "approved":
        credit = " You are credited by name, as you asked." if suggestion.credit_name else ""
        return (
            f"Good news: the moderators of {where} approved your tip “{title}”. "
            f"Members there can now find it with `/tip`.{credit}"
        )
    reason = f" Their reason: {safe(suggestion.reason, REASON_MAX + 50)}" if suggestion.reason else ""
    return (
        f"The moderators of {where} decided not to add your tip “{title}”.{reason} "
        "Thank you for suggesting it."
    )


async def notify_suggester(bot: discord.Client, suggestion: Suggestion, *, guild_name: str | None) -> bool:
    """DM the member the outcome when their DMs allow it. Failures are logged without their text."""
    if suggestion.user_id is None:
        return False
    try:
        user = bot.get_user(suggestion.user_id) or await bot.fetch_user(suggestion.user_id)
        await user.send(
            outcome_message(suggestion, guild_name), allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as error:
        reason = "DMs closed" if error.code == CLOSED_DMS else f"HTTP {error.status} code {error.code}"
        log.info("could not tell the member about suggestion #%s: %s", suggestion.id, reason)
        return False
    return True


class _SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"latch:sugg:base:(?P<id>\d{1,18})"
):
    ACTION = "base"
    LABEL = ""
    STYLE = discord.ButtonStyle.secondary

    def __init__(self, suggestion_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABEL, style=self.STYLE, custom_id=f"latch:sugg:{self.ACTION}:{suggestion_id}"
            )
        )
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, f"the {self.LABEL} button", self._guarded)

    async def _guarded(self, interaction: discord.Interaction[Any]) -> None:
        try:
            suggestion = await _pending(interaction, self.suggestion_id)
        except _Handled:
            return
        await self.press(interaction, suggestion)

    async def press(self, interaction: discord.Interaction[Any], suggestion: Suggestion) -> None:
        raise NotImplementedError


class ApproveButton(_SuggestionButton, template=r"latch:sugg:approve:(?P<id>\d{1,18})"):
    ACTION = "approve"
    LABEL = APPROVE_LABEL
    STYLE = discord.ButtonStyle.success

    async def press(self, interaction: discord.Interaction[Any], suggestion: Suggestion) -> None:
        await approve(interaction, suggestion.id)


class EditApproveButton(_SuggestionButton, template=r"latch:sugg:edit:(?P<id>\d{1,18})"):
    ACTION = "edit"
    LABEL = EDIT_LABEL
    STYLE = discord.ButtonStyle.primary

    async def press(self, interaction: discord.Interaction[Any], suggestion: Suggestion) -> None:
        settings = await services_of(interaction.client).curation.settings(suggestion.guild_id)
        await interaction.response.send_modal(
            EditApproveModal(suggestion, allow_invites=settings.allow_invites)
        )


class RejectButton(_SuggestionButton, template=r"latch:sugg:reject:(?P<id>\d{1,18})"):
    ACTION = "reject"
    LABEL = REJECT_LABEL
    STYLE = discord.ButtonStyle.danger

    async def press(self, interaction: discord.Interaction[Any], suggestion: Suggestion) -> None:
        await interaction.response.send_modal(RejectModal(suggestion.id))


class EditApproveModal(LatchModal):
    """The suggestion's fields, prefilled, to correct before approving."""

    def __init__(self, suggestion: Suggestion, *, allow_invites: bool, typed: Typed | None = None) -> None:
        super().__init__(title=f"Edit & approve suggestion #{suggestion.id}"[:45], timeout=15 * 60)
        self.suggestion = suggestion
        self.suggestion_id = suggestion.id
        self.allow_invites = allow_invites
        title, body, source = typed or (suggestion.title, suggestion.body, suggestion.source_url or "")
        self.inputs = tip_inputs(title=title or None, body=body or None, source=source or None)
        for label in self.inputs:
            self.add_item(label)

    def reopened(self) -> EditApproveModal:
        typed = typed_values(self.inputs)
        return EditApproveModal(self.suggestion, allow_invites=self.allow_invites, typed=typed)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await require_curator(interaction)
        title, body, source = (input_value(label) for label in self.inputs)
        draft = checked_draft(title, body, source, allow_invites=self.allow_invites)
        await approve(interaction, self.suggestion_id, draft)


class RejectModal(LatchModal):
    """Why the suggestion is not added; the member reads the reason in their DMs."""

    def __init__(self, suggestion_id: int, *, typed: str | None = None) -> None:
        super().__init__(title=f"Reject suggestion #{suggestion_id}"[:45], timeout=15 * 60)
        self.suggestion_id = suggestion_id
        self.reason = discord.ui.TextInput[Any](
            custom_id=REASON_FIELD,
            style=discord.TextStyle.paragraph,
            max_length=REASON_MAX,
            placeholder="Thanks! We already have a tip like this one.",
            default=typed or None,
        )
        self.add_item(
            discord.ui.Label(
                text="Reason", description="The member who suggested it will see this", component=self.reason
            )
        )

    def reopened(self) -> RejectModal:
        return RejectModal(self.suggestion_id, typed=self.reason.value or self.reason.default)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await require_curator(interaction)
        reason = clean_reason(self.reason.value)
        if not reason:
            raise Refusal("tip.reason_needed")
        await reject(interaction, self.suggestion_id, reason)


SUGGESTION_COMPONENTS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ApproveButton,
    EditApproveButton,
    RejectButton,
)
