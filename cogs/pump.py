"""/pump: pumping reminders (every · at · once · list · pause · resume · delete · done · timezone).

Every answer is private. Bad input is refused with what is accepted and nothing is stored. The
reminders themselves are sent by the dispatcher (bot/reminders/engine.py), which this cog starts when it
loads and stops when it unloads; the buttons on a delivered reminder come back here through `press`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.db.guild_settings import GuildSettingsRepository
from bot.db.reminders import Reminder
from bot.errors import UserFacingError
from bot.reminders.engine import ReminderDispatcher
from bot.reminders.rules import (
    AtRule,
    EveryRule,
    OnceRule,
    ReminderInputError,
    Rule,
    anchor_from,
    describe,
    parse_after,
    parse_interval,
    parse_quiet_hours,
    parse_time_of_day,
    parse_times,
)
from bot.reminders.service import NOT_FOUND, NOT_YOURS, ReminderService, Zone
from bot.timezones import UnknownZoneError, resolve_zone, zone_choices
from bot.ui.reminder_views import (
    NO_REMINDERS,
    PUMP_COG,
    SNOOZE_MINUTES,
    ButtonAction,
    ListAction,
    ReminderListView,
    register_reminder_components,
    reminder_label,
    reminders_embed,
    status_text,
    when_text,
)

T = TypeVar("T")

Deliver = Literal["dm", "channel"]
ALL = "all"
MAX_CHOICES = 25

UTC_NOTE = (
    "You haven't set a time zone, so this uses **UTC**. Set yours with `/pump timezone` "
    "(e.g. `tz:Europe/London`) and create the reminder again."
)
CHANNEL_NOT_ALLOWED = (
    "This server doesn't allow reminders in channels. A moderator can turn that on in `/curate settings`; "
    "until then use `deliver:dm` (the default)."
)
CHANNEL_NEEDS_SERVER = "`deliver:channel` only works in a server channel. Use `deliver:dm` here."


def _parsed(parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except ReminderInputError as error:
        raise UserFacingError(str(error)) from error


def _zone(text: str) -> str:
    try:
        return resolve_zone(text)
    except UnknownZoneError as error:
        raise UserFacingError(str(error)) from error


def _reminder_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 19:
        raise UserFacingError(NOT_FOUND)
    return int(cleaned)


class Pump(commands.GroupCog, name=PUMP_COG, group_name="pump", group_description="Pumping reminders"):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot
        self.dispatcher = ReminderDispatcher(bot)
        self.service = ReminderService(bot.db, bot.clock, self.dispatcher)

    async def cog_load(self) -> None:
        register_reminder_components(self.bot)
        await self.dispatcher.start()

    async def cog_unload(self) -> None:
        self.dispatcher.stop()

    # ------------------------------------------------------------------ answering

    async def _answer(
        self,
        interaction: discord.Interaction[LatchBot],
        text: str | None = None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Answer privately, with the caller's pending notice (a paused reminder) first."""
        notice = await self.service.notice(interaction.user.id)
        content = "\n\n".join(part for part in (notice, text) if part) or None
        kwargs: dict[str, Any] = {"ephemeral": True}
        if embed is not None:
            kwargs["embed"] = embed
        if view is not None:
            kwargs["view"] = view
        await interaction.response.send_message(content, **kwargs)

    async def _zone_for(self, interaction: discord.Interaction[LatchBot], typed: str | None) -> Zone:
        chosen = _zone(typed) if typed is not None and typed.strip() else None
        return await self.service.zone_for(interaction.user.id, chosen)

    async def _delivery_channel(
        self, interaction: discord.Interaction[LatchBot], deliver: Deliver
    ) -> int | None:
        if deliver == "dm":
            return None
        if interaction.guild_id is None or interaction.channel_id is None:
            raise UserFacingError(CHANNEL_NEEDS_SERVER)
        settings = await GuildSettingsRepository(self.bot.db).get(interaction.guild_id)
        if not settings.allow_channel_reminders:
            raise UserFacingError(CHANNEL_NOT_ALLOWED)
        return interaction.channel_id

    async def _create(
        self,
        interaction: discord.Interaction[LatchBot],
        rule: Rule,
        zone: Zone,
        channel_id: int | None,
        *,
        zone_matters: bool = True,
    ) -> None:
        reminder = await self.service.create(
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=channel_id,
            rule=rule,
            zone=zone.name,
        )
        where = f" in <#{channel_id}>" if channel_id is not None else " by DM"
        lines = [f"Reminder #{reminder.id} set: {describe(rule, zone.name)}."]
        if reminder.next_fire_at is not None:
            lines.append(f"Next{where}: {when_text(reminder.next_fire_at)}.")
        if zone.defaulted and zone_matters:
            lines.append(UTC_NOTE)
        await self._answer(interaction, "\n".join(lines))

    # ------------------------------------------------------------------ creating

    @app_commands.command(name="every", description="A reminder every few hours, e.g. every 3h")
    @app_commands.describe(
        interval="30m to 24h, e.g. 3h, 2h30m or 90m",
        starting="First reminder of the day at this local time, e.g. 06:00 (default: now)",
        quiet_hours="No reminders between these local times, e.g. 23:00-06:00",
        timezone="Your time zone, e.g. Europe/London (default: the one set with /pump timezone)",
        deliver="By DM (default) or in this channel, if the server allows it",
        since_last="Count from the last session marked done instead of a fixed grid",
    )
    async def every(
        self,
        interaction: discord.Interaction[LatchBot],
        interval: str,
        starting: str | None = None,
        quiet_hours: str | None = None,
        timezone: str | None = None,
        deliver: Deliver = "dm",
        since_last: bool = False,
    ) -> None:
        step = _parsed(parse_interval, interval)
        anchor = _parsed(parse_time_of_day, starting) if starting is not None else None
        quiet = _parsed(parse_quiet_hours, quiet_hours) if quiet_hours is not None else None
        zone = await self._zone_for(interaction, timezone)
        channel_id = await self._delivery_channel(interaction, deliver)
        if anchor is None:
            anchor = anchor_from(self.bot.clock.now(), zone.name)
        rule = EveryRule(interval=step, anchor=anchor, quiet=quiet, since_last=since_last)
        await self._create(interaction, rule, zone, channel_id)

    @app_commands.command(name="at", description="A reminder at set times of day, e.g. 06:00, 9:30, 13:00")
    @app_commands.describe(
        times='1 to 12 local times, e.g. "06:00, 9:30, 13:00" or "6am 1pm"',
        timezone="Your time zone, e.g. Europe/London (default: the one set with /pump timezone)",
        deliver="By DM (default) or in this channel, if the server allows it",
    )
    async def at(
        self,
        interaction: discord.Interaction[LatchBot],
        times: str,
        timezone: str | None = None,
        deliver: Deliver = "dm",
    ) -> None:
        rule = AtRule(_parsed(parse_times, times))
        zone = await self._zone_for(interaction, timezone)
        channel_id = await self._delivery_channel(interaction, deliver)
        await self._create(interaction, rule, zone, channel_id)

    @app_commands.command(name="once", description="One reminder after a while, e.g. in 45m")
    @app_commands.describe(after="1m to 7d, e.g. 45m, 2h30m or 1d")
    async def once(self, interaction: discord.Interaction[LatchBot], after: str) -> None:
        delay = _parsed(parse_after, after)
        zone = await self._zone_for(interaction, None)
        rule = OnceRule(self.bot.clock.now() + delay)
        await self._create(interaction, rule, zone, None, zone_matters=False)

    @every.autocomplete("timezone")
    @at.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(current)]

    # ------------------------------------------------------------------ managing

    @app_commands.command(name="list", description="Your reminders, with pause, resume and delete")
    async def list_reminders(self, interaction: discord.Interaction[LatchBot]) -> None:
        reminders = await self.service.mine(interaction.user.id)
        if not reminders:
            await self._answer(interaction, NO_REMINDERS)
            return
        view = ReminderListView(interaction.user.id, reminders, self._list_action)
        await self._answer(interaction, embed=reminders_embed(reminders), view=view)

    async def _list_action(
        self, interaction: discord.Interaction[Any], action: ListAction, reminder_id: int
    ) -> None:
        reminder = await self.service.owned(interaction.user.id, reminder_id)
        text = await self._apply(action, reminder)
        reminders = await self.service.mine(interaction.user.id)
        if not reminders:
            await interaction.response.edit_message(
                content=f"{text}\n\n{NO_REMINDERS}", embed=None, view=None
            )
            return
        view = ReminderListView(interaction.user.id, reminders, self._list_action)
        await interaction.response.edit_message(content=text, embed=reminders_embed(reminders), view=view)

    async def _apply(self, action: ListAction, reminder: Reminder) -> str:
        if action == "pause":
            paused = await self.service.pause(reminder)
            return f"Paused #{reminder.id}." if paused else f"#{reminder.id} was not active."
        if action == "resume":
            if reminder.status != "paused":
                return f"#{reminder.id} is not paused."
            upcoming = await self.service.resume(reminder)
            if upcoming is None:
                return f"#{reminder.id} had no time left to fire, so it is finished."
            return f"Resumed #{reminder.id}. Next: {when_text(upcoming)}."
        await self.service.delete(reminder)
        return f"Deleted #{reminder.id}."

    async def _chosen(self, interaction: discord.Interaction[LatchBot], typed: str | None) -> list[Reminder]:
        """The reminders an option names: one of the caller's, or all of them (empty or "all")."""
        if typed is None or typed.strip().casefold() in {"", ALL}:
            return await self.service.mine(interaction.user.id)
        return [await self.service.owned(interaction.user.id, _reminder_id(typed))]

    @app_commands.command(name="pause", description="Pause one reminder, or all of them")
    @app_commands.describe(reminder="Which reminder (leave empty for all)")
    async def pause(self, interaction: discord.Interaction[LatchBot], reminder: str | None = None) -> None:
        chosen = [item for item in await self._chosen(interaction, reminder) if item.status == "active"]
        if not chosen:
            raise UserFacingError(
                "Nothing to pause: none of those reminders is active. `/pump list` shows them."
            )
        lines = [await self._apply("pause", item) for item in chosen]
        await self._answer(interaction, "\n".join(lines) + "\nResume with `/pump resume`.")

    @app_commands.command(name="resume", description="Resume one paused reminder, or all of them")
    @app_commands.describe(reminder="Which reminder (leave empty for all)")
    async def resume(self, interaction: discord.Interaction[LatchBot], reminder: str | None = None) -> None:
        chosen = [item for item in await self._chosen(interaction, reminder) if item.status == "paused"]
        if not chosen:
            raise UserFacingError(
                "Nothing to resume: none of those reminders is paused. `/pump list` shows them."
            )
        lines = [await self._apply("resume", item) for item in chosen]
        await self._answer(interaction, "\n".join(lines))

    @app_commands.command(name="delete", description="Delete one of your reminders")
    @app_commands.describe(reminder="Which reminder")
    async def delete(self, interaction: discord.Interaction[LatchBot], reminder: str) -> None:
        target = await self.service.owned(interaction.user.id, _reminder_id(reminder))
        await self._answer(interaction, await self._apply("delete", target))

    @pause.autocomplete("reminder")
    @resume.autocomplete("reminder")
    async def reminder_or_all_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._reminder_choices(interaction, current, with_all=True)

    @delete.autocomplete("reminder")
    async def reminder_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._reminder_choices(interaction, current, with_all=False)

    async def _reminder_choices(
        self, interaction: discord.Interaction[LatchBot], current: str, *, with_all: bool
    ) -> list[app_commands.Choice[str]]:
        """Only the caller's own reminders are ever offered."""
        typed = current.strip().casefold()
        choices = []
        if with_all and (not typed or ALL.startswith(typed)):
            choices.append(app_commands.Choice(name="All my reminders", value=ALL))
        for reminder in await self.service.mine(interaction.user.id):
            label = f"{reminder_label(reminder)} ({status_text(reminder)})"[:100]
            if typed in label.casefold():
                choices.append(app_commands.Choice(name=label, value=str(reminder.id)))
        return choices[:MAX_CHOICES]

    @app_commands.command(
        name="done", description="Record a pumping session now (since-last reminders restart)"
    )
    async def done(self, interaction: discord.Interaction[LatchBot]) -> None:
        restarted = await self.service.done(interaction.user.id)
        text = f"Noted: session done at {when_text(self.bot.clock.now())}."
        if restarted:
            text += f" {restarted} since-last reminder(s) now count from this session."
        await self._answer(interaction, text)

    @app_commands.command(name="timezone", description="Your time zone for new reminders")
    @app_commands.describe(tz="An IANA zone or a city, e.g. Europe/London, America/New_York, Sydney")
    async def timezone(self, interaction: discord.Interaction[LatchBot], tz: str) -> None:
        zone = _zone(tz)
        await self.service.set_zone(interaction.user.id, zone)
        await self._answer(
            interaction,
            f"Your time zone is now **{zone}**. New reminders use it; existing ones keep their own "
            "(`/pump list` shows each one's zone).",
        )

    @timezone.autocomplete("tz")
    async def tz_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(current)]

    # ------------------------------------------------------------------ reminder buttons

    async def press(
        self,
        interaction: discord.Interaction[Any],
        action: ButtonAction,
        reminder_id: int,
        next_fire_at: datetime | None,
    ) -> None:
        """A button on a delivered reminder; only its owner may press it."""
        reminder = await self.service.owned(interaction.user.id, reminder_id, refusal=NOT_YOURS)
        if action == "done":
            await self.service.done(interaction.user.id, reminder)
            text = f"Nice work. Session recorded at {when_text(self.bot.clock.now())}."
        elif action in SNOOZE_MINUTES:
            until = await self.service.snooze(reminder, SNOOZE_MINUTES[action])
            text = f"Snoozed: I'll remind you again at {when_text(until)}."
        elif action == "skip":
            upcoming = await self.service.skip(reminder, next_fire_at)
            text = "Skipped the next one."
            text += f" After it: {when_text(upcoming)}." if upcoming else " There are no more after it."
        else:
            paused = await self.service.pause(reminder)
            text = "Paused. Resume it with `/pump resume`." if paused else "This reminder is already paused."
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Pump(bot))
