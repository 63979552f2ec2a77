"""Point discord.py at a different Discord: the REST base and the gateway URL.

Production leaves both at Discord's defaults. Process-level tests point them at a loopback fake
(`tests/process/fake_discord.py`) so the real bot process can be started, killed and restarted.

How discord.py 2.7.1 picks its URLs (read from its source):

* REST: every request URL, including interaction callbacks and webhook/follow-up requests made by
  `discord/webhook/async_.py` and `sync.py`, is built by `discord.http.Route`, as `Route.BASE + path`
  at construction time. `Route.BASE` is a plain class attribute (discord.py itself reassigns it in
  `http._set_api_version`), so assigning it is enough. Not covered on purpose: CDN asset URLs
  (`Asset.BASE`) and display-only strings such as `Webhook.url`, which never carry API traffic.
* Gateway: every connection, first connect, RESUME and re-IDENTIFY alike, for `Client` as well as
  `AutoShardedClient`/`Shard`, goes through `DiscordWebSocket.from_client(client, gateway=...)`.
  `Client` starts at `DiscordWebSocket.DEFAULT_GATEWAY` (wss://gateway.discord.gg/), the sharded
  client at the URL returned by GET /gateway/bot, and after READY both resume at the session's
  `resume_gateway_url`. With an override configured we wrap `from_client` so the override wins in
  every one of those cases; without one, discord.py's own choice stands untouched.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import DEFAULT_API_BASE

__all__ = [
    "DEFAULT_API_BASE",
    "apply_endpoints",
    "current_endpoints",
    "validate_token_shape",
]

# The gateway override consulted by the wrapped `from_client`; None keeps discord.py's behaviour.
_gateway_override: yarl.URL | None = None
# `from_client` exactly as discord.py defines it (the classmethod object from the class dict).
_ORIGINAL_FROM_CLIENT: Any = DiscordWebSocket.__dict__["from_client"]


async def _from_client_with_override(
    cls: type[DiscordWebSocket], /, client: discord.Client, **kwargs: Any
) -> DiscordWebSocket:
    if _gateway_override is not None:
        kwargs["gateway"] = _gateway_override
    ws: DiscordWebSocket = await _ORIGINAL_FROM_CLIENT.__get__(None, cls)(client, **kwargs)
    return ws


def apply_endpoints(api_base: str, gateway_url: str | None) -> None:
    """Send discord.py's REST traffic to `api_base` and, if given, its gateway traffic to `gateway_url`.

    Call once at startup, before the client logs in. Calling it again replaces the previous
    settings, and `apply_endpoints(DEFAULT_API_BASE, None)` restores discord.py's defaults.

    `api_base` must include the API version (e.g. `http://127.0.0.1:8080/api/v10`), because
    discord.py appends route paths such as `/users/@me` directly to it. `gateway_url` is used as is
    for the first connection and for every reconnect and RESUME, ignoring the READY event's
    `resume_gateway_url`; discord.py adds the `v`, `encoding` and `compress` query parameters.
    """
    global _gateway_override

    base = api_base.strip().rstrip("/")
    base_url = yarl.URL(base)
    if base_url.scheme not in ("http", "https") or not base_url.host:
        raise ValueError("the API base must be an http:// or https:// URL with a host")
    gateway: yarl.URL | None = None
    if gateway_url is not None:
        gateway = yarl.URL(gateway_url.strip())
        if gateway.scheme not in ("ws", "wss") or not gateway.host:
            raise ValueError("the gateway URL must be a ws:// or wss:// URL with a host")

    Route.BASE = base
    _gateway_override = gateway
    if gateway is not None and DiscordWebSocket.__dict__["from_client"] is _ORIGINAL_FROM_CLIENT:
        # Monkeypatch, on purpose and only here: discord.py has no setting for the gateway URL, and
        # the resume URL comes from the READY payload (gateway.py, `received_message`), so only this
        # single entry point sees every connection. The wrapper just forces the `gateway=` argument
        # and leaves the rest of discord.py's protocol handling alone.
        DiscordWebSocket.from_client = classmethod(_from_client_with_override)  # type: ignore[method-assign,assignment]


def current_endpoints() -> tuple[str, str | None]:
    """The REST base in effect and the gateway override (None when discord.py picks the gateway)."""
    return Route.BASE, None if _gateway_override is None else str(_gateway_override)


# Real tokens are `base64(user id).timestamp.hmac`, each part from the base64url alphabet.
_TOKEN_PART = re.compile(r"[A-Za-z0-9_-]+")


def validate_token_shape(token: str) -> str | None:
    """None if `token` looks like a Discord bot token, else a short reason (never containing the token).

    Only the shape is checked (three base64url parts separated by dots, the first decoding to a
    numeric user id); whether Discord accepts the token is only known at login.
    """
    if not token:
        return "the token is empty"
    if token != token.strip():
        return "the token has leading or trailing whitespace"
    if token.lower().startswith("bot "):
        return "the token starts with 'Bot '; give the bare token without the prefix"
    parts = token.split(".")
    if len(parts) != 3:
        return f"the token has {len(parts)} dot-separated part(s), expected 3"
    if any(not part for part in parts):
        return "the token has an empty part"
    if not all(_TOKEN_PART.fullmatch(part) for part in parts):
        return "the token contains characters outside the base64url alphabet (A-Z, a-z, 0-9, '-', '_')"
    first = parts[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "the token's first part is not valid base64"
    if not decoded.isdigit():
        return "the token's first part does not decode to a numeric user id"
    return None
