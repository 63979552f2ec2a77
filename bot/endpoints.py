"""Point discord.py at a different Discord: the REST base and the gateway URL.

Production leaves both at Discord's defaults. Process-level tests point them at a loopback fake
(`tests/process/fake_discord.py`) so the real bot process can be started, killed and restarted.

Both are class-level settings discord.py reads each time it connects, so configuring them is an
assignment, not a patch of its code:

* REST: every request URL (interaction callbacks and webhook follow-ups included) is built by
  `discord.http.Route` as `Route.BASE + path`; discord.py itself reassigns `Route.BASE` when it
  changes API version.
* Gateway: the first connection of `Client`, and of each shard when `SHARD_COUNT` is given, goes to
  `DiscordWebSocket.DEFAULT_GATEWAY`; without a shard count the sharded client asks GET /gateway/bot
  (on the REST base) where to connect. A RESUME goes where READY's `resume_gateway_url` says, as
  Discord intends, so a fake advertises its own address there.
"""

from __future__ import annotations

import base64
import binascii
import re

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

DISCORD_GATEWAY: yarl.URL = DiscordWebSocket.DEFAULT_GATEWAY


def apply_endpoints(api_base: str, gateway_url: str | None) -> None:
    """Send discord.py's REST traffic to `api_base` and, if given, its gateway traffic to `gateway_url`.

    Call once at startup, before the client logs in. Calling it again replaces the previous
    settings, and `apply_endpoints(DEFAULT_API_BASE, None)` restores discord.py's defaults.

    `api_base` must include the API version (e.g. `http://127.0.0.1:8080/api/v10`), because
    discord.py appends route paths such as `/users/@me` directly to it; discord.py adds the `v`,
    `encoding` and `compress` query parameters to `gateway_url`.
    """
    base = api_base.strip().rstrip("/")
    base_url = yarl.URL(base)
    if base_url.scheme not in ("http", "https") or not base_url.host:
        raise ValueError("the API base must be an http:// or https:// URL with a host")
    gateway = DISCORD_GATEWAY
    if gateway_url is not None:
        gateway = yarl.URL(gateway_url.strip())
        if gateway.scheme not in ("ws", "wss") or not gateway.host:
            raise ValueError("the gateway URL must be a ws:// or wss:// URL with a host")
    Route.BASE = base
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


def current_endpoints() -> tuple[str, str | None]:
    """The REST base in effect and the gateway override (None when it is Discord's own)."""
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    return Route.BASE, None if gateway == DISCORD_GATEWAY else str(gateway)


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
