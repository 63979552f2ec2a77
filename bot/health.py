"""`/healthz` on HEALTH_PORT, and the client side used by `python -m bot health`."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from bot.app import LatchBot

TICK_STALE_SECONDS = 15 * 60


async def health_report(bot: LatchBot) -> dict[str, Any]:
    gateway = bot.is_ready() and not bot.is_closed() and math.isfinite(bot.latency)
    database = await bot.db.is_writable() if not bot.is_closed() else False
    scheduler = bot.scheduler.running
    last_tick = bot.scheduler.last_tick
    tick_age = (bot.clock.now() - last_tick).total_seconds() if last_tick is not None else None
    return {
        "ok": bool(gateway and database and scheduler),
        "gateway_connected": gateway,
        "database_writable": database,
        "scheduler_running": scheduler,
        "last_tick_age_seconds": tick_age,
    }


def health_app(bot: LatchBot) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        report = await health_report(bot)
        return web.json_response(report, status=200 if report["ok"] else 503)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    return app


async def start_health_server(bot: LatchBot, port: int, host: str) -> web.AppRunner:
    runner = web.AppRunner(health_app(bot), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def probe(port: int, *, timeout: float = 5.0) -> tuple[bool, str]:  # noqa: ASYNC109
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=client_timeout) as session, session.get(url) as response:
            body = await response.text()
            return response.status == 200, body
    except (aiohttp.ClientError, TimeoutError) as error:
        return False, json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"})
