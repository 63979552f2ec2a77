"""Validate the content tree: every rule, every file, all problems at once.

Rules checked (Problem.rule):
- layout, front-matter, resources-file: the files exist and parse (YAML front matter, resources.yaml shape)
- schema, https-url, single-line, unknown-topic, region-code, duplicate-value, source-link: field rules
  from the models (schema covers lengths, counts, slugs, DOIs, dates, unknown fields)
- id-matches-file, kind-matches-folder: a card's id is its file name, its kind is its folder
- unique-id, unique-title, unique-alias, alias-collision: names that lookups rely on are unambiguous
- no-mentions: nothing that Discord would render as a mention (@everyone, @here, <@id>, <@&id>, <#id>)
- sources-field, embed-title, embed-description, embed-field, embed-footer, embed-total: the rendered
  embed fits Discord's limits
- unique-resource-id, crisis-lines: resources are unambiguous and include crisis phone lines
- resource-url: a resource's link follows the same URL rules as links moderators add (bot.urls)

The rules are pure functions over parsed data; ``check_content`` reads the tree and runs them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import discord

from bot.content.loader import RESOURCES_FILE, ParsedContent, read_content
from bot.content.models import Card, Problem, Resource
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

__all__ = [
    "Problem",
    "check_aliases",
    "check_card_embed",
    "check_content",
    "check_crisis_lines",
    "check_embed_limits",
    "check_mentions",
    "check_parsed",
    "check_resource_ids",
    "check_resource_urls",
    "check_unique_ids",
    "check_unique_titles",
    "find_mention",
]

# Raw mentions as Discord parses them; rendering escapes these too, but content should not contain them.
_RAW_MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)


def find_mention(text: str) -> str | None:
    """The first raw mention in ``text``, if any."""
    match = _RAW_MENTION.search(text)
    return match.group(0) if match else None


def check_unique_ids(cards: Mapping[str, Card]) -> list[Problem]:
    """Card ids are unique across facts and tips."""
    first: dict[str, str] = {}
    problems = []
    for file, card in cards.items():
        if card.id in first:
            problems.append(Problem(file, "unique-id", f"id {card.id!r} is already used by {first[card.id]}"))
        else:
            first[card.id] = file
    return problems


def check_unique_titles(cards: Mapping[str, Card]) -> list[Problem]:
    """Titles are unique (case-insensitive), since members can look cards up by title."""
    first: dict[str, str] = {}
    problems = []
    for file, card in cards.items():
        key = card.title.casefold()
        if key in first:
            problems.append(
                Problem(file, "unique-title", f"title {card.title!r} is already used by {first[key]}")
            )
        else:
            first[key] = file
    return problems


def check_aliases(cards: Mapping[str, Card]) -> list[Problem]:
    """Aliases are unique across all cards and never equal another card's id or title (case-insensitive)."""
    names: dict[str, list[tuple[str, str]]] = {}  # id or title → [(file, card id)]
    for file, card in cards.items():
        for name in (card.id, card.title):
            names.setdefault(name.casefold(), []).append((file, card.id))

    first_alias: dict[str, str] = {}
    problems = []
    for file, card in cards.items():
        for alias in card.aliases:
            key = alias.casefold()
            if key in first_alias and first_alias[key] != file:
                problems.append(
                    Problem(
                        file, "unique-alias", f"alias {alias!r} is already an alias of {first_alias[key]}"
                    )
                )
            first_alias.setdefault(key, file)
            others = [other for other, other_id in names.get(key, []) if other_id != card.id]
            if others:
                problems.append(
                    Problem(file, "alias-collision", f"alias {alias!r} is the id or title of {others[0]}")
                )
    return problems


def check_mentions(cards: Mapping[str, Card], resources: Sequence[Resource]) -> list[Problem]:
    """No raw mentions in any text a member will see."""
    problems = []
    for file, card in cards.items():
        texts = {"title": card.title, "summary": card.summary, "body": card.body}
        texts |= {f"aliases[{i}]": alias for i, alias in enumerate(card.aliases)}
        texts |= {f"sources[{i}].title": source.title for i, source in enumerate(card.sources)}
        problems += _mention_problems(file, texts)
    for resource in resources:
        texts = {
            f"{resource.id}.{name}": value
            for name, value in (
                ("name", resource.name),
                ("description", resource.description),
                ("phone", resource.phone),
                ("text", resource.text),
            )
            if value is not None
        }
        problems += _mention_problems(RESOURCES_FILE, texts)
    return problems


def _mention_problems(file: str, texts: Mapping[str, str]) -> list[Problem]:
    problems = []
    for where, text in texts.items():
        mention = find_mention(text)
        if mention is not None:
            problems.append(
                Problem(file, "no-mentions", f"{where} contains the mention {mention!r}; reword it")
            )
    return problems


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


def check_resource_ids(resources: Sequence[Resource]) -> list[Problem]:
    """Resource ids are unique."""
    seen: set[str] = set()
    problems = []
    for resource in resources:
        if resource.id in seen:
            problems.append(
                Problem(RESOURCES_FILE, "unique-resource-id", f"id {resource.id!r} is used twice")
            )
        seen.add(resource.id)
    return problems


def check_resource_urls(resources: Sequence[Resource]) -> list[Problem]:
    """Built-in links follow the rules for moderators' links: no shorteners, IP hosts, invites, ..."""
    problems = []
    for resource in resources:
        try:
            check_url(resource.url, allow_invites=False)
        except InvalidUrl as problem:
            problems.append(Problem(RESOURCES_FILE, "resource-url", f"{resource.id}.url: {problem.reason}"))
    return problems


def check_crisis_lines(resources: Sequence[Resource]) -> list[Problem]:
    """Sensitive cards show crisis lines, so at least one crisis resource must have a phone number."""
    if any("crisis" in resource.topics and resource.phone for resource in resources):
        return []
    return [Problem(RESOURCES_FILE, "crisis-lines", "no resource with topic 'crisis' has a phone number")]


def check_parsed(parsed: ParsedContent) -> list[Problem]:
    """Every problem: the parser's, then the cross-file rules over what parsed."""
    cards, resources = parsed.cards, parsed.resources
    problems = list(parsed.problems)
    problems += check_unique_ids(cards)
    problems += check_unique_titles(cards)
    problems += check_aliases(cards)
    problems += check_mentions(cards, resources)
    crisis_lines = crisis_text(resources)
    for file, card in cards.items():
        problems += check_card_embed(file, card, crisis_lines)
    if parsed.resources or not any(p.file == RESOURCES_FILE for p in problems):
        problems += check_resource_ids(resources)
        problems += check_resource_urls(resources)
        problems += check_crisis_lines(resources)
    return sorted(problems, key=lambda problem: problem.file)


def check_content(root: Path) -> list[Problem]:
    """Read the content tree at ``root`` and return every problem found (empty when all is well)."""
    return check_parsed(read_content(root))
