"""/pump: pumping reminders (every · at · once · list · edit · pause · resume · delete · done · timezone).

Every answer is private. Bad input is refused with what is accepted and nothing is stored. The
reminders themselves are sent by the bot's reminder dispatcher; the buttons on a delivered reminder
are in `bot.ui.reminder_views`.
"""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import LatchBot
from bot.domain.reminders.building import ends, every_rule
from bot.domain.reminders.editing import RuleChanges, cleared_or
from bot.domain.reminders.model import AtRule, Ends, OnceRule, Reminder, Rule
from bot.domain.reminders.parsing import (
    MAX_INPUT_LENGTH,
    parse_after,
    parse_count,
    parse_interval,
    parse_night_interval,
    parse_night_window,
    parse_quiet_hours,
    parse_time_of_day,
    parse_times,
    parse_until,
)
from bot.domain.reminders.schedule import anchor_from
from bot.errors import Refusal
from bot.reminders.service import KEEP, ReminderService, Zone
from bot.ui.checks import latch_server
from bot.ui.options import MAX_CHOICES, TimeZone
from bot.ui.reminder_text import (
    ALL_MY_REMINDERS,
    NO_REMINDERS,
    NOTICES,
    RESUME_HINT,
    created_text,
    done_text,
    reminder_label,
    status_text,
    zone_set_text,
)
from bot.ui.reminder_views import MoveRemindersView, ReminderListView, apply_action, reminders_embed
from bot.ui.replies import reply

Deliver = Literal["dm", "channel"]
Value = app_commands.Range[str, 1, MAX_INPUT_LENGTH]  # what a member types for a reminder option
ALL = "all"
REMINDER_ID_LENGTH = 20  # "#" and a snowflake


def _reminder_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 19:
        raise Refusal("reminder.not_found")
    return int(cleaned)


class Pump(commands.GroupCog, name="Pump", group_name="pump", group_description="Pumping reminders"):
    def __init__(self, bot: LatchBot) -> None:
        self.bot = bot

    @property
    def service(self) -> ReminderService:
        return self.bot.services.reminders

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
        reason = await self.service.notice(interaction.user.id)
        notice = NOTICES.get(reason, NOTICES["dm_closed"]) if reason is not None else None
        content = "\n\n".join(part for part in (notice, text) if part) or None
        kwargs: dict[str, Any] = {"ephemeral": True}
        if embed is not None:
            kwargs["embed"] = embed
        if view is not None:
            kwargs["view"] = view
        await reply(interaction, content, **kwargs)

    async def _zone_for(self, interaction: discord.Interaction[LatchBot], chosen: str | None) -> Zone:
        return await self.service.zone_for(interaction.user.id, chosen)

    async def _delivery_channel(
        self, interaction: discord.Interaction[LatchBot], deliver: Deliver
    ) -> int | None:
        if deliver == "dm":
            return None
        if interaction.guild_id is not None and latch_server(interaction) is None:
            raise Refusal("reminder.channel_not_member")  # installed to the member's account only
        return await self.service.channel_allowed(latch_server(interaction), interaction.channel_id)

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
            guild_id=latch_server(interaction),
            channel_id=channel_id,
            rule=rule,
            zone=zone.name,
        )
        upcoming = await self.service.upcoming(reminder)
        await self._answer(
            interaction,
            created_text(reminder, zone_defaulted=zone.defaulted and zone_matters, upcoming=upcoming),
        )

    # ------------------------------------------------------------------ creating

    @app_commands.command(name="every", description="A reminder every few hours, e.g. every 3h")
    @app_commands.describe(
        interval="30m to 24h, e.g. 3h, 2h30m or 90m",
        starting="First reminder of the day at this local time, e.g. 06:00 (default: now)",
        quiet_hours="No reminders between these local times, e.g. 23:00-06:00",
        timezone="Your time zone, e.g. Europe/London (default: the one set with /pump timezone)",
        deliver="By DM (default) or in this channel, if the server allows it",
        since_last="Count from the last session marked done instead of a fixed grid",
        until="The last day it reminds you, e.g. 24 Dec or 2026-12-24 (default: it goes on)",
        count="Stop after this many reminders, 1 to 500 (default: it goes on)",
        night="A nightly window with a longer gap instead of silence, e.g. 22:00-06:00",
        night_interval="The gap through the night window, e.g. 4h30m (with night)",
    )
    async def every(
        self,
        interaction: discord.Interaction[LatchBot],
        interval: Value,
        starting: Value | None = None,
        quiet_hours: Value | None = None,
        timezone: TimeZone | None = None,
        deliver: Deliver = "dm",
        since_last: bool = False,
        until: Value | None = None,
        count: int | None = None,
        night: Value | None = None,
        night_interval: Value | None = None,
    ) -> None:
        step = parse_interval(interval)
        anchor = parse_time_of_day(starting) if starting is not None else None
        quiet = parse_quiet_hours(quiet_hours) if quiet_hours is not None else None
        window = parse_night_window(night) if night is not None else None
        night_step = parse_night_interval(night_interval) if night_interval is not None else None
        zone = await self._zone_for(interaction, timezone)
        rule_ends = self._ends(zone, until, count)
        channel_id = await self._delivery_channel(interaction, deliver)
        if anchor is None:
            anchor = anchor_from(self.bot.clock.now(), zone.name)
        rule = every_rule(
            step,
            anchor,
            quiet=quiet,
            since_last=since_last,
            night=window,
            night_interval=night_step,
            ends=rule_ends,
        )
        await self._create(interaction, rule, zone, channel_id)

    def _ends(self, zone: Zone, until: str | None, count: int | None) -> Ends | None:
        now = self.bot.clock.now()
        last_day = parse_until(until, now=now, zone=zone.name) if until is not None else None
        return ends(last_day, parse_count(count) if count is not None else None)

    @app_commands.command(name="at", description="A reminder at set times of day, e.g. 06:00, 9:30, 13:00")
    @app_commands.describe(
        times='1 to 12 local times, e.g. "06:00, 9:30, 13:00" or "6am 1pm"',
        timezone="Your time zone, e.g. Europe/London (default: the one set with /pump timezone)",
        deliver="By DM (default) or in this channel, if the server allows it",
        until="The last day it reminds you, e.g. 24 Dec or 2026-12-24 (default: it goes on)",
        count="Stop after this many reminders, 1 to 500 (default: it goes on)",
    )
    async def at(
        self,
        interaction: discord.Interaction[LatchBot],
        times: Value,
        timezone: TimeZone | None = None,
        deliver: Deliver = "dm",
        until: Value | None = None,
        count: int | None = None,
    ) -> None:
        listed = parse_times(times)
        zone = await self._zone_for(interaction, timezone)
        rule = AtRule(listed, ends=self._ends(zone, until, count))
        channel_id = await self._delivery_channel(interaction, deliver)
        await self._create(interaction, rule, zone, channel_id)

    @app_commands.command(name="once", description="One reminder after a while, e.g. in 45m")
    @app_commands.describe(after="1m to 7d, e.g. 45m, 2h30m or 1d")
    async def once(self, interaction: discord.Interaction[LatchBot], after: Value) -> None:
        delay = parse_after(after)
        zone = await self._zone_for(interaction, None)
        rule = OnceRule(self.bot.clock.now() + delay)
        await self._create(interaction, rule, zone, None, zone_matters=False)

    # ------------------------------------------------------------------ managing

    @app_commands.command(name="list", description="Your reminders, with pause, resume and delete")
    async def list_reminders(self, interaction: discord.Interaction[LatchBot]) -> None:
        reminders = await self.service.mine(interaction.user.id)
        if not reminders:
            await self._answer(interaction, NO_REMINDERS)
            return
        view = ReminderListView(interaction.user.id, reminders)
        await self._answer(interaction, embed=reminders_embed(reminders), view=view)

    async def _chosen(self, interaction: discord.Interaction[LatchBot], typed: str | None) -> list[Reminder]:
        """The reminders an option names: one of the caller's, or all of them (empty or "all")."""
        if typed is None or typed.strip().casefold() in {"", ALL}:
            return await self.service.mine(interaction.user.id)
        return [await self.service.owned(interaction.user.id, _reminder_id(typed))]

    @app_commands.command(name="pause", description="Pause one reminder, or all of them")
    @app_commands.describe(reminder="Which reminder (leave empty for all)")
    async def pause(
        self,
        interaction: discord.Interaction[LatchBot],
        reminder: app_commands.Range[str, 1, REMINDER_ID_LENGTH] | None = None,
    ) -> None:
        chosen = [item for item in await self._chosen(interaction, reminder) if item.status == "active"]
        if not chosen:
            raise Refusal("reminder.nothing_to_pause")
        lines = [await apply_action(interaction, "pause", item) for item in chosen]
        await self._answer(interaction, "\n".join([*lines, RESUME_HINT]))

    @app_commands.command(name="resume", description="Resume one paused reminder, or all of them")
    @app_commands.describe(reminder="Which reminder (leave empty for all)")
    async def resume(
        self,
        interaction: discord.Interaction[LatchBot],
        reminder: app_commands.Range[str, 1, REMINDER_ID_LENGTH] | None = None,
    ) -> None:
        chosen = [item for item in await self._chosen(interaction, reminder) if item.status == "paused"]
        if not chosen:
            raise Refusal("reminder.nothing_to_resume")
        lines = [await apply_action(interaction, "resume", item) for item in chosen]
        await self._answer(interaction, "\n".join(lines))

    @app_commands.command(name="delete", description="Delete one of your reminders")
    @app_commands.describe(reminder="Which reminder")
    async def delete(
        self,
        interaction: discord.Interaction[LatchBot],
        reminder: app_commands.Range[str, 1, REMINDER_ID_LENGTH],
    ) -> None:
        target = await self.service.owned(interaction.user.id, _reminder_id(reminder))
        await self._answer(interaction, await apply_action(interaction, "delete", target))

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
            choices.append(app_commands.Choice(name=ALL_MY_REMINDERS, value=ALL))
        for reminder in await self.service.mine(interaction.user.id):
            label = f"{reminder_label(reminder)} ({status_text(reminder)})"[:100]
            if typed in label.casefold():
                choices.append(app_commands.Choice(name=label, value=str(reminder.id)))
        return choices[:MAX_CHOICES]

    @app_commands.command(name="edit", description="Change one of your reminders; it keeps its number")
    @app_commands.describe(
        reminder="Which reminder",
        interval="Every: 30m to 24h, e.g. 2h30m",
        times='At: 1 to 12 local times, e.g. "06:00, 9:30, 13:00"',
        starting="Every: first reminder of the day at this local time, e.g. 06:00",
        quiet_hours='No reminders between these local times, e.g. 23:00-06:00 ("none" removes them)',
        night='A nightly window with a longer gap, e.g. 22:00-06:00 ("none" removes it)',
        night_interval="The gap through the night window, e.g. 4h30m",
        until='The last day it reminds you, e.g. 24 Dec ("none": it goes on)',
        count='Stop after this many reminders, 1 to 500 ("none": it goes on)',
        timezone="Move it to this time zone (its local times stay the same)",
        deliver="By DM or in this channel, if the server allows it",
    )
    async def edit(
        self,
        interaction: discord.Interaction[LatchBot],
        reminder: app_commands.Range[str, 1, REMINDER_ID_LENGTH],
        interval: Value | None = None,
        times: Value | None = None,
        starting: Value | None = None,
        quiet_hours: Value | None = None,
        night: Value | None = None,
        night_interval: Value | None = None,
        until: Value | None = None,
        count: Value | None = None,
        timezone: TimeZone | None = None,
        deliver: Deliver | None = None,
    ) -> None:
        target = await self.service.owned(interaction.user.id, _reminder_id(reminder))
        now = self.bot.clock.now()
        zone = timezone or target.timezone
        changes = RuleChanges(
            interval=parse_interval(interval) if interval is not None else None,
            times=parse_times(times) if times is not None else None,
            starting=parse_time_of_day(starting) if starting is not None else None,
            quiet=cleared_or(quiet_hours, parse_quiet_hours),
            night=cleared_or(night, parse_night_window),
            night_interval=parse_night_interval(night_interval) if night_interval is not None else None,
            until=cleared_or(until, lambda typed: parse_until(typed, now=now, zone=zone)),
            count=cleared_or(count, parse_count),
            zone=timezone,
        )
        channel_id = KEEP if deliver is None else await self._delivery_channel(interaction, deliver)
        edited = await self.service.edit(target, changes if changes.given() else None, channel_id=channel_id)
        upcoming = await self.service.upcoming(edited)
        await self._answer(
            interaction, created_text(edited, zone_defaulted=False, upcoming=upcoming, verb="changed")
        )

    @edit.autocomplete("reminder")
    async def edit_reminder_autocomplete(
        self, interaction: discord.Interaction[LatchBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._reminder_choices(interaction, current, with_all=False)

    @app_commands.command(
        name="done", description="Record a pumping session now (since-last reminders restart)"
    )
    async def done(self, interaction: discord.Interaction[LatchBot]) -> None:
        restarted = await self.service.done(interaction.user.id)
        await self._answer(interaction, done_text(self.bot.clock.now(), restarted))

    @app_commands.command(name="timezone", description="Your time zone for new reminders")
    @app_commands.describe(tz="An IANA zone or a city, e.g. Europe/London, America/New_York, Sydney")
    async def timezone(self, interaction: discord.Interaction[LatchBot], tz: TimeZone) -> None:
        await self.service.set_zone(interaction.user.id, tz)
        elsewhere = [item for item in await self.service.mine(interaction.user.id) if item.timezone != tz]
        view = MoveRemindersView(interaction.user.id, tz) if elsewhere else None
        await self._answer(interaction, zone_set_text(tz, len(elsewhere)), view=view)


async def setup(bot: LatchBot) -> None:
    await bot.add_cog(Pump(bot))
