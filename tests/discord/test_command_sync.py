"""A restart with an unchanged tree makes no sync request; a changed tree makes exactly one."""

from __future__ import annotations

from collections.abc import Callable

import discord
import simcord
from discord import app_commands

from bot.app import LatchBot
from tests.conftest import text


def _sync_requests(env: simcord.Env) -> int:
    return sum(
        1 for request in env.http_requests if request.method == "PUT" and request.path.endswith("/commands")
    )


async def test_restart_syncs_only_when_the_tree_changed(
    simcord_env: simcord.Env, bot_factory: Callable[[], LatchBot]
) -> None:
    assert _sync_requests(simcord_env) == 1  # first start on an empty database

    await simcord_env.restart_bot(bot_factory())
    assert _sync_requests(simcord_env) == 1  # same tree: no request at all

    changed = bot_factory()

    @app_commands.command(name="extra", description="A command added in a new release")
    async def extra(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("extra", ephemeral=True)

    changed.tree.add_command(extra)
    await simcord_env.restart_bot(changed)
    assert _sync_requests(simcord_env) == 2  # changed tree: exactly one more

    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("sam"))
    result = await member.slash(channel, "extra")  # the synced command really is live
    assert text(result) == "extra"

    await simcord_env.restart_bot(bot_factory())  # back to the old tree: a change again
    assert _sync_requests(simcord_env) == 3


async def test_the_synced_tree_declares_where_each_command_can_be_installed_and_used(
    simcord_env: simcord.Env,
) -> None:
    """Member commands: a server install or a member's own account, in servers, the bot's DMs and group
    DMs. /curate and /suggest: installed to a server, used in it."""
    [sync] = [r for r in simcord_env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert isinstance(sync.json, list)
    declared = {
        command["name"]: (sorted(command["integration_types"]), sorted(command["contexts"]))
        for command in sync.json
    }

    server_only = {"curate", "suggest"}
    member_commands = {"fact", "tip", "letdown", "search", "resources", "pump", "privacy", "about"}
    assert set(declared) == server_only | member_commands
    for name in member_commands:
        assert declared[name] == ([0, 1], [0, 1, 2]), name  # guild and user install; guild, DM, group DM
    for name in server_only:
        assert declared[name] == ([0], [0]), name
