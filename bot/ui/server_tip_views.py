"""Server tips on screen: the add/edit modal, the paginated list, and search results that include them.

The list's page buttons and the search result menu are ``DynamicItem``s whose custom_id carries all
their state (a page number; nothing for the menu), so they keep working after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self

import discord

from bot.catalog.service import display_link
from bot.domain.curation import ServerTip
from bot.domain.suggestions import BODY_MAX, SOURCE_MAX, TITLE_MAX, TipDraft, checked_draft, summary_of
from bot.services import services_of
from bot.ui.checks import require_curator, server_id
from bot.ui.curation import CURATE_COLOUR
from bot.ui.replies import edit
from bot.ui.text import counted, member_markdown, safe
from bot.ui.views import LatchModal, LatchView, run_component

PAGE_SIZE = 10
LIST_TITLE = "This server's tips"
EMPTY_LIST = "This server has no tips of its own yet. Add one with `/curate tip add`."
PREVIOUS_LABEL = "Previous"
NEXT_LABEL = "Next"
OPTION_LIMIT = 100

TITLE_FIELD = "title"
BODY_FIELD = "body"
SOURCE_FIELD = "source"


def tip_inputs(
    *, title: str | None = None, body: str | None = None, source: str | None = None
) -> list[discord.ui.Label[Any]]:
    """Title, tip and optional source inputs, prefilled when editing. Discord enforces the lengths."""
    return [
        discord.ui.Label(
            text="Title",
            description=f"Up to {TITLE_MAX} characters",
            component=discord.ui.TextInput(
                custom_id=TITLE_FIELD, max_length=TITLE_MAX, default=title, placeholder="Warm flannel first"
            ),
        ),
        discord.ui.Label(
            text="Tip",
            description=f"Up to {BODY_MAX} characters",
            component=discord.ui.TextInput(
                custom_id=BODY_FIELD, style=discord.TextStyle.paragraph, max_length=BODY_MAX, default=body
            ),
        ),
        discord.ui.Label(
            text="Source link (optional)",
            description="An https:// page that backs the tip up",
            component=discord.ui.TextInput(
                custom_id=SOURCE_FIELD,
                required=False,
                max_length=SOURCE_MAX,
                default=source,
                placeholder="https://www.llli.org/breastfeeding-info/",
            ),
        ),
    ]


def input_value(label: discord.ui.Label[Any]) -> str:
    component = label.component
    return component.value if isinstance(component, discord.ui.TextInput) else ""


Typed = tuple[str, str, str]  # title, tip, source as typed into a form


def typed_values(inputs: list[discord.ui.Label[Any]]) -> Typed:
    """What the form's inputs hold: the typed text, or the text it was opened with."""
    values: list[str] = []
    for label in inputs:
        component = label.component
        if isinstance(component, discord.ui.TextInput):
            values.append(component.value or component.default or "")
        else:
            values.append("")
    title, body, source = values
    return title, body, source


OnTip = Callable[[discord.Interaction[Any], TipDraft], Awaitable[None]]


class TipModal(LatchModal):
    """Add or edit a server tip. ``on_tip`` runs with the checked draft."""

    def __init__(
        self,
        modal_title: str,
        *,
        allow_invites: bool,
        on_tip: OnTip,
        tip: ServerTip | None = None,
        typed: Typed | None = None,
    ) -> None:
        super().__init__(title=modal_title, timeout=15 * 60)
        self.modal_title = modal_title
        self.allow_invites = allow_invites
        self.on_tip = on_tip
        title, body, source = typed or ((tip.title, tip.body, tip.source_url or "") if tip else ("", "", ""))
        self.inputs = tip_inputs(title=title or None, body=body or None, source=source or None)
        for label in self.inputs:
            self.add_item(label)

    def reopened(self) -> TipModal:
        return TipModal(
            self.modal_title,
            allow_invites=self.allow_invites,
            on_tip=self.on_tip,
            typed=typed_values(self.inputs),
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        title, body, source = (input_value(label) for label in self.inputs)
        draft = checked_draft(title, body, source, allow_invites=self.allow_invites)
        await self.on_tip(interaction, draft)


# ------------------------------------------------------------------ the list


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def tip_line(tip: ServerTip) -> str:
    source = f" · source: {display_link(tip.source_url)}" if tip.source_url else ""
    credit = f" · suggested by {safe(tip.credit_name, 40)}" if tip.credit_name else ""
    summary = member_markdown(summary_of(tip.body), 110)
    return f"**#{tip.id} · {safe(tip.title, 100)}**\n{summary}{source}{credit}"


def tip_list_embed(tips: Sequence[ServerTip], page: int) -> tuple[discord.Embed, int]:
    """One page of the list (clamped to the pages there are) and the page shown."""
    pages = page_count(len(tips))
    page = min(max(page, 0), pages - 1)
    shown = tips[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    embed = discord.Embed(title=LIST_TITLE, colour=CURATE_COLOUR)
    embed.description = "\n\n".join(tip_line(tip) for tip in shown) if shown else EMPTY_LIST
    embed.set_footer(
        text=(
            f"Page {page + 1} of {pages} · {counted(len(tips), 'tip')} · "
            "change one with /curate tip edit or remove"
        )
    )
    return embed, page


def tip_list_view(total: int, page: int) -> discord.ui.View | None:
    pages = page_count(total)
    if pages == 1:
        return None
    view = LatchView(timeout=None)
    view.add_item(TipListPageButton(page - 1, label=PREVIOUS_LABEL, disabled=page == 0))
    view.add_item(TipListPageButton(page + 1, label=NEXT_LABEL, disabled=page >= pages - 1))
    return view


class TipListPageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"latch:stips:(?P<label>prev|next):(?P<page>\d{1,5})",
):
    """Previous / Next under /curate tip list."""

    def __init__(self, page: int, *, label: str, disabled: bool = False) -> None:
        kind = "prev" if label == PREVIOUS_LABEL else "next"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"latch:stips:{kind}:{max(page, 0)}",
                disabled=disabled,
            )
        )
        self.page = max(page, 0)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = PREVIOUS_LABEL if match["label"] == "prev" else NEXT_LABEL
        return cls(int(match["page"]), label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_component(interaction, "the tip list", self._turn)

    async def _turn(self, interaction: discord.Interaction[Any]) -> None:
        await require_curator(interaction)
        tips = await services_of(interaction.client).curation.tips(server_id(interaction))
        embed, page = tip_list_embed(tips, self.page)
        await edit(interaction, embed=embed, view=tip_list_view(len(tips), page))


SERVER_TIP_COMPONENTS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (TipListPageButton,)


def tip_choice_name(tip: ServerTip) -> str:
    return f"#{tip.id} · {tip.title}"[:100]


def added_text(tip: ServerTip) -> str:
    return f"Added tip #{tip.id}. Members of this server now see it in `/tip` and `/search`."


def saved_text(tip: ServerTip) -> str:
    return f"Saved tip #{tip.id}."


def removed_text(tip: ServerTip) -> str:
    return f"Removed tip #{tip.id} “{safe(tip.title, 80)}”. Members no longer see it."
