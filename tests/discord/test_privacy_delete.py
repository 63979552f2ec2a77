"""The judging test for /privacy delete: a member with data of every kind, made through the real
commands, erases it, and no column of any table in the database file still holds their id.

The member (sam) is a plain member in the first server and a moderator in a second one, so they own
every kind of row Latch stores: reminders of each kind and their delivery records, a time zone and a
last session, a pending suggestion, an approved suggestion credited to them, a suggestion they reviewed,
a server tip they wrote, a resource, a tip schedule, settings changes and the audit entries of all that;
and with kai, a reminder shared each way (accepted) and an invitation declined each way.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import discord
import simcord

from bot.app import LatchBot
from bot.db.audit import AuditRepository
from bot.db.reminders import ReminderRepository
from bot.ui.privacy_views import ERASE_LABEL
from bot.ui.server_tip_views import BODY_FIELD, SOURCE_FIELD, TITLE_FIELD
from bot.ui.suggestion_views import APPROVE_LABEL, CREDIT_FIELD
from tests.conftest import Server, answer, text


class SecondServer:
    """A server where sam is a moderator, with kai as a plain member."""

    def __init__(self, env: simcord.Env, sam: simcord.UserHandle) -> None:
        self.guild = env.create_guild("Night Feeds")
        self.channel = self.guild.create_text_channel("chat")
        self.review = self.guild.create_text_channel("tip-review")
        moderators = self.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
        self.sam = self.guild.add_member(sam, roles=[moderators])
        self.kai = self.guild.add_member(env.create_user("kai"))


async def _suggest(actor: Any, channel: Any, title: str, *, credit: bool) -> None:
    shown = await actor.slash(channel, "suggest")
    submitted = await actor.submit_modal(
        shown,
        {
            TITLE_FIELD: title,
            BODY_FIELD: "Sit somewhere warm, breathe out slowly and picture the baby before you start.",
            SOURCE_FIELD: "",
            CREDIT_FIELD: credit,
        },
    )
    assert submitted.ephemeral
    assert "Thank you" in text(submitted)


async def _approve_last_suggestion(moderator: Any, review: Any) -> None:
    message = review.last_message
    assert message is not None
    approved = await moderator.click(message, label=APPROVE_LABEL)
    assert approved.acknowledged


async def _make_every_kind_of_data(server: Server, second: SecondServer) -> None:
    sam, robin = server.member, server.moderator
    review = server.guild.create_text_channel("tip-review")
    await robin.slash(server.channel, "curate settings", review_channel=review, allow_channel_reminders=True)

    # Reminders of each kind, one delivered in a channel; a zone; a session done.
    await sam.slash(server.channel, "pump timezone", tz="Europe/London")
    await sam.slash(server.channel, "pump every", interval="3h", quiet_hours="23:00-06:00")
    await sam.slash(server.channel, "pump at", times="06:00, 13:00", deliver="channel")
    await sam.slash(server.channel, "pump once", after="45m")
    await sam.slash(server.channel, "pump done")
    await server.env.advance_time(timedelta(hours=1).total_seconds())  # the once reminder is delivered

    # A pending suggestion, and one approved with credit (a server tip crediting sam).
    await _suggest(sam, server.channel, "Warmth before pumping", credit=True)
    await _approve_last_suggestion(robin, review)
    await _suggest(sam, server.channel, "Photo of the baby", credit=False)

    # In the second server sam moderates: settings, a tip, a resource, a schedule, a review.
    await second.sam.slash(second.channel, "curate settings", review_channel=second.review, region="GB")
    shown = await second.sam.slash(second.channel, "curate tip add")
    await second.sam.submit_modal(
        shown,
        {
            TITLE_FIELD: "Hands-on pumping",
            BODY_FIELD: "Massage and compress while pumping.",
            SOURCE_FIELD: "",
        },
    )
    await second.sam.slash(
        second.channel,
        "curate resource add",
        name="Night Feeds Circle",
        url="https://example.org/night-feeds",
        description="A weekly online circle for parents who feed at night",
        topic="peer-support",
    )
    await second.sam.slash(
        second.channel, "curate schedule set", channel=second.channel, cadence="daily", time="09:00"
    )
    await _suggest(second.kai, second.channel, "Dim the lights", credit=False)
    await _approve_last_suggestion(second.sam, second.review)


async def _share_both_ways(env: simcord.Env, second: SecondServer) -> None:
    """Sam shares a reminder with kai, who accepts, and kai one with sam, who accepts; then each
    declines an invitation from the other."""
    sam, kai = second.sam, second.kai
    await kai.slash(second.channel, "pump every", interval="4h")
    await kai.slash(second.channel, "pump at", times="07:00")
    assert isinstance(env.bot, LatchBot)
    repository = ReminderRepository(env.bot.db)
    sams = [reminder.id for reminder in await repository.for_user(sam.id)]
    kais = [reminder.id for reminder in await repository.for_user(kai.id)]
    for inviter, invited, reminder_id, answer_label in (
        (sam, kai, sams[0], "Accept"),
        (kai, sam, kais[0], "Accept"),
        (sam, kai, sams[1], "Decline"),
        (kai, sam, kais[1], "Decline"),
    ):
        invited_ = await inviter.slash(
            second.channel, "pump share invite", reminder=str(reminder_id), **{"with": invited}
        )
        assert "I've asked" in text(invited_)
        invitation = invited.user.dm_channel.last_message
        assert invitation is not None
        answered = await invited.user.click(invitation, label=answer_label)
        assert ("Accepted" if answer_label == "Accept" else "Declined") in text(answered)


async def _export(actor: Any) -> dict[str, Any]:
    result = await actor.slash("privacy export")
    assert result.ephemeral
    return dict(json.loads(await answer(result).attachments[0].read()))


async def _cells_naming(bot: LatchBot, user_id: int) -> list[str]:
    """Every table.column in the SQLite file (FTS tables and their shadow tables included) holding the
    id, as an integer or inside text."""
    found: list[str] = []
    tables = await bot.db.sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    assert len(tables) > 10, "the scan must see the whole schema"
    for table in tables:
        name = table["name"]
        columns = await bot.db.sql("SELECT name FROM pragma_table_info(:table)", {"table": name})
        for column in columns:
            rows = await bot.db.sql(
                f'SELECT count(*) AS n FROM "{name}" WHERE "{column["name"]}" = :id '  # noqa: S608 - schema names
                f'OR instr(CAST("{column["name"]}" AS TEXT), :text) > 0',
                {"id": user_id, "text": str(user_id)},
            )
            if rows[0]["n"]:
                found.append(f"{name}.{column['name']} ({rows[0]['n']} rows)")
    return found


async def test_privacy_delete_leaves_no_trace_of_the_member_anywhere(
    simcord_env: simcord.Env, server: Server, simcord_bot: LatchBot
) -> None:
    sam = server.member
    second = SecondServer(simcord_env, sam.user)
    await _make_every_kind_of_data(server, second)
    await _share_both_ways(simcord_env, second)

    before = await _export(sam.user)
    empty = sorted(kind for kind, rows in before["data"].items() if not rows)
    assert empty == [], f"the set-up did not create these kinds of data: {empty}"
    assert set(before["data"]) == set(simcord_bot.services.privacy.kinds)
    assert await _cells_naming(simcord_bot, sam.id), "the scan must find the member before the erasure"
    robin_before = await _cells_naming(simcord_bot, server.moderator.id)

    shown = await sam.user.slash("privacy delete")
    assert shown.ephemeral
    erased = await sam.user.click(answer(shown), label=ERASE_LABEL)

    assert "Erased:" in text(erased)
    assert await _cells_naming(simcord_bot, sam.id) == []
    # Nobody else lost anything: robin's rows still name robin.
    assert await _cells_naming(simcord_bot, server.moderator.id) == robin_before
    # Content stays without its author: the tip and the audit entries are still there.
    entries = await AuditRepository(simcord_bot.db).recent(second.guild.id)
    assert any(entry.actor_id is None for entry in entries)
    credited = await simcord_bot.db.sql("SELECT count(*) AS n FROM server_tips WHERE credit_name IS NOT NULL")
    assert credited[0]["n"] == 0
    after = await _export(sam.user)
    assert all(rows == [] for rows in after["data"].values())

    # Nothing is left to fire: a day later sam has received no reminder since the erasure.
    dm = sam.user.dm_channel
    sent_before = len(dm.history())
    await simcord_env.advance_time(timedelta(days=1).total_seconds())
    assert len(dm.history()) == sent_before
