"""/suggest and the review queue: a member suggests, a moderator approves, edits or rejects with the
buttons on the review message (also after a restart), the member hears the outcome by DM."""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.db.audit import AuditRepository
from bot.db.server_tips import ServerTipsRepository
from bot.ui.messages import MESSAGES
from bot.ui.suggestion_views import APPROVE_LABEL, EDIT_LABEL, REJECT_LABEL
from tests.conftest import Server, answer, refusals, text

SUGGESTED = {
    "title": "Look at a photo of your baby",
    "body": "Keep a photo or a video of your baby on your phone and watch it while you pump.",
}


async def turn_on_suggestions(server: Server) -> simcord.ChannelHandle:
    review = server.guild.create_text_channel("tip-review")
    await server.moderator.slash(server.channel, "curate settings", review_channel=review)
    return review


async def suggest(server: Server, *, credit: bool = False, **values: str) -> simcord.InteractionResult:
    shown = await server.member.slash(server.channel, "suggest")
    assert shown.modal is not None, text(shown)
    return await server.member.submit_modal(shown, {**SUGGESTED, **values, "credit": credit})


def review_message(review: simcord.ChannelHandle) -> discord.Message:
    message = review.last_message
    assert message is not None
    return message


def labels(message: discord.Message) -> list[str]:
    return [
        str(child.label)
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button)
    ]


def fields(message: discord.Message) -> dict[str, str]:
    return {field.name or "": field.value or "" for field in message.embeds[0].fields}


def dms(server: Server) -> list[str]:
    return [message.content for message in server.member.user.dm_channel.history()]


async def actions(bot: LatchBot, server: Server) -> list[str]:
    return [entry.action for entry in await AuditRepository(bot.db).recent(server.guild.id)]


# ------------------------------------------------------------------ suggesting


async def test_without_a_review_channel_suggestions_are_off_and_nothing_is_stored(
    server: Server, simcord_bot: LatchBot
) -> None:
    result = await server.member.slash(server.channel, "suggest")

    assert result.modal is None and result.ephemeral
    assert text(result) == MESSAGES["suggest.off"]
    assert refusals(server.env) == [MESSAGES["suggest.off"]]
    assert await simcord_bot.services.suggestions.pending(server.guild.id) == []


async def test_a_suggestion_is_stored_and_posted_for_review_with_three_buttons(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = await turn_on_suggestions(server)

    result = await suggest(server, credit=True)

    assert result.ephemeral
    assert "went to this server's moderators" in text(result)
    assert "You can suggest 2 more today." in text(result)
    message = review_message(review)
    assert message.embeds[0].title == f"Suggested tip: {SUGGESTED['title']}"
    assert message.embeds[0].description == SUGGESTED["body"]
    assert "asked to be credited as “sam”" in fields(message)["Suggested by"]
    assert labels(message) == [APPROVE_LABEL, EDIT_LABEL, REJECT_LABEL]
    [pending] = await simcord_bot.services.suggestions.pending(server.guild.id)
    assert (pending.user_id, pending.credit_name, pending.review_message_id) == (
        server.member.id,
        "sam",
        message.id,
    )


async def test_suggested_text_cannot_ping_or_break_the_review_embed(server: Server) -> None:
    review = await turn_on_suggestions(server)

    await suggest(server, title="@everyone look", body="<@&123456789012345678> **bold** ||spoiler|| `code`")

    message = review_message(review)
    assert message.content == ""
    assert not message.mention_everyone and not message.role_mentions and not message.mentions
    embed = message.embeds[0]
    assert "@\u200beveryone" in (embed.title or "")
    assert "<\u200b@&" in (embed.description or "")
    assert "**bold** ||spoiler|| `code`" in (embed.description or "")  # formatting kept as written
    stored = server.env.backend.get_message(message.channel.id, message.id)
    assert stored.ping_user_ids == [] and stored.ping_role_ids == []


async def test_a_bad_source_link_is_refused_and_nothing_is_stored(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = await turn_on_suggestions(server)

    result = await suggest(server, source="http://example.org/")

    assert "Only https:// links are accepted." in text(result)
    assert refusals(server.env) == [text(result)]
    assert await simcord_bot.services.suggestions.pending(server.guild.id) == []
    assert review.last_message is None


async def test_the_fourth_suggestion_in_24_hours_is_refused(server: Server, simcord_bot: LatchBot) -> None:
    await turn_on_suggestions(server)
    for number in range(3):
        await suggest(server, title=f"Tip {number}")

    fourth = await server.member.slash(server.channel, "suggest")

    assert fourth.modal is None
    assert "You've suggested 3 tips here in the last 24 hours" in text(fourth)
    assert refusals(server.env) == [text(fourth)]
    assert len(await simcord_bot.services.suggestions.pending(server.guild.id)) == 3

    await server.env.advance_time(24 * 3600 + 1)
    fifth = await suggest(server, title="Tip 4")
    assert "went to this server's moderators" in text(fifth)


async def test_the_limit_also_holds_for_forms_opened_before_it_was_reached(
    server: Server, simcord_bot: LatchBot
) -> None:
    await turn_on_suggestions(server)
    forms = [await server.member.slash(server.channel, "suggest") for _ in range(4)]
    for number, form in enumerate(forms[:3]):
        await server.member.submit_modal(form, {**SUGGESTED, "title": f"Tip {number}"})

    late = await server.member.submit_modal(forms[3], SUGGESTED)

    assert "You've suggested 3 tips" in text(late)
    assert refusals(server.env) == [text(late)]
    assert len(await simcord_bot.services.suggestions.pending(server.guild.id)) == 3


async def test_a_review_channel_the_bot_cannot_post_in_stores_nothing(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = await turn_on_suggestions(server)
    server.env.inject_error("POST", f"/channels/{review.id}/messages", status=403, code=50013)

    result = await suggest(server)

    assert "couldn't post your suggestion" in text(result)
    assert refusals(server.env) == [text(result)]
    assert await simcord_bot.services.suggestions.pending(server.guild.id) == []


# ------------------------------------------------------------------ deciding


async def test_approve_creates_a_credited_server_tip_and_tells_the_member(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server, credit=True)

    pressed = await server.moderator.click(review_message(review), label=APPROVE_LABEL)

    message = review_message(review)
    assert labels(message) == []
    assert f"Approved by <@{server.moderator.id}> as tip #1" in fields(message)["Decision"]
    assert answer(pressed).id == message.id
    [tip] = await ServerTipsRepository(simcord_bot.db).list(server.guild.id)
    assert (tip.title, tip.credit_user_id, tip.credit_name) == (SUGGESTED["title"], server.member.id, "sam")
    assert any("approved your tip" in dm and "credited by name" in dm for dm in dms(server))
    card = await server.member.slash(server.channel, "tip", technique="server-tip-1")
    assert "suggested by sam" in (answer(card).embeds[0].fields[0].value or "")
    assert await actions(simcord_bot, server) == ["suggestion.approve", "tip.add", "settings"]


async def test_approve_without_credit_does_not_name_the_member(server: Server, simcord_bot: LatchBot) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server, credit=False)

    await server.moderator.click(review_message(review), label=APPROVE_LABEL)

    [tip] = await ServerTipsRepository(simcord_bot.db).list(server.guild.id)
    assert (tip.credit_user_id, tip.credit_name) == (None, None)
    card = await server.member.slash(server.channel, "tip", technique="server-tip-1")
    assert "sam" not in (answer(card).embeds[0].fields[0].value or "")


async def test_edit_and_approve_saves_the_moderators_version(server: Server, simcord_bot: LatchBot) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server, source="https://www.llli.org/")

    shown = await server.moderator.click(review_message(review), label=EDIT_LABEL)
    assert shown.modal is not None
    defaults = {
        node["component"]["custom_id"]: node["component"].get("value") for node in shown.modal["components"]
    }
    assert defaults == {**SUGGESTED, "source": "https://www.llli.org/"}
    await server.moderator.submit_modal(
        shown, {"title": "A photo of your baby", "body": SUGGESTED["body"], "source": "https://www.llli.org/"}
    )

    [tip] = await ServerTipsRepository(simcord_bot.db).list(server.guild.id)
    assert (tip.title, tip.source_url) == ("A photo of your baby", "https://www.llli.org/")
    assert labels(review_message(review)) == []
    # The review card shows the tip as approved, not the title it was suggested with.
    assert review_message(review).embeds[0].title == "Approved tip: A photo of your baby"
    assert {"suggestion": 1, "tip": 1, "edited": True} in [
        entry.data for entry in await AuditRepository(simcord_bot.db).recent(server.guild.id)
    ]


async def test_reject_with_a_reason_tells_the_member_and_adds_no_tip(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server)

    shown = await server.moderator.click(review_message(review), label=REJECT_LABEL)
    await server.moderator.submit_modal(shown, {"reason": "We already have a tip like this one."})

    message = review_message(review)
    assert labels(message) == []
    assert "Rejected by" in fields(message)["Decision"]
    assert "We already have a tip like this one." in fields(message)["Decision"]
    assert await ServerTipsRepository(simcord_bot.db).list(server.guild.id) == []
    assert any("decided not to add" in dm and "We already have a tip" in dm for dm in dms(server))
    assert await actions(simcord_bot, server) == ["suggestion.reject", "settings"]


async def test_the_buttons_work_after_a_restart(server: Server, bot_factory: Callable[[], LatchBot]) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server, credit=True)
    await suggest(server, title="Second one")
    first, second = [message for message in review.history() if message.embeds]

    await server.env.restart_bot(bot_factory())
    approved = await server.moderator.click(first, label=APPROVE_LABEL)
    shown = await server.moderator.click(second, label=REJECT_LABEL)
    await server.moderator.submit_modal(shown, {"reason": "Too close to the first."})

    bot = server.env.bot
    assert isinstance(bot, LatchBot)
    assert answer(approved).embeds[0].fields[-1].name == "Decision"
    [tip] = await ServerTipsRepository(bot.db).list(server.guild.id)
    assert tip.credit_name == "sam"
    decided = [message for message in review.history() if message.embeds]
    assert all(labels(message) == [] for message in decided)
    found = await server.member.slash(server.channel, "tip", technique="server-tip-1")
    assert answer(found).embeds[0].title == SUGGESTED["title"]


async def test_a_plain_member_cannot_decide_even_on_their_own_suggestion(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server)

    results = [
        await server.member.click(review_message(review), label=label)
        for label in (APPROVE_LABEL, EDIT_LABEL, REJECT_LABEL)
    ]

    for result in results:
        assert result.modal is None
        assert "Manage Server" in text(result)
    assert labels(review_message(review)) == [APPROVE_LABEL, EDIT_LABEL, REJECT_LABEL]
    assert await ServerTipsRepository(simcord_bot.db).list(server.guild.id) == []
    assert [s.status for s in await simcord_bot.services.suggestions.pending(server.guild.id)] == ["pending"]
    assert await actions(simcord_bot, server) == ["settings"]


async def test_closed_dms_do_not_stop_the_decision_and_the_log_has_no_tip_text(
    server: Server, simcord_bot: LatchBot, caplog: pytest.LogCaptureFixture
) -> None:
    review = await turn_on_suggestions(server)
    await suggest(server)
    dm = server.member.user.dm_channel
    server.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007)

    with caplog.at_level(logging.DEBUG, logger="latch"):
        await server.moderator.click(review_message(review), label=APPROVE_LABEL)

    assert labels(review_message(review)) == []
    assert len(await ServerTipsRepository(simcord_bot.db).list(server.guild.id)) == 1
    assert "DMs closed" in caplog.text
    assert SUGGESTED["title"] not in caplog.text and SUGGESTED["body"] not in caplog.text
    assert dms(server) == []


async def test_curate_suggestions_lists_what_waits(server: Server) -> None:
    await turn_on_suggestions(server)
    await suggest(server)

    listed = await server.moderator.slash(server.channel, "curate suggestions")

    description = answer(listed).embeds[0].description or ""
    assert f"#1 · {SUGGESTED['title']}" in description
    assert "[review](https://discord.com/channels/" in description


async def test_the_same_suggestion_twice_is_refused_so_it_cannot_be_approved_twice(
    server: Server, simcord_bot: LatchBot
) -> None:
    await turn_on_suggestions(server)
    await suggest(server)

    again = await suggest(server, title=SUGGESTED["title"].upper())

    assert "already has a tip with that title" in text(again)
    assert refusals(server.env) == [text(again)]
    assert len(await simcord_bot.services.suggestions.pending(server.guild.id)) == 1
