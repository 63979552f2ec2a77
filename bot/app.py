"""`create_bot(settings)`: the one way the bot is built, for `run`, the preview and the tests."""

from __future__ import annotations

import logging
import pkgutil
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot import __version__
from bot.clock import Clock, SystemClock
from bot.command_sync import sync_if_changed
from bot.config import Settings
from bot.content.loader import ContentLibrary, load_library
from bot.db.app_state import AppStateRepository
from bot.db.database import Database
from bot.errors import OUTCOME, answer_expected_error, command_name, report_error, send_ephemeral
from bot.health import install_heartbeat, interaction_outcome, record_interaction
from bot.inflight import InflightTracker
from bot.scheduling import Scheduler

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0
# Where the tree notes an interaction it turned away before any command ran (restarting, a refused
# autocomplete), so the metrics leave it out (interaction.extras).
_REFUSED = "latch_refused"
# Marks a command object whose invocation answers expected errors itself (see `_answers_expected_errors`).
_ANSWERS_EXPECTED = "__latch_answers_expected_errors__"


def extension_names() -> list[str]:
    """Every module in `cogs/` is an extension."""
    return sorted(f"cogs.{module.name}" for module in pkgutil.iter_modules(cogs.__path__))


def _answers_expected_errors(command: app_commands.Command[Any, ..., Any]) -> None:
    """Make `command` answer an expected error (bad input, a refused check) itself, as a reply.

    discord.py hands whatever a command raises (from its checks, its option transformers or its
    callback) to the tree's error handler, and from there it counts as a failure: a test harness or
    the preview records it like a bug. Bad input is not a failure, so it is answered right where the
    command is invoked, and only bugs travel on to `LatchTree.on_error` and its reference. Done once per
    command object, the first time it runs, so commands added to the tree in any way are covered.
    """
    if getattr(command, _ANSWERS_EXPECTED, False):
        return
    invoke = command._invoke_with_namespace

    async def invoke_answering(
        interaction: discord.Interaction[Any], namespace: app_commands.Namespace
    ) -> Any:
        try:
            return await invoke(interaction, namespace)
        except app_commands.AppCommandError as error:
            if await answer_expected_error(interaction, error, where=command_name(interaction)):
                return None
            raise

    command._invoke_with_namespace = invoke_answering  # type: ignore[method-assign]
    setattr(command, _ANSWERS_EXPECTED, True)


def intents() -> discord.Intents:
    # Slash commands arrive as interactions and need no intents; `guilds` keeps the server and channel
    # cache that permission checks and channel lookups use. Nothing privileged.
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class LatchTree(app_commands.CommandTree["LatchBot"]):
    async def interaction_check(self, interaction: discord.Interaction[LatchBot], /) -> bool:
        if not self.client.accepting_work:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await send_ephemeral(interaction, "Latch is restarting. Please try again in a minute.")
            interaction.extras[_REFUSED] = True
            return False
        return await self._passes_gate(interaction)

    async def _passes_gate(self, interaction: discord.Interaction[LatchBot]) -> bool:
        """Run the gate of the command's top-level group (e.g. /curate's moderator check), if any.

        discord.py runs a group's own check only for its direct subcommands and never for
        autocomplete, so a check on /curate would miss `/curate tip add`; here it covers every
        subcommand, and autocomplete too. A refusal (the gate raises an expected error) is answered
        with its friendly text; autocomplete gets no choices.
        """
        command = interaction.command
        if not isinstance(command, app_commands.Command):
            return True
        root = command.root_parent or command
        gate = self.client.command_gates.get(root.name)
        if gate is None:
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            try:
                await gate(interaction)
            except app_commands.AppCommandError:
                await interaction.response.autocomplete([])
                interaction.extras[_REFUSED] = True
                return False
            return True
        try:
            await gate(interaction)
        except app_commands.AppCommandError as error:
            if await answer_expected_error(interaction, error, where=command_name(interaction)):
                return False
            raise
        return True

    def _prepare_command(self, interaction: discord.Interaction[LatchBot]) -> None:
        data = interaction.data
        if data is None or data.get("type", 1) != 1 or "name" not in data:
            return  # a context menu (Latch has none) or nothing to resolve
        try:
            command, _options = self._get_app_command_options(data)  # type: ignore[arg-type]
        except app_commands.AppCommandError:
            return  # unknown or outdated: discord.py raises it again, and the error handler answers
        _answers_expected_errors(command)

    async def _call(self, interaction: discord.Interaction[LatchBot]) -> None:
        # Counted as in-flight work so a shutdown lets a running command finish its reply.
        async with self.client.inflight.track():
            if interaction.type is discord.InteractionType.autocomplete:
                await super()._call(interaction)
                return
            started = time.perf_counter()
            self._prepare_command(interaction)
            try:
                await super()._call(interaction)
            except Exception as error:  # discord.py hands it to on_error once this returns
                interaction.extras.setdefault(OUTCOME, interaction_outcome(error))
                raise
            finally:
                if not interaction.extras.get(_REFUSED):
                    command = interaction.command
                    record_interaction(
                        f"/{command.qualified_name}" if command is not None else "unknown",
                        interaction.extras.get(OUTCOME, "ok"),
                        time.perf_counter() - started,
                    )

    async def on_error(
        self, interaction: discord.Interaction[LatchBot], error: app_commands.AppCommandError, /
    ) -> None:
        await report_error(interaction, error, where=command_name(interaction))


class LatchBot(commands.Bot):
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=LatchTree,
            help_command=None,
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.scheduler = Scheduler(self.clock)
        self.inflight = InflightTracker()
        self.accepting_work = True
        # Top-level command name → a check every interaction with it must pass (raising to refuse).
        self.command_gates: dict[str, Callable[[discord.Interaction[Any]], Awaitable[object]]] = {}
        self.version = __version__
        self._db: Database | None = None
        self._content: ContentLibrary | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is opened in setup_hook")
        return self._db

    @property
    def content(self) -> ContentLibrary:
        if self._content is None:
            raise RuntimeError("content is loaded in setup_hook")
        return self._content

    async def setup_hook(self) -> None:
        self._db = await Database.open(self.settings.database_path)
        applied = await self._db.migrate()
        if applied:
            log.info("database migrated to version %s", applied[-1])
        self._content = load_library(self.settings.content_dir)
        self.scheduler.start(self.loop)
        if self.settings.health_port is not None:
            install_heartbeat(self.scheduler)
        for name in extension_names():
            await self.load_extension(name)
        await sync_if_changed(
            self.tree, AppStateRepository(self._db), self.clock, self.settings.dev_guild_ids
        )

    async def on_ready(self) -> None:
        user = self.user
        log.info("ready as %s (id %s) in %d servers", user, user.id if user else "?", len(self.guilds))

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in event %s", event_method)

    async def close(self) -> None:
        """Stop taking work, let in-flight work finish (bounded), then release everything."""
        if not self.accepting_work and self.is_closed():
            return
        self.accepting_work = False
        if self.inflight.count:
            log.info("waiting for %d in-flight task(s) to finish", self.inflight.count)
        if not await self.inflight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("shutting down with %d task(s) still in flight", self.inflight.count)
        self.scheduler.shutdown()
        await super().close()
        if self._db is not None:
            await self._db.close()
            self._db = None
        log.info("shut down cleanly")


def create_bot(settings: Settings, *, clock: Clock | None = None) -> LatchBot:
    return LatchBot(settings, clock=clock)
