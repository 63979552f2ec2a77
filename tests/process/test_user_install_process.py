"""Latch installed to a member's own account: `python -m bot run` against the loopback fake Discord.

The fake sends INTERACTION_CREATE as Discord does for a user install: `authorizing_integration_owners`
with only the user key, `context` 0 (a server), 1 (the bot's DM) or 2 (a group DM), and the
`app_permissions` Discord gives there. Four places: a server Latch is in, a server Latch is not in (no
GUILD_CREATE; its channels answer the bot 403), the bot's DM, and a group DM Latch is not part of.
Every member command answers through the interaction, privately; nothing is posted into a place Latch
is not in; Share there is the public answer to the button itself; `deliver:channel` is refused with a
sentence; reminders made there come by DM; and no row names a server Latch is not in, so retention has
nothing to record. No sleeps: every wait is on an event of the fake or of the process.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import to_storage
from tests.process.fake_discord import EPHEMERAL, LOADING, FakeDiscord, FakeInteraction, Json
from tests.process.helpers import spawn_cli

WITHIN = 60.0
FACT_ID, FACT_TITLE = "engorgement", "Engorgement: very full and swollen"
SHARE_LABEL = "Share in channel"
FAILED = "Something went wrong"
MEMBER_COMMANDS = ("about", "fact", "letdown", "privacy", "pump", "resources", "search", "tip")
SERVER_INSTALL_ONLY = ("curate", "suggest")
# Every member command, as a member would call it: (command, options).
CALLS: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("fact", None),
    ("fact", {"topic": FACT_ID}),
    ("tip", None),
    ("letdown", None),
    ("search", {"query": "engorgement"}),
    ("resources", None),
    ("pump every", {"interval": "3h", "deliver": "dm"}),
    ("pump once", {"after": "30m"}),
    ("pump list", None),
    ("privacy view", None),
    ("about", None),
)
REFUSED_CHANNEL = {  # what `deliver:channel` answers in each place
    "server_with_latch": "This server doesn't allow reminders in channels.",
    "server_without_latch": "Latch isn't a member of this server, so it can't post in its channels.",
    "bot_dm": "`deliver:channel` only works in a server channel.",
    "group_dm": "`deliver:channel` only works in a server channel.",
}
PLACES = tuple(REFUSED_CHANNEL)


@dataclass(frozen=True)
class Place:
    name: str
    channel_id: int
    guild_id: int | None
    latch_is_there: bool  # a server Latch is in, or its own DM

    @property
    def in_server(self) -> bool:
        return self.guild_id is not None


def _place(fake: FakeDiscord, name: str) -> Place:
    if name == "server_with_latch":
        return Place(name, fake.channel_id, fake.guild_id, latch_is_there=True)
    if name == "server_without_latch":
        guild_id, channel_id = fake.add_foreign_guild()
        return Place(name, channel_id, guild_id, latch_is_there=False)
    if name == "bot_dm":
        return Place(name, fake.dm_channel_id(fake.user_id), None, latch_is_there=True)
    friend = int(fake.add_user(username="friend", member=False)["id"])
    return Place(name, fake.add_group_dm(fake.user_id, friend), None, latch_is_there=False)


@asynccontextmanager
async def _bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Path]:
    """`python -m bot run` against the fake until ready; yields its log file, shown on failure.

    On leaving, the process is stopped with SIGTERM and must exit cleanly, with no traceback and no
    error in its log."""
    start = fake.ready_count + 1
    log_path = tmp_path / f"bot-{start}.log"
    env = {**fake.env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'latch.sqlite3'}"}
    with log_path.open("wb") as log:
        process = await spawn_cli(["run"], env=env, stdout=log.fileno(), stderr=asyncio.subprocess.STDOUT)
        try:
            await _ready_or_exited(fake, process, start)
            await fake.wait_until(lambda: fake.commands.get(None), WITHIN, "the global command tree")
            yield log_path
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), WITHIN) == 0
            output = log_path.read_text(errors="replace")
            assert "Traceback" not in output
            assert " ERROR " not in output
            assert FAILED not in output
        except BaseException as error:
            error.add_note(f"bot log ({log_path}):\n" + log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _ready_or_exited(fake: FakeDiscord, process: asyncio.subprocess.Process, count: int) -> None:
    """Wait for READY #count; fail at once (not after the whole wait) if the process ends first."""
    ready = asyncio.ensure_future(fake.wait_ready(count, within=WITHIN))
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        raise AssertionError(f"the bot exited with {process.returncode} before READY")
    exited.cancel()
    await ready


async def _run(
    fake: FakeDiscord, place: Place, name: str, options: dict[str, Any] | None = None
) -> tuple[Json, Json]:
    """Run a command from a user install in `place`; (callback, the message it answered with)."""
    interaction = await fake.dispatch_slash_command(
        name, options, channel_id=place.channel_id, user_install=True
    )
    return await _answered(fake, interaction)


async def _answered(fake: FakeDiscord, interaction: FakeInteraction) -> tuple[Json, Json]:
    callback = await fake.wait_for_callback(interaction, within=WITHIN)
    assert callback["type"] in (4, 5), callback
    if callback["type"] == 5:  # deferred: the answer is the first follow-up, filling the original
        await fake.wait_until(
            lambda: interaction.original and not interaction.original["flags"] & LOADING,
            WITHIN,
            f"the answer to {interaction.id}",
        )
    message = interaction.original or callback.get("data") or {}
    assert message.get("content") or message.get("embeds"), f"an empty answer: {callback}"
    assert FAILED not in (message.get("content") or ""), message["content"]
    return callback, message


def _is_ephemeral(callback: Json) -> bool:
    return bool(int((callback.get("data") or {}).get("flags") or 0) & EPHEMERAL)


def _buttons(message: Json) -> dict[str, str]:
    """label → custom_id of the message's buttons."""
    return {
        button["label"]: button.get("custom_id", "")
        for row in message.get("components") or []
        for button in row.get("components") or []
        if button.get("type") == 2 and "label" in button
    }


def _requests_into(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests if r.path.startswith(f"/channels/{channel_id}")]


def _cells_naming(database_path: Path, *ids: int) -> list[str]:
    """Where any stored cell equals one of `ids` (as a number or as text), as "table.column"."""
    wanted = {*ids, *(str(i) for i in ids)}
    found: list[str] = []
    with sqlite3.connect(f"file:{database_path}?mode=ro", uri=True) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                query = f'SELECT "{column}" FROM "{table}"'  # noqa: S608 - names read from the schema
                found += [f"{table}.{column}" for (value,) in connection.execute(query) if value in wanted]
    return found


async def test_the_synced_tree_offers_member_commands_to_user_installs_everywhere(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Member commands: server and user installs, in servers, the bot's DM and group DMs; /curate and
    /suggest: server installs in servers only, so Discord never offers them to a user install."""
    async with _bot(fake_discord, tmp_path):
        sync = fake_discord.command_syncs[0]
        assert sync.guild_id is None
        declared = {c["name"]: (c.get("integration_types"), c.get("contexts")) for c in sync.commands}
        assert set(declared) >= {*MEMBER_COMMANDS, *SERVER_INSTALL_ONLY}
        assert all(installs and contexts for installs, contexts in declared.values()), declared
        for name in MEMBER_COMMANDS:
            assert declared[name] == ([0, 1], [0, 1, 2]), name
        for name in SERVER_INSTALL_ONLY:
            assert declared[name] == ([0], [0]), name

        foreign = _place(fake_discord, "server_without_latch")
        for name in SERVER_INSTALL_ONLY:
            with pytest.raises(LookupError, match="not offered to integration type 1"):
                await fake_discord.dispatch_slash_command(
                    name, channel_id=foreign.channel_id, user_install=True
                )
        _, message = await _run(fake_discord, foreign, "about")  # while member commands are
        assert message["embeds"][0]["title"] == "About Latch"


@pytest.mark.parametrize("place_name", PLACES)
async def test_every_member_command_answers_privately_from_a_user_install(
    fake_discord: FakeDiscord, tmp_path: Path, place_name: str
) -> None:
    """Each member command answers with an ephemeral interaction reply and posts nothing anywhere;
    `deliver:channel` is refused with a sentence and stores nothing; where Latch is not, no stored row
    names the place (retention never learns of that server)."""
    async with _bot(fake_discord, tmp_path):
        place = _place(fake_discord, place_name)
        for name, options in CALLS:
            callback, message = await _run(fake_discord, place, name, options)
            assert _is_ephemeral(callback), f"/{name} in {place.name} is visible to everyone"
            if name == "fact" and options:
                assert message["embeds"][0]["title"] == FACT_TITLE
                # Share is offered in servers (through the interaction where Latch is not there).
                assert (SHARE_LABEL in _buttons(message)) is place.in_server

        callback, message = await _run(
            fake_discord, place, "pump every", {"interval": "2h", "deliver": "channel"}
        )
        assert _is_ephemeral(callback)
        assert message["content"].startswith(REFUSED_CHANNEL[place.name]), message["content"]
        assert "deliver:dm" in message["content"]  # says what works instead

        _, listing = await _run(fake_discord, place, "pump list")
        labels = [field["name"] for field in listing["embeds"][0]["fields"]]
        assert len(labels) == 2, labels  # the every and the once; the refused one was not stored
        assert not any("in channel" in label for label in labels)

    assert fake_discord.requests_to("POST", "/channels/*/messages") == []
    assert fake_discord.unknown_requests == []
    ids = [place.channel_id] + ([place.guild_id] if place.guild_id is not None else [])
    named = _cells_naming(tmp_path / "latch.sqlite3", *ids)
    if not place.latch_is_there:
        assert _requests_into(fake_discord, place.channel_id) == []
        assert named == []
    elif place.in_server:  # a server Latch is in keeps its reminders under it: the scan sees that
        assert "reminders.guild_id" in named


async def test_share_answers_through_the_interaction_where_latch_cannot_post(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """In a server Latch is not in, Share on a card is the public answer to the button press: nothing
    is POSTed to the server's channel. In a server Latch is in, Latch posts the copy itself."""
    async with _bot(fake_discord, tmp_path):
        foreign = _place(fake_discord, "server_without_latch")
        for name, options in (("fact", {"topic": FACT_ID}), ("tip", None)):
            _, card = await _run(fake_discord, foreign, name, options)
            share = _buttons(card)[SHARE_LABEL]
            pressed = await fake_discord.dispatch_component(share, card, user_install=True)
            callback, shared = await _answered(fake_discord, pressed)
            assert callback["type"] == 4
            assert not _is_ephemeral(callback), f"Share on /{name} stayed private"
            assert shared["embeds"][0]["title"] == card["embeds"][0]["title"]
            assert callback["data"]["allowed_mentions"] == {"parse": []}
        assert _requests_into(fake_discord, foreign.channel_id) == []
        assert fake_discord.requests_to("POST", "/channels/*/messages") == []

        home = _place(fake_discord, "server_with_latch")
        _, card = await _run(fake_discord, home, "fact", {"topic": FACT_ID})
        pressed = await fake_discord.dispatch_component(_buttons(card)[SHARE_LABEL], card, user_install=True)
        await fake_discord.wait_for_request("POST", f"/channels/{home.channel_id}/messages", within=WITHIN)
        [posted] = fake_discord.created_messages
        assert posted["embeds"][0]["title"] == FACT_TITLE
        await fake_discord.wait_until(lambda: pressed.followups or pressed.original, WITHIN, "Shared in …")
    assert fake_discord.unknown_requests == []


async def test_reminders_made_from_a_user_install_are_delivered_by_dm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A one-off reminder set in a server Latch is not in and one set in a group DM are kept without a
    server or channel and come by DM. Instead of waiting 30 minutes, the bot is stopped and their
    stored time moved to a minute ago; the restarted bot sends the missed occurrences (late)."""
    database_path = tmp_path / "latch.sqlite3"
    async with _bot(fake_discord, tmp_path):
        places = [_place(fake_discord, "server_without_latch"), _place(fake_discord, "group_dm")]
        for place in places:
            callback, message = await _run(fake_discord, place, "pump once", {"after": "30m"})
            assert _is_ephemeral(callback)
            assert "Next by DM:" in message["content"], message["content"]

    with sqlite3.connect(database_path) as connection:
        rows = connection.execute(
            "SELECT id, guild_id, channel_id FROM reminders WHERE user_id = ?", (fake_discord.user_id,)
        ).fetchall()
        assert [(guild, channel) for _, guild, channel in rows] == [(None, None), (None, None)]
        due = to_storage(datetime.now(UTC) - timedelta(minutes=1))
        connection.execute(
            "UPDATE reminders SET next_fire_at = ? WHERE user_id = ?", (due, fake_discord.user_id)
        )

    async with _bot(fake_discord, tmp_path):
        await fake_discord.wait_until(
            lambda: len(fake_discord.dm_messages(fake_discord.user_id)) >= len(rows),
            WITHIN,
            "both reminders in the member's DM",
        )
        delivered = fake_discord.dm_messages(fake_discord.user_id)
        assert [m["embeds"][0]["title"] for m in delivered] == ["Time to pump (late)"] * len(rows)
        assert "Done" in _buttons(delivered[0])

    dm_channel = fake_discord.dm_channel_id(fake_discord.user_id)
    posts = {r.path for r in fake_discord.requests_to("POST", "/channels/*/messages")}
    assert posts == {f"/channels/{dm_channel}/messages"}
    for place in places:
        assert _requests_into(fake_discord, place.channel_id) == []
    assert fake_discord.unknown_requests == []
