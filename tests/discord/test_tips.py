"""/tip as a member sees it: autocomplete, the card, the rotation, Another tip, Share in channel."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable

import pytest
import simcord

from bot.app import LatchBot
from bot.catalog.service import FEATURED_TIPS
from bot.config import Settings
from tests.conftest import Server, answer, text
from tests.discord.test_facts import (
    CRISIS_FIELD,
    LIBRARY,
    assert_card_shown,
    assert_pings_no_one,
    button_labels,
    field,
    related_titles,
)

TIP_TITLES = {card.title: card for card in LIBRARY.tips}


def shown_tip(result: simcord.InteractionResult) -> str:
    """The id of the tip a member is looking at (checked to be a whole, valid tip card)."""
    title = answer(result).embeds[0].title
    assert title in TIP_TITLES, title
    card = TIP_TITLES[title]
    assert_card_shown(result, card)
    return card.id


# ------------------------------------------------------------------ autocomplete


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("warm compres", "warmth"),
        ("brest masage", "breast-massage"),
        ("hands on", "hands-on-pumping"),
        ("flange", "flange-fit"),
        ("rice sock", "warmth"),
        ("nipel", "nipple-stimulation"),
        ("spine walk", "spine-walk"),
        ("RPS", "nipple-stimulation"),
    ],
)
async def test_autocomplete_finds_the_tip_despite_typos(server: Server, typed: str, expected: str) -> None:
    offered = await server.member.autocomplete(server.channel, "tip", "technique", typed)

    assert 1 <= len(offered) <= 25
    assert offered[0]["value"] == expected


async def test_autocomplete_on_empty_input_lists_the_most_useful_tips_first(server: Server) -> None:
    offered = await server.member.autocomplete(server.channel, "tip", "technique", "")

    values = [choice["value"] for choice in offered]
    assert values[: len(FEATURED_TIPS)] == list(FEATURED_TIPS)
    assert sorted(values) == sorted(card.id for card in LIBRARY.tips)
    assert all(choice["name"] == LIBRARY.get(choice["value"]).title for choice in offered)  # type: ignore[union-attr]


async def test_autocomplete_offers_only_tips(server: Server) -> None:
    offered = await server.member.autocomplete(server.channel, "tip", "technique", "galactorrhea")

    tip_ids = {card.id for card in LIBRARY.tips}
    assert all(choice["value"] in tip_ids for choice in offered)


# ------------------------------------------------------------------ the card


@pytest.mark.parametrize("card_id", [card.id for card in LIBRARY.tips])
async def test_every_tip_renders_for_a_member(server: Server, card_id: str) -> None:
    card = LIBRARY.get(card_id)
    assert card is not None

    result = await server.member.slash(server.channel, "tip", technique=card_id)

    assert_card_shown(result, card)
    assert server.channel.last_message is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Warm Compress", "warmth"), ("double pumping", "double-pumping"), ("hop", "hands-on-pumping")],
)
async def test_a_typed_technique_works_without_choosing_from_the_list(
    server: Server, typed: str, expected: str
) -> None:
    card = LIBRARY.get(expected)
    assert card is not None

    assert_card_shown(await server.member.slash(server.channel, "tip", technique=typed), card)


async def test_an_unknown_technique_names_the_three_closest(server: Server) -> None:
    result = await server.member.slash(server.channel, "tip", technique="warm flannel")

    assert result.ephemeral
    message = text(result)
    assert message.startswith("No card called “warm flannel”.")
    suggested = re.findall(r"\*\*(.+?)\*\*", message)
    assert len(suggested) == 3
    assert suggested[0] == "Warmth before feeding or pumping"
    assert button_labels(answer(result)) == suggested


# ------------------------------------------------------------------ rotation


async def test_tip_without_a_technique_never_repeats_and_rotates_through_every_tip(server: Server) -> None:
    seen = [shown_tip(await server.member.slash(server.channel, "tip")) for _ in range(len(LIBRARY.tips) + 3)]

    assert all(first != second for first, second in itertools.pairwise(seen))
    assert set(seen[: len(LIBRARY.tips)]) == {card.id for card in LIBRARY.tips}


async def test_each_member_has_their_own_rotation(server: Server) -> None:
    mine = shown_tip(await server.member.slash(server.channel, "tip"))
    for _ in range(3):
        shown_tip(await server.moderator.slash(server.channel, "tip"))

    assert shown_tip(await server.member.slash(server.channel, "tip")) != mine


async def test_a_tip_asked_for_by_name_is_not_repeated_by_the_next_rotating_tip(server: Server) -> None:
    asked = shown_tip(await server.member.slash(server.channel, "tip", technique="warmth"))

    assert shown_tip(await server.member.slash(server.channel, "tip")) != asked


async def test_another_tip_replaces_the_tip_with_a_different_one(server: Server) -> None:
    first = await server.member.slash(server.channel, "tip")
    before = shown_tip(first)

    again = await server.member.click(answer(first), label="Another tip")

    assert answer(again).id == answer(first).id  # the same private message, updated in place
    after = shown_tip(again)
    assert after != before
    third = shown_tip(await server.member.click(answer(again), label="Another tip"))
    assert third != after
    # The rotating /tip does not repeat what Another tip showed last.
    assert shown_tip(await server.member.slash(server.channel, "tip")) != third


async def test_another_tip_works_after_a_restart(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    first = await server.member.slash(server.channel, "tip", technique="relaxation")

    await simcord_env.restart_bot(bot_factory())  # the in-memory rotation is gone
    again = await server.member.click(answer(first), label="Another tip")

    assert shown_tip(again) != "relaxation"


async def test_nothing_about_the_member_is_stored(server: Server, settings: Settings) -> None:
    for _ in range(3):
        await server.member.slash(server.channel, "tip")
    shown = await server.member.slash(server.channel, "tip", technique="warmth")
    await server.member.click(answer(shown), label="Another tip")

    with sqlite3.connect(settings.database_path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dump = "\n".join(
            repr(row)
            for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608
        )
    assert str(server.member.id) not in dump


# ------------------------------------------------------------------ Share in channel


async def test_share_posts_the_tip_publicly_without_buttons_or_pings(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    shown = await server.member.slash(server.channel, "tip", technique="hands-on-pumping")

    await simcord_env.restart_bot(bot_factory())
    pressed = await server.member.click(answer(shown), label="Share in channel")

    public = server.channel.last_message
    assert public is not None
    assert [embed.title for embed in public.embeds] == ["Hands-on pumping"]
    assert field(public.embeds[0], CRISIS_FIELD) is None
    assert public.components == []
    assert_pings_no_one(simcord_env, public)
    assert pressed.followups[0].ephemeral
    # Another tip still works
    card = LIBRARY.get("hands-on-pumping")
    assert card is not None
    assert button_labels(answer(pressed)) == ["Shared", "Another tip", *related_titles(card)]
