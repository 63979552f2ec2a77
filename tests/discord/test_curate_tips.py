"""/curate tip add · edit · remove · list, driven as a moderator and as a plain member; server tips in
/tip, its autocomplete, /search, Another tip and Share, in their own server only."""

from __future__ import annotations

from typing import Any

import pytest
import simcord

from bot.app import LatchBot
from bot.db.audit import AuditRepository
from bot.db.server_tips import ServerTipsRepository
from bot.domain.suggestions import TipDraft
from bot.ui.card_views import ANOTHER_TIP_LABEL, SHARE_LABEL
from bot.ui.cards import FROM_MODERATORS, NOT_FROM_LIBRARY
from bot.ui.search_views import OPEN_RESULT_ID
from bot.ui.server_tip_views import NEXT_LABEL, PREVIOUS_LABEL
from tests.conftest import Server, answer, refusals, reopen_command_to_everyone, text

FLANNEL = {
    "title": "Warm flannel first",
    "body": "Hold a warm flannel on each side for two minutes before you switch the pump on.",
}


async def add_tip(server: Server, **values: str) -> simcord.InteractionResult:
    shown = await server.moderator.slash(server.channel, "curate tip add")
    assert shown.modal is not None
    return await server.moderator.submit_modal(shown, {**FLANNEL, **values})


async def stored_tips(bot: LatchBot, server: Server) -> list[Any]:
    return await ServerTipsRepository(bot.db).list(server.guild.id)


async def actions(bot: LatchBot, server: Server) -> list[str]:
    return [entry.action for entry in await AuditRepository(bot.db).recent(server.guild.id)]


def sources_of(result: simcord.InteractionResult) -> str:
    embed = answer(result).embeds[0]
    return next(field.value or "" for field in embed.fields if field.name == "Sources")


def modal_defaults(shown: simcord.InteractionResult) -> dict[str, Any]:
    assert shown.modal is not None
    found: dict[str, Any] = {}
    for node in shown.modal["components"]:
        control = node.get("component") or {}
        found[str(control.get("custom_id"))] = control.get("value")
    return found


# ------------------------------------------------------------------ add


async def test_moderator_adds_a_tip_without_a_source_and_it_is_audited(
    server: Server, simcord_bot: LatchBot
) -> None:
    result = await add_tip(server)

    assert result.ephemeral
    assert text(result).startswith("Added tip #1.")
    embed = answer(result).embeds[0]
    assert embed.title == FLANNEL["title"]
    assert NOT_FROM_LIBRARY in sources_of(result)
    [tip] = await stored_tips(simcord_bot, server)
    assert (tip.title, tip.body, tip.source_url) == (FLANNEL["title"], FLANNEL["body"], None)
    assert await actions(simcord_bot, server) == ["tip.add"]


async def test_a_source_link_is_shown_with_the_moderators_attribution(server: Server) -> None:
    result = await add_tip(server, source="https://www.llli.org/breastfeeding-info/pumping/")

    sources = sources_of(result)
    assert FROM_MODERATORS in sources
    assert (
        "[llli.org/breastfeeding-info/pumping](https://www.llli.org/breastfeeding-info/pumping/)" in sources
    )
    assert NOT_FROM_LIBRARY not in sources


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("http://example.org/tip", "Only https:// links are accepted."),
        ("https://bit.ly/abc", "Short links"),
        ("https://user:pw@example.org/", "user name or password"),
        ("https://192.168.0.1/", "IP address"),
        ("https://discord.gg/abcdef", "Discord invite links are off in this server"),
    ],
)
async def test_a_bad_source_link_is_refused_and_nothing_is_written(
    server: Server, simcord_bot: LatchBot, source: str, expected: str
) -> None:
    result = await add_tip(server, source=source)

    assert result.ephemeral
    assert expected in text(result)
    assert refusals(server.env) == [text(result)]
    assert await stored_tips(simcord_bot, server) == []
    assert await actions(simcord_bot, server) == []


async def test_a_list_of_one_tip_says_one_tip(server: Server) -> None:
    await add_tip(server)

    listed = answer(await server.moderator.slash(server.channel, "curate tip list")).embeds[0]
    assert listed.footer.text is not None and listed.footer.text.startswith("Page 1 of 1 · 1 tip ·")


async def test_a_refused_form_can_be_edited_and_resent_with_the_text_kept(
    server: Server, simcord_bot: LatchBot
) -> None:
    refused = await add_tip(server, source="https://bit.ly/abc")
    assert "Short links" in text(refused)

    reopened = await server.moderator.click(answer(refused), label="Edit and resend")
    assert modal_defaults(reopened) == {**FLANNEL, "source": "https://bit.ly/abc"}
    resent = await server.moderator.submit_modal(reopened, {**FLANNEL, "source": "https://www.llli.org/"})

    assert text(resent).startswith("Added tip #1.")
    [tip] = await stored_tips(simcord_bot, server)
    assert (tip.title, tip.body, tip.source_url) == (
        FLANNEL["title"],
        FLANNEL["body"],
        "https://www.llli.org/",
    )


async def test_an_invite_source_is_accepted_when_the_server_allows_invites(
    server: Server, simcord_bot: LatchBot
) -> None:
    await server.moderator.slash(server.channel, "curate settings", allow_invites=True)

    result = await add_tip(server, source="https://discord.gg/abcdef")

    assert text(result).startswith("Added tip #1.")
    assert [tip.source_url for tip in await stored_tips(simcord_bot, server)] == ["https://discord.gg/abcdef"]


async def test_a_blank_title_or_tip_is_refused(server: Server, simcord_bot: LatchBot) -> None:
    blank_title = await add_tip(server, title="   ")
    blank_body = await add_tip(server, body=" \n \n ")

    assert "Give the tip a title" in text(blank_title)
    assert "Write the tip itself" in text(blank_body)
    assert refusals(server.env) == [text(blank_title), text(blank_body)]
    assert await stored_tips(simcord_bot, server) == []


@pytest.mark.parametrize(("field", "limit"), [("title", 80), ("body", 1500), ("source", 512)])
async def test_the_form_caps_each_field_at_its_limit(server: Server, field: str, limit: int) -> None:
    """Discord itself refuses a longer entry in the form (max_length), with its own message."""
    shown = await server.moderator.slash(server.channel, "curate tip add")
    values = {**FLANNEL, field: "x" * limit}
    if field == "source":
        values[field] = "https://example.org/" + "a" * (limit - len("https://example.org/"))

    with pytest.raises(simcord.SetupError, match="max_length"):
        await server.moderator.submit_modal(shown, {**values, field: values[field] + "y"})


# ------------------------------------------------------------------ where server tips show


async def test_members_find_a_server_tip_in_tip_autocomplete_and_search(server: Server) -> None:
    await add_tip(server)

    offered = await server.member.autocomplete(server.channel, "tip", "technique", "flannel")
    assert offered[0] == {"name": FLANNEL["title"], "value": "server-tip-1"}

    shown = await server.member.slash(server.channel, "tip", technique="server-tip-1")
    assert answer(shown).embeds[0].title == FLANNEL["title"]
    assert NOT_FROM_LIBRARY in sources_of(shown)

    found = await server.member.slash(server.channel, "search", query="flannel")
    assert "Server tip" in (answer(found).embeds[0].description or "")
    opened = await server.member.select(answer(found), ["server-tip:server-tip-1"], custom_id=OPEN_RESULT_ID)
    assert answer(opened).embeds[0].title == FLANNEL["title"]
    assert answer(opened).ephemeral


async def test_a_server_tip_is_never_shown_in_another_server_or_in_dms(server: Server) -> None:
    await add_tip(server)
    other = server.env.create_guild("Night Feeds")
    elsewhere = other.create_text_channel("general")
    stranger = other.add_member(server.env.create_user("ali"))

    offered = await stranger.autocomplete(elsewhere, "tip", "technique", "flannel")
    assert all(choice["value"] != "server-tip-1" for choice in offered)
    looked_up = await stranger.slash(elsewhere, "tip", technique="server-tip-1")
    assert "No card called" in text(looked_up)
    searched = await stranger.slash(elsewhere, "search", query="flannel")
    assert "Server tip" not in (
        (answer(searched).embeds[0].description or "") if answer(searched).embeds else ""
    )
    in_dm = await server.member.user.slash("tip", technique="server-tip-1")
    assert "No card called" in text(in_dm)


async def test_another_tip_rotates_through_the_server_tip_and_share_posts_it(server: Server) -> None:
    await add_tip(server)
    shown = await server.member.slash(server.channel, "tip")
    titles = {answer(shown).embeds[0].title}
    library_tips = len(server.env.bot.content.tips)  # type: ignore[attr-defined]
    for _ in range(library_tips):
        shown = await server.member.click(answer(shown), label=ANOTHER_TIP_LABEL)
        titles.add(answer(shown).embeds[0].title)
    assert FLANNEL["title"] in titles

    card = await server.member.slash(server.channel, "tip", technique="server-tip-1")
    await server.member.click(answer(card), label=SHARE_LABEL)
    posted = server.channel.last_message
    assert posted is not None
    assert posted.embeds[0].title == FLANNEL["title"]
    assert NOT_FROM_LIBRARY in (posted.embeds[0].fields[0].value or "")


async def test_member_text_cannot_ping_or_hide_a_link_but_keeps_its_formatting(server: Server) -> None:
    await add_tip(
        server,
        body="@everyone try this **now** <@123456789012345678> [x](https://evil.example)\n- one\n- *two*",
    )

    shown = await server.member.slash(server.channel, "tip", technique="server-tip-1")
    description = answer(shown).embeds[0].description or ""
    assert "@everyone" not in description.replace("@\u200beveryone", "")
    assert "<@123" not in description
    assert "try this **now**" in description  # bold kept, no stray backslashes
    assert description.endswith("\n- one\n- *two*")  # the list and italics kept
    assert "\\[x\\](" in description  # escaped brackets are no masked link


# ------------------------------------------------------------------ edit, remove, list


async def test_moderator_edits_a_tip_in_a_prefilled_form(server: Server, simcord_bot: LatchBot) -> None:
    await add_tip(server, source="https://www.llli.org/")

    offered = await server.moderator.autocomplete(server.channel, "curate tip edit", "tip", "flan")
    assert offered == [{"name": f"#1 · {FLANNEL['title']}", "value": "1"}]
    shown = await server.moderator.slash(server.channel, "curate tip edit", tip="1")
    assert modal_defaults(shown) == {**FLANNEL, "source": "https://www.llli.org/"}
    saved = await server.moderator.submit_modal(
        shown, {"title": "Warm rice sock first", "body": FLANNEL["body"], "source": ""}
    )

    assert text(saved) == "Saved tip #1."
    [tip] = await stored_tips(simcord_bot, server)
    assert (tip.title, tip.source_url) == ("Warm rice sock first", None)
    found = await server.member.slash(server.channel, "search", query="rice sock")
    assert "Warm rice sock first" in (answer(found).embeds[0].description or "")
    assert await actions(simcord_bot, server) == ["tip.edit", "tip.add"]


async def test_moderator_removes_a_tip_and_members_no_longer_see_it(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add_tip(server)

    removed = await server.moderator.slash(server.channel, "curate tip remove", tip="#1")

    assert text(removed).startswith("Removed tip #1")
    assert await stored_tips(simcord_bot, server) == []
    offered = await server.member.autocomplete(server.channel, "tip", "technique", "flannel")
    assert all(choice["value"] != "server-tip-1" for choice in offered)
    found = await server.member.slash(server.channel, "search", query="flannel")
    assert "Server tip" not in ((answer(found).embeds[0].description or "") if answer(found).embeds else "")
    assert await actions(simcord_bot, server) == ["tip.remove", "tip.add"]


async def test_a_tip_added_after_a_removal_gets_a_new_number(server: Server) -> None:
    await add_tip(server)
    await server.moderator.slash(server.channel, "curate tip remove", tip="#1")

    added = await add_tip(server, title="Breast compressions")
    audit = answer(await server.moderator.slash(server.channel, "curate audit")).embeds[0].description or ""

    assert "#2" in text(added) and "#1" not in text(added)
    assert "#1" in audit and "#2" in audit


@pytest.mark.parametrize("command", ["curate tip edit", "curate tip remove"])
async def test_an_unknown_tip_id_is_refused(server: Server, simcord_bot: LatchBot, command: str) -> None:
    await add_tip(server)

    result = await server.moderator.slash(server.channel, command, tip="42")

    assert result.ephemeral and result.modal is None
    assert "This server has no tip “42”" in text(result)
    assert refusals(server.env) == [text(result)]
    assert len(await stored_tips(simcord_bot, server)) == 1
    assert await actions(simcord_bot, server) == ["tip.add"]


async def test_another_servers_tip_id_is_unknown_here(server: Server, simcord_bot: LatchBot) -> None:
    other = server.env.create_guild("Night Feeds")
    await ServerTipsRepository(simcord_bot.db).add(
        other.id, TipDraft("Theirs", "Their tip.", None), actor_id=1, now=simcord_bot.clock.now()
    )

    result = await server.moderator.slash(server.channel, "curate tip remove", tip="1")

    assert "This server has no tip" in text(result)
    assert refusals(server.env) == [text(result)]
    assert len(await ServerTipsRepository(simcord_bot.db).list(other.id)) == 1


async def test_the_list_pages_through_the_tips(server: Server, simcord_bot: LatchBot) -> None:
    repository = ServerTipsRepository(simcord_bot.db)
    for number in range(1, 13):
        await repository.add(
            server.guild.id,
            TipDraft(f"Tip number {number}", f"Body {number}.", None),
            actor_id=server.moderator.id,
            now=simcord_bot.clock.now(),
        )

    listed = await server.moderator.slash(server.channel, "curate tip list")
    first = answer(listed).embeds[0]
    assert listed.ephemeral
    assert "#1 · Tip number 1" in (first.description or "")
    assert "#11" not in (first.description or "")
    assert first.footer.text is not None and first.footer.text.startswith("Page 1 of 2 · 12 tips")

    turned = await server.moderator.click(answer(listed), label=NEXT_LABEL)
    second = answer(turned).embeds[0]
    assert "#12 · Tip number 12" in (second.description or "")
    assert "#1 ·" not in (second.description or "")
    back = await server.moderator.click(answer(turned), label=PREVIOUS_LABEL)
    assert "#1 · Tip number 1" in (answer(back).embeds[0].description or "")


async def test_an_empty_list_says_how_to_add_one(server: Server) -> None:
    listed = await server.moderator.slash(server.channel, "curate tip list")

    assert "/curate tip add" in (answer(listed).embeds[0].description or "")
    assert answer(listed).components == []


# ------------------------------------------------------------------ plain members


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("curate tip add", {}),
        ("curate tip edit", {"tip": "1"}),
        ("curate tip remove", {"tip": "1"}),
        ("curate tip list", {}),
        ("curate suggestions", {}),
    ],
)
async def test_a_plain_member_is_refused_every_tip_command(
    server: Server, simcord_bot: LatchBot, command: str, options: dict[str, str]
) -> None:
    await add_tip(server)
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    result = await server.member.slash(server.channel, command, **options)

    assert result.ephemeral and result.modal is None
    assert "Manage Server" in text(result)
    assert refusals(server.env) == [text(result)]
    [tip] = await stored_tips(simcord_bot, server)
    assert tip.title == FLANNEL["title"]
    assert await actions(simcord_bot, server) == ["tip.add"]


async def test_a_plain_member_gets_no_tip_ids_from_autocomplete(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add_tip(server)
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    offered = await server.member.autocomplete(server.channel, "curate tip remove", "tip", "")

    assert offered == []
