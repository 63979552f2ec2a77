"""`create_bot(settings)`: the one way the bot is built, for `run`, the preview and the tests.

The bot owns everything that lives as long as it does: the database, the content library, the
services (`bot.services`), and its background work — the reminder dispatcher, the tip-post dispatcher,
the daily retention job and the health heartbeat — started in `setup_hook` and stopped in `close`.
Cogs are only the Discord surface over the services.
"""

from __future__ import annotations

import logging
import pkgutil
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
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
from bot.content.models import Card
from bot.db.app_state import AppStateRepository
from bot.db.database import Database
from bot.domain.letdown import check_routine
from bot.domain.privacy import RETENTION_HOUR_UTC, RETENTION_JOB_ID, RETENTION_MINUTE
from bot.errors import Refusal
from bot.health import install_heartbeat
from bot.inflight import WorkGate
from bot.metrics import record_interaction
from bot.privacy.service import ServersSeen
from bot.reminders.dispatcher import ReminderDispatcher
from bot.scheduling import Scheduler
from bot.services import Services
from bot.tip_posts.dispatcher import TipPostDispatcher
from bot.ui.card_views import render_card
from bot.ui.components import register_components
from bot.ui.reminder_views import is_reminder_message, reminder_message, skipped_reminder_message
from bot.ui.replies import (
    OUTCOME,
    RESTARTING,
    answer_expected_error,
    command_name,
    interaction_outcome,
    report_error,
    send_ephemeral,
)
from bot.ui.share_views import caregiver_message
from bot.ui.tip_post import is_scheduled_post, scheduled_post_embed

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
    """Make ``command`` answer an expected error (bad input, a refused check) itself, as a reply.

    discord.py hands whatever a command raises (from its checks, its option transformers or its
    callback) to the tree's error handler, where a test harness or the preview counts it as a failure
    like a bug. Bad input is not a failure, so it is answered right where the command is invoked, and
    only bugs travel on to `LatchTree.on_error` and its reference. discord.py offers no public hook
    between the invocation and the tree's handler, so the command's own invocation is wrapped, once
    per command object, the first time it runs.
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
                await send_ephemeral(interaction, RESTARTING)
            interaction.extras[_REFUSED] = True
            return False
        return await self._passes_gate(interaction)

    async def _passes_gate(self, interaction: discord.Interaction[LatchBot]) -> bool:
        """Run the gate of the command's top-level group (e.g. /curate's moderator check), if any.

        discord.py runs a group's own check only for its direct subcommands and never for
        autocomplete, so a check on /curate would miss `/curate tip add`; here it covers every
        subcommand, and autocomplete too. A refusal is answered with its text; autocomplete gets no
        choices.
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
            except Refusal:
                await interaction.response.autocomplete([])
                interaction.extras[_REFUSED] = True
                return False
            return True
        try:
            await gate(interaction)
        except Exception as error:
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
        async with self.client.work.track():
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


class LatchBot(commands.AutoShardedBot):
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, library: ContentLibrary | None = None
    ) -> None:
        # This process's shards (all of them, as many as Discord recommends, unless SHARD_* say).
        self.shard_plan = plan = settings.shard_plan
        shards: dict[str, Any] = {"shard_count": plan.count}
        if plan.ids is not None:
            shards["shard_ids"] = list(plan.ids)
        super().__init__(
            **shards,
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=LatchTree,
            help_command=None,
            # Member commands work from a server install and from a member's own account (a user
            # install), in servers, the bot's DMs and group DMs; /curate and /suggest narrow this.
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
        )
        self.settings = settings
        # discord.utils.utcnow: real time in production, SimCord's virtual time under test.
        self.clock: Clock = clock or SystemClock(discord.utils.utcnow)
        self.scheduler = Scheduler(self.clock)
        self.work = WorkGate()
        # Top-level command name → a check every interaction with it must pass (raising to refuse).
        self.command_gates: dict[str, Callable[[discord.Interaction[Any]], Awaitable[object]]] = {}
        self.version = __version__
        self._db: Database | None = None
        self._content: ContentLibrary | None = None
        self._loaded_library = library
        self._services: Services | None = None
        self.reminder_dispatcher: ReminderDispatcher | None = None
        self.tip_post_dispatcher: TipPostDispatcher | None = None
        self._shards_up: set[int] = set()  # this process's shards that are up (see servers_seen)

    @property
    def accepting_work(self) -> bool:
        return self.work.accepting_work

    @property
    def database(self) -> Database | None:
        """The open database, or None before setup_hook and after close."""
        return self._db

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

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the services are built in setup_hook")
        return self._services

    async def setup_hook(self) -> None:
        self._db = database = await Database.open(self.settings.database_url)
        applied = await database.migrate()
        if applied:
            log.info("database migrated to revision %s", applied[-1])
        self._content = library = self._loaded_library or load_library(self.settings.content_dir)
        check_routine(library)  # refuse to start with a /letdown routine naming a tip the library lacks
        self.reminder_dispatcher = ReminderDispatcher(
            database,
            client=self,
            clock=self.clock,
            scheduler=self.scheduler,
            work=self.work,
            render=lambda delivery: reminder_message(delivery, library.tips),
            already_sent=is_reminder_message,
            render_skipped=skipped_reminder_message,
            render_copy=lambda delivery: caregiver_message(delivery, library.tips),
            # A process that does not run every shard shares the database (and the token) with others.
            peers=not self.shard_plan.runs_all,
            shard_ids=",".join(map(str, self.shard_plan.ids or ())),
            lease=timedelta(seconds=self.settings.reminder_lease_seconds),
        )
        self._services = services = Services.build(
            database, library, self.clock, reminder_wakeups=self.reminder_dispatcher
        )
        self.tip_post_dispatcher = TipPostDispatcher(
            services.tip_posts,
            client=self,
            clock=self.clock,
            scheduler=self.scheduler,
            work=self.work,
            render=self._render_for_server,
            already_posted=is_scheduled_post,
            process_id=self.reminder_dispatcher.process_id,
            owns_guild=None if self.shard_plan.runs_all else self.shard_plan.owns_guild,
        )
        services.tip_posts.dispatcher = self.tip_post_dispatcher
        await services.search.rebuild_library(library)
        register_components(self)
        self.scheduler.start(self.loop)
        if self.settings.health_port is not None:
            install_heartbeat(self.scheduler)
        self.scheduler.daily(
            RETENTION_JOB_ID, self.apply_retention, hour=RETENTION_HOUR_UTC, minute=RETENTION_MINUTE
        )
        await self.reminder_dispatcher.start()
        await self.tip_post_dispatcher.start()
        for name in extension_names():
            await self.load_extension(name)
        if self.shard_plan.leads:  # the commands are the bot's, not a process's: one process syncs them
            await sync_if_changed(
                self.tree, AppStateRepository(database), self.clock, self.settings.dev_guild_ids
            )

    async def _render_for_server(
        self, card: Card, guild_id: int, scheduled_for: datetime | None
    ) -> discord.Embed:
        region = (await self.services.curation.settings(guild_id)).region
        embed = render_card(card, self.content, region)
        return embed if scheduled_for is None else scheduled_post_embed(embed, scheduled_for)

    async def apply_retention(self) -> None:
        """The daily job: erase servers left more than 30 days ago; purge old delivery records and
        declined invitations older than a day."""
        report = await self.services.privacy.apply_retention(seen=self.servers_seen())
        await self.services.shares.forget_old_declines()  # declined invitations are kept a day
        if report.servers_erased or report.deliveries_purged:
            log.info(
                "retention: erased %d server(s) left over 30 days ago; purged %d delivery records",
                len(report.servers_erased),
                report.deliveries_purged,
            )

    def servers_seen(self) -> ServersSeen | None:
        """This process's shards that are up with their server list complete, and their servers.

        None before the guild cache is complete: then Latch cannot tell which servers it is still in.
        A shard counts from its READY (its servers have arrived) until it disconnects.
        """
        if not self.is_ready():
            return None
        up = frozenset(
            shard_id
            for shard_id in self._shards_up
            if (shard := self.get_shard(shard_id)) is not None and not shard.is_closed()
        )
        servers = frozenset(guild.id for guild in self.guilds if guild.shard_id in up)
        return ServersSeen(self.shard_count or 1, up, servers)

    async def on_shard_ready(self, shard_id: int) -> None:
        self._shards_up.add(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._shards_up.add(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._shards_up.discard(shard_id)

    async def on_ready(self) -> None:
        user = self.user
        log.info("ready as %s (id %s) in %d servers", user, user.id if user else "?", len(self.guilds))

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in event %s", event_method)

    async def close(self) -> None:
        """Stop taking work, let in-flight work finish (bounded), then release everything."""
        if not self.work.accepting_work and self.is_closed():
            return
        self.work.accepting_work = False
        if self.work.count:
            log.info("waiting for %d in-flight task(s) to finish", self.work.count)
        if not await self.work.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("shutting down with %d task(s) still in flight", self.work.count)
        if self.reminder_dispatcher is not None:
            self.reminder_dispatcher.stop()
        if self.tip_post_dispatcher is not None:
            self.tip_post_dispatcher.stop()
        self.scheduler.shutdown()
        await super().close()
        if self.reminder_dispatcher is not None and self._db is not None:
            try:
                await self.reminder_dispatcher.leave()
            except Exception:
                log.warning("could not remove this process from the process table", exc_info=True)
        if self._db is not None:
            await self._db.close()
            self._db = None
        log.info("shut down cleanly")


def create_bot(
    settings: Settings, *, clock: Clock | None = None, library: ContentLibrary | None = None
) -> LatchBot:
    """The bot. ``library``: content already loaded from ``settings.content_dir`` (the tests share one
    parsed library across many bots); by default setup_hook loads it."""
    return LatchBot(settings, clock=clock, library=library)
