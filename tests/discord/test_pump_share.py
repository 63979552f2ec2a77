"""A reminder shared with a caregiver, by consent: `/pump share invite · stop`, the invitation's Accept /
Decline, the caregiver's copies with Done / Stop sharing, nights only, refusals, restarts and privacy.

Sam (the member) owns the reminders; Robin (the moderator) is the person Sam asks to help. SimCord's
clock starts at 2026-01-01 00:00 UTC.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.ui.privacy_views import ERASE_LABEL
from bot.ui.reminder_text import SKIPPED_TITLE
from bot.ui.share_text import NIGHTS_TEXT
from tests.conftest import Server, answer, refusals, text
from tests.discord.test_pump import (
    HOUR,
    START,
    current_bot,
    dms,
    labels,
    message_posts,
    mine,
    reminders_in,
    users,
)

DAY = 24 * HOUR


def invitations(actor: simcord.MemberActor) -> list[discord.Message]:
    return [message for message in dms(actor) if "would like you to receive" in (message.content or "")]


def copies(actor: simcord.MemberActor) -> list[discord.Message]:
    return [message for message in reminders_in(dms(actor)) if "shared with you" in (message.content or "")]


async def share_rows(server: Server) -> list[dict[str, Any]]:
    return await current_bot(server).db.sql("SELECT * FROM reminder_shares")


async def decline_rows(server: Server) -> list[dict[str, Any]]:
    return await current_bot(server).db.sql("SELECT * FROM share_declines")


async def reminder(server: Server, actor: simcord.MemberActor | None = None, **options: Any) -> int:
    actor = actor or server.member
    settings = {"interval": "3h", "timezone": "UTC", **options}
    await actor.slash(server.channel, "pump every", **settings)
    return (await mine(server, actor))[-1].id


async def invite(
    server: Server, reminder_id: int, caregiver: simcord.MemberActor, **options: Any
) -> simcord.InteractionResult:
    return await server.member.slash(
        server.channel, "pump share invite", reminder=str(reminder_id), **{"with": caregiver}, **options
    )


async def shared(server: Server, **options: Any) -> int:
    """Sam's reminder every 3 h, shared with Robin, who accepted."""
    reminder_id = await reminder(server, **options)
    await invite(server, reminder_id, server.moderator)
    [invitation] = invitations(server.moderator)
    accepted = await server.moderator.user.click(invitation, label="Accept")
    assert "Accepted" in text(accepted)
    return reminder_id


# ------------------------------------------------------------------ inviting and accepting


async def test_an_invitation_is_a_dm_with_accept_and_decline_and_no_copy_comes_before_accept(
    server: Server,
) -> None:
    reminder_id = await reminder(server)

    result = await invite(server, reminder_id, server.moderator)

    assert result.ephemeral
    assert f"I've asked <@{server.moderator.id}> by DM" in text(result)
    [invitation] = invitations(server.moderator)
    assert labels(invitation) == ["Accept", "Decline"]
    assert f"<@{server.member.id}>" in (invitation.content or "") and "every 3 h" in (
        invitation.content or ""
    )
    [sent] = [body for body in message_posts(server) if "would like you" in str(body.get("content"))]
    assert sent["allowed_mentions"]["parse"] == []
    [row] = await share_rows(server)
    assert (row["owner_id"], row["caregiver_id"], row["consented_at"]) == (
        server.member.id,
        server.moderator.id,
        None,
    )

    await server.env.advance_time(6 * HOUR)

    assert len(reminders_in(dms(server.member))) == 2
    assert reminders_in(dms(server.moderator)) == []  # invited, not accepted: nothing


async def test_after_accept_both_get_each_nudge_and_done_from_the_caregiver_marks_the_session(
    server: Server,
) -> None:
    reminder_id = await shared(server)
    [invitation] = dms(server.moderator)
    assert labels(invitation) == [] and "Accepted" in (invitation.content or "")  # answered: no buttons
    [row] = await share_rows(server)
    assert row["consented_at"] is not None

    await server.env.advance_time(3 * HOUR)

    [own] = reminders_in(dms(server.member))
    [copy] = copies(server.moderator)
    assert copy.created_at == own.created_at == START + timedelta(hours=3)
    assert f"<@{server.member.id}>" in (copy.content or "")
    assert labels(copy) == ["Done", "Stop sharing"]
    owner_send, copy_send = message_posts(server)[-2:]
    assert copy_send["nonce"] == "c" + owner_send["nonce"][1:] != owner_send["nonce"]
    assert copy_send["allowed_mentions"]["parse"] == [] and not copy_send["allowed_mentions"].get("users")

    await server.env.advance_time(120)
    done = await server.moderator.user.click(copy, label="Done")

    assert done.ephemeral and f"Marked the session done for <@{server.member.id}>" in text(done)
    owner = await users(server).user(server.member.id)
    assert owner.last_done_at == START + timedelta(hours=3, minutes=2)
    assert (await users(server).user(server.moderator.id)).last_done_at is None
    [stored] = await mine(server)
    assert stored.id == reminder_id and stored.unanswered == 0
    await server.env.advance_time(3 * HOUR)
    first, _second = reminders_in(dms(server.member))
    assert first.embeds[0].title != SKIPPED_TITLE  # Done from the caregiver answered the owner's reminder
    assert len(copies(server.moderator)) == 2


async def test_stop_sharing_on_a_copy_stops_the_copies(server: Server) -> None:
    await shared(server)
    await server.env.advance_time(3 * HOUR)
    [copy] = copies(server.moderator)

    stopped = await server.moderator.user.click(copy, label="Stop sharing")

    assert stopped.ephemeral and "you won't get" in text(stopped)
    assert await share_rows(server) == []
    await server.env.advance_time(6 * HOUR)
    assert len(reminders_in(dms(server.member))) == 3
    assert copies(server.moderator) == [copy]
    again = await server.moderator.user.click(copy, label="Done")
    assert "no longer shared with you" in text(again)
    assert refusals(server.env) == [text(again)]
    assert (await users(server).user(server.member.id)).last_done_at is None


async def test_either_person_stops_it_with_pump_share_stop(server: Server) -> None:
    first = await shared(server)
    second = await reminder(server, interval="4h")
    await invite(server, second, server.moderator)
    await server.moderator.user.click(invitations(server.moderator)[-1], label="Accept")

    stopped = await server.member.slash(server.channel, "pump share stop", reminder=str(first))
    assert stopped.ephemeral and f"<@{server.moderator.id}> won't get it" in text(stopped)
    offered = await server.moderator.autocomplete(server.channel, "pump share stop", "reminder", "")
    assert [choice["value"] for choice in offered] == [str(second)]
    theirs = await server.moderator.slash(server.channel, "pump share stop", reminder=str(second))
    assert "you won't get" in text(theirs)

    assert await share_rows(server) == []
    await server.env.advance_time(12 * HOUR)
    assert copies(server.moderator) == []
    assert len(reminders_in(dms(server.member))) == 4 + 3
    refused = await server.moderator.slash(server.channel, "pump share stop", reminder=str(second))
    assert "None of the reminders you shared" in text(refused)


async def test_nights_only_copies_only_the_nudges_from_22_00_to_06_00_in_the_reminders_zone(
    server: Server,
) -> None:
    # 00:00 UTC is 19:00 in New York: every 2 h from 19:00 local.
    reminder_id = await reminder(server, interval="2h", timezone="America/New_York")
    created = await invite(server, reminder_id, server.moderator, nights_only=True)
    assert NIGHTS_TEXT in text(created)
    await server.moderator.user.click(invitations(server.moderator)[0], label="Accept")
    [row] = await share_rows(server)
    assert row["nights_only"] == 1

    await server.env.advance_time(DAY)

    assert len(reminders_in(dms(server.member))) == 12
    hours = [(copy.created_at - START) / timedelta(hours=1) for copy in copies(server.moderator)]
    assert hours == [4, 6, 8, 10]  # 23:00, 01:00, 03:00 and 05:00 in New York


# ------------------------------------------------------------------ declining


async def test_two_declines_in_a_day_refuse_a_third_invitation_without_a_dm(server: Server) -> None:
    reminder_id = await reminder(server)
    for _ in range(2):
        await invite(server, reminder_id, server.moderator)
        declined = await server.moderator.user.click(invitations(server.moderator)[-1], label="Decline")
        assert "Declined" in text(declined)
        assert await share_rows(server) == []
    dm_count = len(dms(server.moderator))
    assert len(await decline_rows(server)) == 2

    refused = await invite(server, reminder_id, server.moderator)

    assert refused.ephemeral and "declined two invitations from you in the last 24 hours" in text(refused)
    assert refusals(server.env) == [text(refused)]
    assert len(dms(server.moderator)) == dm_count  # no new DM
    assert await share_rows(server) == []
    await server.env.advance_time(DAY)
    again = await invite(server, reminder_id, server.moderator)
    assert "I've asked" in text(again)
    assert len(dms(server.moderator)) == dm_count + 1 and len(invitations(server.moderator)) == 1


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "case", ["bot", "self", "not_yours", "already_shared", "already_invited", "cannot_dm"]
)
async def test_refusals_say_what_is_accepted_and_store_nothing(server: Server, case: str) -> None:
    sam, robin = server.member, server.moderator
    reminder_id = await reminder(server)
    caregiver = robin
    expected = {
        "bot": "only with a person, not a bot",
        "self": "That's you",
        "not_yours": "only a reminder of your own",
        "already_shared": "is already shared with",
        "already_invited": "already has an invitation waiting",
        "cannot_dm": "I can't send that person a direct message",
    }[case]
    if case == "bot":
        caregiver = server.guild.add_member(server.env.create_user("helper-bot", bot=True))
    elif case == "self":
        caregiver = sam
    elif case == "not_yours":
        reminder_id = await reminder(server, robin)
        kai = server.guild.add_member(server.env.create_user("kai"))
        caregiver = kai
    elif case in {"already_shared", "already_invited"}:
        if case == "already_shared":
            await shared(server)
            reminder_id = (await mine(server))[-1].id
        else:
            await invite(server, reminder_id, robin)
        caregiver = server.guild.add_member(server.env.create_user("kai"))
    elif case == "cannot_dm":
        server.env.inject_error(
            "POST", f"/channels/{robin.user.dm_channel.id}/messages", status=403, code=50007, message="no DMs"
        )
    before = await share_rows(server)
    dm_count = len(dms(caregiver))

    refused = await invite(server, reminder_id, caregiver)

    assert refused.ephemeral and expected in text(refused)
    assert refusals(server.env) == [text(refused)]
    assert await share_rows(server) == before
    assert len(dms(caregiver)) == dm_count


# ------------------------------------------------------------------ restarts


async def test_accept_and_the_copy_buttons_work_after_a_restart(
    server: Server, bot_factory: Callable[[], LatchBot]
) -> None:
    reminder_id = await reminder(server)
    await invite(server, reminder_id, server.moderator)
    await server.env.restart_bot(bot_factory())

    accepted = await server.moderator.user.click(invitations(server.moderator)[0], label="Accept")
    assert "Accepted" in text(accepted)
    await server.env.advance_time(3 * HOUR)
    [copy] = copies(server.moderator)
    await server.env.restart_bot(bot_factory())

    done = await server.moderator.user.click(copy, label="Done")
    assert "Marked the session done" in text(done)
    assert (await users(server).user(server.member.id)).last_done_at == START + timedelta(hours=3)
    stopped = await server.moderator.user.click(copy, label="Stop sharing")
    assert "you won't get" in text(stopped)
    assert await share_rows(server) == []


async def test_a_caregiver_with_closed_dms_never_pauses_the_owners_reminder(server: Server) -> None:
    await shared(server)
    server.env.inject_error(
        "POST",
        f"/channels/{server.moderator.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        times=None,
    )

    await server.env.advance_time(9 * HOUR)

    assert len(reminders_in(dms(server.member))) == 3
    [stored] = await mine(server)
    assert stored.status == "active"
    assert len(await share_rows(server)) == 1


# ------------------------------------------------------------------ privacy


async def _export(actor: simcord.MemberActor) -> dict[str, Any]:
    result = await actor.user.slash("privacy export")
    return dict(json.loads(await answer(result).attachments[0].read()))


async def test_both_peoples_privacy_view_and_export_show_the_share(server: Server) -> None:
    reminder_id = await shared(server)

    owner_view = answer(await server.member.user.slash("privacy view")).embeds[0]
    caregiver_view = answer(await server.moderator.user.slash("privacy view")).embeds[0]

    [owner_field] = [
        field for field in owner_view.fields if (field.name or "").startswith("Shared reminders")
    ]
    assert f"#{reminder_id} with <@{server.moderator.id}>" in (owner_field.value or "")
    assert "accepted" in (owner_field.value or "")
    [their_field] = [
        field for field in caregiver_view.fields if (field.name or "").startswith("Shared reminders")
    ]
    assert f"#{reminder_id} from <@{server.member.id}>" in (their_field.value or "")
    [own_row] = (await _export(server.member))["data"]["reminder_shares"]
    [their_row] = (await _export(server.moderator))["data"]["reminders_shared_with_you"]
    assert own_row == their_row
    assert set(own_row) == {"reminder_id", "owner_id", "caregiver_id", "nights_only", "consented_at"}


@pytest.mark.parametrize("who", ["owner", "caregiver"])
async def test_privacy_delete_by_either_person_removes_the_share(server: Server, who: str) -> None:
    await shared(server)
    eraser = server.member if who == "owner" else server.moderator
    shown = await eraser.user.slash("privacy delete")

    erased = await eraser.user.click(answer(shown), label=ERASE_LABEL)

    assert "shared" in text(erased)
    assert await share_rows(server) == []
    await server.env.advance_time(6 * HOUR)
    assert copies(server.moderator) == []
    assert len(reminders_in(dms(server.member))) == (0 if who == "owner" else 2)
