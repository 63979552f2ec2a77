from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.command_sync import scope_key, tree_hash, tree_payload


def _tree(
    *, description: str = "Say hello", reverse: bool = False
) -> app_commands.CommandTree[discord.Client]:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @app_commands.command(name="hello", description=description)
    async def hello(interaction: discord.Interaction) -> None: ...

    @app_commands.command(name="about", description="About")
    async def about(interaction: discord.Interaction) -> None: ...

    commands: list[app_commands.Command[Any, Any, None]] = [hello, about]
    for command in reversed(commands) if reverse else commands:
        tree.add_command(command)
    return tree


def test_same_tree_same_hash_whatever_the_order() -> None:
    assert tree_hash(tree_payload(_tree(), None)) == tree_hash(tree_payload(_tree(reverse=True), None))


def test_any_change_changes_the_hash() -> None:
    before = tree_hash(tree_payload(_tree(), None))
    after = tree_hash(tree_payload(_tree(description="Say hello, kindly"), None))
    assert before != after


def test_scopes_have_distinct_keys() -> None:
    assert scope_key(None) != scope_key(1) != scope_key(2)
