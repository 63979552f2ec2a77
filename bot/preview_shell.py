"""The page around SimCord's preview: the channel and the DMs, a clock that runs, and live updates.

SimCord's preview shows one channel per environment, publishes what changed only when one of its
own actions runs (or Refresh is pressed), and its clock moves only as far as the bot's next timer.
For Latch that hides the main feature: a reminder arrives by DM, on its own, later. So the preview
is served behind this small loopback server:

- ``/`` is the shell page: Latch's name and avatar, the demo server's name, a sidebar with the
  channel and each person's direct messages with Latch (with a badge for new ones), the demo clock
  with "skip ahead", and SimCord's own page in a frame beside them.
- Everything else passes through, unchanged, to SimCord's preview server for the view on show;
  only its framing headers are relaxed from "no one" to "this same origin" so the shell may frame it.
- Showing another view closes SimCord's preview and opens one on the other channel. Both histories
  stay: they live in the simulated Discord, not in the page.
- A clock task moves SimCord's virtual time on by the real time that passed, every second, so a
  reminder due in a minute arrives a minute later. SimCord runs one operation at a time, so the
  clock, the skip buttons, view switches and the page's actions take turns (one lock).
- After every tick in which the bot called Discord on its own (a reminder, a scheduled post), the
  preview is republished, and SimCord's page, which polls every half second, shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiohttp
import simcord
from aiohttp import web

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
SKIPS = (600, 3600)  # what the page offers to skip ahead: 10 minutes, 1 hour
FRAME_PATH = "/simcord/"  # where SimCord's own page is served (its assets keep their paths)
_STATIC = resources.files("bot") / "preview_static"
_SHELL_FILES = {
    "/": ("shell.html", "text/html"),
    "/latch/shell.js": ("shell.js", "application/javascript"),
    "/latch/shell.css": ("shell.css", "text/css"),
    "/latch/avatar.png": ("latch-avatar.png", "image/png"),
}
_SHELL_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "frame-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
}
# Request headers SimCord's page sends that its server reads; everything else stays here.
_FORWARDED_REQUEST_HEADERS = ("Accept", "Content-Type", "X-Simcord-Capability", "X-Simcord-Context")
_DROPPED_RESPONSE_HEADERS = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive", "date", "server"}
)
MAX_BODY = 27 * 1024 * 1024  # SimCord's page uploads up to 26 MiB of attachments


def avatar_png() -> bytes:
    """Latch's avatar, shown in the preview (and fit to upload as the bot's avatar on Discord)."""
    return (_STATIC / "latch-avatar.png").read_bytes()


@dataclass(slots=True)
class View:
    """One thing the sidebar can show: a server channel, or one person's direct messages with Latch."""

    key: str
    label: str
    kind: str  # "channel" or "dm"
    channel: simcord.ChannelHandle
    viewers: Sequence[Any]  # MemberActors for a channel; the one UserHandle for DMs
    seen: int = 0  # how many of Latch's messages here the person has been shown

    def latch_messages(self, bot_user_id: int) -> int:
        return sum(1 for message in self.channel.history() if message.author.id == bot_user_id)


@dataclass(slots=True)
class _Shown:
    view: View
    preview: simcord.Preview
    upstream: str  # SimCord's preview server, e.g. http://127.0.0.1:41234
    frame: str  # what the shell's frame loads: FRAME_PATH, then "#" and SimCord's capability


class PreviewShell:
    """Serves the shell and SimCord's preview on one loopback port; owns the clock and live updates."""

    def __init__(
        self,
        env: simcord.Env,
        *,
        bot_user_id: int,
        bot_name: str,
        server_name: str,
        views: Sequence[View],
        assets: dict[str, tuple[str, bytes]],
        port: int = 0,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.env = env
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.server_name = server_name
        self.views = list(views)
        self.assets = assets
        self.port = port
        self.tick = tick
        self.lock = asyncio.Lock()
        self.capability = secrets.token_urlsafe(32)
        self._shown: _Shown | None = None
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._clock: asyncio.Task[None] | None = None
        self._bound_port: int | None = None
        self._published_requests = 0
        self._shows = 0

    @property
    def url(self) -> str:
        """The page to open; the fragment is the key to this session's controls (keep it private)."""
        if self._bound_port is None:
            raise RuntimeError("the preview shell is not started")
        return f"http://127.0.0.1:{self._bound_port}/#{self.capability}"

    @property
    def shown(self) -> View:
        if self._shown is None:
            raise RuntimeError("the preview shell is not started")
        return self._shown.view

    @property
    def preview(self) -> simcord.Preview:
        """SimCord's preview of the view on show."""
        if self._shown is None:
            raise RuntimeError("the preview shell is not started")
        return self._shown.preview

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        for view in self.views:
            view.seen = view.latch_messages(self.bot_user_id)
        async with self.lock:
            await self._show(self.views[0])
        self._client = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._same_origin_only])
        for path in _SHELL_FILES:
            app.router.add_get(path, self._shell_file)
        app.router.add_get("/latch/api/state", self._state)
        app.router.add_post("/latch/api/view", self._switch)
        app.router.add_post("/latch/api/skip", self._skip)
        app.router.add_route("*", "/{tail:.*}", self._pass_through)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self._bound_port = int(self._runner.addresses[0][1])
        self._published_requests = len(self.env.http_requests)
        self._clock = asyncio.create_task(self._run_clock(), name="latch-preview-clock")

    async def close(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock
            self._clock = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._shown is not None:
            await self._shown.preview.close()
            self._shown = None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the clock and the page still while Python code drives the simulated Discord."""
        async with self.lock:
            yield
            await self._publish_if_changed()

    # ------------------------------------------------------------------ what the shell does

    async def show(self, key: str) -> None:
        """Show another view (a channel, or someone's DMs) in the page."""
        view = next((view for view in self.views if view.key == key), None)
        if view is None:
            raise KeyError(key)
        async with self.lock:
            if self._shown is None or self._shown.view is not view:
                await self._show(view)

    async def skip(self, seconds: float) -> None:
        """Move the demo clock on at once: what is due in between happens, in order."""
        async with self.lock:
            await self._advance(seconds)
            await self._publish(force=True)

    async def _show(self, view: View) -> None:
        if self._shown is not None:
            await self._shown.preview.close()
            self._shown = None
        preview = self.env.preview(
            view.channel, viewers=list(view.viewers), layout="channel", assets=self.assets, port=0
        )
        await preview.__aenter__()
        upstream, _, capability = preview.url.partition("/#")
        self._shows += 1  # a new address each time, so the frame loads the new page, not just a new #
        self._shown = _Shown(view, preview, upstream, f"{FRAME_PATH}?show={self._shows}#{capability}")
        view.seen = view.latch_messages(self.bot_user_id)
        self._published_requests = len(self.env.http_requests)

    async def _run_clock(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self.tick)  # the clock's own pace: real time is what it follows
            async with self.lock:
                now = loop.time()
                elapsed, last = now - last, now
                try:
                    await self._advance(elapsed)
                    await self._publish_if_changed()
                except Exception:
                    log.exception("the preview clock could not move on; it tries again next second")

    async def _advance(self, seconds: float) -> None:
        try:
            await self.env.advance_time(seconds)
        except TimeoutError:
            log.warning("the bot was still busy when the preview clock moved on %.0f s", seconds)

    async def _publish_if_changed(self) -> None:
        await self._publish(force=False)

    async def _publish(self, *, force: bool) -> None:
        requests = len(self.env.http_requests)
        if self._shown is None or (not force and requests == self._published_requests):
            return
        await self._shown.preview.refresh()
        self._published_requests = len(self.env.http_requests)

    def state(self) -> dict[str, Any]:
        shown = self._shown
        views = []
        for view in self.views:
            count = view.latch_messages(self.bot_user_id)
            if shown is not None and shown.view is view:
                view.seen = count
            views.append(
                {"key": view.key, "label": view.label, "kind": view.kind, "unread": count - view.seen}
            )
        return {
            "bot": self.bot_name,
            "server": self.server_name,
            "now": self.env.now().isoformat(),
            "view": shown.view.key if shown is not None else None,
            "frame": shown.frame if shown is not None else None,
            "views": views,
            "skips": list(SKIPS),
        }

    # ------------------------------------------------------------------ HTTP

    @web.middleware
    async def _same_origin_only(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Only this loopback address, as SimCord's own server checks (no DNS rebinding, no other sites)."""
        port = self._bound_port
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        origin = request.headers.get("Origin")
        if request.host not in hosts or (
            origin is not None and origin not in {*(f"http://{h}" for h in hosts), "null"}
        ):
            raise web.HTTPForbidden()
        response: web.StreamResponse = await handler(request)
        return response

    def _authorized(self, request: web.Request) -> bool:
        supplied = request.headers.get("X-Latch-Capability", "")
        return secrets.compare_digest(supplied, self.capability)

    async def _shell_file(self, request: web.Request) -> web.StreamResponse:
        name, content_type = _SHELL_FILES[request.path]
        body = (_STATIC / name).read_bytes()
        return web.Response(body=body, content_type=content_type, headers=_SHELL_HEADERS)

    async def _state(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            raise web.HTTPUnauthorized()
        return web.json_response(self.state(), headers=_SHELL_HEADERS)

    async def _switch(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            raise web.HTTPUnauthorized()
        body = await _json_object(request)
        try:
            await self.show(str(body.get("view")))
        except KeyError:
            raise web.HTTPBadRequest(text="unknown view") from None
        return web.json_response(self.state(), headers=_SHELL_HEADERS)

    async def _skip(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            raise web.HTTPUnauthorized()
        seconds = (await _json_object(request)).get("seconds")
        if seconds not in SKIPS:
            raise web.HTTPBadRequest(text="the page skips ahead 10 minutes or 1 hour")
        await self.skip(seconds)
        return web.json_response(self.state(), headers=_SHELL_HEADERS)

    async def _pass_through(self, request: web.Request) -> web.StreamResponse:
        """SimCord's page and its API, for the view on show; actions take their turn with the clock."""
        shown, client = self._shown, self._client
        if shown is None or client is None:
            raise web.HTTPServiceUnavailable()
        path = "/" if request.path == FRAME_PATH else request.path
        headers = {
            name: request.headers[name] for name in _FORWARDED_REQUEST_HEADERS if name in request.headers
        }
        if "Origin" in request.headers:
            headers["Origin"] = shown.upstream  # the page is SimCord's, seen through this origin
        body = await request.read() if request.can_read_body else None
        exclusive = request.method == "POST" and path == "/api/action"
        async with self.lock if exclusive else contextlib.nullcontext():
            if self._shown is not shown:
                raise web.HTTPServiceUnavailable()  # the view changed meanwhile; the page reloads
            try:
                async with client.request(
                    request.method, shown.upstream + path, params=request.query, data=body, headers=headers
                ) as upstream:
                    payload = await upstream.read()
                    status, upstream_headers = upstream.status, upstream.headers
            except aiohttp.ClientError:
                raise web.HTTPServiceUnavailable() from None  # a view switch closed it meanwhile
            if exclusive:
                self._published_requests = len(self.env.http_requests)  # the action published it all
        response_headers = {
            name: _framable(name, value)
            for name, value in upstream_headers.items()
            if name.lower() not in _DROPPED_RESPONSE_HEADERS
        }
        return web.Response(status=status, body=payload, headers=response_headers)


def _framable(name: str, value: str) -> str:
    """SimCord's page forbids every frame; the shell frames it from this same origin only."""
    if name.lower() == "x-frame-options":
        return "SAMEORIGIN"
    if name.lower() == "content-security-policy":
        return value.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    return value


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="JSON object required") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="JSON object required")
    return body
