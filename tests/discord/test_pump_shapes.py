"""Reminders shaped like a pumping day, as members use them: reminders that end (a date, a count), night
spacing, `/pump edit`, moving reminders with `/pump timezone`, and never a pile of unanswered ones.

SimCord's clock starts at 2026-01-01 00:00 UTC (a Thursday).
"""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.db.guild_settings import GuildSettingsRepository
from bot.domain.reminders.model import AtRule, EveryRule
from bot.ui.reminder_text import LAST_ONE, SKIPPED_BY_NEXT
from tests.conftest import Server, answer, refusals, text
from tests.discord.test_pump import (
    HOUR,
    START,
    current_bot,
    dms,
    labels,
    mine,
    reminders_in,
)


def field_texts(message: discord.Message) -> str:
    embed = message.embeds[0]
    return "\n".join(f"{field.name}: {field.value}" for field in embed.fields)


def disabled(message: discord.Message) -> list[bool]:
    return [
        bool(child.disabled)
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button)
    ]


def hours_of(messages: list[discord.Message]) -> list[float]:
    return [(message.created_at - START) / timedelta(hours=1) for message in messages]


async def list_text(server: Server) -> str:
    result = await server.member.slash(server.channel, "pump list")
    message = answer(result)
    if not message.embeds:
        return message.content or ""
    return "\n".join(field.value or "" for field in message.embeds[0].fields)


# ------------------------------------------------------------------ reminders that end


async def test_a_reminder_with_a_count_sends_that_many_and_says_the_last_was_the_last(server: Server) -> None:
    created = await server.member.slash(server.channel, "pump every", interval="2h", count=3, timezone="UTC")

    assert "3 times" in text(created) and "Ends after 3 reminders (3 left)." in text(created)
    assert "Then:" in text(created)  # the two after the next one
    await server.env.advance_time(2 * HOUR)
    assert "Ends after 3 reminders (2 left)." in await list_text(server)

    await server.env.advance_time(10 * HOUR)

    delivered = reminders_in(dms(server.member))
    assert hours_of(delivered) == [2, 4, 6]
    assert LAST_ONE not in field_texts(delivered[0]) and LAST_ONE not in field_texts(delivered[1])
    assert LAST_ONE in field_texts(delivered[2])
    assert "Skip" not in labels(delivered[2])  # nothing left to skip
    assert await mine(server) == []  # finished


async def test_the_count_holds_across_a_restart(server: Server, bot_factory: object) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h", count=2, timezone="UTC")
    await server.env.advance_time(HOUR)
    await server.env.restart_bot(bot_factory())  # type: ignore[operator]

    await server.env.advance_time(5 * HOUR)

    delivered = reminders_in(dms(server.member))
    assert hours_of(delivered) == [1, 2]
    assert LAST_ONE in field_texts(delivered[1])


async def test_a_reminder_until_a_date_stops_after_that_day(server: Server) -> None:
    created = await server.member.slash(
        server.channel, "pump at", times="06:00, 18:00", until="2 Jan", timezone="UTC"
    )

    assert "until 2 Jan 2026" in text(created) and "Ends after 2 Jan 2026." in text(created)
    await server.env.advance_time(4 * 24 * HOUR)

    delivered = reminders_in(dms(server.member))
    assert hours_of(delivered) == [6, 18, 30, 42]
    assert LAST_ONE in field_texts(delivered[-1])
    assert await mine(server) == []


# ------------------------------------------------------------------ night spacing


async def test_night_spacing_stretches_the_gap_through_the_night(server: Server) -> None:
    created = await server.member.slash(
        server.channel,
        "pump every",
        interval="2h",
        starting="06:00",
        night="22:00-06:00",
        night_interval="4h",
        timezone="UTC",
    )

    assert "nights 22:00\u201306:00 every 4 h" in text(created)
    await server.env.advance_time(24 * HOUR)

    # By day every 2 h (06:00 to 20:00); from 20:00 through the night every 4 h: 00:00, 04:00.
    assert hours_of(reminders_in(dms(server.member))) == [4, 6, 8, 10, 12, 14, 16, 18, 20, 24]


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("pump every", {"interval": "3h", "count": 0}, "from 1 to 500"),
        ("pump every", {"interval": "3h", "count": 501}, "from 1 to 500"),
        ("pump at", {"times": "06:00", "count": -2}, "from 1 to 500"),
        ("pump every", {"interval": "3h", "until": "2025-12-31"}, "already passed"),
        ("pump at", {"times": "06:00", "until": "someday"}, "24 Dec"),
        ("pump every", {"interval": "3h", "until": "03/04/2026"}, "month as a word"),
        ("pump every", {"interval": "3h", "night": "22:00-06:00"}, "night_interval"),
        ("pump every", {"interval": "3h", "night_interval": "5h"}, "night"),
        (
            "pump every",
            {"interval": "3h", "night": "22:00-06:00", "night_interval": "1h"},
            "is shorter than the interval",
        ),
        (
            "pump every",
            {"interval": "3h", "quiet_hours": "21:00-07:00", "night": "22:00-06:00", "night_interval": "5h"},
            "quiet hours",
        ),
        ("pump every", {"interval": "3h", "night": "banana", "night_interval": "5h"}, "22:00-06:00"),
        ("pump at", {"times": "00:00", "until": "today", "timezone": "UTC"}, "no time left to fire"),
    ],
)
async def test_bad_end_and_night_values_are_refused_and_nothing_is_stored(
    server: Server, command: str, options: dict[str, object], expected: str
) -> None:
    result = await server.member.slash(server.channel, command, **options)

    assert result.ephemeral
    assert expected in text(result), text(result)
    assert refusals(server.env) == [text(result)]
    assert await mine(server) == []


# ------------------------------------------------------------------ /pump edit


async def test_edit_changes_the_schedule_keeps_the_id_and_shows_the_next_three(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h", timezone="UTC")
    [before] = await mine(server)

    edited = await server.member.slash(
        server.channel, "pump edit", reminder=str(before.id), interval="2h", quiet_hours="03:00-05:00"
    )

    assert f"Reminder #{before.id} changed: every 2 h from 00:00 · quiet 03:00\u201305:00 · UTC." in text(
        edited
    )
    assert "Next by DM" in text(edited) and "Then:" in text(edited)
    [after] = await mine(server)
    assert after.id == before.id and isinstance(after.rule, EveryRule)
    assert after.rule.interval == timedelta(hours=2)
    await server.env.advance_time(8 * HOUR)
    assert hours_of(reminders_in(dms(server.member))) == [2, 5, 6, 8]  # 04:00 is quiet: 05:00

    cleared = await server.member.slash(
        server.channel, "pump edit", reminder=str(before.id), quiet_hours="none"
    )
    assert "quiet" not in text(cleared).split("\n")[0]


async def test_an_edited_reminder_keeps_its_new_schedule_across_a_restart(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h", timezone="UTC")
    [reminder] = await mine(server)
    await server.member.slash(
        server.channel, "pump edit", reminder=str(reminder.id), interval="90m", count="2"
    )
    await server.env.restart_bot(bot_factory())  # type: ignore[operator]

    await server.env.advance_time(6 * HOUR)

    delivered = reminders_in(dms(server.member))
    assert hours_of(delivered) == [1.5, 3]
    assert LAST_ONE in field_texts(delivered[-1])


async def test_edit_adds_an_end(server: Server) -> None:
    await server.member.slash(server.channel, "pump at", times="06:00", timezone="UTC")
    [reminder] = await mine(server)

    edited = await server.member.slash(server.channel, "pump edit", reminder=f"#{reminder.id}", count="2")

    assert "Ends after 2 reminders (2 left)." in text(edited)
    await server.env.advance_time(4 * 24 * HOUR)
    assert hours_of(reminders_in(dms(server.member))) == [6, 30]


async def test_edit_moves_delivery_to_the_channel_and_back(server: Server) -> None:
    await GuildSettingsRepository(current_bot(server).db).update(
        server.guild.id, actor_id=server.moderator.id, now=START, allow_channel_reminders=True
    )
    await server.member.slash(server.channel, "pump every", interval="1h", timezone="UTC")
    [reminder] = await mine(server)

    edited = await server.member.slash(
        server.channel, "pump edit", reminder=str(reminder.id), deliver="channel"
    )

    assert f"Next in <#{server.channel.id}>" in text(edited)
    await server.env.advance_time(HOUR)
    assert server.channel.last_message is not None and reminders_in(dms(server.member)) == []
    await server.member.slash(server.channel, "pump edit", reminder=str(reminder.id), deliver="dm")
    await server.env.advance_time(HOUR)
    assert len(reminders_in(dms(server.member))) == 1


async def test_edit_of_a_paused_reminder_keeps_it_paused(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h", timezone="UTC")
    await server.member.slash(server.channel, "pump pause")
    [reminder] = await mine(server)

    edited = await server.member.slash(server.channel, "pump edit", reminder=str(reminder.id), interval="4h")

    assert "stays paused" in text(edited) and "Next:" in text(edited)
    [after] = await mine(server)
    assert after.status == "paused"
    await server.env.advance_time(9 * HOUR)
    assert reminders_in(dms(server.member)) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "Tell me what to change"),
        ({"times": "07:00"}, "has no times to change"),
        ({"starting": "banana"}, "time of day"),
        ({"until": "2025-01-01"}, "already passed"),
        ({"count": "0"}, "from 1 to 500"),
        ({"night_interval": "5h"}, "night"),
        ({"deliver": "channel"}, "doesn't allow reminders in channels"),
        ({"interval": "1s"}, "30m to 24h"),
    ],
)
async def test_a_bad_edit_is_refused_and_nothing_changes(
    server: Server, options: dict[str, str], expected: str
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h", timezone="UTC")
    [before] = await mine(server)

    result = await server.member.slash(server.channel, "pump edit", reminder=str(before.id), **options)

    assert result.ephemeral
    assert expected in text(result), text(result)
    assert refusals(server.env) == [text(result)]
    assert await mine(server) == [before]


async def test_a_member_cannot_edit_someone_elses_reminder(server: Server) -> None:
    await server.moderator.slash(server.channel, "pump every", interval="3h")
    [theirs] = await mine(server, server.moderator)

    result = await server.member.slash(server.channel, "pump edit", reminder=str(theirs.id), interval="1h")

    assert "No reminder of yours" in text(result)
    assert await mine(server, server.moderator) == [theirs]
    offered = await server.member.autocomplete(server.channel, "pump edit", "reminder", "")
    assert offered == []


# ------------------------------------------------------------------ /pump timezone moves reminders


async def test_timezone_offers_to_move_existing_reminders_keeping_their_local_times(server: Server) -> None:
    await server.member.slash(server.channel, "pump at", times="07:00", timezone="UTC")

    answered = await server.member.slash(server.channel, "pump timezone", tz="America/New_York")

    assert "1 reminder of yours keep" in text(answered)
    moved = await server.member.click(answer(answered), label="Move my reminders to America/New_York")
    assert "Moved to America/New_York:" in text(moved) and "07:00 in America/New_York" in text(moved)
    [reminder] = await mine(server)
    assert reminder.timezone == "America/New_York" and isinstance(reminder.rule, AtRule)
    await server.env.advance_time(24 * HOUR)
    # 07:00 in New York in January is 12:00 UTC.
    assert hours_of(reminders_in(dms(server.member))) == [12]


async def test_timezone_without_reminders_elsewhere_offers_no_button(server: Server) -> None:
    answered = await server.member.slash(server.channel, "pump timezone", tz="Europe/London")

    assert answer(answered).components == []
    assert "keep their own zone" not in text(answered)


# ------------------------------------------------------------------ never a pile


async def test_an_unanswered_reminder_is_marked_skipped_when_the_next_comes(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h", timezone="UTC")
    await server.env.advance_time(2 * HOUR)

    first, second = reminders_in(dms(server.member))
    assert first.embeds[0].description == SKIPPED_BY_NEXT
    assert disabled(first) and all(disabled(first))
    assert not any(disabled(second))
    assert "1 reminder left unanswered" in await list_text(server)

    await server.member.user.click(second, label="Done")
    assert "unanswered" not in await list_text(server)
    await server.env.advance_time(HOUR)
    second_now, third = reminders_in(dms(server.member))[1:]
    assert second_now.embeds[0].description != SKIPPED_BY_NEXT  # answered: left as it was
    assert not any(disabled(third))


async def test_unanswered_ones_are_counted_as_a_number_across_a_restart(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h", timezone="UTC")
    await server.env.advance_time(3 * HOUR)
    await server.env.restart_bot(bot_factory())  # type: ignore[operator]
    await server.env.advance_time(HOUR)

    delivered = reminders_in(dms(server.member))
    assert [message.embeds[0].description == SKIPPED_BY_NEXT for message in delivered] == [
        True,
        True,
        True,
        False,
    ]
    assert "3 reminders left unanswered" in await list_text(server)
    [reminder] = await mine(server)
    assert reminder.unanswered == 3
    stored = await current_bot(server).db.sql(
        "SELECT COUNT(*) AS n FROM reminder_deliveries WHERE reminder_id = :id", {"id": reminder.id}
    )
    assert stored[0]["n"] == 4  # one record per occurrence, no log of answers


async def test_snoozing_answers_the_reminder(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h", timezone="UTC")
    await server.env.advance_time(HOUR)
    [first] = reminders_in(dms(server.member))

    await server.member.user.click(first, label="Snooze 10 min")
    await server.env.advance_time(HOUR)

    delivered = reminders_in(dms(server.member))
    assert delivered[0].embeds[0].description != SKIPPED_BY_NEXT
    assert len(delivered) == 3  # the reminder, its snooze, the next one
