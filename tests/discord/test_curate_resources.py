"""/curate resource add · remove · list, as a moderator and as a plain member; bad input writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord
import pytest
import simcord
from simcord.components import walk_components

from bot.app import LatchBot
from bot.db.audit import AuditRepository
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.search_index import SearchIndexRepository
from bot.db.server_resources import ServerResourceRepository
from bot.domain.curation import ServerResource
from bot.ui.search_views import OPEN_RESULT_ID
from tests.conftest import Server, answer, refusals, reopen_command_to_everyone, text

MEETUP = {
    "name": "Pumping Parents meetup",
    "url": "https://meetup.example.org/pumping",
    "description": "A weekly online meetup for parents who pump, run by our moderators.",
    "topic": "peer-support",
}


async def stored(bot: LatchBot, server: Server) -> list[ServerResource]:
    return await ServerResourceRepository(bot.db).list(server.guild.id)


async def audit_actions(bot: LatchBot, server: Server) -> list[str]:
    return [entry.action for entry in await AuditRepository(bot.db).recent(server.guild.id)]


async def add(server: Server, **changes: Any) -> simcord.InteractionResult:
    return await server.moderator.slash(server.channel, "curate resource add", **{**MEETUP, **changes})


def link_urls(message: simcord.ResponseMessage) -> list[str]:
    return [
        c["url"] for c in walk_components(message.components) if c.get("type") == 2 and c.get("style") == 5
    ]


# ------------------------------------------------------------------------------------------ moderator


async def test_a_moderator_adds_a_resource_members_then_see(server: Server, simcord_bot: LatchBot) -> None:
    result = await add(server, region="US")

    assert result.ephemeral
    embed = answer(result).embeds[0]
    assert embed.title == "Resource added"
    assert "Pumping Parents meetup" in (embed.description or "")
    (resource,) = await stored(simcord_bot, server)
    assert (resource.name, resource.url, resource.topic, resource.region) == (
        MEETUP["name"],
        MEETUP["url"],
        "peer-support",
        "US",
    )
    entries = await AuditRepository(simcord_bot.db).recent(server.guild.id)
    assert [(e.action, e.actor_id) for e in entries] == [("resource.add", server.moderator.id)]
    assert entries[0].data["url"] == MEETUP["url"]

    shown = answer(await server.member.slash(server.channel, "resources", region="US"))
    assert link_urls(shown)[-1] == MEETUP["url"]
    assert shown.embeds[0].fields[-1].name == "Peer support, added by this server"


async def test_the_region_defaults_to_the_servers_region(server: Server, simcord_bot: LatchBot) -> None:
    await server.moderator.slash(server.channel, "curate settings", region="AU")

    await add(server)

    assert [r.region for r in await stored(simcord_bot, server)] == ["AU"]


async def test_the_url_is_stored_normalised_and_the_idn_host_shown_decoded(
    server: Server, simcord_bot: LatchBot
) -> None:
    result = await add(server, url="HTTPS://Bücher.example.DE/stillen")

    assert "bücher.example.de" in (answer(result).embeds[0].footer.text or "")
    assert [r.url for r in await stored(simcord_bot, server)] == ["https://xn--bcher-kva.example.de/stillen"]


async def test_added_resources_are_found_by_search_in_their_server_only(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add(server)
    (resource,) = await stored(simcord_bot, server)
    other = server.env.create_guild("Night Feeds")
    other_channel = other.create_text_channel("general")
    neighbour = other.add_member(server.env.create_user("noor"))

    here = await SearchIndexRepository(simcord_bot.db).search(["meetup"], guild_id=server.guild.id)
    there = await SearchIndexRepository(simcord_bot.db).search(["meetup"], guild_id=other.id)
    listed = answer(await server.member.slash(server.channel, "search", query="pumping meetup"))
    elsewhere = await neighbour.slash(other_channel, "search", query="pumping meetup")

    assert [hit.key for hit in here] == [f"resource:server-{resource.id}"]
    assert there == []
    assert "Pumping Parents meetup" in (listed.embeds[0].description or "")
    shown_elsewhere = text(elsewhere) + " ".join(e.description or "" for e in answer(elsewhere).embeds)
    assert "Pumping Parents meetup" not in shown_elsewhere

    opened = await server.member.select(listed, [f"resource:server-{resource.id}"], custom_id=OPEN_RESULT_ID)
    assert answer(opened).embeds[0].title == "Pumping Parents meetup"
    assert opened.ephemeral


async def test_a_moderator_lists_the_servers_resources(server: Server) -> None:
    empty = await server.moderator.slash(server.channel, "curate resource list")
    await add(server)
    await add(server, name="Nightowl feeds chat", url="https://nightowl.example.org/")

    listed = await server.moderator.slash(server.channel, "curate resource list")

    assert "None yet" in (answer(empty).embeds[0].description or "")
    assert listed.ephemeral
    description = answer(listed).embeds[0].description or ""
    assert "`#1` **Pumping Parents meetup**" in description
    assert "`#2` **Nightowl feeds chat**" in description
    assert (answer(listed).embeds[0].footer.text or "").startswith("2 of 100")


async def test_a_moderator_removes_a_resource_picked_by_autocomplete(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add(server)
    await add(server, name="Nightowl feeds chat", url="https://nightowl.example.org/")

    choices = await server.moderator.autocomplete(
        server.channel, "curate resource remove", "resource", "night"
    )
    assert choices == [{"name": "#2 Nightowl feeds chat", "value": "2"}]
    result = await server.moderator.slash(
        server.channel, "curate resource remove", resource=choices[0]["value"]
    )

    assert result.ephemeral
    assert text(result).startswith("Removed “Nightowl feeds chat”")
    assert [r.name for r in await stored(simcord_bot, server)] == ["Pumping Parents meetup"]
    assert await audit_actions(simcord_bot, server) == ["resource.remove", "resource.add", "resource.add"]
    assert await SearchIndexRepository(simcord_bot.db).search(["nightowl"], guild_id=server.guild.id) == []
    shown = answer(await server.member.slash(server.channel, "resources"))
    assert "https://nightowl.example.org/" not in link_urls(shown)


async def test_discord_invites_need_the_server_setting(server: Server, simcord_bot: LatchBot) -> None:
    refused = await add(server, url="https://discord.gg/pumping")
    await server.moderator.slash(server.channel, "curate settings", allow_invites=True)
    accepted = await add(server, url="https://discord.gg/pumping")

    assert "invite links are off" in text(refused)
    assert refusals(server.env) == [text(refused)]
    assert answer(accepted).embeds[0].title == "Resource added"
    assert [r.url for r in await stored(simcord_bot, server)] == ["https://discord.gg/pumping"]


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"url": "http://meetup.example.org/"}, "Only https://"),
        ({"url": "https://bit.ly/3xYz"}, "Short links"),
        ({"url": "https://tinyurl.com/abc"}, "Short links"),
        ({"url": "https://192.168.1.10/group"}, "IP address"),
        ({"url": "https://3232235786/group"}, "IP address"),
        ({"url": "https://[::1]/group"}, "IP address"),
        ({"url": "https://admin:hunter2@meetup.example.org/"}, "user name or password"),
        ({"url": "https://meetup.example.org/" + "a" * 600}, "characters long"),
        ({"url": "https://discord.com/invite/abc"}, "invite links are off"),
        ({"name": "n" * 81}, "at most 80 characters"),
        ({"name": "   "}, "name can't be empty"),
        ({"description": "d" * 201}, "at most 200 characters"),
        ({"region": "Atlantis"}, "is not a region"),
    ],
)
async def test_bad_input_is_refused_clearly_and_nothing_is_written(
    server: Server, simcord_bot: LatchBot, changes: dict[str, str], expected: str
) -> None:
    result = await add(server, **changes)

    assert result.ephemeral
    assert expected in text(result)
    assert refusals(server.env) == [text(result)]
    assert await stored(simcord_bot, server) == []
    assert await audit_actions(simcord_bot, server) == []
    assert await SearchIndexRepository(simcord_bot.db).count(guild_id=server.guild.id) == (
        await SearchIndexRepository(simcord_bot.db).count()
    )


async def test_a_duplicate_name_is_refused(server: Server, simcord_bot: LatchBot) -> None:
    await add(server)

    result = await add(server, name="pumping parents MEETUP", url="https://other.example.org/")

    assert "already has a resource called" in text(result)
    assert refusals(server.env) == [text(result)]
    assert len(await stored(simcord_bot, server)) == 1
    assert await audit_actions(simcord_bot, server) == ["resource.add"]


@pytest.mark.parametrize("typed", ["99", "#42", "meetup", "-1"])
async def test_removing_an_unknown_id_is_refused_and_nothing_changes(
    server: Server, simcord_bot: LatchBot, typed: str
) -> None:
    await add(server)

    result = await server.moderator.slash(server.channel, "curate resource remove", resource=typed)

    assert result.ephemeral
    assert "/curate resource list" in text(result)
    assert refusals(server.env) == [text(result)]
    assert len(await stored(simcord_bot, server)) == 1
    assert await audit_actions(simcord_bot, server) == ["resource.add"]


async def test_one_server_cannot_remove_another_servers_resource(
    server: Server, simcord_bot: LatchBot
) -> None:
    other = server.env.create_guild("Night Feeds")
    other_channel = other.create_text_channel("general")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    their_moderator = other.add_member(server.env.create_user("ari"), roles=[admins])
    await add(server)
    (resource,) = await stored(simcord_bot, server)

    result = await their_moderator.slash(other_channel, "curate resource remove", resource=str(resource.id))

    assert "no resource with that number" in text(result)
    assert refusals(server.env) == [text(result)]
    assert len(await stored(simcord_bot, server)) == 1


# ------------------------------------------------------------------------------------------ plain member


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("curate resource add", MEETUP),
        ("curate resource remove", {"resource": "1"}),
        ("curate resource list", {}),
    ],
)
async def test_discord_hides_curate_resource_from_plain_members(
    server: Server, command: str, options: dict[str, str]
) -> None:
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await server.member.slash(server.channel, command, **options)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("curate resource add", MEETUP),
        ("curate resource remove", {"resource": "1"}),
        ("curate resource list", {}),
    ],
)
async def test_a_member_is_refused_every_subcommand_even_when_curate_is_reopened(
    server: Server, simcord_bot: LatchBot, command: str, options: dict[str, str]
) -> None:
    await add(server, name="Kept resource")
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    result = await server.member.slash(server.channel, command, **options)

    assert result.ephemeral
    assert "Manage Server" in text(result)
    assert refusals(server.env) == [text(result)]
    assert [r.name for r in await stored(simcord_bot, server)] == ["Kept resource"]
    assert await audit_actions(simcord_bot, server) == ["resource.add"]
    assert result.response is not None and not result.response.embeds  # the list was not shown


async def test_a_member_gets_no_autocomplete_of_the_servers_resources(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add(server)
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    choices = await server.member.autocomplete(server.channel, "curate resource remove", "resource", "")

    assert choices == []


async def test_the_moderator_role_may_curate_resources(server: Server, simcord_bot: LatchBot) -> None:
    volunteers = server.guild.create_role("Volunteers", permissions=discord.Permissions.none())
    volunteer = server.guild.add_member(server.env.create_user("kai"), roles=[volunteers])
    await server.moderator.slash(server.channel, "curate settings", mod_role=volunteers)
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    result = await volunteer.slash(server.channel, "curate resource add", **MEETUP)

    assert answer(result).embeds[0].title == "Resource added"
    assert len(await stored(simcord_bot, server)) == 1
    assert (await GuildSettingsRepository(simcord_bot.db).get(server.guild.id)).mod_role_id == volunteers.id


async def test_server_resources_survive_a_restart(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    await add(server, region="US")

    await simcord_env.restart_bot(bot_factory())
    shown = answer(await server.member.slash(server.channel, "resources", region="US"))
    listed = answer(await server.moderator.slash(server.channel, "curate resource list"))

    assert link_urls(shown)[-1] == MEETUP["url"]
    assert "Pumping Parents meetup" in (listed.embeds[0].description or "")


async def test_long_server_resources_page_within_discords_limits(server: Server) -> None:
    for number in range(22):
        await add(
            server,
            name=f"{number:02d} " + "N" * 77,
            url=f"https://group{number}.example.org/" + "p" * 400,
            description="D" * 200,
            region="US",
        )

    page = answer(await server.member.slash(server.channel, "resources", region="US"))
    seen = 0
    while True:
        embed = page.embeds[0]
        assert len(embed) <= 6000
        assert len(embed.fields) <= 25
        assert all(len(field.value or "") <= 1024 for field in embed.fields)
        seen += len(link_urls(page))
        labels = [c for c in walk_components(page.components) if c.get("label") == "Next"]
        if labels[0].get("disabled"):
            break
        page = answer(await server.member.click(page, label="Next"))
    assert refusals(server.env) == []
    bot = server.env.bot
    assert isinstance(bot, LatchBot)
    library = bot.content
    built_in = [r for r in library.resources if "global" in r.regions or "US" in r.regions]
    assert seen == 22 + len(built_in)
