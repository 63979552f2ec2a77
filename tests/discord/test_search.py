"""/search driven as a member: results, opening one, suggestions, bad input, scoping and privacy."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot.app import LatchBot, create_bot
from bot.config import Settings
from bot.content.loader import ContentLibrary, load_library
from bot.content.models import Card, Resource
from bot.content.search import MAX_QUERY_LENGTH, result_key
from bot.domain.suggestions import TipDraft
from bot.logging_setup import configure_logging
from bot.ui.card_views import SHARE_LABEL
from bot.ui.cards import CRISIS_FIELD, DISCLAIMER, SOURCES_FIELD, crisis_text, sources_value
from bot.ui.search_views import (
    NO_RESULTS,
    OPEN_RESULT_ID,
    RESOURCES_POINTER,
    RESULTS_TITLE,
    VISIT_LABEL,
)
from tests.conftest import Server, answer, refusals, text

EXAMPLE = "/search query:"


def _library(env: simcord.Env) -> ContentLibrary:
    bot = env.bot
    assert isinstance(bot, LatchBot)
    return bot.content


def _menu(message: simcord.ResponseMessage) -> dict[str, Any]:
    menus = [
        component
        for row in message.components
        for component in row.get("components", [])
        if component.get("custom_id") == OPEN_RESULT_ID
    ]
    assert len(menus) == 1, f"expected one result menu, got {message.components}"
    menu: dict[str, Any] = menus[0]
    return menu


def _keys(message: simcord.ResponseMessage) -> list[str]:
    return [str(option["value"]) for option in _menu(message)["options"]]


def _card_words(card: Card) -> str:
    return " ".join((card.title, *card.aliases, card.summary, card.body)).casefold()


def _searchable_text(library: ContentLibrary, key: str) -> str:
    kind, _, ref = key.partition(":")
    if kind == "resource":
        resource = library.resource(ref)
        assert resource is not None
        return " ".join((resource.name, resource.id, resource.description, *resource.topics)).casefold()
    card = library.get(ref)
    assert card is not None
    return _card_words(card)


async def _search(server: Server, query: str) -> simcord.InteractionResult:
    return await server.member.slash(server.channel, "search", query=query)


# ------------------------------------------------------------------------------------------ results


async def test_letdown_lists_at_most_five_private_results_with_a_menu(server: Server) -> None:
    result = await _search(server, "letdown")

    assert result.ephemeral
    message = answer(result)
    embed = message.embeds[0]
    assert embed.title == RESULTS_TITLE
    keys = _keys(message)
    assert 1 <= len(keys) <= 5
    library = _library(server.env)
    for key in keys:
        assert "letdown" in _searchable_text(library, key)
    # Each result shows its title, kind and summary in the list.
    first = library.get(keys[0].partition(":")[2])
    assert first is not None
    assert f"**1. {first.title}**" in (embed.description or "")
    assert f"{first.kind.capitalize()} · {first.summary}" in (embed.description or "")
    assert server.channel.last_message is None  # nothing was posted publicly


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("leaking", "fact:leaking"),
        ("galáctorrhea", "fact:galactorrhea"),  # diacritics removed
        ("GALACTORRHEA", "fact:galactorrhea"),  # case folded
        ("galac", "fact:galactorrhea"),  # prefix of a word still being typed
        ("galac", "fact:galactorrhea-treatment"),
        ("d-mer", "fact:d-mer"),
        ("samaritans", "resource:samaritans"),
        ("spine walk", "tip:spine-walk"),
        ("rice sock", "tip:warmth"),
    ],
)
async def test_query_finds_the_card(server: Server, query: str, expected: str) -> None:
    result = await _search(server, query)

    assert result.ephemeral
    assert expected in _keys(answer(result))


async def test_title_weighs_more_than_body(server: Server) -> None:
    result = await _search(server, "leaking")

    # The two cards with "leaking" in their titles come before any that only mention it in the body.
    assert set(_keys(answer(result))[:2]) == {"fact:leaking", "tip:leaking-at-night"}


async def test_stemming_finds_other_forms_of_a_word(server: Server) -> None:
    library = _library(server.env)
    result = await _search(server, "pumped")

    keys = _keys(answer(result))
    # "pumped" is rare in the library; results that never say it were found through the stem "pump".
    assert any("pumped" not in _searchable_text(library, key) for key in keys)
    assert all("pump" in _searchable_text(library, key) for key in keys)


async def test_several_words_prefer_cards_with_all_of_them(server: Server) -> None:
    result = await _search(server, "double pumping")

    assert _keys(answer(result))[0] == "tip:double-pumping"


async def test_words_that_never_meet_fall_back_to_any_word(server: Server) -> None:
    result = await _search(server, "samaritans galactorrhea")

    keys = _keys(answer(result))
    assert "resource:samaritans" in keys
    assert "fact:galactorrhea" in keys


# ------------------------------------------------------------------------------------ opening results


def _shipped_library() -> ContentLibrary:
    return load_library(Settings(_env_file=None).content_dir)


def _card_cases() -> Iterator[Any]:
    for card in _shipped_library().cards:
        yield pytest.param(card.id, id=card.id)


@pytest.mark.parametrize("card_id", list(_card_cases()))
async def test_every_card_is_found_by_its_title_and_opens_privately(server: Server, card_id: str) -> None:
    library = _library(server.env)
    card = library.get(card_id)
    assert card is not None
    listed = answer(await _search(server, card.title))
    key = result_key(card.kind, card.id)
    assert key in _keys(listed)

    opened = await server.member.select(listed, [key], custom_id=OPEN_RESULT_ID)

    assert opened.ephemeral
    embed = answer(opened).embeds[0]
    assert embed.title == card.title
    fields = {field.name: field.value or "" for field in embed.fields}
    assert fields[SOURCES_FIELD] == sources_value(card.sources)
    assert all(source.link.split("://", 1)[1][:20] in fields[SOURCES_FIELD] for source in card.sources)
    assert embed.footer.text == DISCLAIMER
    if card.sensitive:
        assert fields[CRISIS_FIELD] == crisis_text(library.resources)
        assert "116 123" in fields[CRISIS_FIELD]
    else:
        assert CRISIS_FIELD not in fields
    assert server.channel.last_message is None

    shared = await server.member.click(answer(opened), label=SHARE_LABEL)  # the same card buttons as /fact
    assert shared.acknowledged
    public = server.channel.last_message
    assert public is not None and public.embeds[0].title == card.title


def _resource_cases() -> Iterator[Any]:
    for resource in _shipped_library().resources:
        yield pytest.param(resource.id, id=resource.id)


@pytest.mark.parametrize("resource_id", list(_resource_cases()))
async def test_every_resource_is_found_by_name_and_opens_with_a_link(
    server: Server, resource_id: str
) -> None:
    library = _library(server.env)
    resource = library.resource(resource_id)
    assert isinstance(resource, Resource)
    listed = answer(await _search(server, resource.name))
    key = result_key("resource", resource.id)
    assert key in _keys(listed)

    opened = await server.member.select(listed, [key], custom_id=OPEN_RESULT_ID)

    assert opened.ephemeral
    message = answer(opened)
    embed = message.embeds[0]
    assert embed.title == resource.name
    assert embed.description == resource.description
    fields = {field.name: field.value for field in embed.fields}
    assert fields.get("Phone") == resource.phone
    assert fields.get("Text") == resource.text
    buttons = [item for row in message.components for item in row.get("components", [])]
    assert [(button["label"], button["url"]) for button in buttons] == [(VISIT_LABEL, resource.url)]


async def test_samaritans_shows_its_phone_number(server: Server) -> None:
    listed = answer(await _search(server, "samaritans"))
    opened = await server.member.select(listed, ["resource:samaritans"], custom_id=OPEN_RESULT_ID)

    embed = answer(opened).embeds[0]
    assert embed.title == "Samaritans"
    assert [(field.name, field.value) for field in embed.fields] == [("Phone", "116 123")]


async def test_results_menu_still_works_after_a_restart(
    server: Server, simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    listed = answer(await _search(server, "d-mer"))

    await simcord_env.restart_bot(bot_factory())
    opened = await server.member.select(listed, ["fact:d-mer"], custom_id=OPEN_RESULT_ID)

    embed = answer(opened).embeds[0]
    assert embed.title is not None and "D-MER" in embed.title
    assert CRISIS_FIELD in {field.name for field in embed.fields}


async def test_the_library_index_is_built_once_per_content(
    server: Server,
    simcord_env: simcord.Env,
    simcord_bot: LatchBot,
    bot_factory: Callable[[], LatchBot],
    settings: Settings,
) -> None:
    def indexed_refs(bot: LatchBot) -> Any:
        return bot.db.sql("SELECT ref FROM search_index WHERE guild_id IS NULL AND kind = 'fact'")

    # Take one card out of the index behind the bot's back: only a rebuild would put it back.
    await simcord_bot.db.sql("DELETE FROM search_index WHERE guild_id IS NULL AND ref = 'd-mer'")

    restarted = bot_factory()
    await simcord_env.restart_bot(restarted)  # the same content: the index is kept as it is
    assert {"ref": "d-mer"} not in await indexed_refs(restarted)
    assert "Did you mean: **galactorrhea**" in text(await _search(server, "galactorea"))  # suggester built

    library = _library(simcord_env)
    renamed = [
        card.model_copy(update={"title": "Dysphoric milk ejection reflex (D-MER) renamed"})
        if card.id == "d-mer"
        else card
        for card in library.cards
    ]
    changed = ContentLibrary(renamed, library.resources, library.offered_regions)
    bot = create_bot(settings, library=changed)
    try:
        await simcord_env.restart_bot(bot)  # changed content: rebuilt, every card back in
        assert {"ref": "d-mer"} in await indexed_refs(bot)
        assert "fact:d-mer" in _keys(answer(await _search(server, "renamed dysphoric")))
    finally:
        if bot.database is not None:
            await bot.database.close()


# ----------------------------------------------------------------------------------------- no result


async def test_a_typo_gets_did_you_mean_and_resources(server: Server) -> None:
    result = await _search(server, "galactorea")

    assert result.ephemeral
    message = answer(result)
    content = message.content
    assert content.startswith(NO_RESULTS)
    assert "Did you mean: **galactorrhea**" in content
    assert RESOURCES_POINTER in content
    assert "fact:galactorrhea" in _keys(message)  # close titles can be opened straight away

    opened = await server.member.select(message, ["fact:galactorrhea"], custom_id=OPEN_RESULT_ID)
    assert answer(opened).embeds[0].title == "Galactorrhea: milk when not breastfeeding"


async def test_suggested_search_finds_something(server: Server) -> None:
    content = text(await _search(server, "brething"))
    suggested = re.search(r"Did you mean: \*\*([^*]+)\*\*", content)
    assert suggested is not None, content

    again = await _search(server, suggested.group(1))
    assert _keys(answer(again))


async def test_nothing_close_still_points_to_resources(server: Server) -> None:
    result = await _search(server, "qqqqzzzz")

    message = answer(result)
    assert result.ephemeral
    assert message.content.startswith(NO_RESULTS)
    assert EXAMPLE in message.content
    assert RESOURCES_POINTER in message.content
    assert message.components == []


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("   ", "Type a word or two"),
        ("x" * (MAX_QUERY_LENGTH + 1), f"up to {MAX_QUERY_LENGTH} characters"),
        ("?! ... ***", "letters or numbers"),
    ],
)
async def test_bad_input_gets_a_short_private_message_with_an_example(
    server: Server, simcord_env: simcord.Env, query: str, says: str
) -> None:
    result = await _search(server, query)

    assert result.ephemeral
    content = text(result)
    assert says in content
    assert EXAMPLE in content
    assert "Something went wrong" not in content
    assert refusals(simcord_env) == [content]
    assert server.channel.last_message is None


async def test_a_query_of_exactly_the_limit_is_searched(server: Server) -> None:
    query = ("letdown " * 20)[:MAX_QUERY_LENGTH]

    result = await _search(server, query)

    assert _keys(answer(result))


@pytest.mark.parametrize(
    "query",
    [
        'letdown" OR "',
        "NEAR(letdown pump, 2)",
        "title:letdown",
        "* letdown ^",
        "(((",
        '"',
        "letdown AND",
        "- d-mer +",
        "letdown\x00pump",
        "{title aliases}: milk",
    ],
)
async def test_search_syntax_in_a_query_is_plain_text(
    server: Server, simcord_env: simcord.Env, query: str
) -> None:
    result = await _search(server, query)

    message = answer(result)
    assert result.ephemeral
    assert "Something went wrong" not in message.content
    assert message.embeds or message.content.startswith(NO_RESULTS) or EXAMPLE in message.content
    # Only "no words to search" may be refused, and only as the friendly message above; nothing fails.
    assert refusals(simcord_env) in ([], [message.content])
    assert not simcord_env.errors


# ------------------------------------------------------------------------------------- server scoping


async def test_a_servers_own_tips_appear_only_in_that_server(
    server: Server, simcord_env: simcord.Env
) -> None:
    bot = simcord_env.bot
    assert isinstance(bot, LatchBot)
    other_guild = simcord_env.create_guild("Night Feeds")
    other_channel = other_guild.create_text_channel("general")
    stranger = other_guild.add_member(simcord_env.create_user("alex"))
    await bot.services.curation.add_tip(
        server.guild.id,
        TipDraft("Hum a lullaby while pumping", "Our members swear by humming a lullaby.", None),
        actor_id=server.moderator.id,
    )

    here = answer(await _search(server, "lullaby"))
    there = answer(await stranger.slash(other_channel, "search", query="lullaby"))

    # With a server tip among the results, the menu is the one that also opens server tips.
    [menu] = [item for row in here.components for item in row.get("components", [])]
    assert menu["custom_id"] == OPEN_RESULT_ID
    assert [option["value"] for option in menu["options"]] == ["server-tip:server-tip-1"]
    assert "Server tip · Our members swear by humming a lullaby." in (here.embeds[0].description or "")
    assert there.content.startswith(NO_RESULTS)
    opened = await server.member.select(here, ["server-tip:server-tip-1"], custom_id=OPEN_RESULT_ID)
    assert answer(opened).embeds[0].title == "Hum a lullaby while pumping"


# -------------------------------------------------------------------------------------------- privacy

SECRET_WORDS = ("quixotically", "galactorrhea")


@pytest.fixture
def production_logging_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The bot's own logging set-up at LOG_LEVEL=DEBUG, with pytest's capture handler on the root."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    capped = [logging.getLogger(name) for name in ("discord", "aiosqlite", "psycopg", "sqlalchemy")]
    saved_caps = [logger.level for logger in capped]
    configure_logging("DEBUG", "text", secrets=[])
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for logger, level in zip(capped, saved_caps, strict=True):
            logger.setLevel(level)


def _log_text(records: list[logging.LogRecord]) -> str:
    parts = []
    for record in records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts).casefold()


async def test_the_query_is_never_logged(
    server: Server, production_logging_at_debug: pytest.LogCaptureFixture
) -> None:
    caplog = production_logging_at_debug
    query = " ".join(SECRET_WORDS)

    found = await _search(server, query)
    missed = await _search(server, "quixotically")
    await server.member.select(answer(found), [_keys(answer(found))[0]], custom_id=OPEN_RESULT_ID)

    assert _keys(answer(found))  # the search ran, and it ran against the database
    assert answer(missed).content.startswith(NO_RESULTS)
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)  # the bot's own DEBUG logging was on
    logged = _log_text(caplog.records)
    assert "quixotically" not in logged
    assert query not in logged


def _database_files(database: Path) -> dict[str, bytes]:
    """The database file and its -wal / -shm companions."""
    return {
        path.name: path.read_bytes()
        for path in database.parent.iterdir()
        if path.name.startswith(database.name)
    }


async def test_the_query_is_never_stored(server: Server, settings: Settings) -> None:
    await _search(server, "quixotically")
    await _search(server, "quixotically galactorrhea")

    stored = _database_files(settings.database_path)
    assert settings.database_path.name in stored
    assert any(b"galactorrhea" in content for content in stored.values())  # the index itself is there
    for content in stored.values():
        assert b"quixotically" not in content


async def test_the_answer_never_repeats_the_query(server: Server) -> None:
    for query in ("quixotically", "galactorea quixotically"):
        message = answer(await _search(server, query))
        shown = " ".join(
            [message.content, *(discord.utils.escape_markdown(str(e.to_dict())) for e in message.embeds)]
        )
        assert "quixotically" not in shown.casefold()
        assert "quixotically" not in str(message.components).casefold()
