"""/fact as a member sees it: autocomplete, the card, Share in channel, the browse menu, unknown topics."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import discord
import pytest
import simcord
from simcord.components import walk_components

from bot.app import LatchBot
from bot.config import Settings
from bot.content.loader import load_library
from bot.content.models import TOPICS, Card
from bot.ui.card_views import render_card
from bot.ui.cards import crisis_text
from tests.conftest import Server, answer, text

LIBRARY = load_library(Settings(_env_file=None).content_dir)
FOOTER = "Peer-support information, not medical advice. Talk to an IBCLC or your doctor."
CRISIS_FIELD = "If you are struggling"
LINK = re.compile(r"^• \[[^\]]+\]\((https://[^)\s]+)\)$")


def components(message: simcord.ResponseMessage, kind: int) -> list[dict[str, Any]]:
    """Every component of this type on the message, as the raw dicts Discord shows."""
    return [component for component in walk_components(message.components) if component.get("type") == kind]


def buttons(message: simcord.ResponseMessage) -> list[dict[str, Any]]:
    return components(message, 2)


def button_labels(message: simcord.ResponseMessage) -> list[str]:
    return [button["label"] for button in buttons(message)]


def field(embed: discord.Embed, name: str) -> str | None:
    return next((item.value for item in embed.fields if item.name == name), None)


def assert_card_shown(result: simcord.InteractionResult, card: Card) -> discord.Embed:
    """What the member must see for any card: private, titled, sourced, with the disclaimer and buttons."""
    message = answer(result)
    assert message.ephemeral  # only the member sees it (also when a button updated it in place)
    assert len(message.embeds) == 1
    embed = message.embeds[0]
    assert embed.title == card.title
    assert embed.description
    assert embed.footer.text == FOOTER
    sources = field(embed, "Sources")
    assert sources is not None
    lines = sources.splitlines()
    assert len(lines) == len(card.sources)
    for line, source in zip(lines, card.sources, strict=True):
        match = LINK.match(line)
        assert match is not None, line
        assert unquote(match.group(1)) == unquote(source.link)
    crisis = field(embed, CRISIS_FIELD)
    if card.sensitive:
        assert crisis == crisis_text(LIBRARY.resources)
        assert "988" in crisis
    else:
        assert crisis is None
    expected = ["Share in channel", "Another tip"] if card.kind == "tip" else ["Share in channel"]
    assert button_labels(message) == expected + related_titles(card)
    return embed


def related_titles(card: Card) -> list[str]:
    return [found.title for found in LIBRARY.related(card)][:3]


def assert_pings_no_one(env: simcord.Env, message: discord.Message) -> None:
    assert message.content == ""
    assert not message.mentions and not message.role_mentions and not message.mention_everyone
    stored = env.backend.get_message(message.channel.id, message.id)
    assert stored.ping_user_ids == [] and stored.ping_role_ids == []
    policy = stored.allowed_mentions
    assert policy.everyone is False
    assert policy.users == frozenset() and policy.roles == frozenset()


# ------------------------------------------------------------------ autocomplete


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("letdwon", "milk-ejection-reflex"),
        ("galactorea", "galactorrhea"),
        ("dmer", "d-mer"),
        ("D-MER", "d-mer"),
        ("lactmed", "medications"),
        ("men lactating", "lactation-in-men"),
        ("oxytocin spray", "oxytocin-spray"),
        ("red flags", "when-to-see-a-doctor"),
    ],
)
async def test_autocomplete_finds_the_card_despite_typos(server: Server, typed: str, expected: str) -> None:
    offered = await server.member.autocomplete(server.channel, "fact", "topic", typed)

    assert 1 <= len(offered) <= 25
    assert offered[0]["value"] == expected
    assert offered[0]["name"] == LIBRARY.get(expected).title  # type: ignore[union-attr]


async def test_autocomplete_on_empty_input_lists_the_most_useful_first(server: Server) -> None:
    offered = await server.member.autocomplete(server.channel, "fact", "topic", "")

    values = [choice["value"] for choice in offered]
    assert len(values) == min(25, len(LIBRARY.facts))
    assert len(set(values)) == len(values) and set(values) <= {card.id for card in LIBRARY.facts}
    assert values[:3] == ["milk-ejection-reflex", "no-milk-when-pumping", "pump-output-is-not-supply"]


async def test_autocomplete_offers_only_facts(server: Server) -> None:
    offered = await server.member.autocomplete(server.channel, "fact", "topic", "warm compress")

    fact_ids = {card.id for card in LIBRARY.facts}
    assert len(offered) <= 25
    assert all(choice["value"] in fact_ids for choice in offered)
    assert "warmth" not in [choice["value"] for choice in offered]


# ------------------------------------------------------------------ the card


@pytest.mark.parametrize("card_id", [card.id for card in LIBRARY.facts])
async def test_every_fact_renders_for_a_member(server: Server, card_id: str) -> None:
    card = LIBRARY.get(card_id)
    assert card is not None

    result = await server.member.slash(server.channel, "fact", topic=card_id)

    assert_card_shown(result, card)
    assert server.channel.last_message is None  # nothing public until the member shares


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("DMER", "d-mer"),  # an alias, in another case
        ("the milk EJECTION reflex", "milk-ejection-reflex"),  # the title
        ("  Galactorrhea: milk when not breastfeeding ", "galactorrhea"),
        ("letdown", "milk-ejection-reflex"),
        ("D MER", "d-mer"),  # the id without its punctuation
    ],
)
async def test_a_typed_name_works_without_choosing_from_the_list(
    server: Server, typed: str, expected: str
) -> None:
    card = LIBRARY.get(expected)
    assert card is not None

    result = await server.member.slash(server.channel, "fact", topic=typed)

    assert_card_shown(result, card)


async def test_an_unknown_topic_names_the_three_closest_and_opens_them(server: Server) -> None:
    result = await server.member.slash(server.channel, "fact", topic="galactorrhoea causes")

    assert result.ephemeral
    message = text(result)
    assert message.startswith("No card called “galactorrhoea causes”.")
    suggested = re.findall(r"\*\*(.+?)\*\*", message)
    assert len(suggested) == 3
    assert suggested[0] == "Galactorrhea: milk when not breastfeeding"
    assert "How galactorrhea is treated" in suggested
    assert button_labels(answer(result)) == suggested

    opened = await server.member.click(answer(result), label="How galactorrhea is treated")

    treatment = LIBRARY.get("galactorrhea-treatment")
    assert treatment is not None
    assert_card_shown(opened, treatment)


async def test_unknown_text_is_echoed_without_mentions_or_markdown(server: Server) -> None:
    result = await server.member.slash(server.channel, "fact", topic="@everyone **bold** <@123>")

    message = text(result)
    assert result.ephemeral
    assert "@everyone" not in message and "<@123>" not in message
    assert "\\*\\*bold\\*\\*" in message
    assert len(re.findall(r"\*\*(?!\\)(.+?)\*\*", message.split("”.", 1)[1])) == 3


# ------------------------------------------------------------------ Share in channel


async def test_share_posts_a_public_copy_that_pings_no_one(server: Server, simcord_env: simcord.Env) -> None:
    card = LIBRARY.get("d-mer")
    assert card is not None and card.sensitive
    shown = await server.member.slash(server.channel, "fact", topic="d-mer")

    pressed = await server.member.click(answer(shown), label="Share in channel")

    public = server.channel.last_message
    assert public is not None
    assert simcord_env.bot.user is not None and public.author.id == simcord_env.bot.user.id
    assert not public.flags.ephemeral
    assert [embed.title for embed in public.embeds] == [card.title]
    assert field(public.embeds[0], CRISIS_FIELD) == crisis_text(LIBRARY.resources)  # also in public
    assert public.embeds[0].footer.text == FOOTER
    assert public.components == []
    # Exactly the card: nothing added, so nothing names who shared it.
    assert public.embeds[0].to_dict() == render_card(card, LIBRARY, "global").to_dict()
    assert_pings_no_one(simcord_env, public)
    # The member is told, privately, and the button cannot post a second copy by accident.
    assert [followup.ephemeral for followup in pressed.followups] == [True]
    assert pressed.followups[0].content.startswith(f"Shared in <#{server.channel.id}>.")
    assert button_labels(answer(pressed)) == ["Shared", *related_titles(card)]
    assert buttons(answer(pressed))[0]["disabled"] is True
    assert answer(pressed).embeds[0].title == card.title


async def test_a_sensitive_card_shows_the_crisis_lines_of_the_servers_region(
    server: Server, simcord_bot: LatchBot
) -> None:
    await simcord_bot.services.curation.update_settings(
        server.guild.id, actor_id=server.moderator.id, region="GB"
    )
    shown = answer(await server.member.slash(server.channel, "fact", topic="d-mer"))

    lines = field(shown.embeds[0], CRISIS_FIELD)
    assert lines == crisis_text(LIBRARY.resources, "GB")
    assert "116 123" in lines and "85258" in lines  # Samaritans and Shout
    assert "988" not in lines and "741741" not in lines  # the US lines are not the UK's


async def test_a_sensitive_card_in_a_dm_lists_the_largest_regions_and_the_directory(
    simcord_env: simcord.Env,
) -> None:
    user = simcord_env.create_user("alex")
    shown = answer(await user.slash("fact", topic="d-mer"))

    lines = field(shown.embeds[0], CRISIS_FIELD)
    assert lines == crisis_text(LIBRARY.resources, None)
    assert "988" in lines and "116 123" in lines and "findahelpline.com" in lines


async def test_related_cards_open_from_buttons_under_the_card(server: Server) -> None:
    card = LIBRARY.get("d-mer")
    assert card is not None and card.related
    shown = answer(await server.member.slash(server.channel, "fact", topic="d-mer"))
    related = [LIBRARY.get(card_id) for card_id in card.related]
    titles = [related_card.title for related_card in related if related_card is not None]

    labels = [item["label"] for item in walk_components(shown.components) if item.get("label")]
    assert labels[1:] == titles  # after Share in channel
    opened = answer(await server.member.click(shown, label=titles[0]))
    assert opened.ephemeral and opened.embeds[0].title == titles[0]


async def test_share_works_after_a_restart(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    card = LIBRARY.get("leaking")
    assert card is not None
    shown = await server.member.slash(server.channel, "fact", topic="leaking")

    await simcord_env.restart_bot(bot_factory())
    pressed = await server.member.click(answer(shown), label="Share in channel")

    public = server.channel.last_message
    assert public is not None
    assert [embed.title for embed in public.embeds] == [card.title]
    assert field(public.embeds[0], CRISIS_FIELD) is None
    assert_pings_no_one(simcord_env, public)
    assert pressed.followups[0].ephemeral


async def test_share_explains_a_missing_permission(server: Server, simcord_env: simcord.Env) -> None:
    assert simcord_env.bot.user is not None
    quiet = server.guild.create_text_channel(
        "no-embeds", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(embed_links=False)}
    )
    shown = await server.member.slash(quiet, "fact", topic="leaking")

    pressed = await server.member.click(answer(shown), label="Share in channel")

    assert quiet.last_message is None
    assert pressed.ephemeral
    assert text(pressed).startswith("I can't post in this channel")
    assert "Embed Links" in text(pressed)


async def test_share_does_not_post_where_the_member_cannot(server: Server, simcord_env: simcord.Env) -> None:
    assert simcord_env.bot.user is not None
    announcements = server.guild.create_text_channel(  # read-only for members; Latch may post
        "announcements",
        overwrites={
            server.guild.default_role: discord.PermissionOverwrite(send_messages=False),
            simcord_env.bot.user: discord.PermissionOverwrite(send_messages=True),
        },
    )
    shown = await server.member.slash(announcements, "fact", topic="leaking")

    pressed = await server.member.click(answer(shown), label="Share in channel")

    assert announcements.last_message is None
    assert pressed.ephemeral
    assert text(pressed).startswith("You can't send messages in this channel")


async def test_a_card_in_a_dm_has_no_share_button(simcord_env: simcord.Env) -> None:
    card = LIBRARY.get("leaking")
    assert card is not None
    user = simcord_env.create_user("alex")

    result = await user.slash("fact", topic="leaking")

    assert result.ephemeral
    assert answer(result).embeds[0].title == card.title
    assert button_labels(answer(result)) == related_titles(card)  # no Share in channel


# ------------------------------------------------------------------ browsing


async def test_fact_without_a_topic_shows_the_browse_menu_grouped_by_topic(server: Server) -> None:
    result = await server.member.slash(server.channel, "fact")

    assert result.ephemeral
    message = answer(result)
    embed = message.embeds[0]
    assert embed.title == "Fact cards by topic"
    topic_order = list(TOPICS.values())
    assert [item.name for item in embed.fields] == [
        label for slug, label in TOPICS.items() if any(slug in card.topics for card in LIBRARY.facts)
    ]
    menus = components(message, 3)
    assert 1 <= len(menus) <= 5
    options = [option for menu in menus for option in menu["options"]]
    assert all(len(menu["options"]) <= 25 for menu in menus)
    assert sorted(option["value"] for option in options) == sorted(card.id for card in LIBRARY.facts)
    by_id = {card.id: card for card in LIBRARY.facts}
    assert all(option["description"] == by_id[option["value"]].summary for option in options)
    first_topics = [topic_order.index(TOPICS[by_id[option["value"]].topics[0]]) for option in options]
    assert first_topics == sorted(first_topics)  # grouped, in TOPICS order


def menu_with(message: simcord.ResponseMessage, card_id: str) -> str:
    """The custom_id of the browse menu that offers ``card_id`` (more than 25 facts need several)."""
    return next(
        str(menu["custom_id"])
        for menu in components(message, 3)
        if card_id in [option["value"] for option in menu["options"]]
    )


async def test_choosing_a_fact_in_the_menu_shows_it(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    menu = answer(await server.member.slash(server.channel, "fact"))
    card = LIBRARY.get("milk-ejection-reflex")
    assert card is not None

    chosen = await server.member.select(menu, ["milk-ejection-reflex"], custom_id=menu_with(menu, card.id))
    assert_card_shown(chosen, card)

    await simcord_env.restart_bot(bot_factory())  # the menu still works on the old message
    sensitive = LIBRARY.get("d-mer")
    assert sensitive is not None
    chosen = await server.member.select(menu, ["d-mer"], custom_id=menu_with(menu, sensitive.id))
    assert_card_shown(chosen, sensitive)
