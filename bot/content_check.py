"""`python -m bot content check`: every rule over the content tree, all problems at once.

The data rules are `bot.content.validation` (the loader refuses a library that breaks them). Here the
rules that need more than the data are added:
- resource-url: a resource's link (and the page that verified it) follows the URL rules for links
  moderators add (`bot.domain.urls`);
- sources-field, embed-title, embed-description, embed-field, embed-footer, embed-total: every card
  renders, and its embed fits Discord's limits, with the crisis lines of every offered region and of a DM;
- the editorial rules: verified-age (a resource verified more than 12 months ago fails, more than 9
  a warning) and reading-grade.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import discord

from bot.content.models import Card, Problem, Resource
from bot.content.parsing import RESOURCES_FILE, ParsedContent, read_content
from bot.content.validation import check_parsed, check_reading_grades, check_verified_age, reading_grades
from bot.domain.urls import InvalidUrl, check_url
from bot.ui.cards import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    SourcesTooLong,
    card_embed,
    crisis_text,
)


def check_embed_limits(file: str, embed: discord.Embed) -> list[Problem]:
    """A rendered embed fits Discord's limits (len(embed) counts like Discord does)."""
    problems = []
    if len(embed.title or "") > EMBED_TITLE_LIMIT:
        problems.append(Problem(file, "embed-title", f"the title is over {EMBED_TITLE_LIMIT} characters"))
    description = len(embed.description or "")
    if description > EMBED_DESCRIPTION_LIMIT:
        problems.append(
            Problem(
                file,
                "embed-description",
                f"the body renders to {description} characters; the limit is {EMBED_DESCRIPTION_LIMIT}",
            )
        )
    for embed_field in embed.fields:
        name, value = embed_field.name or "", embed_field.value or ""
        if len(name) > EMBED_FIELD_NAME_LIMIT or len(value) > EMBED_FIELD_VALUE_LIMIT:
            problems.append(
                Problem(
                    file,
                    "embed-field",
                    f"field {name[:40]!r} is {len(value)} characters; the limit is {EMBED_FIELD_VALUE_LIMIT}",
                )
            )
    if len(embed.footer.text or "") > EMBED_FOOTER_LIMIT:
        problems.append(Problem(file, "embed-footer", f"the footer is over {EMBED_FOOTER_LIMIT} characters"))
    if len(embed) > EMBED_TOTAL_LIMIT:
        problems.append(
            Problem(
                file,
                "embed-total",
                f"the embed renders to {len(embed)} characters in all; the limit is {EMBED_TOTAL_LIMIT}",
            )
        )
    return problems


def check_card_embed(file: str, card: Card, crisis_lines: str | None) -> list[Problem]:
    """The card renders, and its embed fits Discord's limits."""
    try:
        embed = card_embed(card, crisis_lines=crisis_lines)
    except SourcesTooLong as exc:
        return [Problem(file, "sources-field", str(exc))]
    return check_embed_limits(file, embed)


def check_resource_urls(resources: Sequence[Resource]) -> list[Problem]:
    """Built-in links follow the rules for moderators' links: no shorteners, IP hosts, invites, ..."""
    problems = []
    for resource in resources:
        links = {"url": resource.url, "verified_from": resource.verified_from}
        for name, link in links.items():
            if link is None:
                continue
            try:
                check_url(link, allow_invites=False)
            except InvalidUrl as problem:
                problems.append(
                    Problem(RESOURCES_FILE, "resource-url", f"{resource.id}.{name}: {problem.reason}")
                )
    return problems


def _crisis_renderings(parsed: ParsedContent) -> list[str]:
    """Every crisis text a reader can see: each offered region's, and a DM's."""
    regions: list[str | None] = [None, *parsed.offered_regions]
    return list(dict.fromkeys(crisis_text(parsed.resources, region) for region in regions))


def check_rendering(parsed: ParsedContent) -> list[Problem]:
    """Every card renders within Discord's limits, a sensitive one with every crisis text."""
    problems: list[Problem] = []
    renderings = _crisis_renderings(parsed)
    for file, card in parsed.cards.items():
        for crisis_lines in renderings if card.sensitive else [None]:
            found = check_card_embed(file, card, crisis_lines)
            problems += [problem for problem in found if problem not in problems]
    return problems


def check_content(root: Path, *, today: date | None = None) -> list[Problem]:
    """Read the content tree at ``root`` and return every problem found (empty when all is well),
    with the editorial rules; ``today`` (default: the current UTC date) dates the verified-age rule."""
    parsed = read_content(root)
    problems = check_parsed(parsed)
    problems += check_rendering(parsed)
    if parsed.resources:
        problems += check_resource_urls(parsed.resources)
    problems += check_verified_age(parsed.resources, today or datetime.now(UTC).date())
    problems += check_reading_grades(reading_grades(parsed.cards), parsed.cards)
    return sorted(problems, key=lambda problem: problem.file)
