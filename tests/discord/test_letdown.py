"""/letdown as a member sees it: private steps, a live countdown, Back / Next / Done, across a restart."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.domain.letdown import ROUTINE, LetdownStep
from tests.conftest import Server, answer

DISCLAIMER = "Peer-support information, not medical advice. Talk to an IBCLC or your doctor."
COUNTDOWN = re.compile(r"until <t:(\d+):t>")

TableDump = dict[str, list[tuple[Any, ...]]]


def latch_bot(env: simcord.Env) -> LatchBot:
    bot = env.bot
    assert isinstance(bot, LatchBot)
    return bot


async def dump_database(env: simcord.Env) -> TableDump:
    """Every row of every table, so a test can prove nothing was written."""
    database = latch_bot(env).db
    tables = await database.sql("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    dump: TableDump = {}
    for table in tables:
        name = table["name"]
        rows = await database.sql(f'SELECT * FROM "{name}"')  # noqa: S608 (names from sqlite)
        dump[name] = sorted((tuple(row.values()) for row in rows), key=repr)
    return dump


def buttons(message: simcord.ResponseMessage) -> dict[str, dict[str, Any]]:
    """The message's buttons by label."""
    found: dict[str, dict[str, Any]] = {}
    for row in message.components:
        for component in row.get("components", []):
            if component.get("type") == discord.ComponentType.button.value:
                found[component["label"]] = component
    return found


def countdown(embed: discord.Embed) -> int:
    field = next(field for field in embed.fields if field.name == "Suggested time")
    match = COUNTDOWN.search(field.value or "")
    assert match is not None, field.value
    return int(match.group(1))


def expected_countdown(env: simcord.Env, step: LetdownStep) -> int:
    return int((env.now() + timedelta(minutes=step.minutes)).timestamp())


def assert_shows_step(env: simcord.Env, message: simcord.ResponseMessage, number: int) -> None:
    step = ROUTINE[number - 1]
    library = latch_bot(env).content
    assert message.ephemeral
    assert len(message.embeds) == 1
    embed = message.embeds[0]
    assert embed.title == f"Step {number} of {len(ROUTINE)}: {step.title}"
    assert embed.description == step.instruction
    assert countdown(embed) == expected_countdown(env, step)
    tips = next(field.value or "" for field in embed.fields if field.name == "From the tips")
    for tip_id in step.tips:
        card = library.get(tip_id)
        assert card is not None
        assert f"`/tip {tip_id}`" in tips and card.title in tips
    assert embed.footer.text == DISCLAIMER


async def test_member_walks_every_step_goes_back_and_finishes(
    server: Server, simcord_env: simcord.Env
) -> None:
    before = await dump_database(simcord_env)
    last = len(ROUTINE)

    shown = await server.member.slash(server.channel, "letdown")

    assert shown.ephemeral
    message = answer(shown)
    assert_shows_step(simcord_env, message, 1)
    assert "always test the heat" in (message.embeds[0].description or "").casefold()
    assert buttons(message)["Back"].get("disabled") is True
    assert set(buttons(message)) == {"Back", "Next", "Done"}
    with pytest.raises(simcord.SetupError, match="disabled"):
        await server.member.click(message, label="Back")

    for number in range(2, last + 1):
        await simcord_env.advance_time(40)  # the countdown follows the moment each step is shown
        label = "Begin" if number == last else "Next"
        pressed = await server.member.click(message, label=label)
        assert answer(pressed).id == message.id  # the same ephemeral message, edited in place
        assert_shows_step(simcord_env, answer(pressed), number)
        assert buttons(answer(pressed))["Back"].get("disabled") is not True

    final = buttons(message)
    assert set(final) == {"Back", "Done"}  # Next became Done on the last step
    assert final["Done"]["style"] == discord.ButtonStyle.success.value

    await simcord_env.advance_time(90)
    back = await server.member.click(message, label="Back")
    assert_shows_step(simcord_env, answer(back), last - 1)
    assert countdown(message.embeds[0]) == expected_countdown(simcord_env, ROUTINE[last - 2])

    await server.member.click(message, label="Begin")
    done = await server.member.click(message, label="Done")

    closing = answer(done)
    assert closing.id == message.id
    assert closing.ephemeral
    assert closing.components == []
    embed = closing.embeds[0]
    assert embed.title == "Well done"
    assert "`/tip`" in (embed.description or "") and "`/resources`" in (embed.description or "")
    assert embed.footer.text == DISCLAIMER
    assert server.channel.last_message is None  # nothing was posted publicly
    assert simcord_env.errors == []
    after = await dump_database(simcord_env)
    assert after == before
    member_id = server.member.id
    assert not any(member_id in row or str(member_id) in row for rows in after.values() for row in rows)


async def test_done_ends_the_routine_from_any_step(server: Server, simcord_env: simcord.Env) -> None:
    message = answer(await server.member.slash(server.channel, "letdown"))
    await server.member.click(message, label="Next")

    done = await server.member.click(message, label="Done")

    assert answer(done).embeds[0].title == "Well done"
    assert answer(done).components == []
    assert simcord_env.errors == []


async def test_buttons_keep_working_after_a_restart_and_nothing_is_stored(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    before = await dump_database(simcord_env)
    message = answer(await server.member.slash(server.channel, "letdown"))
    await server.member.click(message, label="Next")
    assert await dump_database(simcord_env) == before

    await simcord_env.restart_bot(bot_factory())
    await simcord_env.advance_time(300)
    # A fresh baseline: start-up work (migrations, index rebuilds) is not /letdown's doing.
    before = await dump_database(simcord_env)

    forward = await server.member.click(message, label="Next")
    assert_shows_step(simcord_env, answer(forward), 3)
    back = await server.member.click(message, label="Back")
    assert_shows_step(simcord_env, answer(back), 2)
    done = await server.member.click(message, label="Done")
    assert answer(done).embeds[0].title == "Well done"
    assert answer(done).ephemeral

    assert simcord_env.errors == []
    assert await dump_database(simcord_env) == before


async def test_only_the_member_who_ran_it_can_see_or_press_it(
    server: Server, simcord_env: simcord.Env
) -> None:
    message = answer(await server.member.slash(server.channel, "letdown"))

    with pytest.raises(simcord.SetupError, match="not visible"):
        await server.moderator.click(message, label="Next")

    assert message.ephemeral
    assert answer(await server.member.click(message, label="Next")).embeds[0].title == (
        f"Step 2 of {len(ROUTINE)}: {ROUTINE[1].title}"
    )


async def test_two_members_walk_their_own_routines_independently(
    server: Server, simcord_env: simcord.Env
) -> None:
    mine = answer(await server.member.slash(server.channel, "letdown"))
    theirs = answer(await server.moderator.slash(server.channel, "letdown"))

    await server.member.click(mine, label="Next")
    await server.member.click(mine, label="Next")
    await server.moderator.click(theirs, label="Next")

    assert (mine.embeds[0].title or "").startswith("Step 3 of")
    assert (theirs.embeds[0].title or "").startswith("Step 2 of")


async def test_a_bug_behind_a_button_still_answers_with_a_reference(
    server: Server, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = answer(await server.member.slash(server.channel, "letdown"))

    def broken(*args: object, **kwargs: object) -> discord.Embed:
        raise KeyError("bug while rendering a step")

    monkeypatch.setattr("bot.ui.letdown_view.step_embed", broken)
    pressed = await server.member.click(message, label="Next")

    assert pressed.ephemeral
    assert re.search(r"Something went wrong \(ref [A-Z2-9]{6}\)", answer(pressed).content)
    assert (message.embeds[0].title or "").startswith("Step 1 of")  # the routine message is untouched


async def test_a_button_pressed_while_shutting_down_says_so(server: Server, simcord_env: simcord.Env) -> None:
    message = answer(await server.member.slash(server.channel, "letdown"))
    latch_bot(simcord_env).work.accepting_work = False

    pressed = await server.member.click(message, label="Next")

    assert pressed.ephemeral
    assert answer(pressed).content == "Latch is restarting. Please try again in a minute."
    assert (message.embeds[0].title or "").startswith("Step 1 of")
