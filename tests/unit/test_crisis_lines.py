"""The crisis text of sensitive cards, for every offered region and for a DM, against resources.yaml.

The expected lines are built here from the raw YAML, not from the models, so a wording or selection
bug in bot/ cannot agree with itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.crisis import DIRECT_MESSAGE_REGIONS, select_crisis_lines
from bot.content.loader import load_library
from bot.ui.cards import CRISIS_FIELD, EMERGENCY_SENTENCE, card_embed, crisis_region_label, crisis_text

CONTENT_ROOT = Path(__file__).resolve().parents[2] / "content"
RAW: dict[str, Any] = yaml.safe_load((CONTENT_ROOT / "resources.yaml").read_text(encoding="utf-8"))
LIBRARY = load_library(CONTENT_ROOT)
OFFERED: list[str] = RAW["offered_regions"]


def raw_lines(region: str) -> list[dict[str, Any]]:
    """The crisis lines that list ``region``, in file order, straight from the YAML."""
    return [
        entry
        for entry in RAW["resources"]
        if "crisis" in entry["topics"] and entry.get("numbers") and region in entry["regions"]
    ]


def expected_phrase(numbers: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    previous_verbs = None
    for entry in numbers:
        verbs = " or ".join(
            verb for kind, verb in (("call", "call"), ("text", "text")) if kind in entry["accepts"]
        )
        target = str(entry["number"])
        if "keyword" in entry:
            target = f"{entry['keyword']} to {target}"
        if "note" in entry:
            target = f"{target} ({entry['note']})"
        if verbs == previous_verbs and "keyword" not in entry and "note" not in entry:
            parts[-1] += f" or {target}"
        else:
            parts.append(f"{verbs} {target}")
        previous_verbs = verbs
    return " or ".join(parts)


def expected_line(entry: dict[str, Any], separator: str = ": ") -> str:
    return f"{entry['name']}{separator}{expected_phrase(entry['numbers'])} ({entry['hours']})"


@pytest.mark.parametrize("region", OFFERED)
def test_every_line_of_a_regions_footer_matches_the_data(region: str) -> None:
    footer = crisis_text(LIBRARY.resources, region).splitlines()

    bullets = [line.removeprefix("• ") for line in footer if line.startswith("• ")]
    assert bullets == [expected_line(entry) for entry in raw_lines(region)]
    assert bullets, f"{region} is offered without a crisis line"
    assert footer[-2] == "More lines: findahelpline.com."
    assert footer[-1] == EMERGENCY_SENTENCE


def test_a_dms_footer_lists_the_largest_regions_from_the_data() -> None:
    footer = crisis_text(LIBRARY.resources).splitlines()

    expected = [
        f"• {crisis_region_label(region)}: "
        + "; ".join(expected_line(entry, separator=", ") for entry in raw_lines(region))
        for region in DIRECT_MESSAGE_REGIONS
    ]
    assert [line for line in footer if line.startswith("• ")] == expected
    assert footer[-2] == "Other countries: find a line at findahelpline.com."
    assert footer[-1] == EMERGENCY_SENTENCE


def test_the_dm_regions_are_offered_and_each_has_a_line() -> None:
    for region in DIRECT_MESSAGE_REGIONS:
        assert region in OFFERED
        assert raw_lines(region)


@pytest.mark.parametrize("region", [None, *OFFERED])
def test_text_is_offered_only_for_numbers_that_take_texts(region: str | None) -> None:
    texts = {
        str(n["number"]) for e in RAW["resources"] for n in e.get("numbers", []) if "text" in n["accepts"]
    }
    footer = crisis_text(LIBRARY.resources, region)

    for match in re.finditer(r"\btext (?:[A-Z]+ to )?([0-9][0-9 -]*[0-9])", footer):
        assert match.group(1) in texts, f"{match.group(0)!r} is not a number that takes texts"
    for match in re.finditer(r"\bcall ([0-9][0-9 -]*[0-9])", footer):
        assert match.group(1) not in texts or "call or text" in footer


@pytest.mark.parametrize(
    ("region", "must_show", "must_not_show"),
    [
        ("US", ["call or text 988", "text HOME to 741741"], []),
        ("CA", ["call or text 988"], ["741741"]),
        ("GB", ["Samaritans: call 116 123 (24/7)", "text SHOUT to 85258"], ["741741", "text 116 123"]),
        ("IE", ["Samaritans: call 116 123 (24/7)", "text HELLO to 50808"], ["741741", "85258"]),
        ("AU", ["call 13 11 14 or text 0477 13 11 14"], ["text 13 11 14"]),
        ("IN", ["call 14416 or 1-800-891-4416"], []),
        ("NZ", ["call or text 1737"], []),
    ],
)
def test_the_lines_the_issue_names(region: str, must_show: list[str], must_not_show: list[str]) -> None:
    footer = crisis_text(LIBRARY.resources, region)
    for text in must_show:
        assert text in footer
    for text in must_not_show:
        assert text not in footer


def test_the_selection_is_structured_data() -> None:
    selection = select_crisis_lines(LIBRARY.resources, "AU")
    (group,) = selection.regions
    (lifeline,) = group.lines
    assert [(number.number, number.accepts) for number in lifeline.numbers] == [
        ("13 11 14", ("call",)),
        ("0477 13 11 14", ("text",)),
    ]
    assert lifeline.hours == "calls 24/7"
    assert [directory.id for directory in selection.directories] == ["find-a-helpline"]


@pytest.mark.parametrize("region", [None, *OFFERED])
def test_every_sensitive_card_carries_the_regions_footer(region: str | None) -> None:
    footer = crisis_text(LIBRARY.resources, region)
    for card in (card for card in LIBRARY.cards if card.sensitive):
        fields = {field.name: field.value for field in card_embed(card, crisis_lines=footer).fields}
        assert fields[CRISIS_FIELD] == footer
        assert len(footer) <= 1024
