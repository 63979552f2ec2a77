"""A small loopback fake Discord (REST + gateway v10) for process-level tests.

One `FakeDiscord` serves, on 127.0.0.1 and a free port, what a bot built on discord.py app commands
needs: login, the gateway (HELLO, IDENTIFY -> READY + one GUILD_CREATE, heartbeats, RESUME with
replay), command sync, interaction callbacks and webhook follow-ups, DMs and channel messages
(honouring `nonce` + `enforce_nonce`, counted per nonce). Everything is recorded; unknown routes answer
404 and are flagged, so a test notices. Faults on demand: injected errors and 429s, held requests (parked
until released or dropped) and Discord's global rate limit (`enforce_global_rate_limit`). Point a bot
at it with `fake.env()` (a subprocess) or `bot.endpoints.apply_endpoints(fake.api_base, fake.gateway_url)`
(in-process). User installs: `dispatch_slash_command(..., channel_id=..., user_install=True)` sends an
interaction as Discord does for an app installed to a member's account (only the user key in
`authorizing_integration_owners`, `context` 0/1/2, the narrowed `app_permissions`), also from a server
the bot is not in (`add_foreign_guild`) or a group DM (`add_group_dm`), whose channels answer the bot 403.
Shards: each gateway connection that IDENTIFYs with `shard: [id, count]` gets its own session and a READY
listing only the servers Discord deals to that shard (`(guild_id >> 22) % count`), each followed by its
GUILD_CREATE; `add_guild(shard=(id, count))` makes a server that lands on a given shard. Events go where
Discord sends them: a server's (interactions included, also from a server the bot is not in, whose
interactions carry its guild_id) to the session of the shard that owns it, a DM's or group DM's to shard
0, everything to an unsharded session; of several sessions of one shard (a restarted process) the newest
connected one. `delivered_on(interaction)` tells which connections an interaction was sent on;
`disconnect_gateway`, `send_reconnect` and `invalidate_session` act on the latest session or, with
`shard=`, on that shard's. Several bot processes can connect at once (one or more shards each); the
global rate limit counts all of them.

Fidelity notes, matched against discord.py 2.7.1: JSON responses carry exactly
`Content-Type: application/json` (discord.py otherwise treats the body as text), every API response
carries `Via` and `X-RateLimit-*` headers (discord.py only honours a 429 that has `Via`), and the
gateway declines transport compression by default: discord.py always asks for `compress=zlib-stream`
but also reads plain text frames; `zlib_stream=True` honours the request instead.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fnmatch
import hashlib
import itertools
import json
import math
import re
import secrets
import socket
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

Json = dict[str, Any]
T = TypeVar("T")

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
# @everyone in the demo guild: invite, reactions, view, send, embed, attach, history, external emoji,
# connect, speak, change nickname, use application commands.
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (0, 6, 10, 11, 14, 15, 16, 18, 20, 21, 26, 31))
# What an app can do through an interaction response where its bot is not present (a user install in a
# server without the bot, a group DM): embed links, attach files, mention everyone, external emoji.
RESPONSE_PERMISSIONS = sum(1 << bit for bit in (14, 15, 17, 18))
# Where an interaction comes from (`context`) and which install authorised it (the owner keys).
GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = "0", "1"
# Which callback types Discord accepts per interaction type (2 command, 3 component, 4 autocomplete, 5 modal).
_CALLBACKS: dict[int, set[int]] = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
_OPTION_TYPES: dict[type, int] = {bool: 5, int: 4, float: 10, str: 3}
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
_counter = itertools.count()
_GUILD_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})  # the server's id is `id`
WAIT = 10.0  # default bound, in seconds, for every wait_* helper


def snowflake() -> int:
    """A fresh, increasing Discord-style snowflake id."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def make_fake_token(user_id: int | None = None) -> str:
    """A token shaped like a real bot token (`base64(id).timestamp.hmac`), accepted only by a fake."""
    first = base64.urlsafe_b64encode(str(user_id or snowflake()).encode()).decode().rstrip("=")
    second = base64.urlsafe_b64encode(secrets.token_bytes(4)).decode().rstrip("=")
    return f"{first}.{second}.{secrets.token_urlsafe(28)}"


def _guild_of(event: str, data: Json) -> int | None:
    """The server a DISPATCH belongs to, which decides its shard; None for DMs and group DMs."""
    raw = data.get("id") if event in _GUILD_EVENTS else data.get("guild_id")
    return None if raw is None else int(raw)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json")


class ApiError(Exception):
    """Raised by handlers; becomes a Discord-style JSON error `{code, message[, errors]}`."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: Json = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return _json_response(body, self.status)


def _form_error(field_name: str, code: str, message: str) -> ApiError:
    errors = {field_name: {"_errors": [{"code": code, "message": message}]}}
    return ApiError(400, 50035, "Invalid Form Body", errors)


@dataclass
class RecordedRequest:
    """One REST request as the fake saw it; `path` is relative to the API base."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON (multipart: its payload_json), None when empty
    files: list[str] = field(default_factory=list)
    status: int = 0  # 0 while the request is still being handled (e.g. held)
    response_headers: dict[str, str] = field(default_factory=dict)
    unknown_route: bool = False
    received_at: float = 0.0  # the fake's loop time when the request arrived


@dataclass
class GatewayConnection:
    """One websocket connection: its query (v, encoding, compress) and every payload received."""

    query: dict[str, str]
    received: list[Json] = field(default_factory=list)
    session_id: str | None = None
    shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY, when sharded
    dispatched: list[Json] = field(default_factory=list)  # DISPATCH frames sent on it, replays included
    close_code: int | None = None
    closed: bool = False

    def ops(self) -> list[int]:
        return [int(payload.get("op", -1)) for payload in self.received]


@dataclass
class CommandSync:
    """One bulk overwrite (PUT) of application commands; guild_id None is the global scope."""

    guild_id: int | None
    commands: list[Json]


@dataclass
class FakeInteraction:
    """An interaction the fake dispatched, and what the bot did with it."""

    id: int
    token: str
    type: int
    payload: Json  # the INTERACTION_CREATE data sent to the bot
    dispatched_at: float
    callback: Json | None = None  # the callback body, {"type": ..., "data": ...}
    original: Json | None = None  # the @original message, once there is one
    followups: list[Json] = field(default_factory=list)


class Hold:
    """Parks matching requests until released, to kill a bot while a request is in flight."""

    def __init__(self) -> None:
        self._arrived = asyncio.Event()
        self._released = asyncio.Event()
        self._parked_changed = asyncio.Event()
        self._rule: _Rule | None = None
        self.request: RecordedRequest | None = None
        self.requests: list[RecordedRequest] = []  # every request parked so far, in arrival order
        self.dropped = False

    async def wait_arrived(self, *, within: float = WAIT) -> RecordedRequest:
        await asyncio.wait_for(self._arrived.wait(), within)
        assert self.request is not None
        return self.request

    async def wait_parked(self, count: int, *, within: float = WAIT) -> list[RecordedRequest]:
        """Wait until `count` requests in total have been parked; return them in arrival order."""

        async def poll() -> list[RecordedRequest]:
            while len(self.requests) < count:
                changed = self._parked_changed
                await changed.wait()
            return self.requests[:count]

        try:
            return await asyncio.wait_for(poll(), within)
        except TimeoutError:
            raise TimeoutError(
                f"fake discord: {len(self.requests)} request(s) parked after {within}s, wanted {count}"
            ) from None

    def disarm(self) -> None:
        """Stop catching new requests; the ones already parked stay parked until release or drop."""
        if self._rule is not None:
            self._rule.times = 0

    def release(self) -> None:
        self._released.set()

    def drop(self) -> None:
        """Let parked requests go without the fake acting on them (they answer 503, as if lost)."""
        self.dropped = True
        self.disarm()
        self._released.set()

    async def _park(self, request: RecordedRequest) -> None:
        self.request = request
        self.requests.append(request)
        self._arrived.set()
        self._parked_changed.set()
        self._parked_changed = asyncio.Event()
        await self._released.wait()


@dataclass
class GlobalRateLimit:
    """Discord's global limit: at most `per_second` requests in any rolling second, else a global 429."""

    per_second: int
    exempt: tuple[str, ...]  # path globs outside the limit (Discord exempts interaction endpoints)
    window: float = 1.0
    recent: deque[float] = field(default_factory=deque)  # loop times of admitted requests
    admitted: int = 0
    limited: int = 0


@dataclass
class _Rule:
    method: str
    pattern: str
    times: int
    status: int = 0
    body: Json = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    hold: Hold | None = None
    after_processing: bool = False


@dataclass
class _Session:
    id: str
    shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY; None: unsharded, i.e. (0, 1)
    seq: int = 0
    sent: list[Json] = field(default_factory=list)  # dispatch frames, replayed on RESUME
    link: _Link | None = None


class _Link:
    """A live gateway websocket; sends serialised so zlib-stream frames stay in order."""

    def __init__(self, ws: web.WebSocketResponse, record: GatewayConnection, compress: bool) -> None:
        self.ws, self.record = ws, record
        self.session: _Session | None = None
        self._lock = asyncio.Lock()
        self._zlib = zlib.compressobj() if compress else None

    async def send(self, payload: Json) -> None:
        raw = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return
            if payload.get("op") == 0:
                self.record.dispatched.append(payload)
            with contextlib.suppress(ConnectionError, RuntimeError):
                if self._zlib is None:
                    await self.ws.send_str(raw)
                else:
                    await self.ws.send_bytes(
                        self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    )

    async def close(self, code: int, reason: str = "") -> None:
        await self.ws.close(code=code, message=reason.encode())


class FakeDiscord:
    """The fake: `await start()`, point a bot at `api_base`/`gateway_url` with `token`, `await stop()`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        interaction_ttl: float | None = 3.0,
        nonce_window: float = 300.0,
        zlib_stream: bool = False,
    ) -> None:
        self.bot_user_id = self.application_id = snowflake()
        self.token = token or make_fake_token(self.bot_user_id)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_ttl = interaction_ttl  # seconds to answer an interaction; None: forever
        self.nonce_window = nonce_window  # seconds during which enforce_nonce deduplicates
        self.zlib_stream = zlib_stream
        self.resume_gateway_url: str | None = None  # READY's resume_gateway_url; None: gateway_url
        self.guild_id, self.channel_id, self.user_id = snowflake(), snowflake(), snowflake()
        self.users: dict[int, Json] = {}
        self.members: dict[int, Json] = {}
        self.bot_user = self.add_user(self.bot_user_id, "latch-fake-bot", bot=True)
        self.user = self.add_user(self.user_id, "tester")
        self.channels: dict[int, Json] = {self.channel_id: self._text_channel(self.channel_id, "general")}
        self.guild_names: dict[int, str] = {self.guild_id: "Latch Test Guild"}  # servers the bot is in
        self.recommended_shards = 1  # what GET /gateway/bot answers
        self.ready_shards: Counter[int] = Counter()  # READYs sent per shard id (0 when not sharded)
        self.foreign_guilds: set[int] = set()  # servers the bot is not in (see add_foreign_guild)
        self.messages: dict[int, list[Json]] = {}
        self.dm_blocked: set[int] = set()  # users whose DMs answer 403 50007
        self.commands: dict[int | None, list[Json]] = {}
        self.command_syncs: list[CommandSync] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self.requests: list[RecordedRequest] = []
        self.connections: list[GatewayConnection] = []
        self.ready_count = self.resumed_count = 0
        self.last_identify: Json | None = None
        self.global_rate_limit: GlobalRateLimit | None = None  # see enforce_global_rate_limit
        self.created_messages: list[Json] = []  # every message POST /channels/*/messages created
        self.nonce_posts: Counter[str] = Counter()  # message POSTs seen per nonce, deduplicated or not
        self.nonce_messages: Counter[str] = Counter()  # messages created per nonce
        self._dms: dict[int, int] = {}
        self._nonces: dict[tuple[int, int, str], tuple[float, Json]] = {}
        self._rules: list[_Rule] = []
        self._inflight: dict[int, RecordedRequest] = {}  # id(request) -> its record, while handled
        self._sessions: dict[str, _Session] = {}  # resumable sessions by id
        self._identified: list[_Session] = []  # every session, in IDENTIFY order
        self._current: _Session | None = None  # the latest identified, whatever its shard
        self._links: set[_Link] = set()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ---- lifecycle and addresses -------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware()])
        for method, path, handler in self._routes():
            app.router.add_route(method, API_PREFIX + path, handler)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        for rule in self._rules:
            if rule.hold is not None:
                rule.hold.release()
        for link in list(self._links):
            await link.close(1001, "fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment variables pointing a `python -m bot run` subprocess at this fake."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    # ---- inspection and waiting --------------------------------------------------------------

    def requests_to(self, method: str, path_glob: str) -> list[RecordedRequest]:
        """Recorded requests matching e.g. ("POST", "/channels/*/messages")."""
        return [r for r in self.requests if r.method == method and fnmatch.fnmatchcase(r.path, path_glob)]

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.unknown_route]

    def channel_messages(self, channel_id: int | None = None) -> list[Json]:
        return self.messages.get(channel_id or self.channel_id, [])

    def dm_channel_id(self, user_id: int, *, member: bool = True) -> int:
        """The id of the DM channel with `user_id` (opened now if it was not yet), stable for this fake.

        An unknown user is created, as a guild member unless `member=False` (keeps READY small when
        thousands of users are needed)."""
        return int(self._dm_channel(user_id, member=member)["id"])

    def dm_messages(self, user_id: int) -> list[Json]:
        """Messages stored in the DM channel with `user_id` (none if it was never opened)."""
        channel_id = self._dms.get(user_id)
        return [] if channel_id is None else self.messages.get(channel_id, [])

    def add_foreign_guild(self, channel_name: str = "chat") -> tuple[int, int]:
        """A server the bot is not a member of, with one text channel: (guild id, channel id).

        The gateway never sends its GUILD_CREATE and READY does not list it; only a member who installed
        the app to their own account can reach the bot from there (`user_install=True`). Like Discord,
        the bot's requests to its channels answer 403 Missing Access."""
        guild_id, channel_id = snowflake(), snowflake()
        self.foreign_guilds.add(guild_id)
        self.channels[channel_id] = self._text_channel(channel_id, channel_name, guild_id=guild_id)
        return guild_id, channel_id

    def add_guild(
        self, name: str = "Another Server", *, shard: tuple[int, int] | None = None
    ) -> tuple[int, int]:
        """Another server the bot is in, with one text channel: (guild id, channel id). With ``shard``
        (id, count), its id is one Discord deals to that shard."""
        guild_id = snowflake()
        if shard is not None:
            wanted, count = shard
            moment = guild_id >> 22
            moment += (wanted - moment) % count
            guild_id = (moment << 22) | (guild_id & 0x3FFFFF)
        channel_id = snowflake()
        self.guild_names[guild_id] = name
        self.channels[channel_id] = self._text_channel(channel_id, "general", guild_id=guild_id)
        return guild_id, channel_id

    def guilds_of_shard(self, shard: tuple[int, int] | None) -> list[int]:
        """The servers a connection identified as ``shard`` receives (all of them when not sharded)."""
        if shard is None:
            return list(self.guild_names)
        shard_id, count = shard
        return [guild_id for guild_id in self.guild_names if (guild_id >> 22) % count == shard_id]

    def add_group_dm(self, *user_ids: int) -> int:
        """A group DM between users (not the bot); its id. Reached only through a user install."""
        channel_id = snowflake()
        recipients = [self.users.get(uid) or self.add_user(uid, member=False) for uid in user_ids]
        self.channels[channel_id] = {
            "id": str(channel_id), "type": 3, "recipients": recipients, "name": None, "icon": None,
            "owner_id": recipients[0]["id"] if recipients else None, "last_message_id": None, "flags": 0,
        }  # fmt: skip
        return channel_id

    def _bot_can_reach(self, channel: Json) -> bool:
        """Whether the bot itself is in the channel: not in foreign servers, nor in others' group DMs."""
        if channel.get("guild_id") is not None:
            return int(channel["guild_id"]) not in self.foreign_guilds
        if channel["type"] == 3:
            return any(int(user["id"]) == self.bot_user_id for user in channel.get("recipients", []))
        return True

    def duplicated_nonces(self) -> dict[str, int]:
        """Nonces that created more than one message, with how many they created."""
        return {nonce: count for nonce, count in self.nonce_messages.items() if count > 1}

    async def wait_for_messages(self, count: int, *, within: float = WAIT) -> list[Json]:
        """Wait until message POSTs have created `count` messages in total; return them in order."""

        def done() -> list[Json]:
            return self.created_messages[:count] if len(self.created_messages) >= count else []

        return await self.wait_until(done, within, f"{count} created message(s)")

    def register_commands(self, commands: Sequence[Json], guild_id: int | None = None) -> list[Json]:
        """Store commands as a bulk overwrite would (ids kept by name), without recording a sync.

        For a bot that skips syncing because its tree is unchanged, against a fresh fake.
        """
        existing = self.commands.get(guild_id, [])
        self.commands[guild_id] = [self._store_command(guild_id, command, existing) for command in commands]
        self._bump()
        return self.commands[guild_id]

    def find_command(self, name: str, guild_id: int | None = None) -> Json:
        """A synced command by name, guild scope first, then global; LookupError if never synced."""
        for scope in ([guild_id] if guild_id is not None else []) + [None]:
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise LookupError(f"command {name!r} was never synced to the fake")

    async def wait_until(self, predicate: Callable[[], T | None], within: float = WAIT, what: str = "") -> T:
        """Wait until `predicate()` is truthy (re-checked on every change) and return its value."""

        async def poll() -> T:
            while True:
                changed = self._changed
                value = predicate()
                if value:
                    return value
                await changed.wait()

        try:
            return await asyncio.wait_for(poll(), within)
        except TimeoutError:
            raise TimeoutError(
                f"fake discord: timed out after {within}s waiting for {what or predicate}"
            ) from None

    async def wait_ready(self, count: int = 1, *, within: float = WAIT) -> None:
        """Wait until READY and the GUILD_CREATE after it were sent `count` times in total."""
        await self.wait_until(lambda: self.ready_count >= count, within, f"READY #{count}")

    async def wait_resumed(self, count: int = 1, *, within: float = WAIT) -> None:
        await self.wait_until(lambda: self.resumed_count >= count, within, f"RESUMED #{count}")

    async def wait_for_sync(self, count: int = 1, *, within: float = WAIT) -> CommandSync:
        await self.wait_until(lambda: len(self.command_syncs) >= count, within, f"command sync #{count}")
        return self.command_syncs[count - 1]

    def delivered_on(self, interaction: FakeInteraction) -> list[GatewayConnection]:
        """The connections the interaction's INTERACTION_CREATE was sent on (a RESUME replay adds one)."""
        wanted = str(interaction.id)
        return [
            connection
            for connection in self.connections
            if any(
                frame["t"] == "INTERACTION_CREATE" and frame["d"].get("id") == wanted
                for frame in connection.dispatched
            )
        ]

    async def wait_for_callback(self, interaction: FakeInteraction, *, within: float = WAIT) -> Json:
        return await self.wait_until(lambda: interaction.callback, within, f"callback of {interaction.id}")

    async def wait_for_request(
        self, method: str, path_glob: str, count: int = 1, *, within: float = WAIT
    ) -> RecordedRequest:
        """Wait until `count` matching requests have been answered; return the count-th."""

        def done() -> list[RecordedRequest]:
            finished = [r for r in self.requests_to(method, path_glob) if r.status]
            return finished if len(finished) >= count else []

        return (await self.wait_until(done, within, f"{method} {path_glob} #{count}"))[count - 1]

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ---- fault injection ---------------------------------------------------------------------

    def inject_error(
        self, method: str, path_glob: str, status: int, *, code: int = 0, message: str = "", times: int = 1
    ) -> None:
        """The next `times` matching requests answer `status` with `{code, message}`."""
        body = {"message": message or f"{status}: injected error", "code": code}
        self._rules.append(_Rule(method, path_glob, times, status, body))

    def inject_rate_limit(
        self,
        method: str,
        path_glob: str,
        *,
        retry_after: float = 1.0,
        times: int = 1,
        is_global: bool = False,
        scope: str = "user",
    ) -> None:
        """The next `times` matching requests answer 429 with Discord's headers and body."""
        headers = {"Retry-After": str(math.ceil(retry_after))}
        if is_global:
            headers |= {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
        else:
            headers |= self._ratelimit_headers(retry_after, remaining=0) | {"X-RateLimit-Scope": scope}
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        self._rules.append(_Rule(method, path_glob, times, 429, body, headers))

    def enforce_global_rate_limit(
        self,
        per_second: int,
        *,
        exempt: Sequence[str] = ("/interactions/*", "/webhooks/*"),
    ) -> GlobalRateLimit:
        """From now on admit at most `per_second` requests in any rolling second, as Discord's global
        limit does; the rest answer 429 with `X-RateLimit-Global: true`, `X-RateLimit-Scope: global`,
        `Retry-After` and a body `{message, retry_after, global: true}`, and are not acted on.
        `per_second=0` lifts the limit. Returns the live counters (admitted, limited)."""
        if per_second <= 0:
            self.global_rate_limit = None
            return GlobalRateLimit(0, tuple(exempt))
        self.global_rate_limit = GlobalRateLimit(per_second, tuple(exempt))
        return self.global_rate_limit

    def _global_limit(self, record: RecordedRequest) -> web.Response | None:
        limit = self.global_rate_limit
        if limit is None or any(fnmatch.fnmatchcase(record.path, glob) for glob in limit.exempt):
            return None
        now = asyncio.get_running_loop().time()
        while limit.recent and now - limit.recent[0] >= limit.window:
            limit.recent.popleft()
        if len(limit.recent) < limit.per_second:
            limit.recent.append(now)
            limit.admitted += 1
            return None
        limit.limited += 1
        retry_after = max(0.001, math.ceil((limit.recent[0] + limit.window - now) * 1000) / 1000)
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
        response = _json_response(body, 429)
        response.headers.update(
            {
                "Retry-After": str(math.ceil(retry_after)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
            }
        )
        return response

    def hold(self, method: str, path_glob: str, *, times: int = 1, after_processing: bool = False) -> Hold:
        """Park the next matching requests, before (or after) the fake acts on them, until released."""
        hold = Hold()
        hold._rule = _Rule(method, path_glob, times, hold=hold, after_processing=after_processing)
        self._rules.append(hold._rule)
        return hold

    def _take_rule(self, method: str, path: str) -> _Rule | None:
        for rule in self._rules:
            if rule.times > 0 and rule.method == method and fnmatch.fnmatchcase(path, rule.pattern):
                rule.times -= 1
                return rule
        return None

    @staticmethod
    def _ratelimit_headers(reset_after: float, remaining: int, bucket: str = "") -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    # ---- REST plumbing -----------------------------------------------------------------------

    def _middleware(self) -> Any:
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not request.path.startswith(API_PREFIX + "/"):
                return await handler(request)
            body, files = await self._read_body(request)
            record = RecordedRequest(
                request.method,
                request.path.removeprefix(API_PREFIX),
                dict(request.query),
                dict(request.headers),
                body,
                files,
                received_at=asyncio.get_running_loop().time(),
            )
            self.requests.append(record)
            self._bump()
            self._inflight[id(request)] = record
            try:
                response = await self._respond(request, handler, record)
            except ApiError as exc:
                response = exc.response()
            finally:
                del self._inflight[id(request)]
            resource = request.match_info.route.resource
            template = resource.canonical if resource is not None else record.path
            bucket = hashlib.sha256(f"{record.method} {template}".encode()).hexdigest()[:32]
            if "Retry-After" not in response.headers:
                response.headers.update(self._ratelimit_headers(1.0, remaining=4, bucket=bucket))
            elif "X-RateLimit-Bucket" in response.headers:
                response.headers["X-RateLimit-Bucket"] = bucket
            response.headers["Via"] = "1.1 google"
            record.status, record.response_headers = response.status, dict(response.headers)
            self._bump()
            return response

        return middleware

    async def _respond(
        self, request: web.Request, handler: Handler, record: RecordedRequest
    ) -> web.StreamResponse:
        limited = self._global_limit(record)
        if limited is not None:
            return limited
        rule = self._take_rule(record.method, record.path)
        if rule is not None and rule.hold is not None and not rule.after_processing:
            await rule.hold._park(record)
            if rule.hold.dropped:
                return ApiError(503, 0, "503: dropped by the fake").response()
        if rule is not None and rule.status:
            injected = _json_response(rule.body, rule.status)
            injected.headers.update(rule.headers)
            return injected
        if request.match_info.http_exception is not None:
            record.unknown_route = True
            status = request.match_info.http_exception.status
            return ApiError(status, 0, f"{status}: {request.match_info.http_exception.reason}").response()
        tokenless = record.path.startswith(("/interactions/", "/webhooks/"))
        if not tokenless and request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, 0, "401: Unauthorized")
        response = await handler(request)
        if rule is not None and rule.hold is not None:
            await rule.hold._park(record)
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = [value.filename for value in form.values() if isinstance(value, web.FileField)]
            payload = form.get("payload_json")
            return (json.loads(payload) if isinstance(payload, str) else None), files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    def _record(self, request: web.Request) -> RecordedRequest:
        return self._inflight[id(request)]

    def _body(self, request: web.Request) -> Json:
        body = self._record(request).body
        if not isinstance(body, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return body

    def _routes(self) -> list[tuple[str, str, Handler]]:
        commands, guild_commands = (
            "/applications/{app_id}/commands",
            "/applications/{app_id}/guilds/{guild_id}/commands",
        )
        webhook_message = "/webhooks/{app_id}/{token}/messages/{message_id}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/gateway/bot", self._gateway_bot),
            ("GET", "/applications/@me", self._application),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", commands, self._get_commands),
            ("PUT", commands, self._put_commands),
            ("GET", guild_commands, self._get_commands),
            ("PUT", guild_commands, self._put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app_id}/{token}", self._followup),
            ("GET", webhook_message, self._webhook_message),
            ("PATCH", webhook_message, self._webhook_message),
            ("DELETE", webhook_message, self._webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("GET", "/channels/{channel_id}/messages", self._get_messages),
        ]

    # ---- data --------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int | None = None,
        username: str | None = None,
        *,
        bot: bool = False,
        member: bool = True,
    ) -> Json:
        """Create a user who is also a member of the demo guild (unless `member=False`)."""
        uid = user_id or snowflake()
        name = username or f"user{uid % 10_000}"
        user: Json = {
            "id": str(uid),
            "username": name,
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
        }
        user |= {"bot": True} if bot else {}
        self.users[uid] = user
        if not member:
            return user
        self.members[uid] = self._member(user)
        return user

    @staticmethod
    def _member(user: Json) -> Json:
        member: Json = {"user": user, "roles": [], "joined_at": _now_iso(), "deaf": False, "mute": False}
        return member | {"flags": 0, "pending": False, "nick": None, "avatar": None}

    def _text_channel(self, channel_id: int, name: str, *, guild_id: int | None = None) -> Json:
        return {
            "id": str(channel_id), "type": 0, "guild_id": str(guild_id or self.guild_id), "name": name,
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
        }  # fmt: skip

    def _dm_channel(self, user_id: int, *, member: bool = True) -> Json:
        if user_id not in self._dms:
            channel_id = self._dms[user_id] = snowflake()
            user = self.users.get(user_id) or self.add_user(user_id, member=member)
            self.channels[channel_id] = {"id": str(channel_id), "type": 1, "recipients": [user]}
            self.channels[channel_id] |= {"last_message_id": None, "flags": 0}
        return self.channels[self._dms[user_id]]

    def guild_payload(self, guild_id: int | None = None) -> Json:
        guild_id = guild_id or self.guild_id
        everyone: Json = {
            "id": str(guild_id),
            "name": "@everyone",
            "permissions": str(EVERYONE_PERMISSIONS),
        }
        everyone |= {"position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False}
        return {
            "id": str(guild_id), "name": self.guild_names.get(guild_id, "Latch Test Guild"),
            "owner_id": str(self.user_id),
            "icon": None, "description": None, "features": [], "preferred_locale": "en-US",
            "roles": [everyone], "emojis": [], "stickers": [], "unavailable": False, "large": False,
            "member_count": len(self.members), "members": list(self.members.values()),
            "channels": [c for c in self.channels.values() if c.get("guild_id") == str(guild_id)],
            "threads": [], "presences": [], "voice_states": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [], "joined_at": _now_iso(),
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "system_channel_flags": 0, "afk_timeout": 300,
        }  # fmt: skip

    def _check_message(self, body: Json, files: Sequence[str]) -> None:
        content = body.get("content") or ""
        if not isinstance(content, str) or len(content) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if len(body.get("embeds") or []) > 10:
            raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        keys = ("embeds", "components", "sticker_ids", "poll")
        if not content and not files and not any(body.get(key) for key in keys):
            raise ApiError(400, 50006, "Cannot send an empty message")

    def _new_message(self, channel_id: int, body: Json, files: Sequence[str], *, flags: int = 0) -> Json:
        message: Json = {
            "id": str(snowflake()), "channel_id": str(channel_id), "type": 0, "author": self.bot_user,
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "mentions": [], "mention_roles": [],
            "attachments": [self._attachment(name) for name in files],
            "mention_everyone": False, "pinned": False, "tts": bool(body.get("tts")),
            "timestamp": _now_iso(), "edited_timestamp": None,
            "flags": flags | (int(body.get("flags") or 0) & ~EPHEMERAL),
        }  # fmt: skip
        if body.get("nonce") is not None:
            message["nonce"] = str(body["nonce"])
        return message

    def _attachment(self, filename: str) -> Json:
        url = f"http://127.0.0.1:{self._port}/attachments/{filename}"
        return {"id": str(snowflake()), "filename": filename, "size": 0, "url": url, "proxy_url": url}

    @staticmethod
    def _edit(message: Json, body: Json) -> Json:
        for key in ("content", "embeds", "components", "attachments"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        message["flags"] = message.get("flags", 0) & ~LOADING
        message["edited_timestamp"] = _now_iso()
        return message

    # ---- REST handlers -----------------------------------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json_response(self.bot_user)

    async def _get_user(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        user = self.users.get(int(user_id)) if user_id.isdigit() else None
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return _json_response(user)

    async def _create_dm(self, request: web.Request) -> web.Response:
        recipient = self._body(request).get("recipient_id")
        if not str(recipient).isdigit():
            raise _form_error("recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.")
        return _json_response(self._dm_channel(int(str(recipient))))

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        shards = self.recommended_shards
        return _json_response({"url": self.gateway_url, "shards": shards, "session_start_limit": limit})

    async def _application(self, request: web.Request) -> web.Response:
        application: Json = {
            "id": str(self.application_id), "name": "Latch (fake)", "icon": None, "description": "",
            "bot_public": False, "bot_require_code_grant": False, "owner": self.user, "team": None,
            "verify_key": "0" * 64, "flags": 0, "summary": "", "bot": self.bot_user,
            "interactions_endpoint_url": None, "redirect_uris": [], "approximate_guild_count": 1,
        }  # fmt: skip
        return _json_response(application)

    def _command_scope(self, request: web.Request) -> int | None:
        if request.match_info["app_id"] != str(self.application_id):
            raise ApiError(403, 20012, "You are not authorized to perform this action on this application")
        guild = request.match_info.get("guild_id")
        if guild is not None and guild != str(self.guild_id):
            raise ApiError(403, 50001, "Missing Access")
        return None if guild is None else int(guild)

    def _store_command(self, scope: int | None, command: Any, existing: Sequence[Json]) -> Json:
        if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(str(command.get("name", ""))):
            raise _form_error("name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        kind = int(command.get("type", 1))
        if kind == 1 and (
            command["name"] != command["name"].lower() or not 1 <= len(command.get("description", "")) <= 100
        ):
            raise _form_error("description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        old = next((c for c in existing if c["name"] == command["name"] and c["type"] == kind), None)
        defaults: Json = {"options": [], "default_member_permissions": None, "nsfw": False, "description": ""}
        stored = defaults | command
        stored |= {"id": old["id"] if old else str(snowflake()), "application_id": str(self.application_id)}
        stored |= {"type": kind, "version": str(snowflake())}
        return stored | ({"guild_id": str(scope)} if scope is not None else {})

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json_response(self.commands.get(self._command_scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope, body = self._command_scope(request), self._record(request).body
        if not isinstance(body, list):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        names = [(c.get("name"), c.get("type", 1)) for c in body if isinstance(c, dict)]
        if len(set(names)) != len(names):
            raise _form_error(
                "_", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        self.command_syncs.append(CommandSync(scope, body))
        return _json_response(self.register_commands(body, scope))

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        record = self.interactions.get(int(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if record.callback is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        age = asyncio.get_running_loop().time() - record.dispatched_at
        if self.interaction_ttl is not None and age > self.interaction_ttl:
            raise ApiError(404, 10062, "Unknown interaction")
        body = self._body(request)
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in _CALLBACKS.get(record.type, set()):
            raise _form_error(
                "type", "INTERACTION_CALLBACK_TYPE_INVALID", "Invalid interaction callback type"
            )
        channel_id, flags = int(record.payload["channel_id"]), int(data.get("flags") or 0) & EPHEMERAL
        message: Json | None = None
        if kind in (4, 5):
            files = self._record(request).files
            if kind == 4:
                self._check_message(data, files)
            message = self._new_message(channel_id, data if kind == 4 else {}, files, flags=flags)
            message |= {
                "type": 20,
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
            }
            message["flags"] |= LOADING if kind == 5 else 0
            record.original = message
            if not flags:
                self.messages.setdefault(channel_id, []).append(message)
        elif kind == 7 and "message" in record.payload:
            message = self._edit(record.payload["message"], data)
        record.callback = body
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        interaction: Json = {"id": str(record.id), "type": record.type}
        if kind in (4, 5) and message is not None:
            interaction |= {"response_message_id": message["id"], "response_message_loading": kind == 5}
            interaction["response_message_ephemeral"] = bool(flags)
        resource: Json = {"type": kind} | ({"message": message} if message is not None else {})
        return _json_response({"interaction": interaction, "resource": resource})

    def _webhook_interaction(self, request: web.Request) -> FakeInteraction:
        token = request.match_info["token"]
        record = next((i for i in self.interactions.values() if i.token == token), None)
        if (
            record is None
            or record.callback is None
            or request.match_info["app_id"] != str(self.application_id)
        ):
            raise ApiError(404, 10015, "Unknown Webhook")
        return record

    async def _followup(self, request: web.Request) -> web.Response:
        record, body = self._webhook_interaction(request), self._body(request)
        files = self._record(request).files
        self._check_message(body, files)
        original = record.original
        if original is not None and original["flags"] & LOADING:  # the first follow-up fills a deferral
            message = self._edit(original, body)
        else:
            flags = int(body.get("flags") or 0) & EPHEMERAL
            message = self._new_message(int(record.payload["channel_id"]), body, files, flags=flags)
            message |= {"webhook_id": str(self.application_id), "application_id": str(self.application_id)}
            record.followups.append(message)
            if not flags:
                self.messages.setdefault(int(message["channel_id"]), []).append(message)
        wait = request.query.get("wait", "").lower() in ("1", "true")
        return _json_response(message) if wait else web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.Response:
        record, message_id = self._webhook_interaction(request), request.match_info["message_id"]
        candidates = [record.original] if message_id == "@original" else record.followups
        message = next(
            (m for m in candidates if m is not None and (message_id == "@original" or m["id"] == message_id)),
            None,
        )
        if message is None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "PATCH":
            return _json_response(self._edit(message, self._body(request)))
        if request.method == "DELETE":
            if message is record.original:
                record.original = None
            with contextlib.suppress(ValueError):
                record.followups.remove(message)
            with contextlib.suppress(ValueError):
                self.messages.get(int(message["channel_id"]), []).remove(message)
            return web.Response(status=204)
        return _json_response(message)

    def _channel(self, request: web.Request) -> Json:
        channel = self.channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        if not self._bot_can_reach(channel):
            raise ApiError(403, 50001, "Missing Access")
        return channel

    async def _get_channel(self, request: web.Request) -> web.Response:
        return _json_response(self._channel(request))

    async def _create_message(self, request: web.Request) -> web.Response:
        channel, body = self._channel(request), self._body(request)
        channel_id, files = int(channel["id"]), self._record(request).files
        if channel["type"] == 1 and int(channel["recipients"][0]["id"]) in self.dm_blocked:
            raise ApiError(403, 50007, "Cannot send messages to this user")
        nonce = None if body.get("nonce") is None else str(body["nonce"])
        if nonce is not None and len(nonce) > 25:
            raise _form_error("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        now = asyncio.get_running_loop().time()
        key = (channel_id, self.bot_user_id, nonce or "")
        if nonce is not None:
            self.nonce_posts[nonce] += 1
        if nonce is not None and body.get("enforce_nonce") and key in self._nonces:
            created_at, original = self._nonces[key]
            if now - created_at < self.nonce_window:
                return _json_response(original)
        self._check_message(body, files)
        message = self._new_message(channel_id, body, files)
        self.messages.setdefault(channel_id, []).append(message)
        self.created_messages.append(message)
        if nonce is not None:
            self._nonces[key] = (now, message)
            self.nonce_messages[nonce] += 1
        return _json_response(message)

    async def _get_messages(self, request: web.Request) -> web.Response:
        """A channel's history like Discord: newest first; `after` gives the oldest after that id."""
        channel_id = int(self._channel(request)["id"])
        try:
            limit = int(request.query.get("limit", "50"))
            after = int(request.query.get("after", "0"))
            before = int(request.query["before"]) if "before" in request.query else None
        except ValueError:
            raise _form_error("limit", "NUMBER_TYPE_COERCE", "Value is not int.") from None
        if not 1 <= limit <= 100:
            raise _form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
        stored = sorted(self.messages.get(channel_id, []), key=lambda message: int(message["id"]))
        chosen = [m for m in stored if int(m["id"]) > after and (before is None or int(m["id"]) < before)]
        chosen = chosen[:limit] if "after" in request.query else chosen[-limit:]
        return _json_response(list(reversed(chosen)))

    # ---- gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        record = GatewayConnection(dict(request.query))
        self.connections.append(record)
        link = _Link(ws, record, self.zlib_stream and request.query.get("compress") == "zlib-stream")
        self._links.add(link)
        self._bump()
        try:
            if request.query.get("v") != "10":
                await link.close(4012, "Invalid API version")
            elif request.query.get("encoding", "json") != "json":
                await link.close(4002, "Decode error")
            else:
                await link.send(
                    {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
                )
            async for msg in ws:
                try:
                    payload = json.loads(msg.data) if msg.type is WSMsgType.TEXT else None
                except ValueError:
                    payload = None
                if not isinstance(payload, dict):
                    await link.close(4002, "Decode error")
                    break
                record.received.append(payload)
                self._bump()
                await self._on_op(link, payload)
        finally:
            self._links.discard(link)
            if link.session is not None and link.session.link is link:
                link.session.link = None
            record.closed, record.close_code = True, ws.close_code
            self._bump()
        return ws

    async def _on_op(self, link: _Link, payload: Json) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await link.send({"op": 11, "d": None, "s": None, "t": None})
        elif op in (2, 6) and (not isinstance(data, dict) or data.get("token") != self.token):
            await link.close(4004, "Authentication failed.")
        elif op in (2, 6) and link.session is not None:
            await link.close(4005, "Already authenticated.")
        elif op == 2 and isinstance(data, dict):
            await self._identify(link, data)
        elif op == 6 and isinstance(data, dict):
            await self._resume(link, data)
        elif op == 8 and isinstance(data, dict) and link.session is not None:
            chunk = {
                "guild_id": data.get("guild_id"),
                "members": list(self.members.values()),
                "not_found": [],
            }
            chunk |= {"chunk_index": 0, "chunk_count": 1, "nonce": data.get("nonce")}
            await self._dispatch(link.session, "GUILD_MEMBERS_CHUNK", chunk)
        elif op not in (3, 4):
            await link.close(4001, "Unknown opcode.")

    async def _identify(self, link: _Link, data: Json) -> None:
        raw_shard = data.get("shard")
        shard = (int(raw_shard[0]), int(raw_shard[1])) if isinstance(raw_shard, list) else None
        session = _Session(secrets.token_hex(16), shard)
        self._sessions[session.id], self._current, self.last_identify = session, session, data
        self._identified.append(session)
        session.link, link.session, link.record.session_id = link, session, session.id
        link.record.shard = shard
        guilds = self.guilds_of_shard(shard)
        ready = {
            "v": 10, "user": self.bot_user | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds], "session_id": session.id,
            "resume_gateway_url": self.resume_gateway_url or self.gateway_url, "private_channels": [],
            "application": {"id": str(self.application_id), "flags": 0}, "_trace": ["fake-discord"],
        }  # fmt: skip
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch(session, "READY", ready)
        for guild_id in guilds:
            await self._dispatch(session, "GUILD_CREATE", self.guild_payload(guild_id))
        self.ready_count += 1
        self.ready_shards[shard[0] if shard is not None else 0] += 1
        self._bump()

    async def _resume(self, link: _Link, data: Json) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None:
            await link.send({"op": 9, "d": False, "s": None, "t": None})
            return
        if session.link is not None and session.link is not link:
            await session.link.close(4009, "Session resumed elsewhere.")
        session.link, link.session, link.record.session_id = link, session, session.id
        seq = int(data.get("seq") or 0)
        for frame in [f for f in session.sent if f["s"] > seq]:
            await link.send(frame)
        await self._dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
        self.resumed_count += 1
        self._bump()

    async def _dispatch(self, session: _Session, event: str, data: Json) -> int:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if session.link is not None:
            await session.link.send(frame)
        return session.seq

    async def dispatch_event(self, event: str, data: Json) -> int:
        """Send a DISPATCH on the shard Discord would use (replayed on RESUME if disconnected); its seq.

        An event of a server goes to the session whose shard owns it, `(guild_id >> 22) % count`; one
        without a server (a DM, a group DM) to shard 0. An unsharded session receives everything. Of
        several sessions of one shard (a restarted process), the newest connected one gets it."""
        guild_id = _guild_of(event, data)
        if guild_id is None:
            session = self._newest_session(lambda shard, _: shard == 0, "DMs (shard 0)")
        else:
            owner = guild_id >> 22
            session = self._newest_session(lambda shard, count: shard == owner % count, f"guild {guild_id}")
        return await self._dispatch(session, event, data)

    def _newest_session(self, receives: Callable[[int, int], bool], what: str) -> _Session:
        """The newest connected session whose (shard, count) `receives`, else the newest such one."""
        if not self._identified:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        matching = [session for session in self._identified if receives(*(session.shard or (0, 1)))]
        if not matching:
            raise RuntimeError(f"no gateway session receives events of {what}")
        connected = [session for session in matching if session.link is not None]
        return (connected or matching)[-1]

    def _control_target(self, shard: int | None) -> _Session | None:
        if shard is None:
            return self._current
        return self._newest_session(lambda shard_id, _: shard_id == shard, f"shard {shard}")

    async def disconnect_gateway(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Drop the connection but keep the session, as Discord does; the bot should RESUME.

        The latest identified session's, or with `shard` that shard's newest connected one (likewise for
        the two methods below)."""
        session = self._control_target(shard)
        if session is not None and session.link is not None:
            await session.link.close(code, "fake discord disconnect")

    async def send_reconnect(self, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT: the bot should reconnect and RESUME."""
        session = self._control_target(shard)
        if session is not None and session.link is not None:
            await session.link.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False, *, shard: int | None = None) -> None:
        """Send op 9 INVALID_SESSION; when not resumable the session is forgotten (the bot re-IDENTIFYs)."""
        session = self._control_target(shard)
        if session is not None and session.link is not None:
            if not resumable:
                self._sessions.pop(session.id, None)
            await session.link.send({"op": 9, "d": resumable, "s": None, "t": None})

    # ---- interactions ------------------------------------------------------------------------

    async def dispatch_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Json] | None = None,
        *,
        user_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
        permissions: int = EVERYONE_PERMISSIONS,
        channel_id: int | None = None,
        user_install: bool = False,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for a synced slash command, e.g. ("remind add", {"minutes": 5}).

        A mapping of options is typed from the synced command's option schema; a list is sent as is.
        Where: the demo guild's channel, the user's DM with the bot (`dm`), or any channel the fake
        knows (`channel_id`: a foreign guild's, a group DM). `user_install` sends it as Discord does for
        an app installed to the member's account. Like Discord, a command is offered only where its
        synced `integration_types` and `contexts` allow (LookupError otherwise).
        """
        root, *path = name.split()
        channel = self._interaction_channel(user_id, dm, channel_id)
        guild_id = None if channel.get("guild_id") is None else int(channel["guild_id"])
        command = self.find_command(root, guild_id if guild_id == self.guild_id else None)
        self._check_offered(command, self._context_of(channel), user_install)
        schema: list[Json] = command.get("options") or []
        chain: list[tuple[str, int]] = []
        for part in path:
            sub = next((o for o in schema if o.get("name") == part and o.get("type") in (1, 2)), None)
            if sub is None:
                raise LookupError(f"command {root!r} has no subcommand {part!r}")
            chain.append((part, int(sub["type"])))
            schema = sub.get("options") or []
        if options is None or not isinstance(options, Mapping):
            leaf = list(options or [])
        else:
            types = {o["name"]: o["type"] for o in schema}
            leaf = [
                {"name": key, "type": types.get(key, _OPTION_TYPES.get(type(value), 3)), "value": value}
                for key, value in options.items()
            ]
        for part, kind in reversed(chain):
            leaf = [{"name": part, "type": kind, "options": leaf}]
        data = {"id": command["id"], "name": root, "type": command["type"], "options": leaf}
        data |= {"guild_id": command["guild_id"]} if "guild_id" in command else {}
        return await self._dispatch_interaction(
            2, data, user_id, channel, locale, permissions, user_install=user_install
        )

    async def dispatch_component(
        self,
        custom_id: str,
        message: Json,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        user_id: int | None = None,
        locale: str = "en-US",
        user_install: bool = False,
    ) -> FakeInteraction:
        """Dispatch a component interaction (button by default) on a `message` the bot sent, from the
        channel the message is in, through the same kind of install as the command that made it."""
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        data |= {"values": list(values)} if values is not None else {}
        channel = self.channels.get(int(message["channel_id"])) or self.channels[self.channel_id]
        extra = {"message": message}
        return await self._dispatch_interaction(
            3, data, user_id, channel, locale, EVERYONE_PERMISSIONS, extra, user_install=user_install
        )

    def _interaction_channel(self, user_id: int | None, dm: bool, channel_id: int | None) -> Json:
        if channel_id is not None:
            return self.channels[channel_id]
        return self._dm_channel(user_id or self.user_id) if dm else self.channels[self.channel_id]

    @staticmethod
    def _context_of(channel: Json) -> int:
        if channel.get("guild_id") is not None:
            return GUILD_CONTEXT
        return BOT_DM_CONTEXT if channel["type"] == 1 else PRIVATE_CHANNEL_CONTEXT

    @staticmethod
    def _check_offered(command: Json, context: int, user_install: bool) -> None:
        """Discord lists a command only for the installs and contexts it declares (all when unset)."""
        install = int(USER_INSTALL if user_install else GUILD_INSTALL)
        installs, contexts = command.get("integration_types"), command.get("contexts")
        if installs is not None and install not in installs:
            raise LookupError(f"command {command['name']!r} is not offered to integration type {install}")
        if contexts is not None and context not in contexts:
            raise LookupError(f"command {command['name']!r} is not offered in context {context}")

    async def _dispatch_interaction(
        self,
        kind: int,
        data: Json,
        user_id: int | None,
        channel: Json,
        locale: str,
        permissions: int,
        extra: Json | None = None,
        *,
        user_install: bool = False,
    ) -> FakeInteraction:
        uid = user_id or self.user_id
        user = self.users.get(uid) or self.add_user(uid)
        interaction_id, token = snowflake(), "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        context = self._context_of(channel)
        # What the app may do here: everything its bot may where the bot is present; where it is not
        # (a user install elsewhere), @everyone's permissions limited to what a response can use.
        app_permissions = EVERYONE_PERMISSIONS
        if not self._bot_can_reach(channel):  # a group DM has no roles: no @everyone to narrow
            everyone = EVERYONE_PERMISSIONS if context == GUILD_CONTEXT else RESPONSE_PERMISSIONS
            app_permissions = everyone & RESPONSE_PERMISSIONS
        payload: Json = {
            "id": str(interaction_id), "application_id": str(self.application_id), "type": kind,
            "data": data, "token": token, "version": 1, "locale": locale, "entitlements": [],
            "app_permissions": str(app_permissions), "attachment_size_limit": 10_485_760,
            "channel_id": channel["id"], "context": context,
        }  # fmt: skip
        guild_id = None if context != GUILD_CONTEXT else int(channel["guild_id"])
        if guild_id is None:
            payload |= {"channel": channel, "user": user}
        else:
            member = self.members.get(uid) if guild_id == self.guild_id else None
            member = (member or self._member(user)) | {"permissions": str(permissions)}
            payload |= {"guild_id": str(guild_id), "channel": channel | {"permissions": str(permissions)}}
            payload |= {"member": member, "guild_locale": "en-US"}
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        if user_install:
            payload["authorizing_integration_owners"] = {USER_INSTALL: str(uid)}
        else:
            payload["authorizing_integration_owners"] = {GUILD_INSTALL: str(self.guild_id)}
        payload |= extra or {}
        loop_time = asyncio.get_running_loop().time()
        record = FakeInteraction(interaction_id, token, kind, payload, loop_time)
        self.interactions[interaction_id] = record
        await self.dispatch_event("INTERACTION_CREATE", payload)
        return record
