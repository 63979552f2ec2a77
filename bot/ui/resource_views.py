"""Rendering for /resources and /curate resource: the grouped embed, link buttons, and page buttons.

A page lists its resources numbered, grouped by topic, with phone and text lines written out; under it
each resource is a link button with the same number. The answer is ephemeral, so the Previous / Next
buttons live on a plain view with a timeout (no state survives a restart, and none needs to).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.content.models import GLOBAL_REGION, RESOURCE_TOPICS
from bot.domain.curation import ServerResource
from bot.domain.resources import (
    BUTTONS_PER_ROW,
    CRISIS,
    Group,
    ResourceEntry,
    paginate,
    region_label,
)
from bot.ui.cards import DISCLAIMER, EMBED_FIELD_VALUE_LIMIT
from bot.ui.curation import CURATE_COLOUR
from bot.ui.replies import edit
from bot.ui.text import escape_mentions, joined, safe
from bot.ui.views import LatchView

RESOURCES_COLOUR = discord.Colour(0x6A8D3A)
PAGE_BUDGET = 5000  # characters of entries per page; the embed limit is 6000 in all
GROUP_HEADING_SIZE = 60
BUTTON_LABEL_LIMIT = 80
PAGER_TIMEOUT = 14 * 60  # an ephemeral message can be edited for 15 minutes
PREVIOUS_LABEL = "Previous"
NEXT_LABEL = "Next"
EMERGENCY = "In immediate danger, call your local emergency number."


def _regions(entry: ResourceEntry) -> str:
    local = [region_label(region) for region in entry.regions if region != GLOBAL_REGION]
    if GLOBAL_REGION in entry.regions:
        local.append("worldwide")
    return joined(local)


def entry_text(number: int, entry: ResourceEntry) -> str:
    """One resource in the embed: its number and name, where it serves, its lines, its description."""
    name = safe(entry.name) if entry.from_server else escape_mentions(entry.name)
    description = safe(entry.description) if entry.from_server else escape_mentions(entry.description)
    lines = [f"**{number}. {name}** · {_regions(entry)}"]
    contacts = []
    if entry.phone:
        contacts.append(f"Call **{escape_mentions(entry.phone)}**")
    if entry.text:
        contacts.append(escape_mentions(entry.text[0].upper() + entry.text[1:]))
    if contacts:
        lines.append(" · ".join(contacts))
    lines.append(description)
    return "\n".join(lines)


def _entry_size(entry: ResourceEntry) -> int:
    return len(entry_text(999, entry)) + 2


def _fields(title: str, texts: Sequence[str]) -> list[tuple[str, str]]:
    """(name, value) fields for a group, split where one field would pass Discord's value limit."""
    fields: list[tuple[str, str]] = []
    current: list[str] = []
    for text in texts:
        if current and len("\n\n".join([*current, text])) > EMBED_FIELD_VALUE_LIMIT:
            fields.append((title if not fields else f"{title} (continued)", "\n\n".join(current)))
            current = []
        current.append(text)
    if current:
        fields.append((title if not fields else f"{title} (continued)", "\n\n".join(current)))
    return fields


class ResourcePages:
    """Every page of one /resources answer, ready to render."""

    def __init__(self, groups: Sequence[Group], *, topic: str | None, region: str) -> None:
        self.topic = topic
        self.region = region
        self.pages = paginate(
            groups, entry_size=_entry_size, group_size=GROUP_HEADING_SIZE, budget=PAGE_BUDGET
        )
        self.starts: list[int] = []
        count = 1
        for page in self.pages:
            self.starts.append(count)
            count += sum(len(group.entries) for group in page)

    def __len__(self) -> int:
        return len(self.pages)

    @property
    def is_empty(self) -> bool:
        return not any(self.pages[0])

    def _heading(self) -> str:
        where = (
            "Showing resources that serve every country, and the crisis lines of the largest regions."
            if self.region == GLOBAL_REGION
            else f"Showing resources for **{region_label(self.region)}** and worldwide."
        )
        hint = (
            "Pick another country with the `region` option."
            if self.region != GLOBAL_REGION
            else "Add `region` (for example US, GB, AU) to see your country's organisations."
        )
        return f"{where} {hint} The numbered buttons below open each website."

    def embed(self, index: int) -> discord.Embed:
        topic_label = RESOURCE_TOPICS.get(self.topic, "") if self.topic else ""
        title = f"Support resources: {topic_label}" if topic_label else "Support resources"
        embed = discord.Embed(title=title, colour=RESOURCES_COLOUR)
        page = self.pages[index]
        if not any(group.entries for group in page):
            embed.description = (
                f"Nothing is listed for that topic in {region_label(self.region)} yet. "
                "Try `region: global`, another topic, or `/resources` with no options."
            )
            embed.set_footer(text=DISCLAIMER)
            return embed
        description = self._heading()
        crisis = [group for group in page if group.topic == CRISIS and not group.from_server]
        if crisis:
            if self.region != GLOBAL_REGION and not any(e.is_line for g in crisis for e in g.entries):
                description += (
                    f"\nLatch has no verified crisis line for {region_label(self.region)} yet. "
                    "The directory below lists helplines in many countries."
                )
            description += f"\n{EMERGENCY}"
        embed.description = description
        number = self.starts[index]
        for group in page:
            texts = []
            for entry in group.entries:
                texts.append(entry_text(number, entry))
                number += 1
            for name, value in _fields(group.label, texts):
                embed.add_field(name=name, value=value, inline=False)
        footer = DISCLAIMER
        if len(self.pages) > 1:
            footer = f"Page {index + 1} of {len(self.pages)} · {footer}"
        embed.set_footer(text=footer)
        return embed

    def link_buttons(self, index: int) -> list[discord.ui.Button[Any]]:
        buttons: list[discord.ui.Button[Any]] = []
        number = self.starts[index]
        for group in self.pages[index]:
            for entry in group.entries:
                label = f"{number}. {entry.name}"
                if len(label) > BUTTON_LABEL_LIMIT:
                    label = label[: BUTTON_LABEL_LIMIT - 1] + "…"
                row = (number - self.starts[index]) // BUTTONS_PER_ROW
                buttons.append(
                    discord.ui.Button(style=discord.ButtonStyle.link, label=label, url=entry.url, row=row)
                )
                number += 1
        return buttons


class ResourcesView(LatchView):
    """Link buttons for one page, and Previous / Next when there are several pages."""

    def __init__(self, pages: ResourcePages, index: int = 0) -> None:
        super().__init__(timeout=PAGER_TIMEOUT if len(pages) > 1 else None)
        self.pages = pages
        self.index = index
        self._build()

    def _build(self) -> None:
        self.clear_items()
        for button in self.pages.link_buttons(self.index):
            self.add_item(button)
        if len(self.pages) > 1:
            previous: discord.ui.Button[ResourcesView] = discord.ui.Button(
                label=PREVIOUS_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id="latch:resources:previous",
                disabled=self.index == 0,
                row=4,
            )
            following: discord.ui.Button[ResourcesView] = discord.ui.Button(
                label=NEXT_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id="latch:resources:next",
                disabled=self.index >= len(self.pages) - 1,
                row=4,
            )
            previous.callback = self._previous  # type: ignore[method-assign]
            following.callback = self._next  # type: ignore[method-assign]
            self.add_item(previous)
            self.add_item(following)

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._build()
        await edit(interaction, embed=self.pages.embed(self.index), view=self)

    async def _previous(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, -1)

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, 1)


# ------------------------------------------------------------------------------------------ curation


def server_resource_line(resource: ServerResource) -> str:
    topic = RESOURCE_TOPICS.get(resource.topic, resource.topic)
    return (
        f"`#{resource.id}` **{safe(resource.name)}** · {topic} · {region_label(resource.region)}\n"
        f"{safe(resource.description)}\n<{resource.url}>"
    )


def added_embed(resource: ServerResource, display_host: str) -> discord.Embed:
    embed = discord.Embed(
        title="Resource added",
        description=server_resource_line(resource),
        colour=CURATE_COLOUR,
    )
    embed.set_footer(
        text=f"Links to {display_host}. Members see it in /resources, after the built-in resources."
    )
    return embed


def server_resources_embed(resources: Sequence[ServerResource], limit: int) -> discord.Embed:
    embed = discord.Embed(title="This server's resources", colour=CURATE_COLOUR)
    if not resources:
        embed.description = (
            "None yet. Add one with `/curate resource add`; it will show in `/resources` after the "
            "built-in ones."
        )
        return embed
    lines: list[str] = []
    size = 0
    for resource in resources:
        line = server_resource_line(resource)
        if size + len(line) + 2 > 3900:
            lines.append(f"…and {len(resources) - len(lines)} more.")
            break
        lines.append(line)
        size += len(line) + 2
    embed.description = "\n\n".join(lines)
    embed.set_footer(text=f"{len(resources)} of {limit} · remove one with /curate resource remove")
    return embed


def resource_choice_name(resource: ServerResource) -> str:
    return f"#{resource.id} {resource.name}"[:100]


def removed_resource_text(resource: ServerResource) -> str:
    return f"Removed “{safe(resource.name)}” (`#{resource.id}`). It no longer shows in `/resources`."
