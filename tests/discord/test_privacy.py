"""/privacy view, export and delete as a member sees them, in a server and in DMs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.app import LatchBot
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.domain.privacy import EXPORT_FILENAME, EXPORT_SCHEMA_VERSION
from bot.domain.reminders.model import AtRule, EveryRule, NewReminder
from bot.domain.reminders.parsing import parse_times
from bot.domain.reminders.schedule import next_fire
from bot.ui.privacy_views import ERASE_LABEL, KEEP_LABEL, KEPT_TEXT
from tests.conftest import Server, answer, text


async def _give_member_reminders(bot: LatchBot, server: Server) -> int:
    repository = ReminderRepository(bot.db)
    now = bot.clock.now()
    rule = AtRule(parse_times("06:00, 13:00"))
    zone = "Europe/London"
    first = next_fire(rule, zone, now)
    assert first is not None
    reminder_id = await repository.create(
        NewReminder(server.member.id, server.guild.id, None, rule, zone, first), now=now
    )
    every = EveryRule(
        interval=timedelta(hours=3),
        anchor=datetime(2025, 1, 1, 6, tzinfo=UTC).time(),
        quiet=None,
        since_last=False,
    )
    second = next_fire(every, zone, now)
    assert second is not None
    await repository.create(NewReminder(server.member.id, None, None, every, zone, second), now=now)
    await PumpUserRepository(bot.db).set_timezone(server.member.id, zone, now=now)
    return reminder_id


async def test_view_lists_reminders_and_settings_privately_in_dms(
    server: Server, simcord_bot: LatchBot
) -> None:
    await _give_member_reminders(simcord_bot, server)

    result = await server.member.user.slash("privacy view")

    assert result.ephemeral
    embed = answer(result).embeds[0]
    fields = {field.name: field.value or "" for field in embed.fields}
    assert "at 06:00, 13:00 · Europe/London" in fields["Reminders (2)"]
    assert "every 3 h from 06:00" in fields["Reminders (2)"]
    assert "Time zone: Europe/London" in fields["Your reminder settings"]


async def test_view_says_when_nothing_is_stored(server: Server) -> None:
    result = await server.member.slash(server.channel, "privacy view")

    assert result.ephemeral
    fields = {field.name: field.value for field in answer(result).embeds[0].fields}
    assert fields == {"Nothing stored": "Latch holds no data about you."}


async def test_export_is_a_private_json_file_with_every_kind(server: Server, simcord_bot: LatchBot) -> None:
    reminder_id = await _give_member_reminders(simcord_bot, server)

    result = await server.member.slash(server.channel, "privacy export")

    assert result.ephemeral
    attachment = answer(result).attachments[0]
    assert attachment.filename == EXPORT_FILENAME
    document = json.loads(await attachment.read())
    assert document["schema_version"] == EXPORT_SCHEMA_VERSION
    assert document["user_id"] == str(server.member.id)
    assert set(document["data"]) == set(simcord_bot.services.privacy.kinds)
    assert reminder_id in [row["id"] for row in document["data"]["reminders"]]
    assert document["data"]["pump_settings"][0]["timezone"] == "Europe/London"


async def test_cancel_keeps_everything(server: Server, simcord_bot: LatchBot) -> None:
    await _give_member_reminders(simcord_bot, server)
    shown = await server.member.slash(server.channel, "privacy delete")
    assert shown.ephemeral

    kept = await server.member.click(answer(shown), label=KEEP_LABEL)

    assert text(kept) == KEPT_TEXT
    assert len(await ReminderRepository(simcord_bot.db).for_user(server.member.id)) == 2


async def test_erase_removes_reminders_and_settings_and_says_so(
    server: Server, simcord_bot: LatchBot
) -> None:
    await _give_member_reminders(simcord_bot, server)
    other = await ReminderRepository(simcord_bot.db).create(
        NewReminder(
            server.moderator.id,
            None,
            None,
            AtRule(parse_times("07:00")),
            "UTC",
            simcord_bot.clock.now() + timedelta(hours=1),
        ),
        now=simcord_bot.clock.now(),
    )
    shown = await server.member.user.slash("privacy delete")

    erased = await server.member.user.click(answer(shown), label=ERASE_LABEL)

    assert "2 reminders" in text(erased)
    assert "1 set of reminder settings" in text(erased)
    assert answer(erased).components == []
    sections = await simcord_bot.services.privacy.collect(server.member.id)
    assert all(rows == [] for rows in sections.values())
    assert await ReminderRepository(simcord_bot.db).get(other) is not None
