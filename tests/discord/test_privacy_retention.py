"""Retention with time control: a server's data goes 30 days after Latch leaves it (unless it returns),
and reminder delivery records older than 30 days are purged by the daily job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import simcord
from simcord.backend.serializers import guild_create_payload

from bot.app import LatchBot
from bot.clock import to_storage
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.privacy import PrivacyRepository
from bot.db.reminders import ReminderRepository
from bot.domain.reminders.model import AtRule, NewReminder
from bot.domain.reminders.parsing import parse_times
from tests.conftest import Server

DAY = timedelta(days=1).total_seconds()


async def _server_rows(bot: LatchBot, guild_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in ("guild_settings", "audit_log", "reminders"):
        rows = await bot.db.sql(
            f"SELECT count(*) AS n FROM {table} WHERE guild_id = :guild",  # noqa: S608 - fixed names
            {"guild": guild_id},
        )
        counts[table] = int(rows[0]["n"])
    return counts


async def _seed_server(server: Server, bot: LatchBot) -> int:
    """Settings (and their audit entry) through the command; a channel reminder in the server."""
    await server.moderator.slash(server.channel, "curate settings", region="GB", allow_channel_reminders=True)
    now = bot.clock.now()
    return await ReminderRepository(bot.db).create(
        NewReminder(
            server.member.id,
            server.guild.id,
            server.channel.id,
            AtRule(parse_times("06:00")),
            "UTC",
            now + timedelta(hours=5),
        ),
        now=now,
    )


def _kick_bot(server: Server) -> Callable[[], None]:
    """A server admin removes Latch: Discord sends GUILD_DELETE. Returns how to invite it back.

    SimCord has no re-invite and never reuses a guild id, so the return restores the server as it was
    and sends the GUILD_CREATE that Discord sends when a bot joins.
    """
    backend = server.env.backend
    guild = backend.get_guild(server.guild.id)
    channels = {channel_id: backend.channels[channel_id] for channel_id in guild.channel_ids}
    backend.remove_guild(guild.id)

    def invite_back() -> None:
        backend.guilds[guild.id] = guild
        backend.channels.update(channels)
        backend.emit("GUILD_CREATE", guild_create_payload(backend, guild))

    return invite_back


async def test_a_left_server_is_erased_after_thirty_days(server: Server, simcord_bot: LatchBot) -> None:
    await _seed_server(server, simcord_bot)
    dm_reminder = await ReminderRepository(simcord_bot.db).create(
        NewReminder(
            server.member.id,
            server.guild.id,
            None,
            AtRule(parse_times("07:00")),
            "UTC",
            simcord_bot.clock.now() + timedelta(hours=6),
        ),
        now=simcord_bot.clock.now(),
    )
    _kick_bot(server)
    await server.env.settle()

    departures = await PrivacyRepository(simcord_bot.db).departures()
    assert [departure.guild_id for departure in departures] == [server.guild.id]

    await server.env.advance_time(29 * DAY)
    assert await _server_rows(simcord_bot, server.guild.id) == {
        "guild_settings": 1,
        "audit_log": 1,
        "reminders": 2,
    }

    await server.env.advance_time(2 * DAY)
    assert await _server_rows(simcord_bot, server.guild.id) == {
        "guild_settings": 0,
        "audit_log": 0,
        "reminders": 0,
    }
    assert await PrivacyRepository(simcord_bot.db).departures() == []
    # The member's DM reminder made in that server is theirs, not the server's: it stays.
    kept = await ReminderRepository(simcord_bot.db).get(dm_reminder)
    assert kept is not None
    assert kept.guild_id is None


async def test_a_server_that_takes_latch_back_keeps_its_data(
    simcord_env: simcord.Env, server: Server, simcord_bot: LatchBot
) -> None:
    await _seed_server(server, simcord_bot)
    invite_back = _kick_bot(server)
    await simcord_env.settle()
    await simcord_env.advance_time(20 * DAY)
    assert len(await PrivacyRepository(simcord_bot.db).departures()) == 1

    invite_back()
    await simcord_env.settle()
    assert simcord_bot.get_guild(server.guild.id) is not None
    await simcord_env.advance_time(40 * DAY)

    assert await PrivacyRepository(simcord_bot.db).departures() == []
    assert (await GuildSettingsRepository(simcord_bot.db).get(server.guild.id)).region == "GB"


async def test_a_server_removed_while_offline_is_noticed_and_erased(
    simcord_env: simcord.Env, server: Server, simcord_bot: LatchBot
) -> None:
    """No leave event ever arrives for a removal during downtime: the daily job notices the data."""
    gone = 1_111_111_111_111_111_111
    await server.moderator.slash(server.channel, "curate settings", region="GB")
    await GuildSettingsRepository(simcord_bot.db).update(
        gone, actor_id=server.moderator.id, now=simcord_bot.clock.now(), region="US"
    )

    await simcord_env.advance_time(1 * DAY)
    assert [d.guild_id for d in await PrivacyRepository(simcord_bot.db).departures()] == [gone]
    await simcord_env.advance_time(31 * DAY)

    assert await _server_rows(simcord_bot, gone) == {"guild_settings": 0, "audit_log": 0, "reminders": 0}
    assert await _server_rows(simcord_bot, server.guild.id) == {
        "guild_settings": 1,
        "audit_log": 1,
        "reminders": 0,
    }
    assert await PrivacyRepository(simcord_bot.db).departures() == []


async def test_delivery_records_older_than_thirty_days_are_purged(
    server: Server, simcord_bot: LatchBot
) -> None:
    reminder_id = await _seed_server(server, simcord_bot)
    now = simcord_bot.clock.now()
    for age_days in (45, 31, 29, 1):
        await simcord_bot.db.sql(
            "INSERT INTO reminder_deliveries (reminder_id, scheduled_for, state, attempts, late, sent_at) "
            "VALUES (:id, :scheduled, 'sent', 1, 0, :sent)",
            {
                "id": reminder_id,
                "scheduled": to_storage(now - timedelta(days=age_days)),
                "sent": to_storage(now),
            },
        )

    await server.env.advance_time(1 * DAY)

    rows = await simcord_bot.db.sql(
        "SELECT scheduled_for FROM reminder_deliveries WHERE reminder_id = :id AND state = 'sent' "
        "AND scheduled_for < :now ORDER BY scheduled_for",
        {"id": reminder_id, "now": to_storage(now)},
    )
    assert [row["scheduled_for"] for row in rows] == [
        to_storage(now - timedelta(days=29)),
        to_storage(now - timedelta(days=1)),
    ]
