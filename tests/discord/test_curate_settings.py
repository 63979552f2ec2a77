from __future__ import annotations

import discord
import pytest
import simcord

from bot.app import LatchBot
from bot.db.audit import AuditRepository
from bot.db.guild_settings import GuildSettingsRepository
from tests.conftest import Server, answer, refusals, reopen_command_to_everyone, text


async def test_moderator_changes_settings_and_the_change_is_audited(
    server: Server, simcord_bot: LatchBot
) -> None:
    review = server.guild.create_text_channel("tip-review")
    result = await server.moderator.slash(
        server.channel,
        "curate settings",
        review_channel=review,
        timezone="london",
        region="gb",
        allow_channel_reminders=True,
    )

    assert result.ephemeral
    assert text(result) == "Settings saved."
    stored = await GuildSettingsRepository(simcord_bot.db).get(server.guild.id)
    assert stored.review_channel_id == review.id
    assert stored.timezone == "Europe/London"
    assert stored.region == "GB"
    assert stored.allow_channel_reminders is True
    assert stored.allow_invites is False

    audit = await server.moderator.slash(server.channel, "curate audit")
    description = answer(audit).embeds[0].description or ""
    assert f"<@{server.moderator.id}>" in description
    # In words, with the channel as a mention and the region by name.
    assert "changed review channel not set → <#" in description
    assert "time zone UTC → Europe/London" in description
    assert "region Global → United Kingdom" in description


async def test_settings_without_options_shows_the_current_settings(server: Server) -> None:
    result = await server.moderator.slash(server.channel, "curate settings")

    embed = answer(result).embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Time zone"] == "UTC"
    assert fields["Reminders in channels"] == "off"


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("timezone", "Mars/Olympus", "is not a time zone I know"),
        ("region", "Atlantis", "is not a region"),
    ],
)
async def test_bad_settings_are_refused_and_nothing_is_stored(
    server: Server, simcord_bot: LatchBot, option: str, value: str, expected: str
) -> None:
    result = await server.moderator.slash(server.channel, "curate settings", **{option: value})

    assert result.ephemeral
    assert expected in text(result)
    assert refusals(server.env) == [text(result)]
    assert await AuditRepository(simcord_bot.db).recent(server.guild.id) == []


async def test_discord_hides_curate_from_plain_members(server: Server) -> None:
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await server.member.slash(server.channel, "curate settings", region="US")


async def test_a_member_is_refused_even_when_the_server_reopens_curate(
    server: Server, simcord_bot: LatchBot
) -> None:
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    result = await server.member.slash(server.channel, "curate settings", region="US")

    assert result.ephemeral
    assert "Manage Server" in text(result)
    assert refusals(server.env) == [text(result)]
    assert (await GuildSettingsRepository(simcord_bot.db).get(server.guild.id)).region == "global"
    assert await AuditRepository(simcord_bot.db).recent(server.guild.id) == []


async def test_the_configured_moderator_role_may_curate(server: Server, simcord_bot: LatchBot) -> None:
    helpers = server.guild.create_role("Helpers", permissions=discord.Permissions.none())
    helper = server.guild.add_member(server.env.create_user("kai"), roles=[helpers])
    await server.moderator.slash(server.channel, "curate settings", mod_role=helpers)
    await reopen_command_to_everyone(server, simcord_bot, "curate")

    result = await helper.slash(server.channel, "curate settings", region="AU")

    assert text(result) == "Settings saved."
    assert (await GuildSettingsRepository(simcord_bot.db).get(server.guild.id)).region == "AU"


async def test_a_review_channel_the_bot_cannot_post_in_is_refused_naming_the_permission(
    server: Server, simcord_bot: LatchBot
) -> None:
    assert simcord_bot.user is not None
    closed = server.guild.create_text_channel(
        "mods-only", overwrites={simcord_bot.user: discord.PermissionOverwrite(send_messages=False)}
    )

    result = await server.moderator.slash(server.channel, "curate settings", review_channel=closed)

    assert "Send Messages" in text(result)
    assert refusals(server.env) == [text(result)]
    assert (await GuildSettingsRepository(simcord_bot.db).get(server.guild.id)).review_channel_id is None
