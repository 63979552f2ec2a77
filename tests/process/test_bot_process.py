"""`python -m bot run` as a real process against the loopback fake Discord."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.process.fake_discord import FakeDiscord
from tests.process.helpers import read_line_matching, spawn_cli

WITHIN = 60.0


@asynccontextmanager
async def bot_process(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'latch.sqlite3'}"}
    process = await spawn_cli(["run"], env={**fake.env(), **database}, stderr=asyncio.subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_run_logs_in_reaches_ready_and_answers_about(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with bot_process(fake_discord, tmp_path) as process:
        await fake_discord.wait_ready(within=WITHIN)
        assert len(fake_discord.command_syncs) == 1
        assert fake_discord.last_identify is not None
        intents = int(fake_discord.last_identify["intents"])
        privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
        assert intents & privileged == 0

        interaction = await fake_discord.dispatch_slash_command("about")
        callback = await fake_discord.wait_for_callback(interaction, within=WITHIN)

        assert callback["type"] == 4
        data = callback["data"]
        assert data["flags"] & 64  # ephemeral
        assert data["embeds"][0]["title"] == "About Latch"
        assert data["allowed_mentions"] == {"parse": []}
        assert fake_discord.unknown_requests == []

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), WITHIN) == 0
        assert process.stdout is not None
        output = (await process.stdout.read()).decode()
        assert "shut down cleanly" in output
        assert fake_discord.token not in output


async def test_sigterm_lets_an_in_flight_reply_finish(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with bot_process(fake_discord, tmp_path) as process:
        await fake_discord.wait_ready(within=WITHIN)
        hold = fake_discord.hold("POST", "/interactions/*/callback")
        interaction = await fake_discord.dispatch_slash_command("about")
        await hold.wait_arrived(within=WITHIN)

        process.send_signal(signal.SIGTERM)  # the reply is on the wire, parked by the fake
        assert process.stdout is not None
        # The reply, and possibly the bookkeeping of the server that just came online.
        await read_line_matching(process.stdout, "in-flight task(s) to finish", WITHIN)
        assert process.returncode is None  # still waiting for the reply
        hold.release()

        callback = await fake_discord.wait_for_callback(interaction, within=WITHIN)
        assert callback["data"]["embeds"][0]["title"] == "About Latch"
        await read_line_matching(process.stdout, "shut down cleanly", WITHIN)
        assert await asyncio.wait_for(process.wait(), WITHIN) == 0


async def test_unchanged_tree_is_not_synced_again(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    for start in (1, 2):
        async with bot_process(fake_discord, tmp_path) as process:
            await fake_discord.wait_ready(start, within=WITHIN)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), WITHIN) == 0
    assert len(fake_discord.command_syncs) == 1
