"""The loopback fake Discord and `bot.endpoints`, proven with a plain discord.py bot (not Latch)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from bot.endpoints import DEFAULT_API_BASE, apply_endpoints, current_endpoints, validate_token_shape
from tests.process.fake_discord import EPHEMERAL, LOADING, FakeDiscord, GatewayConnection, make_fake_token

TIMEOUT = 10.0


@pytest.fixture
def endpoints(fake_discord: FakeDiscord) -> Iterator[FakeDiscord]:
    """Route this process's discord.py at the fake; restore Discord's endpoints afterwards."""
    apply_endpoints(fake_discord.api_base, fake_discord.gateway_url)
    try:
        yield fake_discord
    finally:
        apply_endpoints(DEFAULT_API_BASE, None)


class PlainBot(commands.Bot):
    """A minimal app-commands bot: /ping answers at once, /slow defers, follows up and edits."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
        )
        self.guild = discord.Object(id=guild_id)
        self.ready_seen = asyncio.Event()

        @app_commands.command(name="ping", description="Replies with pong")
        async def ping(interaction: discord.Interaction, word: str) -> None:
            await interaction.response.send_message(
                f"pong {word} from {interaction.user.name}", ephemeral=True
            )

        @app_commands.command(name="slow", description="Defers, then follows up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("done")
            await interaction.edit_original_response(content="done, edited")

        self.tree.add_command(ping, guild=self.guild)
        self.tree.add_command(slow, guild=self.guild)

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild)

    async def on_ready(self) -> None:
        self.ready_seen.set()


async def _start(bot: discord.Client, token: str) -> asyncio.Task[None]:
    """Start `bot` and wait for on_ready, surfacing a crash instead of waiting out the timeout."""
    task = asyncio.create_task(bot.start(token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()
        raise AssertionError("the bot stopped before becoming ready")
    if ready not in done:
        ready.cancel()
        raise TimeoutError("the bot did not become ready")
    return task


@pytest.fixture
async def bot(endpoints: FakeDiscord) -> AsyncIterator[PlainBot]:
    client = PlainBot(endpoints.guild_id)
    task = await _start(client, endpoints.token)
    await asyncio.wait_for(client.ready_seen.wait(), TIMEOUT)
    try:
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, TIMEOUT)


async def test_plain_bot_logs_in_reaches_ready_and_syncs(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    assert bot.user is not None and bot.user.id == fake_discord.bot_user_id
    assert bot.application_id == fake_discord.application_id
    me = fake_discord.requests_to("GET", "/users/@me")[0]
    assert me.headers["Authorization"] == f"Bot {fake_discord.token}"
    assert fake_discord.ready_count == 1
    assert bot.get_guild(fake_discord.guild_id) is not None

    connection = fake_discord.connections[0]
    assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert 2 in connection.ops()  # IDENTIFY
    assert fake_discord.last_identify is not None
    assert fake_discord.last_identify["intents"] == discord.Intents.default().value

    sync = await fake_discord.wait_for_sync()
    assert sync.guild_id == fake_discord.guild_id
    assert sorted(command["name"] for command in sync.commands) == ["ping", "slow"]
    assert fake_discord.find_command("ping", fake_discord.guild_id)["id"].isdigit()
    assert fake_discord.unknown_requests == []


async def test_dispatched_slash_command_is_answered(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    interaction = await fake_discord.dispatch_slash_command("ping", {"word": "hello"})

    callback = await fake_discord.wait_for_callback(interaction)

    assert callback["type"] == 4
    assert callback["data"]["content"] == "pong hello from tester"
    assert callback["data"]["flags"] == EPHEMERAL
    assert interaction.original is not None and interaction.original["content"] == "pong hello from tester"
    assert fake_discord.channel_messages() == []  # ephemeral: nothing public
    request = fake_discord.requests_to("POST", f"/interactions/{interaction.id}/*/callback")[0]
    assert request.query == {"with_response": "1"} and request.status == 200


async def test_defer_followup_and_edit_use_the_webhook_routes(
    bot: PlainBot, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.dispatch_slash_command("slow")

    assert (await fake_discord.wait_for_callback(interaction))["type"] == 5
    webhook = f"/webhooks/{fake_discord.application_id}/{interaction.token}"
    await fake_discord.wait_for_request("PATCH", f"{webhook}/messages/@original")

    assert fake_discord.requests_to("POST", webhook)[0].status == 200
    original = interaction.original
    assert original is not None and original["content"] == "done, edited"
    assert not original["flags"] & LOADING
    assert interaction.followups == []  # the first follow-up filled the deferred message
    assert [m["content"] for m in fake_discord.channel_messages()] == ["done, edited"]


async def test_enforced_nonce_creates_one_message(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)

    first = await channel.send("reminder", nonce="latch-42")
    second = await channel.send("reminder", nonce="latch-42")
    other = await channel.send("reminder", nonce="latch-43")

    assert first.id == second.id != other.id
    assert len(fake_discord.requests_to("POST", "/channels/*/messages")) == 3
    assert [m["nonce"] for m in fake_discord.channel_messages()] == ["latch-42", "latch-43"]
    assert fake_discord.requests_to("POST", "/channels/*/messages")[0].body["enforce_nonce"] is True


async def test_history_reads_back_what_was_sent_newest_first(
    bot: PlainBot, fake_discord: FakeDiscord
) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = [await channel.send(f"message {number}") for number in range(4)]

    newest_first = [message.id async for message in channel.history(limit=10)]
    after_the_first = [message.id async for message in channel.history(limit=2, after=sent[0])]

    assert newest_first == [message.id for message in reversed(sent)]
    assert after_the_first == [sent[1].id, sent[2].id]  # the two oldest after it, oldest first


async def test_rate_limit_has_real_headers_and_is_retried(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)
    fake_discord.inject_rate_limit("POST", "/channels/*/messages", retry_after=0.05)

    await channel.send("hello")

    limited, retried = fake_discord.requests_to("POST", "/channels/*/messages")
    assert (limited.status, retried.status) == (429, 200)
    headers = limited.response_headers
    assert headers["X-RateLimit-Remaining"] == "0" and headers["X-RateLimit-Reset-After"] == "0.050"
    assert headers["X-RateLimit-Bucket"] == retried.response_headers["X-RateLimit-Bucket"]
    assert headers["Retry-After"] == "1" and headers["Via"]
    assert len(fake_discord.channel_messages()) == 1


async def test_injected_error_reaches_the_bot(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)
    fake_discord.inject_error("POST", "/channels/*/messages", 403, code=50013, message="Missing Permissions")

    with pytest.raises(discord.Forbidden) as raised:
        await channel.send("hello")
    assert raised.value.code == 50013
    await channel.send("hello again")  # only the next request failed
    assert len(fake_discord.channel_messages()) == 1


async def test_held_request_completes_after_release(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)
    hold = fake_discord.hold("POST", "/channels/*/messages", after_processing=True)

    sending = asyncio.create_task(channel.send("in flight", nonce="n1"))
    request = await hold.wait_arrived()
    assert request.status == 0 and len(fake_discord.channel_messages()) == 1  # created, not yet answered
    hold.release()
    await asyncio.wait_for(sending, TIMEOUT)


async def test_unknown_route_is_a_recorded_404(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/no/such/route"))
    assert [r.path for r in fake_discord.unknown_requests] == ["/no/such/route"]


async def test_a_dropped_gateway_resumes_where_ready_says(endpoints: FakeDiscord) -> None:
    fake = endpoints
    client = PlainBot(fake.guild_id)
    task = await _start(client, fake.token)
    try:
        await fake.disconnect_gateway(4000)
        await fake.wait_resumed()
        assert len(fake.connections) == 2
        assert 6 in fake.connections[1].ops() and 2 not in fake.connections[1].ops()

        interaction = await fake.dispatch_slash_command("ping", {"word": "again"})
        assert (await fake.wait_for_callback(interaction))["data"]["content"] == "pong again from tester"
    finally:
        await client.close()
        await asyncio.wait_for(task, TIMEOUT)


async def test_zlib_stream_transport_compression() -> None:
    async with FakeDiscord(zlib_stream=True) as fake:
        apply_endpoints(fake.api_base, fake.gateway_url)
        client = PlainBot(fake.guild_id)
        try:
            task = await _start(client, fake.token)
            await client.close()
            await asyncio.wait_for(task, TIMEOUT)
        finally:
            apply_endpoints(DEFAULT_API_BASE, None)
    assert fake.ready_count == 1


async def test_wrong_token_fails_login(endpoints: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.none())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login(make_fake_token())
    finally:
        await client.close()
    assert endpoints.requests_to("GET", "/users/@me")[0].status == 401


async def test_registered_commands_keep_their_ids_and_can_be_dispatched_to() -> None:
    fake = FakeDiscord()
    [about] = fake.register_commands([{"name": "about", "description": "About"}], fake.guild_id)
    again = fake.register_commands([{"name": "about", "description": "About, reworded"}], fake.guild_id)

    assert again[0]["id"] == about["id"] and again[0]["guild_id"] == str(fake.guild_id)
    assert fake.find_command("about", fake.guild_id)["description"] == "About, reworded"
    assert fake.command_syncs == []  # registering is not a sync by the bot
    with pytest.raises(LookupError):
        fake.find_command("missing")
    with pytest.raises(RuntimeError, match="not identified"):
        await fake.dispatch_slash_command("about")


def test_apply_endpoints_sets_and_restores() -> None:
    try:
        apply_endpoints("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/gateway")
        assert Route.BASE == "http://127.0.0.1:1/api/v10"
        assert Route("GET", "/users/@me").url == "http://127.0.0.1:1/api/v10/users/@me"
        assert current_endpoints() == ("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/gateway")
    finally:
        apply_endpoints(DEFAULT_API_BASE, None)
    assert current_endpoints() == (DEFAULT_API_BASE, None)
    with pytest.raises(ValueError):
        apply_endpoints("ftp://example.com/api/v10", None)
    with pytest.raises(ValueError):
        apply_endpoints(DEFAULT_API_BASE, "https://gateway.example.com")
    assert current_endpoints() == (DEFAULT_API_BASE, None)


def test_token_shape_accepts_a_token_shaped_string() -> None:
    assert validate_token_shape(make_fake_token()) is None
    assert validate_token_shape(make_fake_token(80351110224678912)) is None


@pytest.mark.parametrize(
    "token",
    [
        "two.parts",
        "not a token at all!",
        "a.b.c.d",
        "Bot " + make_fake_token(),
        make_fake_token() + " ",
        "bm90LWRpZ2l0cw.abcdef.ghijklmnopqrstuvwxyz012345",  # first part: "not-digits"
        "ODAzNTExMTAyMjQ2Nzg5MTI..ghijklmnopqrstuvwxyz012345",
        "ODAzNTExMTAyMjQ2Nzg5MTI.ab$def.ghijklmnopqrstuvwxyz012345",
        "A.abcdef.ghijklmnopqrstuvwxyz012345",  # one base64 character cannot be decoded
    ],
    # Stable names: the fake tokens are random, and parallel workers must collect the same tests.
    ids=[
        "two-parts",
        "not-a-token",
        "four-parts",
        "bot-prefix",
        "trailing-space",
        "not-digits",
        "empty-part",
        "bad-character",
        "undecodable",
    ],
)
def test_token_shape_rejects_with_a_reason_that_hides_the_token(token: str) -> None:
    reason = validate_token_shape(token)
    assert reason is not None and reason
    assert token.strip() not in reason
    assert not any(part in reason for part in token.split(".") if len(part) >= 6)


def test_token_shape_rejects_empty() -> None:
    assert validate_token_shape("") == "the token is empty"


async def test_global_rate_limit_admits_n_per_rolling_second(
    bot: PlainBot, fake_discord: FakeDiscord
) -> None:
    # Eight DM channels: eight per-route buckets, so only the global limit can hold discord.py back.
    channels = [bot.get_partial_messageable(fake_discord.dm_channel_id(100 + i)) for i in range(8)]
    limit = fake_discord.enforce_global_rate_limit(5)

    await asyncio.wait_for(asyncio.gather(*(c.send(f"m{i}") for i, c in enumerate(channels))), TIMEOUT)

    posts = fake_discord.requests_to("POST", "/channels/*/messages")
    admitted = sorted(r.received_at for r in posts if r.status == 200)
    limited = [r for r in posts if r.status == 429]
    assert len(admitted) == 8 and len(fake_discord.created_messages) == 8
    assert limited and (limit.admitted, limit.limited) == (8, len(limited))
    for index in range(len(admitted) - 5):  # never 6 admitted within one second
        assert admitted[index + 5] - admitted[index] >= 1.0
    headers, body = limited[0].response_headers, limited[0]
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert headers["Via"] and int(headers["Retry-After"]) >= 1
    assert "X-RateLimit-Bucket" not in headers
    assert body.status == 429


async def test_global_rate_limit_body_exempts_interactions_and_can_be_lifted(
    bot: PlainBot, fake_discord: FakeDiscord
) -> None:
    auth = {"Authorization": f"Bot {fake_discord.token}"}
    fake_discord.enforce_global_rate_limit(1)
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(f"{fake_discord.api_base}/users/@me") as first:
            assert first.status == 200
        async with http.get(f"{fake_discord.api_base}/users/@me") as second:
            assert second.status == 429
            body = await second.json()
        interaction = await fake_discord.dispatch_slash_command("ping", {"word": "free"})
        assert (await fake_discord.wait_for_callback(interaction))["type"] == 4  # interactions are exempt
        fake_discord.enforce_global_rate_limit(0)
        async with http.get(f"{fake_discord.api_base}/users/@me") as third:
            assert third.status == 200

    assert body["global"] is True and body["message"] == "You are being rate limited."
    assert 0 < body["retry_after"] <= 1.0
    assert fake_discord.global_rate_limit is None


async def test_nonces_are_counted_per_post_and_per_created_message(
    bot: PlainBot, fake_discord: FakeDiscord
) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)

    await channel.send("once", nonce="n-enforced")
    await channel.send("once", nonce="n-enforced")
    for _ in range(2):  # without enforce_nonce Discord creates a message each time
        await bot.http.request(route, json={"content": "twice", "nonce": "n-loose"})

    assert fake_discord.nonce_posts == {"n-enforced": 2, "n-loose": 2}
    assert fake_discord.nonce_messages == {"n-enforced": 1, "n-loose": 2}
    assert fake_discord.duplicated_nonces() == {"n-loose": 2}
    created = await fake_discord.wait_for_messages(3)
    assert [m["content"] for m in created] == ["once", "twice", "twice"]


async def test_dm_to_a_known_user_lands_in_their_dm_channel(bot: PlainBot, fake_discord: FakeDiscord) -> None:
    parent = fake_discord.add_user(username="parent")
    user = await bot.fetch_user(int(parent["id"]))
    assert user.name == "parent"

    await user.send("time to pump", nonce="dm-1")

    assert [m["content"] for m in fake_discord.dm_messages(int(parent["id"]))] == ["time to pump"]
    channel_id = fake_discord.dm_channel_id(int(parent["id"]))
    assert fake_discord.channel_messages(channel_id)[0]["nonce"] == "dm-1"
    assert fake_discord.dm_messages(12345) == []
    with pytest.raises(discord.NotFound):
        await bot.fetch_user(12345)


async def test_hold_parks_several_then_drops_them_unprocessed(
    bot: PlainBot, fake_discord: FakeDiscord
) -> None:
    channel = bot.get_channel(fake_discord.channel_id)
    assert isinstance(channel, discord.TextChannel)
    dms = [bot.get_partial_messageable(fake_discord.dm_channel_id(200 + i)) for i in range(3)]
    hold = fake_discord.hold("POST", "/channels/*/messages", times=10)

    sending = [asyncio.create_task(dm.send(f"held {i}", nonce=f"h{i}")) for i, dm in enumerate(dms)]
    parked = await hold.wait_parked(3)
    assert sorted(r.body["nonce"] for r in parked) == ["h0", "h1", "h2"]
    hold.disarm()
    await channel.send("not held")  # the rule no longer catches anything
    hold.drop()
    results = await asyncio.wait_for(asyncio.gather(*sending, return_exceptions=True), 30)

    assert all(isinstance(result, discord.DiscordServerError) for result in results)
    assert [m["content"] for m in fake_discord.channel_messages()] == ["not held"]
    assert not (fake_discord.nonce_posts.keys() | fake_discord.nonce_messages.keys()) & {"h0", "h1", "h2"}
    with pytest.raises(TimeoutError, match="3 request"):
        await hold.wait_parked(4, within=0.05)


def test_dm_channel_for_a_non_member_keeps_the_guild_payload_small() -> None:
    fake = FakeDiscord()
    members_before = len(fake.guild_payload()["members"])

    channel_id = fake.dm_channel_id(4242, member=False)

    assert fake.dm_channel_id(4242) == channel_id  # stable
    assert fake.users[4242]["id"] == "4242"
    assert len(fake.guild_payload()["members"]) == members_before
    fake.dm_channel_id(4343)
    assert len(fake.guild_payload()["members"]) == members_before + 1


async def _identify_raw(
    http: aiohttp.ClientSession, fake: FakeDiscord, shard: tuple[int, int]
) -> aiohttp.ClientWebSocketResponse:
    """A bare gateway connection identified as `shard`, returned once the fake sent its READY."""
    ready_before = fake.ready_count
    ws = await http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json")
    assert (await ws.receive_json(timeout=TIMEOUT))["op"] == 10
    identify = {"token": fake.token, "intents": 0, "properties": {}, "shard": list(shard)}
    await ws.send_json({"op": 2, "d": identify})
    await fake.wait_until(lambda: fake.ready_count > ready_before, TIMEOUT, f"READY of shard {shard}")
    return ws


async def test_events_go_to_the_shard_of_their_server_and_dms_to_shard_0(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    fake.register_commands([{"name": "about", "description": "About"}])
    _, on_shard_1 = fake.add_guild("Shard one", shard=(1, 2))
    foreign_guild, foreign_channel = fake.add_foreign_guild()
    group_dm = fake.add_group_dm(fake.user_id)
    async with aiohttp.ClientSession() as http:
        zero = await _identify_raw(http, fake, (0, 2))
        one = await _identify_raw(http, fake, (1, 2))
        shard_0, shard_1 = fake.connections

        async def receivers(**where: Any) -> list[GatewayConnection]:
            return fake.delivered_on(await fake.dispatch_slash_command("about", **where))

        assert await receivers(dm=True) == [shard_0]
        assert await receivers(channel_id=group_dm, user_install=True) == [shard_0]
        assert await receivers(channel_id=on_shard_1) == [shard_1]
        # A server the bot is not in still decides the shard: its interactions carry its guild_id.
        owner = fake.connections[(foreign_guild >> 22) % 2]
        assert await receivers(channel_id=foreign_channel, user_install=True) == [owner]

        # Shard 1 identifies again (a restarted process): the newest connected session gets its events,
        # and the older one again once the newer is gone.
        again = await _identify_raw(http, fake, (1, 2))
        shard_1_again = fake.connections[2]
        assert await receivers(channel_id=on_shard_1) == [shard_1_again]
        await again.close()
        await fake.wait_until(lambda: shard_1_again.closed, TIMEOUT, "the second shard 1 connection closed")
        assert await receivers(channel_id=on_shard_1) == [shard_1]

        await fake.disconnect_gateway(shard=0)
        await fake.wait_until(lambda: shard_0.closed, TIMEOUT, "shard 0 disconnected")
        assert not shard_1.closed
        assert await receivers(dm=True) == []  # kept for shard 0's RESUME, sent on no connection
        await zero.close()
        await one.close()
