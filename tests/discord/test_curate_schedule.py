"""/curate schedule set · off · show and /curate post-now, driven as a moderator and as a member, with
virtual time across daylight-saving changes, restarts and downtime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.db.audit import AuditRepository
from bot.db.tip_schedules import TipScheduleRepository
from bot.domain.tip_posts import post_nonce
from bot.metrics import SCHEDULED_POSTS
from bot.tip_posts.dispatcher import LEASE
from bot.ui.messages import TIME_HELP
from tests.conftest import Server, answer, refusals, reopen_command_to_everyone, text

DAY = 24 * 3600


async def advance_to(env: simcord.Env, moment: datetime) -> None:
    """Move virtual time (which starts on 2026-01-01) forward to ``moment``."""
    seconds = (moment - env.now()).total_seconds()
    assert seconds >= 0
    await env.advance_time(seconds)


def posts(channel: simcord.ChannelHandle) -> list[discord.Message]:
    return [message for message in channel.history() if message.embeds]


def titles(channel: simcord.ChannelHandle) -> list[str]:
    return [message.embeds[0].title or "" for message in posts(channel)]


def counted(outcome: str) -> float:
    return float(SCHEDULED_POSTS.labels(outcome=outcome)._value.get())


async def schedule(
    server: Server, channel: simcord.ChannelHandle, **options: Any
) -> simcord.InteractionResult:
    options.setdefault("cadence", "daily")
    options.setdefault("time", "09:00")
    return await server.moderator.slash(server.channel, "curate schedule set", channel=channel, **options)


def show_embed(result: simcord.InteractionResult) -> discord.Embed:
    return answer(result).embeds[0]


async def actions(bot: LatchBot, server: Server) -> list[str]:
    return [entry.action for entry in await AuditRepository(bot.db).recent(server.guild.id)]


# ------------------------------------------------------------------ set, show, off


async def test_moderator_schedules_daily_tips_and_sees_the_schedule(
    server: Server, simcord_bot: LatchBot
) -> None:
    tips = server.guild.create_text_channel("tips")

    result = await schedule(server, tips, time="9:30", timezone="london", source="library")

    assert result.ephemeral
    first = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)  # GMT in January
    assert text(result) == (
        f"Scheduled: a tip every day at 09:30 (Europe/London) in <#{tips.id}>. "
        f"Next post <t:{int(first.timestamp())}:f> (<t:{int(first.timestamp())}:R>)."
    )
    shown = await server.moderator.slash(server.channel, "curate schedule show")
    assert shown.ephemeral
    fields = {field.name: field.value for field in show_embed(shown).fields}
    assert fields["Channel"] == f"<#{tips.id}>"
    assert fields["When"] == "every day at 09:30"
    assert fields["Time zone"] == "Europe/London"
    assert fields["Tips from"] == "Latch's tip library"
    assert fields["Rotation"] == f"0 of {len(simcord_bot.content.tips)} tips posted this cycle"
    assert f"<t:{int(first.timestamp())}:f>" in (show_embed(shown).description or "")
    assert await actions(simcord_bot, server) == ["schedule.set"]


async def test_the_timezone_defaults_to_the_server_setting(server: Server, simcord_bot: LatchBot) -> None:
    tips = server.guild.create_text_channel("tips")
    await server.moderator.slash(server.channel, "curate settings", timezone="America/New_York")

    await schedule(server, tips, cadence="weekly", weekday="wednesday", time="7pm")

    stored = await TipScheduleRepository(simcord_bot.db).get(server.guild.id)
    assert stored is not None
    assert (stored.rule.zone, stored.rule.weekday, stored.rule.at) == ("America/New_York", 2, time(19, 0))
    assert stored.next_post_at == datetime(2026, 1, 8, 0, 0, tzinfo=UTC)  # Wed 7 Jan 19:00 EST


async def test_timezone_autocomplete_offers_zones(server: Server) -> None:
    choices = await server.moderator.autocomplete(
        server.channel, "curate schedule set", "timezone", "new y", channel=server.channel
    )
    assert "America/New_York" in [choice["value"] for choice in choices]


async def test_schedule_off_stops_the_posts(server: Server, simcord_bot: LatchBot) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)
    await server.env.advance_time(DAY)
    assert len(posts(tips)) == 1

    result = await server.moderator.slash(server.channel, "curate schedule off")

    assert result.ephemeral
    assert text(result) == "Scheduled tips are off."
    await server.env.advance_time(3 * DAY)
    assert len(posts(tips)) == 1
    assert await TipScheduleRepository(simcord_bot.db).get(server.guild.id) is None
    assert await actions(simcord_bot, server) == ["schedule.off", "schedule.set"]
    shown = await server.moderator.slash(server.channel, "curate schedule show")
    assert (show_embed(shown).description or "").startswith("Off.")
    again = await server.moderator.slash(server.channel, "curate schedule off")
    assert text(again) == "There were no scheduled tips to turn off."


# ------------------------------------------------------------------ posting at local time


@pytest.mark.parametrize(
    ("zone", "start", "change_day", "utc_before", "utc_after"),
    [
        ("Europe/London", date(2026, 3, 27), date(2026, 3, 29), 9, 8),
        ("America/New_York", date(2026, 3, 6), date(2026, 3, 8), 14, 13),
    ],
)
async def test_posts_stay_at_local_time_across_the_clocks_changing(
    server: Server, zone: str, start: date, change_day: date, utc_before: int, utc_after: int
) -> None:
    tips = server.guild.create_text_channel("tips")
    await advance_to(server.env, datetime.combine(start, time(0, 0), tzinfo=UTC))
    await schedule(server, tips, timezone=zone)

    await server.env.advance_time(4 * DAY)

    sent = [message.created_at for message in posts(tips)]
    assert len(sent) == 4
    assert [moment.astimezone(ZoneInfo(zone)).time() for moment in sent] == [time(9, 0)] * 4
    assert [moment.hour for moment in sent] == [
        utc_before if moment.date() < change_day else utc_after for moment in sent
    ]


async def test_a_posted_tip_is_the_card_embed_and_pings_no_one(server: Server) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips, time="00:01")

    await server.env.advance_time(120)

    [message] = posts(tips)
    embed = message.embeds[0]
    assert embed.footer.text is not None and "not medical advice" in embed.footer.text
    assert "Sources" in [field.name for field in embed.fields]
    assert message.mentions == [] and message.role_mentions == [] and not message.mention_everyone
    assert message.author.id == server.guild.me.id  # type: ignore[union-attr]


async def test_weekday_posts_skip_the_weekend(server: Server) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips, cadence="weekdays", time="08:00")  # Thu 1 Jan 2026, UTC

    await server.env.advance_time(7 * DAY)

    days = [message.created_at.strftime("%a") for message in posts(tips)]
    assert days == ["Thu", "Fri", "Mon", "Tue", "Wed"]


async def test_the_rotation_posts_every_tip_before_repeating_one_even_across_a_restart(
    server: Server, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    tips = server.guild.create_text_channel("tips")
    pool = len(simcord_bot.content.tips)
    await schedule(server, tips, time="06:00", source="library")

    await server.env.advance_time(pool // 2 * DAY)
    await server.env.restart_bot(bot_factory())
    await server.env.advance_time((pool - pool // 2) * DAY)

    first_cycle = titles(tips)
    assert len(first_cycle) == pool
    assert sorted(first_cycle) == sorted(card.title for card in simcord_bot.content.tips)
    await server.env.advance_time(DAY)
    assert titles(tips)[-1] != first_cycle[-1]  # a new cycle never opens with the tip just posted


async def test_post_now_posts_the_next_tip_of_the_rotation(server: Server, simcord_bot: LatchBot) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips, time="06:00", source="library")
    await server.env.advance_time(DAY)  # one scheduled post

    result = await server.moderator.slash(server.channel, "curate post-now")

    assert result.ephemeral
    shown = titles(tips)
    assert len(shown) == 2 and shown[0] != shown[1]
    assert text(result) == f"Posted **{discord.utils.escape_markdown(shown[1])}** in <#{tips.id}>."
    assert (await actions(simcord_bot, server))[0] == "schedule.post_now"
    # The audit says it in words, with the channel and the moderator as mentions, no raw ids or codes.
    audit = answer(await server.moderator.slash(server.channel, "curate audit")).embeds[0].description or ""
    newest = audit.splitlines()[0]
    assert newest.endswith(f"<@{server.moderator.id}> posted a tip in <#{tips.id}>")
    assert "schedule." not in audit and "channel 1" not in audit
    assert f"scheduled a tip every day at 06:00 (UTC) in <#{tips.id}>, from Latch's tip library" in audit


async def test_post_now_without_a_schedule_posts_here_or_in_the_chosen_channel(server: Server) -> None:
    other = server.guild.create_text_channel("announcements")

    await server.moderator.slash(server.channel, "curate post-now")
    await server.moderator.slash(server.channel, "curate post-now", channel=other)

    assert len(posts(server.channel)) == 1
    assert len(posts(other)) == 1
    assert titles(server.channel) != titles(other)


# ------------------------------------------------------------------ restarts and downtime


async def test_a_schedule_survives_a_restart(server: Server, bot_factory: Callable[[], LatchBot]) -> None:
    tips = server.guild.create_text_channel("tips")
    await advance_to(server.env, datetime(2026, 3, 28, 12, tzinfo=UTC))
    await schedule(server, tips, timezone="Europe/London")

    await server.env.restart_bot(bot_factory())
    await server.env.advance_time(2 * DAY)

    sent = [message.created_at for message in posts(tips)]
    assert sent == [datetime(2026, 3, 29, 8, tzinfo=UTC), datetime(2026, 3, 30, 8, tzinfo=UTC)]


async def _down_then_restarted(
    server: Server, bot: LatchBot, bot_factory: Callable[[], LatchBot], down_until: datetime
) -> None:
    """The bot stops (its scheduler no longer runs), time passes, then a new process starts."""
    bot.scheduler.shutdown()
    await advance_to(server.env, down_until)
    await server.env.restart_bot(bot_factory())


async def test_after_less_than_two_hours_down_the_missed_post_is_sent_once(
    server: Server, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)  # 09:00 UTC
    posted_before = counted("posted")

    await _down_then_restarted(server, simcord_bot, bot_factory, datetime(2026, 1, 1, 10, 59, tzinfo=UTC))

    assert [message.created_at for message in posts(tips)] == [datetime(2026, 1, 1, 10, 59, tzinfo=UTC)]
    await server.env.advance_time(DAY)
    assert len(posts(tips)) == 2
    assert posts(tips)[1].created_at == datetime(2026, 1, 2, 9, tzinfo=UTC)
    assert counted("posted") == posted_before + 2


async def test_after_two_hours_down_or_more_the_missed_post_is_skipped(
    server: Server, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)
    skipped_before = counted("skipped_late")

    await _down_then_restarted(server, simcord_bot, bot_factory, datetime(2026, 1, 1, 11, 0, tzinfo=UTC))

    assert posts(tips) == []
    assert counted("skipped_late") == skipped_before + 1
    await server.env.advance_time(DAY)
    assert [message.created_at for message in posts(tips)] == [datetime(2026, 1, 2, 9, tzinfo=UTC)]


async def test_after_days_down_there_is_no_burst(
    server: Server, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)

    await _down_then_restarted(server, simcord_bot, bot_factory, datetime(2026, 1, 4, 9, 30, tzinfo=UTC))

    assert [message.created_at for message in posts(tips)] == [datetime(2026, 1, 4, 9, 30, tzinfo=UTC)]


def scheduled_sends(server: Server, channel: simcord.ChannelHandle) -> list[dict[str, Any]]:
    """The bodies of the messages the bot posted in ``channel`` through REST."""
    bodies = []
    for request in server.env.http_requests:
        if request.method == "POST" and request.path == f"/channels/{channel.id}/messages":
            assert isinstance(request.json, dict)
            bodies.append(request.json)
    return bodies


async def test_each_scheduled_post_carries_its_own_nonce(server: Server) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)

    await server.env.advance_time(2 * DAY)

    due = [datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 2, 9, tzinfo=UTC)]
    sends = scheduled_sends(server, tips)
    assert [body["nonce"] for body in sends] == [post_nonce(server.guild.id, when) for when in due]
    assert all(body["enforce_nonce"] is True for body in sends)


async def test_a_post_claimed_just_before_a_crash_is_made_at_the_restart_with_the_same_nonce(
    server: Server, simcord_bot: LatchBot, bot_factory: Callable[[], LatchBot]
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)
    due = datetime(2026, 1, 1, 9, tzinfo=UTC)
    simcord_bot.scheduler.shutdown()
    await advance_to(server.env, due)
    # What a crash between the claim and the post leaves behind: the post claimed, its lease running.
    claimed = await TipScheduleRepository(simcord_bot.db).claim(
        server.guild.id,
        due_at=due,
        next_post_at=datetime(2026, 1, 2, 9, tzinfo=UTC),
        now=due,
        claimed_by=simcord_bot.tip_post_dispatcher.process_id,  # type: ignore[union-attr]
        lease_until=due + LEASE,
        claimed_for=due,
    )
    assert claimed

    await server.env.advance_time(30)
    await server.env.restart_bot(bot_factory())  # alone: its previous run's claim is its own to finish

    assert [message.created_at for message in posts(tips)] == [due + timedelta(seconds=30)]
    [send] = scheduled_sends(server, tips)
    assert send["nonce"] == post_nonce(server.guild.id, due)
    await server.env.advance_time(DAY)
    assert len(posts(tips)) == 2


async def test_a_post_discord_failed_to_take_is_made_again_when_its_lease_ends(
    server: Server, simcord_bot: LatchBot
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)
    failed_before = counted("failed")
    # The 09:00 post meets a server error: it may or may not have reached Discord.
    server.env.inject_error("POST", f"/channels/{tips.id}/messages", status=500)
    due = datetime(2026, 1, 1, 9, tzinfo=UTC)

    await advance_to(server.env, due + LEASE - timedelta(seconds=1))
    assert posts(tips) == []
    assert counted("failed") == failed_before + 1
    await advance_to(server.env, due + LEASE)

    assert [message.created_at for message in posts(tips)] == [due + LEASE]
    nonces = {body["nonce"] for body in scheduled_sends(server, tips)}
    assert nonces == {post_nonce(server.guild.id, due)}  # every attempt was the one post
    stored = await TipScheduleRepository(simcord_bot.db).get(server.guild.id)
    assert stored is not None and stored.claimed_for is None and not stored.paused


# ------------------------------------------------------------------ permissions and failures


@pytest.mark.parametrize(
    ("denied", "named"),
    [
        (discord.PermissionOverwrite(send_messages=False), "Send Messages"),
        (discord.PermissionOverwrite(embed_links=False), "Embed Links"),
        (discord.PermissionOverwrite(view_channel=False), "View Channel"),
    ],
)
async def test_set_refuses_a_channel_the_bot_cannot_post_in(
    server: Server, simcord_bot: LatchBot, denied: discord.PermissionOverwrite, named: str
) -> None:
    me = server.guild.me
    assert me is not None
    quiet = server.guild.create_text_channel("quiet", overwrites={me: denied})

    result = await schedule(server, quiet)

    assert result.ephemeral
    assert f"I can't post in <#{quiet.id}>: I'm missing the {named}" in text(result)
    assert refusals(server.env) == [text(result)]
    assert await TipScheduleRepository(simcord_bot.db).get(server.guild.id) is None
    assert await actions(simcord_bot, server) == []

    now = await server.moderator.slash(server.channel, "curate post-now", channel=quiet)
    assert named in text(now)
    assert refusals(server.env) == [text(result), text(now)]
    assert posts(quiet) == []


@pytest.mark.parametrize(
    ("status", "code", "message", "shown"),
    [
        (403, 50013, "Missing Permissions", "Discord refused the post in"),
        (404, 10003, "Unknown Channel", "Discord could not find"),
    ],
)
async def test_a_failing_post_pauses_the_schedule_and_says_why(
    server: Server,
    simcord_bot: LatchBot,
    bot_factory: Callable[[], LatchBot],
    status: int,
    code: int,
    message: str,
    shown: str,
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)
    failed_before = counted("failed")
    server.env.inject_error(
        "POST", f"/channels/{tips.id}/messages", status=status, code=code, message=message
    )

    await server.env.advance_time(DAY)

    assert posts(tips) == []
    assert counted("failed") == failed_before + 1
    stored = await TipScheduleRepository(simcord_bot.db).get(server.guild.id)
    assert stored is not None and stored.paused and stored.next_post_at is None
    await server.env.restart_bot(bot_factory())  # paused stays paused
    await server.env.advance_time(2 * DAY)
    assert posts(tips) == []

    result = await server.moderator.slash(server.channel, "curate schedule show")
    description = show_embed(result).description or ""
    assert description.startswith(f"**Paused.** {shown} <#{tips.id}>")
    assert message in description
    assert "run `/curate schedule set` again to resume" in description
    audit = await AuditRepository(simcord_bot.db).recent(server.guild.id)
    assert audit[0].action == "schedule.paused" and audit[0].actor_id == server.guild.me.id  # type: ignore[union-attr]

    await schedule(server, tips)  # resume
    await server.env.advance_time(DAY)
    assert len(posts(tips)) == 1


async def test_losing_the_permission_later_pauses_the_schedule_naming_it(
    server: Server, simcord_bot: LatchBot
) -> None:
    me = server.guild.me
    assert me is not None
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips)
    await tips_channel(simcord_bot, tips).set_permissions(me, send_messages=False)

    await server.env.advance_time(DAY)

    shown = await server.moderator.slash(server.channel, "curate schedule show")
    assert "missing the Send Messages and Embed Links permissions" in (show_embed(shown).description or "")
    assert posts(tips) == []


def tips_channel(bot: LatchBot, handle: simcord.ChannelHandle) -> discord.TextChannel:
    channel = bot.get_channel(handle.id)
    assert isinstance(channel, discord.TextChannel)
    return channel


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time": "25:00"}, TIME_HELP),
        ({"time": "soon"}, TIME_HELP),
        ({"cadence": "weekly"}, "Weekly posts need a weekday"),
        ({"weekday": "monday"}, "A weekday only applies to weekly posts"),
        ({"timezone": "Mars/Olympus"}, "is not a time zone I know"),
        ({"source": "server"}, "This server has no tips of its own yet"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored(
    server: Server, simcord_bot: LatchBot, options: dict[str, str], expected: str
) -> None:
    tips = server.guild.create_text_channel("tips")

    result = await schedule(server, tips, **options)

    assert result.ephemeral
    assert expected in text(result)
    assert refusals(server.env) == [text(result)]
    assert await TipScheduleRepository(simcord_bot.db).get(server.guild.id) is None
    assert await actions(simcord_bot, server) == []
    await server.env.advance_time(2 * DAY)
    assert posts(tips) == []


# ------------------------------------------------------------------ plain members


async def test_discord_hides_the_schedule_commands_from_plain_members(server: Server) -> None:
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await server.member.slash(server.channel, "curate schedule show")


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("curate schedule set", {"cadence": "weekdays", "time": "07:00"}),
        ("curate schedule off", {}),
        ("curate schedule show", {}),
        ("curate post-now", {}),
    ],
)
async def test_a_member_is_refused_every_schedule_command_and_nothing_changes(
    server: Server, simcord_bot: LatchBot, command: str, options: dict[str, Any]
) -> None:
    tips = server.guild.create_text_channel("tips")
    await schedule(server, tips, time="06:00")
    before = await TipScheduleRepository(simcord_bot.db).get(server.guild.id)
    await reopen_command_to_everyone(server, simcord_bot, "curate")
    if command == "curate schedule set":
        options = {**options, "channel": server.channel}

    result = await server.member.slash(server.channel, command, **options)

    assert result.ephemeral
    assert "Manage Server" in text(result)
    assert not answer(result).embeds
    assert refusals(server.env) == [text(result)]
    assert await TipScheduleRepository(simcord_bot.db).get(server.guild.id) == before
    assert await actions(simcord_bot, server) == ["schedule.set"]
    assert posts(server.channel) == [] and posts(tips) == []
