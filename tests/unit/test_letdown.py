"""The /letdown routine: its data against the content library, moving through it, and its rendering."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import ContentLibrary, load_library
from bot.domain.letdown import (
    ACTIONS,
    MAX_MINUTES,
    MIN_MINUTES,
    ROUTINE,
    Action,
    LetdownStep,
    RoutineError,
    check_routine,
    clamp_step,
    ends_at,
    move,
    routine_problems,
    step_at,
    unix_seconds,
)
from bot.ui.cards import DISCLAIMER
from bot.ui.letdown_view import (
    CLOSING_TEXT,
    CUSTOM_ID_TEMPLATE,
    TIME_FIELD,
    TIPS_FIELD,
    LetdownButton,
    closing_embed,
    custom_id,
    step_embed,
    step_view,
)

CONTENT_ROOT = Path(__file__).resolve().parents[2] / "content"
NOW = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def library() -> ContentLibrary:
    return load_library(CONTENT_ROOT)


def without(library: ContentLibrary, card_id: str) -> ContentLibrary:
    return ContentLibrary([card for card in library.cards if card.id != card_id], library.resources)


def replace_step(number: int, **changes: object) -> tuple[LetdownStep, ...]:
    steps = list(ROUTINE)
    steps[number - 1] = dataclasses.replace(steps[number - 1], **changes)  # type: ignore[arg-type]
    return tuple(steps)


# ---------------------------------------------------------------- the routine against the content


def test_every_tip_the_routine_names_is_a_tip_file_in_content() -> None:
    referenced = {tip_id for step in ROUTINE for tip_id in step.tips}
    missing = sorted(tip for tip in referenced if not (CONTENT_ROOT / "tips" / f"{tip}.md").is_file())
    assert missing == [], f"/letdown names tips that are not in content/tips/: {missing}"


def test_the_shipped_routine_passes_against_the_shipped_library(library: ContentLibrary) -> None:
    assert routine_problems(ROUTINE, library) == []
    check_routine(library)  # what the cog runs at load: must not raise


@pytest.mark.parametrize("tip_id", sorted({tip for step in ROUTINE for tip in step.tips}))
def test_a_tip_missing_from_the_library_is_reported(library: ContentLibrary, tip_id: str) -> None:
    broken = without(library, tip_id)

    problems = routine_problems(ROUTINE, broken)

    assert any(f"no tip with id {tip_id!r}" in problem for problem in problems)
    with pytest.raises(RoutineError, match=tip_id):
        check_routine(broken)


def test_a_fact_is_not_accepted_as_a_tip(library: ContentLibrary) -> None:
    routine = replace_step(2, tips=("milk-ejection-reflex",))

    assert routine_problems(routine, library) == [
        "step 2 (massage): 'milk-ejection-reflex' is a fact, not a tip"
    ]


@pytest.mark.parametrize("minutes", [MIN_MINUTES - 1, MAX_MINUTES + 1, -3, 60])
def test_durations_outside_one_to_ten_minutes_are_reported(library: ContentLibrary, minutes: int) -> None:
    problems = routine_problems(replace_step(3, minutes=minutes), library)

    assert problems == [f"step 3 (nipple): {minutes} minutes is outside 1-10 minutes"]


@pytest.mark.parametrize("minutes", [MIN_MINUTES, MAX_MINUTES])
def test_durations_at_the_bounds_are_accepted(library: ContentLibrary, minutes: int) -> None:
    assert routine_problems(replace_step(3, minutes=minutes), library) == []


def test_the_shipped_durations_are_between_one_and_ten_minutes() -> None:
    assert all(MIN_MINUTES <= step.minutes <= MAX_MINUTES for step in ROUTINE)


@pytest.mark.parametrize("count", [0, 3, 7])
def test_the_routine_needs_four_to_six_steps(library: ContentLibrary, count: int) -> None:
    routine = (ROUTINE * 2)[:count]
    routine = tuple(dataclasses.replace(step, key=f"s{index}") for index, step in enumerate(routine))

    assert f"the routine has {count} steps; it needs 4 to 6" in routine_problems(routine, library)


def test_a_step_without_a_tip_or_with_a_repeated_key_is_reported(library: ContentLibrary) -> None:
    routine = replace_step(2, tips=(), key="warm")

    assert routine_problems(routine, library) == [
        "step 2 (warm): the key 'warm' is used by an earlier step",
        "step 2 (warm): a step must name the tip it is drawn from",
    ]


def test_the_warmth_step_must_keep_the_heat_caution(library: ContentLibrary) -> None:
    routine = replace_step(1, instruction="Lay a warm cloth over your chest.")

    assert routine_problems(routine, library) == [
        "step 1 (warm): the warmth step must say to always test the heat first"
    ]


def test_the_routine_runs_warm_massage_nipple_relax_begin() -> None:
    assert [step.key for step in ROUTINE] == ["warm", "massage", "nipple", "relax", "begin"]
    assert [step.tip for step in ROUTINE] == [
        "warmth",
        "breast-massage",
        "nipple-stimulation",
        "relaxation",
        "hands-on-pumping",
    ]
    assert "baby-cues" in step_at(4).tips
    assert "always test the heat" in step_at(1).instruction.casefold()


# ---------------------------------------------------------------- moving through it


def test_back_stops_at_the_first_step_and_next_at_the_last() -> None:
    last = len(ROUTINE)
    assert move(1, "back") == 1
    assert move(2, "back") == 1
    assert move(1, "next") == 2
    assert move(last - 1, "next") == last
    assert move(last, "next") == last
    assert move(3, "done") is None


@given(st.integers(min_value=-1000, max_value=1000), st.sampled_from(ACTIONS))
def test_moving_from_any_number_lands_inside_the_routine(number: int, action: Action) -> None:
    target = move(number, action)

    if action == "done":
        assert target is None
    else:
        assert target is not None and 1 <= target <= len(ROUTINE)
        assert abs(target - clamp_step(number)) <= 1


def test_the_countdown_is_counted_from_when_the_step_is_shown() -> None:
    step = step_at(1)

    assert ends_at(step, NOW) == NOW + timedelta(minutes=step.minutes)
    assert unix_seconds(ends_at(step, NOW)) == int(NOW.timestamp()) + 60 * step.minutes
    with pytest.raises(ValueError, match="naive"):
        ends_at(step, NOW.replace(tzinfo=None))


# ---------------------------------------------------------------- rendering


@given(st.integers(min_value=1, max_value=999), st.sampled_from(ACTIONS))
def test_custom_ids_round_trip_and_fit_discord(step: int, action: Action) -> None:
    value = custom_id(step, action)
    match = CUSTOM_ID_TEMPLATE.fullmatch(value)

    assert len(value) <= 100
    assert match is not None
    assert (int(match["step"]), match["action"]) == (step, action)


@pytest.mark.parametrize("value", ["latch:letdown:1:skip", "latch:letdown::next", "latch:letdown:1:next:x"])
def test_other_custom_ids_are_not_ours(value: str) -> None:
    assert CUSTOM_ID_TEMPLATE.fullmatch(value) is None


@pytest.mark.parametrize("number", range(1, len(ROUTINE) + 1))
def test_each_step_embed_has_instruction_countdown_tips_and_disclaimer(
    library: ContentLibrary, number: int
) -> None:
    step = step_at(number)
    embed = step_embed(number, library=library, now=NOW)
    fields = {field.name: field.value or "" for field in embed.fields}

    assert embed.title == f"Step {number} of {len(ROUTINE)}: {step.title}"
    assert embed.description == step.instruction
    assert f"until <t:{int(NOW.timestamp()) + 60 * step.minutes}:t>" in fields[TIME_FIELD]
    assert "ending" not in fields[TIME_FIELD]  # said once: "About 3 minutes, until 07:03"
    for tip_id in step.tips:
        card = library.get(tip_id)
        assert card is not None
        assert f"**{card.title}**: `/tip {tip_id}`" in fields[TIPS_FIELD]
    assert embed.footer.text == DISCLAIMER
    assert len(embed) <= 6000


def labels(view: discord.ui.View) -> list[tuple[str | None, bool, str]]:
    out = []
    for item in view.children:
        assert isinstance(item, LetdownButton)
        out.append((item.item.label, item.item.disabled, item.custom_id))
    return out


def test_buttons_back_disabled_on_step_one_begin_before_the_last_done_at_the_end() -> None:
    last = len(ROUTINE)

    assert labels(step_view(1)) == [
        ("Back", True, "latch:letdown:1:back"),
        ("Next", False, "latch:letdown:1:next"),
        ("Done", False, "latch:letdown:1:done"),
    ]
    assert [label for label, _, _ in labels(step_view(last - 1))] == ["Back", "Begin", "Done"]
    assert labels(step_view(last)) == [
        ("Back", False, f"latch:letdown:{last}:back"),
        ("Done", False, f"latch:letdown:{last}:done"),
    ]


def test_the_closing_message_is_kind_and_points_to_tip_and_resources() -> None:
    embed = closing_embed()

    assert embed.description == CLOSING_TEXT
    assert "`/tip`" in CLOSING_TEXT and "`/resources`" in CLOSING_TEXT
    assert embed.footer.text == DISCLAIMER
