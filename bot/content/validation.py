"""Validate the content tree: every rule, every file, all problems at once.

Rules checked (Problem.rule):
- layout, front-matter, resources-file: the files exist and parse (YAML front matter, resources.yaml shape)
- schema, https-url, single-line, unknown-topic, region-code, duplicate-value, source-link: field rules
  from the models (schema covers lengths, counts, slugs, DOIs, dates, unknown fields)
- id-matches-file, kind-matches-folder: a card's id is its file name, its kind is its folder
- unique-id, unique-title, unique-alias, alias-collision: names that lookups rely on are unambiguous
- no-mentions: nothing that Discord would render as a mention (@everyone, @here, <@id>, <@&id>, <#id>)
- unique-resource-id, crisis-lines: resources are unambiguous and include crisis lines with numbers
- offered-regions: every region Latch offers has a crisis line of its own; crisis-hours: a crisis
  line says when it answers
- resource-verified: every resource says when (``verified``) and where (``verified_from``) it was checked
- related-card: ``related`` names cards that exist, and not the card itself
The editorial rules depend on the date or on prose rather than structure, so they do not stop the bot
from loading its content; `bot.content_check.check_content` runs them with everything else:
- verified-age: a resource verified more than 12 months ago fails; more than 9 months ago, a warning
- reading-grade: a card reads above grade 9 (Flesch-Kincaid, by textstat) and is not marked technical

The rules are pure functions over parsed data. `bot.content_check` adds the rules that need the URL
rules and the rendered embeds (resource-url, sources-field, embed-*).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import textstat

from bot.content.crisis import crisis_lines_of, is_crisis_line
from bot.content.models import Card, Problem, Resource
from bot.content.parsing import RESOURCES_FILE, ParsedContent

__all__ = [
    "Problem",
    "check_aliases",
    "check_crisis_hours",
    "check_crisis_lines",
    "check_mentions",
    "check_offered_regions",
    "check_parsed",
    "check_reading_grades",
    "check_related",
    "check_resource_ids",
    "check_unique_ids",
    "check_unique_titles",
    "check_verified",
    "check_verified_age",
    "errors",
    "find_mention",
    "reading_grade",
    "reading_grades",
]

MAX_READING_GRADE = 9.0
VERIFIED_MAX_MONTHS = 12
VERIFIED_WARNING_MONTHS = 9

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
                ("hours", resource.hours),
            )
            if value is not None
        }
        for index, number in enumerate(resource.numbers):
            texts |= {
                f"{resource.id}.numbers[{index}].{name}": value
                for name, value in (
                    ("number", number.number),
                    ("keyword", number.keyword),
                    ("note", number.note),
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


def check_crisis_lines(resources: Sequence[Resource]) -> list[Problem]:
    """Sensitive cards show crisis lines, so at least one crisis resource must have a number."""
    if any(is_crisis_line(resource) for resource in resources):
        return []
    return [Problem(RESOURCES_FILE, "crisis-lines", "no resource with topic 'crisis' has a number")]


def check_crisis_hours(resources: Sequence[Resource]) -> list[Problem]:
    """A crisis line says when it answers, so nobody calls a closed line at 3 a.m. unwarned."""
    return [
        Problem(RESOURCES_FILE, "crisis-hours", f"{resource.id} is a crisis line without 'hours'")
        for resource in resources
        if is_crisis_line(resource) and resource.hours is None
    ]


def check_offered_regions(resources: Sequence[Resource], offered_regions: Sequence[str]) -> list[Problem]:
    """Every offered region has a crisis line that lists it by its code."""
    return [
        Problem(
            RESOURCES_FILE,
            "offered-regions",
            f"{region} is offered but no crisis line lists it; add a verified line or stop offering {region}",
        )
        for region in offered_regions
        if not crisis_lines_of(resources, region)
    ]


def check_verified(resources: Sequence[Resource]) -> list[Problem]:
    """Each resource records when it was last checked and the organisation page that confirmed it."""
    problems = []
    for resource in resources:
        missing = [
            name
            for name, value in (("verified", resource.verified), ("verified_from", resource.verified_from))
            if value is None
        ]
        if missing:
            problems.append(
                Problem(RESOURCES_FILE, "resource-verified", f"{resource.id} has no {' or '.join(missing)}")
            )
    return problems


def _months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (a month counts once its day of the month is reached)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def check_verified_age(resources: Sequence[Resource], today: date) -> list[Problem]:
    """A resource checked more than 12 months ago fails; more than 9 months ago it is a warning."""
    problems = []
    for resource in resources:
        if resource.verified is None:
            continue  # check_verified reports it
        months = _months_between(resource.verified, today)
        if resource.verified > today:
            problems.append(
                Problem(
                    RESOURCES_FILE,
                    "verified-age",
                    f"{resource.id} is verified in the future ({resource.verified})",
                )
            )
        elif months >= VERIFIED_MAX_MONTHS:
            problems.append(
                Problem(
                    RESOURCES_FILE,
                    "verified-age",
                    f"{resource.id} was verified on {resource.verified}, {months} months ago; check it "
                    f"again on {resource.verified_from or 'its page'} (the limit is {VERIFIED_MAX_MONTHS})",
                )
            )
        elif months >= VERIFIED_WARNING_MONTHS:
            problems.append(
                Problem(
                    RESOURCES_FILE,
                    "verified-age",
                    f"{resource.id} was verified on {resource.verified}, {months} months ago; check it "
                    f"again before {VERIFIED_MAX_MONTHS} months pass",
                    severity="warning",
                )
            )
    return problems


def check_related(cards: Mapping[str, Card]) -> list[Problem]:
    """``related`` lists ids of other cards that exist."""
    ids = {card.id for card in cards.values()}
    problems = []
    for file, card in cards.items():
        for related in card.related:
            if related == card.id:
                problems.append(Problem(file, "related-card", "a card cannot be related to itself"))
            elif related not in ids:
                problems.append(Problem(file, "related-card", f"related card {related!r} does not exist"))
    return problems


_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+\.)\s+")
_EMPHASIS = re.compile(r"[*_`#>]+")


def reading_text(body: str) -> str:
    """A card body as prose for a readability formula: Markdown removed, and each line a sentence, so
    a list of short items is measured as short sentences rather than one long one."""
    sentences = []
    for raw in body.splitlines():
        line = _EMPHASIS.sub("", _LIST_MARKER.sub("", _MARKDOWN_LINK.sub(r"\1", raw))).strip()
        if not line:
            continue
        sentences.append(line if line[-1] in ".!?" else f"{line}.")
    return " ".join(sentences)


def reading_grade(card: Card) -> float:
    """The Flesch-Kincaid grade of the card's body."""
    return float(textstat.flesch_kincaid_grade(reading_text(card.body)))


def reading_grades(cards: Mapping[str, Card]) -> dict[str, float]:
    """Each card's reading grade, by file."""
    return {file: reading_grade(card) for file, card in cards.items()}


def check_reading_grades(grades: Mapping[str, float], cards: Mapping[str, Card]) -> list[Problem]:
    """Cards read at grade 9 or below, unless marked ``technical``."""
    return [
        Problem(
            file,
            "reading-grade",
            f"reads at grade {grade:.1f}; simplify it to grade {MAX_READING_GRADE:.0f} or below, or mark it "
            "'technical: true' if its subject needs the words",
        )
        for file, grade in grades.items()
        if grade > MAX_READING_GRADE and not cards[file].technical
    ]


def check_parsed(parsed: ParsedContent) -> list[Problem]:
    """Every structural problem of the data: the parser's, then the cross-file rules over what parsed.

    The rules that need the URL rules or the rendered embeds are in `bot.content_check`."""
    cards, resources = parsed.cards, parsed.resources
    problems = list(parsed.problems)
    problems += check_unique_ids(cards)
    problems += check_unique_titles(cards)
    problems += check_aliases(cards)
    problems += check_related(cards)
    problems += check_mentions(cards, resources)
    if parsed.resources or not any(p.file == RESOURCES_FILE for p in problems):
        problems += check_resource_ids(resources)
        problems += check_crisis_lines(resources)
        problems += check_crisis_hours(resources)
        problems += check_verified(resources)
        problems += check_offered_regions(resources, parsed.offered_regions)
    return sorted(problems, key=lambda problem: problem.file)


def errors(problems: Sequence[Problem]) -> list[Problem]:
    """The problems that fail the check (warnings do not)."""
    return [problem for problem in problems if problem.severity == "error"]
