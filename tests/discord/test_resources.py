"""/resources as members see it: by region (server setting, option, DM), by topic, crisis lines first,
server resources after the built-ins and only in their server, and pages beyond 25 links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import simcord
from discord import app_commands
from simcord.components import walk_components

from bot.app import LatchBot
from bot.config import Settings
from bot.content.crisis import select_crisis_lines
from bot.content.loader import load_library
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.server_resources import ServerResourceRepository
from bot.domain.resources import region_label
from bot.ui.resource_views import EMERGENCY, NEXT_LABEL, PREVIOUS_LABEL
from tests.conftest import Server, answer, refusals, text

LIBRARY = load_library(Settings(_env_file=None).content_dir)
URLS = {resource.url: resource.id for resource in LIBRARY.resources}
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def buttons(message: simcord.ResponseMessage) -> list[dict[str, Any]]:
    return [c for c in walk_components(message.components) if c.get("type") == 2]


def link_buttons(message: simcord.ResponseMessage) -> list[dict[str, Any]]:
    return [button for button in buttons(message) if button.get("style") == 5]


def shown_ids(message: simcord.ResponseMessage) -> list[str]:
    """The built-in resources linked from the message, in button order (server ones as 'server')."""
    return [URLS.get(button["url"], "server") for button in link_buttons(message)]


def embed_text(message: simcord.ResponseMessage) -> str:
    embed = message.embeds[0]
    parts = [embed.title or "", embed.description or ""]
    parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(parts)


def field_names(message: simcord.ResponseMessage) -> list[str]:
    return [field.name or "" for field in message.embeds[0].fields]


async def set_region(bot: LatchBot, server: Server, region: str) -> None:
    await GuildSettingsRepository(bot.db).update(
        server.guild.id, actor_id=server.moderator.id, now=NOW, region=region
    )


def expected_for(region: str) -> set[str]:
    """The built-in resources a region sees without a topic: its own, the worldwide ones, crisis lines."""
    found = set()
    for resource in LIBRARY.resources:
        if "global" in resource.regions or region in resource.regions:
            found.add(resource.id)
    if region == "global":  # no country known: the largest regions' crisis lines, as on a card
        selection = select_crisis_lines(LIBRARY.resources, None)
        found |= {line.id for group in selection.regions for line in group.lines}
    return found


# ------------------------------------------------------------------------------------------ regions


@pytest.mark.parametrize(
    ("region", "present", "absent"),
    [
        ("US", {"988-lifeline", "la-leche-league-usa", "mothertobaby"}, {"samaritans", "lifeline-australia"}),
        ("GB", {"samaritans", "national-breastfeeding-helpline-uk"}, {"988-lifeline", "breastfeeding-usa"}),
        (
            "AU",
            {"lifeline-australia", "australian-breastfeeding-association"},
            {"samaritans", "cdc-breastfeeding"},
        ),
        ("IN", {"find-a-helpline", "la-leche-league-international"}, {"988-lifeline", "samaritans"}),
        ("global", {"988-lifeline", "samaritans", "lifeline-australia", "kellymom"}, {"breastfeeding-usa"}),
    ],
)
async def test_the_servers_region_picks_the_resources(
    server: Server, simcord_bot: LatchBot, region: str, present: set[str], absent: set[str]
) -> None:
    await set_region(simcord_bot, server, region)

    result = await server.member.slash(server.channel, "resources")

    assert result.ephemeral
    message = answer(result)
    shown = set(shown_ids(message))
    assert shown == expected_for(region)
    assert present <= shown
    assert not absent & shown
    heading = message.embeds[0].description or ""
    assert (
        "every country" if region == "global" else f"for **{region_label(region)}** and worldwide"
    ) in heading


async def test_every_button_is_a_link_and_rows_hold_at_most_five(server: Server) -> None:
    message = answer(await server.member.slash(server.channel, "resources", region="US"))

    rows = message.components
    assert 1 <= len(rows) <= 5
    assert all(len(row["components"]) <= 5 for row in rows)
    assert len(link_buttons(message)) == len(buttons(message)) <= 25
    for number, button in enumerate(link_buttons(message), start=1):
        assert button["label"].startswith(f"{number}. ")
        assert button["url"].startswith("https://")


async def test_phone_and_text_numbers_are_in_the_embed(server: Server) -> None:
    message = answer(await server.member.slash(server.channel, "resources", region="US"))

    shown = embed_text(message)
    assert "Call **988**" in shown
    assert "Text 988" in shown
    assert "Text HOME to 741741" in shown
    assert "Call **1-833-852-6262**" in shown


async def test_the_region_option_overrides_the_server_setting(server: Server, simcord_bot: LatchBot) -> None:
    await set_region(simcord_bot, server, "US")

    message = answer(await server.member.slash(server.channel, "resources", region="gb"))

    assert "samaritans" in shown_ids(message)
    assert "988-lifeline" not in shown_ids(message)
    assert "United Kingdom" in (message.embeds[0].description or "")


async def test_a_country_name_works_as_a_region(server: Server) -> None:
    message = answer(await server.member.slash(server.channel, "resources", region="Australia"))

    assert "lifeline-australia" in shown_ids(message)


async def test_region_autocomplete_offers_countries_by_name_and_code(server: Server) -> None:
    typed = await server.member.autocomplete(server.channel, "resources", "region", "ind")
    empty = await server.member.autocomplete(server.channel, "resources", "region", "")

    assert typed[0] == {"name": "India (IN)", "value": "IN"}
    assert [choice["value"] for choice in empty][:3] == ["global", "US", "GB"]
    assert len(empty) <= 25


async def test_an_unknown_region_is_refused_with_what_is_accepted(server: Server) -> None:
    result = await server.member.slash(server.channel, "resources", region="Atlantis")

    assert result.ephemeral
    assert "two-letter country code" in text(result)
    assert refusals(server.env) == [text(result)]


async def test_in_a_dm_the_region_is_global(simcord_env: simcord.Env) -> None:
    user = simcord_env.create_user("alex")

    result = await user.slash("resources")

    assert result.ephemeral
    assert set(shown_ids(answer(result))) == expected_for("global")


# ------------------------------------------------------------------------------------------ topics


@pytest.mark.parametrize(
    ("region", "first"),
    [("US", "988-lifeline"), ("GB", "samaritans"), ("AU", "lifeline-australia"), ("IN", "tele-manas")],
)
async def test_the_crisis_topic_always_shows_crisis_lines_first(
    server: Server, region: str, first: str
) -> None:
    message = answer(await server.member.slash(server.channel, "resources", topic="crisis", region=region))

    ids = shown_ids(message)
    assert ids[0] == first
    assert "find-a-helpline" in ids
    assert all("crisis" in LIBRARY.resource(i).topics for i in ids)  # type: ignore[union-attr]
    assert field_names(message) == ["Crisis lines"]
    assert EMERGENCY in (message.embeds[0].description or "")


async def test_crisis_in_a_dm_lists_the_largest_regions_lines(simcord_env: simcord.Env) -> None:
    user = simcord_env.create_user("alex")

    message = answer(await user.slash("resources", topic="crisis"))

    ids = shown_ids(message)
    assert {"988-lifeline", "samaritans", "lifeline-australia", "find-a-helpline"} <= set(ids)
    assert ids[-1] == "find-a-helpline"  # phone and text lines first, the directory after
    shown = embed_text(message)
    assert "Call **116 123**" in shown and "United Kingdom and Ireland" in shown


async def test_mental_health_puts_crisis_lines_before_the_rest(server: Server) -> None:
    message = answer(
        await server.member.slash(server.channel, "resources", topic="mental-health", region="US")
    )

    assert field_names(message) == ["Crisis lines", "Mental health"]
    ids = shown_ids(message)
    crisis = [i for i in ids if "crisis" in LIBRARY.resource(i).topics]  # type: ignore[union-attr]
    assert ids[: len(crisis)] == crisis
    assert {"national-maternal-mental-health-hotline", "postpartum-support-international"} <= set(ids)


async def test_a_topic_shows_only_that_topic(server: Server) -> None:
    message = answer(await server.member.slash(server.channel, "resources", topic="medications", region="US"))

    assert field_names(message) == ["Medicines and lactation"]
    assert shown_ids(message) == ["mothertobaby", "lactmed"]  # the country's own first


async def test_without_a_topic_resources_are_grouped_by_topic(server: Server) -> None:
    message = answer(await server.member.slash(server.channel, "resources", region="US"))

    names = field_names(message)
    assert names.index("Peer support") < names.index("Crisis lines") < names.index("General information")


async def test_topic_choices_are_the_fixed_list(server: Server, simcord_bot: LatchBot) -> None:
    commands = await simcord_bot.tree.fetch_commands()
    command = next(command for command in commands if command.name == "resources")
    topic = next(option for option in command.options if option.name == "topic")
    assert isinstance(topic, app_commands.Argument)

    assert [choice.value for choice in topic.choices] == [
        "peer-support",
        "lactation-consultant",
        "d-mer",
        "mental-health",
        "crisis",
        "medications",
        "pumping",
        "general",
    ]


# ------------------------------------------------------------------------------------------ server resources


async def add_server_resources(bot: LatchBot, guild_id: int, count: int, **fields: str) -> None:
    repository = ServerResourceRepository(bot.db)
    for number in range(1, count + 1):
        await repository.add(
            guild_id=guild_id,
            name=fields.get("name", f"Local group {number}"),
            url=f"https://local{number}.example.org/",
            description=fields.get("description", f"Meets every week, number {number}."),
            topic=fields.get("topic", "peer-support"),
            region=fields.get("region", "US"),
            actor_id=1,
            now=NOW,
        )


async def test_server_resources_come_after_the_built_ins_marked_as_this_servers(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add_server_resources(simcord_bot, server.guild.id, 1, name="Pumping Parents meetup")

    message = answer(await server.member.slash(server.channel, "resources", region="US"))

    ids = shown_ids(message)
    assert ids[-1] == "server"
    assert "server" not in ids[:-1]
    assert field_names(message)[-1] == "Peer support, added by this server"
    assert link_buttons(message)[-1]["label"].endswith("Pumping Parents meetup")


async def test_server_resources_only_show_in_their_server(server: Server, simcord_bot: LatchBot) -> None:
    other = server.env.create_guild("Night Feeds")
    other_channel = other.create_text_channel("general")
    neighbour = other.add_member(server.env.create_user("noor"))
    await add_server_resources(simcord_bot, server.guild.id, 2)

    here = answer(await server.member.slash(server.channel, "resources", region="US"))
    there = answer(await neighbour.slash(other_channel, "resources", region="US"))
    in_dm = answer(await server.member.user.slash("resources", region="US"))

    assert shown_ids(here).count("server") == 2
    assert "server" not in shown_ids(there)
    assert "server" not in shown_ids(in_dm)


async def test_server_resources_follow_topic_and_region(server: Server, simcord_bot: LatchBot) -> None:
    await add_server_resources(simcord_bot, server.guild.id, 1, topic="pumping", region="GB")

    assert "server" in shown_ids(answer(await server.member.slash(server.channel, "resources", region="GB")))
    assert "server" not in shown_ids(
        answer(await server.member.slash(server.channel, "resources", region="US"))
    )
    assert "server" not in shown_ids(
        answer(await server.member.slash(server.channel, "resources", region="GB", topic="d-mer"))
    )


async def test_text_a_moderator_typed_cannot_ping_or_break_the_embed(
    server: Server, simcord_bot: LatchBot
) -> None:
    await add_server_resources(
        simcord_bot, server.guild.id, 1, name="**Bold** @everyone", description="<@123> and __this__"
    )

    message = answer(await server.member.slash(server.channel, "resources", region="US"))

    shown = embed_text(message)
    assert "@everyone" not in shown and "<@123>" not in shown
    assert "\\*\\*Bold\\*\\*" in shown and "\\_\\_this\\_\\_" in shown


# ------------------------------------------------------------------------------------------ pages


async def test_more_than_25_resources_are_paginated(server: Server, simcord_bot: LatchBot) -> None:
    await add_server_resources(simcord_bot, server.guild.id, 30)
    expected_total = len(expected_for("US")) + 30

    first = await server.member.slash(server.channel, "resources", region="US")
    page = answer(first)
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        links = link_buttons(page)
        assert 1 <= len(links) <= 20
        assert all(len(row["components"]) <= 5 for row in page.components)
        assert len(page.components) <= 5
        assert sum(len(row["components"]) for row in page.components) <= 25
        assert len(page.embeds[0]) <= 6000
        assert (page.embeds[0].footer.text or "").startswith(f"Page {pages} of ")
        seen += [button["url"] for button in links]
        labels = {button["label"]: button for button in buttons(page) if button.get("style") != 5}
        assert set(labels) == {PREVIOUS_LABEL, NEXT_LABEL}
        assert bool(labels[PREVIOUS_LABEL].get("disabled")) == (pages == 1)
        if labels[NEXT_LABEL].get("disabled"):
            break
        turned = await server.member.click(page, label=NEXT_LABEL)
        assert answer(turned).id == page.id  # the same private message, turned to the next page
        page = answer(turned)

    assert pages >= 3
    assert len(seen) == len(set(seen)) == expected_total
    server_urls = [url for url in seen if url not in URLS]
    assert seen[-30:] == server_urls  # every server resource after every built-in one

    back = answer(await server.member.click(page, label=PREVIOUS_LABEL))
    assert (back.embeds[0].footer.text or "").startswith(f"Page {pages - 1} of ")


async def test_up_to_25_links_fit_on_one_page(server: Server, simcord_bot: LatchBot) -> None:
    fill = 25 - len(expected_for("US"))
    await add_server_resources(simcord_bot, server.guild.id, fill)

    message = answer(await server.member.slash(server.channel, "resources", region="US"))

    assert len(link_buttons(message)) == 25
    assert len(buttons(message)) == 25  # no page buttons
    assert not (message.embeds[0].footer.text or "").startswith("Page")


async def test_a_region_without_a_verified_crisis_line_is_told_so_plainly(server: Server) -> None:
    message = answer(await server.member.slash(server.channel, "resources", topic="crisis", region="BR"))

    assert shown_ids(message) == ["find-a-helpline"]
    description = message.embeds[0].description or ""
    assert "no verified crisis line for Brazil yet" in description
    assert EMERGENCY in description
