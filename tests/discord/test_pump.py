"""/pump as members see it: creating each kind, receiving it by DM, the buttons, the list, limits.

SimCord's clock starts at 2026-01-01 00:00 UTC (a Thursday); Europe/London is on UTC in January.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.db.deliveries import DeliveryRepository
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.domain.reminders.model import MAX_ACTIVE_PER_USER, Reminder
from bot.metrics import REMINDERS_SENT
from tests.conftest import Server, answer, refusals, text

START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = 3600.0


def current_bot(server: Server) -> LatchBot:
    bot = server.env.bot
    assert isinstance(bot, LatchBot)
    return bot


def repository(server: Server) -> ReminderRepository:
    return ReminderRepository(current_bot(server).db)


def users(server: Server) -> PumpUserRepository:
    return PumpUserRepository(current_bot(server).db)


def deliveries(server: Server) -> DeliveryRepository:
    return DeliveryRepository(current_bot(server).db)


def dms(actor: simcord.MemberActor) -> list[discord.Message]:
    return actor.user.dm_channel.history()


def reminders_in(messages: list[discord.Message]) -> list[discord.Message]:
    return [
        message
        for message in messages
        if message.embeds and "Time to pump" in (message.embeds[0].title or "")
    ]


def labels(message: discord.Message) -> list[str]:
    return [
        child.label or ""
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button)
    ]


def message_posts(server: Server) -> list[dict[str, Any]]:
    """The bodies of the messages the bot posted through REST (not interaction answers)."""
    posts = []
    for request in server.env.http_requests:
        if request.method == "POST" and request.path.endswith("/messages"):
            assert isinstance(request.json, dict)
            posts.append(request.json)
    return posts


def field_value(result: simcord.InteractionResult, index: int) -> str:
    return answer(result).embeds[0].fields[index].value or ""


async def mine(server: Server, actor: simcord.MemberActor | None = None) -> list[Reminder]:
    return await repository(server).for_user((actor or server.member).id)


async def advance_to(server: Server, moment: datetime) -> None:
    await server.env.advance_time((moment - server.env.now()).total_seconds())


# ------------------------------------------------------------------ creating and receiving


async def test_every_reminder_arrives_by_dm_on_its_grid_with_a_tip_and_buttons(server: Server) -> None:
    before = REMINDERS_SENT._value.get()
    result = await server.member.slash(server.channel, "pump every", interval="3h")

    assert result.ephemeral
    answered = text(result)
    assert "every 3 h from 00:00 · UTC" in answered
    assert f"<t:{int((START + timedelta(hours=3)).timestamp())}:t>" in answered
    assert "/pump timezone" in answered  # no zone set: UTC, and says so

    await server.env.advance_time(3 * HOUR - 1)
    assert reminders_in(dms(server.member)) == []
    await server.env.advance_time(1)

    [delivered] = reminders_in(dms(server.member))
    embed = delivered.embeds[0]
    assert embed.title == "Time to pump"
    assert embed.fields and (embed.fields[0].name or "").startswith("Letdown tip: ")
    assert labels(delivered) == ["Done", "Snooze 10 min", "Snooze 30 min", "Skip", "Pause"]
    assert delivered.created_at == START + timedelta(hours=3)
    assert server.channel.last_message is None  # nothing public
    assert REMINDERS_SENT._value.get() == before + 1

    await server.env.advance_time(3 * HOUR)
    assert len(reminders_in(dms(server.member))) == 2


async def test_the_dm_channel_is_created_once_and_each_delivery_is_one_request(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h")
    await server.env.advance_time(3 * HOUR)

    requests = server.env.http_requests
    assert len([r for r in requests if r.method == "POST" and r.path == "/users/@me/channels"]) == 1
    sends = message_posts(server)
    assert len(sends) == 3
    nonces = [body["nonce"] for body in sends]
    assert len(set(nonces)) == 3 and all(len(nonce) <= 25 for nonce in nonces)
    assert all(body["enforce_nonce"] is True for body in sends)
    assert (await users(server).user(server.member.id)).dm_channel_id == server.member.user.dm_channel.id


async def test_at_reminder_fires_at_each_local_time(server: Server) -> None:
    await server.member.slash(server.channel, "pump timezone", tz="Asia/Kolkata")
    result = await server.member.slash(server.channel, "pump at", times="6am, 13:00")

    assert "at 06:00, 13:00 · Asia/Kolkata" in text(result)
    assert "/pump timezone" not in text(result)
    await server.env.advance_time(24 * HOUR)

    times = [message.created_at for message in reminders_in(dms(server.member))]
    # 06:00 and 13:00 in Kolkata are 00:30 and 07:30 UTC.
    assert times == [START + timedelta(minutes=30), START + timedelta(hours=7, minutes=30)]


async def test_once_reminder_fires_once_then_is_finished(server: Server) -> None:
    result = await server.member.slash(server.channel, "pump once", after="45m")
    assert "once at 00:45" in text(result)

    await server.env.advance_time(2 * HOUR)

    [delivered] = reminders_in(dms(server.member))
    assert delivered.created_at == START + timedelta(minutes=45)
    assert "Skip" not in labels(delivered)  # nothing left to skip
    assert await mine(server) == []


async def test_quiet_hours_move_fires_to_the_end_of_the_quiet_period_once(server: Server) -> None:
    await server.member.slash(
        server.channel,
        "pump every",
        interval="3h",
        starting="21:00",
        quiet_hours="23:00-06:00",
        timezone="UTC",
    )
    await server.env.advance_time(30 * HOUR)

    hours = [message.created_at - START for message in reminders_in(dms(server.member))]
    # 21:00 is before the first grid time of the day after the start; 00:00 and 03:00 fall in quiet
    # hours and become one reminder at 06:00.
    expected = [timedelta(hours=h) for h in (6, 9, 12, 15, 18, 21, 30)]
    assert hours == expected


async def test_since_last_counts_from_the_session_marked_done(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="2h", since_last=True)
    await server.env.advance_time(1 * HOUR)
    done = await server.member.slash(server.channel, "pump done")
    assert "restart" not in text(done) or "since-last" in text(done)

    await server.env.advance_time(1 * HOUR + 59 * 60)
    assert reminders_in(dms(server.member)) == []  # not at 2 h: counting from the session at 1 h
    await server.env.advance_time(60)

    [delivered] = reminders_in(dms(server.member))
    assert delivered.created_at == START + timedelta(hours=3)
    stored = await users(server).user(server.member.id)
    assert stored.last_done_at == START + timedelta(hours=1)


async def test_channel_delivery_mentions_only_the_owner(server: Server) -> None:
    await GuildSettingsRepository(current_bot(server).db).update(
        server.guild.id, actor_id=server.moderator.id, now=START, allow_channel_reminders=True
    )
    await server.member.slash(server.channel, "pump every", interval="1h", deliver="channel")
    await server.env.advance_time(HOUR)

    message = server.channel.last_message
    assert message is not None and message.embeds[0].title == "Time to pump"
    assert message.content == f"<@{server.member.id}>"
    [send] = message_posts(server)
    mentions = send["allowed_mentions"]
    assert mentions["parse"] == [] and [int(user) for user in mentions["users"]] == [server.member.id]


# ------------------------------------------------------------------ buttons


async def first_reminder(server: Server, **options: object) -> discord.Message:
    await server.member.slash(server.channel, "pump every", interval="3h", timezone="UTC", **options)
    await server.env.advance_time(3 * HOUR)
    [delivered] = reminders_in(dms(server.member))
    return delivered


async def test_done_records_only_the_time(server: Server) -> None:
    delivered = await first_reminder(server)
    await server.env.advance_time(120)

    pressed = await server.member.user.click(delivered, label="Done")

    assert pressed.ephemeral and "Session done at" in text(pressed)
    stored = await users(server).user(server.member.id)
    assert stored.last_done_at == START + timedelta(hours=3, minutes=2)


@pytest.mark.parametrize("minutes", [10, 30])
async def test_snooze_sends_a_one_off_and_keeps_the_grid(server: Server, minutes: int) -> None:
    delivered = await first_reminder(server)

    pressed = await server.member.user.click(delivered, label=f"Snooze {minutes} min")
    assert "Snoozed" in text(pressed)
    await server.env.advance_time(minutes * 60)

    times = [message.created_at - START for message in reminders_in(dms(server.member))]
    assert times == [timedelta(hours=3), timedelta(hours=3, minutes=minutes)]
    await server.env.advance_time(3 * HOUR - minutes * 60)
    assert len(reminders_in(dms(server.member))) == 3  # the 6 h occurrence still comes


async def test_skip_skips_exactly_the_next_occurrence_however_often_it_is_pressed(server: Server) -> None:
    delivered = await first_reminder(server)

    pressed = await server.member.user.click(delivered, label="Skip")
    assert "Skipped the next one" in text(pressed)
    again = await server.member.user.click(delivered, label="Skip")
    assert again.ephemeral and "already skipped" in text(again)

    await server.env.advance_time(6 * HOUR)
    times = [message.created_at - START for message in reminders_in(dms(server.member))]
    assert times == [timedelta(hours=3), timedelta(hours=9)]


async def test_pause_stops_it_and_resume_starts_it_again(server: Server) -> None:
    delivered = await first_reminder(server)

    pressed = await server.member.user.click(delivered, label="Pause")
    assert "Paused" in text(pressed)
    await server.env.advance_time(9 * HOUR)
    assert len(reminders_in(dms(server.member))) == 1

    resumed = await server.member.slash(server.channel, "pump resume")
    assert "Resumed" in text(resumed)
    await server.env.advance_time(3 * HOUR)
    assert len(reminders_in(dms(server.member))) == 2


async def test_every_button_works_after_a_restart(server: Server, bot_factory: object) -> None:
    delivered = await first_reminder(server)
    await server.env.restart_bot(bot_factory())  # type: ignore[operator]

    assert "Snoozed" in text(await server.member.user.click(delivered, label="Snooze 10 min"))
    await server.env.advance_time(10 * 60)
    assert len(reminders_in(dms(server.member))) == 2
    assert "Session done at" in text(await server.member.user.click(delivered, label="Done"))
    assert "Skipped" in text(await server.member.user.click(delivered, label="Skip"))
    assert "Paused" in text(await server.member.user.click(delivered, label="Pause"))
    [reminder] = await mine(server)
    assert reminder.status == "paused"
    # the grid after the restart: 6 h was skipped; paused now, so nothing more comes
    await server.env.advance_time(12 * HOUR)
    assert len(reminders_in(dms(server.member))) == 2


async def test_another_member_cannot_press_someone_elses_reminder_buttons(server: Server) -> None:
    await GuildSettingsRepository(current_bot(server).db).update(
        server.guild.id, actor_id=server.moderator.id, now=START, allow_channel_reminders=True
    )
    await server.member.slash(server.channel, "pump every", interval="1h", deliver="channel")
    await server.env.advance_time(HOUR)
    message = server.channel.last_message
    assert message is not None

    for label in ("Done", "Snooze 10 min", "Skip", "Pause"):
        pressed = await server.moderator.click(message, label=label)
        assert pressed.ephemeral
        assert "belongs to someone else" in text(pressed)
    [reminder] = await mine(server)
    assert reminder.status == "active" and reminder.snoozed_until is None
    assert (await users(server).user(server.moderator.id)).last_done_at is None


# ------------------------------------------------------------------ list, pause, resume, delete


async def test_list_shows_each_reminder_and_its_buttons_act_on_the_chosen_one(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h", timezone="Europe/London")
    await server.member.slash(server.channel, "pump at", times="06:00, 18:00", timezone="UTC")

    listed = await server.member.slash(server.channel, "pump list")
    assert listed.ephemeral
    embed = answer(listed).embeds[0]
    assert len(embed.fields) == 2
    assert "every 3 h from 00:00 · Europe/London" in (embed.fields[0].name or "")
    assert "active" in field_value(listed, 0) and ":R>" in field_value(listed, 0)
    first, second = await mine(server)

    await server.member.select(answer(listed), [str(second.id)])
    paused = await server.member.click(answer(listed), label="Pause")
    assert f"Paused #{second.id}" in text(paused)
    assert "paused" in field_value(paused, 1)
    assert [r.status for r in await mine(server)] == ["active", "paused"]

    await server.member.select(answer(paused), [str(second.id)])
    resumed = await server.member.click(answer(paused), label="Resume")
    assert f"Resumed #{second.id}" in text(resumed)

    await server.member.select(answer(resumed), [str(first.id)])
    deleted = await server.member.click(answer(resumed), label="Delete")
    assert f"Deleted #{first.id}" in text(deleted)
    assert [r.id for r in await mine(server)] == [second.id]


async def test_list_buttons_need_a_choice_first(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    await server.member.slash(server.channel, "pump every", interval="4h")
    listed = await server.member.slash(server.channel, "pump list")

    pressed = await server.member.click(answer(listed), label="Delete")

    assert "Choose a reminder" in text(pressed)
    assert refusals(server.env) == [text(pressed)]
    assert len(await mine(server)) == 2


async def test_pause_all_resume_one_and_delete_by_autocomplete(server: Server) -> None:
    for interval in ("2h", "3h"):
        await server.member.slash(server.channel, "pump every", interval=interval)
    first, second = await mine(server)

    paused = await server.member.slash(server.channel, "pump pause", reminder="all")
    assert f"Paused #{first.id}" in text(paused) and f"Paused #{second.id}" in text(paused)

    offered = await server.member.autocomplete(server.channel, "pump resume", "reminder", "")
    assert [choice["value"] for choice in offered] == ["all", str(first.id), str(second.id)]
    await server.member.slash(server.channel, "pump resume", reminder=str(second.id))
    assert [r.status for r in await mine(server)] == ["paused", "active"]

    offered = await server.member.autocomplete(server.channel, "pump delete", "reminder", "3 h")
    assert [choice["value"] for choice in offered] == [str(second.id)]
    deleted = await server.member.slash(server.channel, "pump delete", reminder=str(second.id))
    assert f"Deleted #{second.id}" in text(deleted)
    assert [r.id for r in await mine(server)] == [first.id]


async def test_members_see_and_touch_only_their_own_reminders(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    [theirs] = await mine(server)

    offered = await server.moderator.autocomplete(server.channel, "pump delete", "reminder", "")
    assert offered == []
    listed = await server.moderator.slash(server.channel, "pump list")
    assert "no reminders yet" in text(listed)
    for command in ("pump delete", "pump pause", "pump resume"):
        refused = await server.moderator.slash(server.channel, command, reminder=str(theirs.id))
        assert "No reminder of yours" in text(refused)
    assert len(refusals(server.env)) == 3
    [still] = await mine(server)
    assert still.status == "active"


async def test_at_most_ten_active_reminders(server: Server) -> None:
    for _ in range(MAX_ACTIVE_PER_USER):
        await server.member.slash(server.channel, "pump once", after="1d")

    refused = await server.member.slash(server.channel, "pump every", interval="3h")

    assert "10 active reminders" in text(refused)
    assert refusals(server.env) == [text(refused)]
    assert len(await mine(server)) == MAX_ACTIVE_PER_USER
    other = await server.moderator.slash(server.channel, "pump once", after="1d")
    assert "Reminder #" in text(other)  # the limit is per person


async def test_timezone_sets_the_default_and_autocompletes_cities(server: Server) -> None:
    offered = await server.member.autocomplete(server.channel, "pump timezone", "tz", "new york")
    assert offered[0]["value"] == "America/New_York"

    result = await server.member.slash(server.channel, "pump timezone", tz="Sydney")
    assert "Australia/Sydney" in text(result)
    created = await server.member.slash(server.channel, "pump every", interval="3h", starting="06:00")
    assert "Australia/Sydney" in text(created) and "/pump timezone" not in text(created)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("pump every", {"interval": "10m"}, "30m to 24h"),
        ("pump every", {"interval": "25h"}, "30m to 24h"),
        ("pump every", {"interval": "often"}, "e.g. `3h`"),
        ("pump every", {"interval": "3h", "starting": "25:00"}, "`06:00`"),
        ("pump every", {"interval": "3h", "starting": "6"}, "`6am`"),
        ("pump every", {"interval": "3h", "quiet_hours": "23:00"}, "`23:00-06:00`"),
        ("pump every", {"interval": "3h", "quiet_hours": "23:00-23:00"}, "differ"),
        ("pump every", {"interval": "3h", "timezone": "Mars/Olympus"}, "Europe/London"),
        ("pump every", {"interval": "3h", "deliver": "channel"}, "deliver:dm"),
        ("pump at", {"times": "breakfast"}, "1 to 12 times"),
        ("pump at", {"times": " ".join(f"{hour}:00" for hour in range(13))}, "more than 12"),
        ("pump at", {"times": "06:00", "timezone": "Nowhere"}, "not a time zone"),
        ("pump at", {"times": "06:00", "deliver": "channel"}, "deliver:dm"),
        ("pump once", {"after": "30s"}, "1m to 7d"),
        ("pump once", {"after": "8d"}, "1m to 7d"),
        ("pump timezone", {"tz": "Atlantis"}, "not a time zone"),
        ("pump delete", {"reminder": "my morning one"}, "No reminder of yours"),
        ("pump delete", {"reminder": "999"}, "No reminder of yours"),
        ("pump pause", {}, "Nothing to pause"),
        ("pump resume", {}, "Nothing to resume"),
    ],
)
async def test_bad_input_is_refused_with_what_is_accepted_and_nothing_is_stored(
    server: Server, command: str, options: dict[str, str], expected: str
) -> None:
    result = await server.member.slash(server.channel, command, **options)

    assert result.ephemeral
    assert expected in text(result)
    assert refusals(server.env) == [text(result)]
    assert await mine(server) == []
    assert (await users(server).user(server.member.id)).timezone is None


# ------------------------------------------------------------------ failures


async def test_closed_dms_pause_the_reminder_and_the_next_command_says_how_to_fix_it(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h")
    dm = server.member.user.dm_channel
    server.env.inject_error(
        "POST",
        f"/channels/{dm.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )

    await server.env.advance_time(3 * HOUR)

    [reminder] = await mine(server)
    assert reminder.status == "paused" and reminder.paused_reason == "dm_closed"
    assert reminders_in(dms(server.member)) == []
    listed = await server.member.slash(server.channel, "pump list")
    assert "Privacy Settings" in text(listed) and "Direct Messages" in text(listed)
    assert "/pump resume" in text(listed)
    assert "I couldn't DM you" in field_value(listed, 0)
    again = await server.member.slash(server.channel, "pump list")
    assert "Privacy Settings" not in text(again)  # told once

    await server.member.slash(server.channel, "pump resume")
    await server.env.advance_time(HOUR)
    assert len(reminders_in(dms(server.member))) == 1


async def test_a_deleted_channel_pauses_its_reminder(server: Server) -> None:
    await GuildSettingsRepository(current_bot(server).db).update(
        server.guild.id, actor_id=server.moderator.id, now=START, allow_channel_reminders=True
    )
    await server.member.slash(server.channel, "pump every", interval="1h", deliver="channel")
    server.env.inject_error(
        "POST", f"/channels/{server.channel.id}/messages", status=404, code=10003, times=None
    )

    await server.env.advance_time(2 * HOUR)

    [reminder] = await mine(server)
    assert reminder.status == "paused" and reminder.paused_reason == "channel_gone"
    notice = await server.member.slash(server.channel, "pump done")
    assert "channel one of your reminders posted in is gone" in text(notice)


async def test_server_errors_are_retried_then_delivered_once(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    dm = server.member.user.dm_channel
    server.env.inject_error("POST", f"/channels/{dm.id}/messages", status=503, times=2)

    await server.env.advance_time(3 * HOUR + 60)

    [delivered] = reminders_in(dms(server.member))
    assert delivered.created_at == START + timedelta(hours=3, seconds=5)  # after 1 s and 4 s backoffs
    [reminder] = await mine(server)
    [record] = await deliveries(server).deliveries(reminder.id)
    assert record["state"] == "sent" and record["attempts"] == 3


async def test_a_server_error_that_persists_gives_up_and_waits_for_the_next_occurrence(
    server: Server,
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    dm = server.member.user.dm_channel
    server.env.inject_error("POST", f"/channels/{dm.id}/messages", status=500, times=4)

    await server.env.advance_time(6 * HOUR)

    [reminder] = await mine(server)
    assert reminder.status == "active"
    records = await deliveries(server).deliveries(reminder.id)
    assert [(r["state"], r["attempts"]) for r in records] == [("failed", 4), ("sent", 1)]
    assert [m.created_at for m in reminders_in(dms(server.member))] == [START + timedelta(hours=6)]


async def test_one_failing_reminder_does_not_delay_the_others(server: Server) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    await server.moderator.slash(server.channel, "pump every", interval="3h")
    sam_dm = server.member.user.dm_channel
    server.env.inject_error("POST", f"/channels/{sam_dm.id}/messages", status=502, times=None)

    await server.env.advance_time(3 * HOUR)

    [other] = reminders_in(dms(server.moderator))
    assert other.created_at == START + timedelta(hours=3)
    await server.env.advance_time(60)


# ------------------------------------------------------------------ downtime


async def stop_dispatching(server: Server) -> None:
    dispatcher = current_bot(server).reminder_dispatcher
    assert dispatcher is not None
    dispatcher.stop()  # the bot is "down": nothing is claimed or sent


async def test_a_reminder_missed_by_less_than_30_minutes_is_sent_once_marked_late(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    await stop_dispatching(server)
    await server.env.advance_time(3 * HOUR + 10 * 60)

    await server.env.restart_bot(bot_factory())  # type: ignore[operator]
    await server.env.advance_time(1)

    [late] = reminders_in(dms(server.member))
    assert late.embeds[0].title == "Time to pump (late)"
    assert late.created_at == START + timedelta(hours=3, minutes=10)
    await server.env.advance_time(3 * HOUR)
    times = [message.created_at - START for message in reminders_in(dms(server.member))]
    assert times == [timedelta(hours=3, minutes=10), timedelta(hours=6)]  # no burst, grid kept


async def test_older_missed_reminders_are_skipped_to_the_next_future_one(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="1h")
    await stop_dispatching(server)
    await server.env.advance_time(5 * HOUR + 40 * 60)

    await server.env.restart_bot(bot_factory())  # type: ignore[operator]
    await server.env.advance_time(1)
    assert reminders_in(dms(server.member)) == []  # five missed occurrences, none sent

    await server.env.advance_time(20 * 60)
    [next_one] = reminders_in(dms(server.member))
    assert next_one.created_at == START + timedelta(hours=6)
    assert next_one.embeds[0].title == "Time to pump"


async def test_a_claim_left_in_flight_by_a_crash_is_resent_with_the_same_nonce(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    await stop_dispatching(server)
    await server.env.advance_time(3 * HOUR)
    # What a crash between the claim and the send leaves behind: a claimed, unsent delivery.
    from bot.reminders.dispatcher import GRACE, LATE_AFTER
    from bot.reminders.service import next_occurrence

    claimed, _ = await deliveries(server).claim_due(
        server.env.now(), limit=10, grace=GRACE, late_after=LATE_AFTER, next_occurrence=next_occurrence
    )
    [delivery] = claimed

    await server.env.restart_bot(bot_factory())  # type: ignore[operator]
    await server.env.advance_time(1)

    [resent] = reminders_in(dms(server.member))
    [send] = message_posts(server)
    assert send["nonce"] == delivery.nonce
    assert resent.created_at == START + timedelta(hours=3)  # re-sent as the new generation starts
    [reminder] = await mine(server)
    assert [r["state"] for r in await deliveries(server).deliveries(reminder.id)] == ["sent"]


async def test_a_claim_older_than_the_nonce_window_is_not_sent_again_when_discord_has_it(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    await server.env.advance_time(3 * HOUR)
    [delivered] = reminders_in(dms(server.member))
    [reminder] = await mine(server)
    # A crash after Discord stored the message but before it was recorded: the claim is still open.
    await current_bot(server).db.sql(
        "UPDATE reminder_deliveries SET state = 'sending', sent_at = NULL WHERE reminder_id = :id",
        {"id": reminder.id},
    )
    await stop_dispatching(server)
    await server.env.advance_time(10 * 60)  # down for longer than Discord remembers a nonce

    await server.env.restart_bot(bot_factory())  # type: ignore[operator]
    await server.env.advance_time(1)

    assert reminders_in(dms(server.member)) == [delivered]
    assert [r["state"] for r in await deliveries(server).deliveries(reminder.id)] == ["sent"]


async def test_a_claim_older_than_the_nonce_window_is_sent_late_when_discord_never_got_it(
    server: Server, bot_factory: object
) -> None:
    await server.member.slash(server.channel, "pump every", interval="3h")
    await stop_dispatching(server)
    await server.env.advance_time(3 * HOUR)
    from bot.reminders.dispatcher import GRACE, LATE_AFTER
    from bot.reminders.service import next_occurrence

    await deliveries(server).claim_due(
        server.env.now(), limit=10, grace=GRACE, late_after=LATE_AFTER, next_occurrence=next_occurrence
    )
    await server.env.advance_time(10 * 60)  # the crash happened before the send; down for 10 min

    await server.env.restart_bot(bot_factory())  # type: ignore[operator]
    await server.env.advance_time(1)

    [resent] = reminders_in(dms(server.member))
    assert "late" in (resent.embeds[0].title or "")
    [reminder] = await mine(server)
    assert [r["state"] for r in await deliveries(server).deliveries(reminder.id)] == ["sent"]


async def test_times_are_shown_in_the_reminders_zone_and_the_readers(server: Server) -> None:
    created = await server.member.slash(server.channel, "pump at", times="07:00", timezone="America/New_York")

    assert "Next by DM: 07:00 in America/New_York (your <t:" in text(created)
    listed = answer(await server.member.slash(server.channel, "pump list"))
    assert "next 07:00 in America/New_York (your <t:" in (listed.embeds[0].fields[0].value or "")
