"""`/healthz` and `/metrics` on HEALTH_PORT, the scheduler heartbeat, and `python -m bot health`'s probe.

`/healthz` answers 200 when the bot can do its job (connected to the gateway, database writable,
scheduler running and ticking) and 503 otherwise, with a JSON body naming what is wrong; it reports
each of this process's shards (connected, latency in ms) and the database engine (never its URL).
`/metrics` is the Prometheus exposition of `bot.metrics.REGISTRY`; reading either refreshes the
per-shard gauges.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.clock import Clock
from bot.db.database import Database
from bot.metrics import REGISTRY, record_shards
from bot.scheduling import Scheduler

HEARTBEAT_JOB_ID = "health-heartbeat"
HEARTBEAT_SECONDS = 60
# Five missed heartbeats: the scheduler is running but no longer firing jobs.
TICK_STALE_SECONDS = 5 * HEARTBEAT_SECONDS


class HealthSource(Protocol):
    """What the health report reads from the bot."""

    clock: Clock
    scheduler: Scheduler
    version: str

    @property
    def shards(self) -> Mapping[int, Any]: ...  # discord.ShardInfo by shard id

    @property
    def database(self) -> Database | None: ...

    def is_ready(self) -> bool: ...

    def is_closed(self) -> bool: ...


def install_heartbeat(scheduler: Scheduler) -> None:
    """A job every minute, so an idle bot still shows a recent tick and a stuck scheduler shows an old one.

    The first beat runs as soon as the scheduler starts. Only installed when health is served: the
    tick age matters to nobody else, and tests that travel days in virtual time need not step through
    every minute.
    """

    async def heartbeat() -> None:
        return None  # the scheduler records the tick before running any job

    scheduler.every(
        HEARTBEAT_JOB_ID, timedelta(seconds=HEARTBEAT_SECONDS), heartbeat, first=scheduler.clock.now()
    )


def _shards(bot: HealthSource) -> dict[int, tuple[bool, float | None]]:
    """Each of this process's shards: connected to the gateway (open, with a measured heartbeat)?, and
    its heartbeat latency in seconds (None until measured)."""
    ready = bot.is_ready() and not bot.is_closed()
    shards: dict[int, tuple[bool, float | None]] = {}
    for shard_id, shard in bot.shards.items():
        latency = shard.latency if math.isfinite(shard.latency) else None
        shards[shard_id] = (ready and not shard.is_closed() and latency is not None, latency)
    return shards


def read_shards(bot: HealthSource) -> dict[int, tuple[bool, float | None]]:
    """The shards' state, also recorded in the per-shard gauges of ``/metrics``."""
    shards = _shards(bot)
    record_shards(shards)
    return shards


async def _database_writable(bot: HealthSource) -> bool:
    database = bot.database  # None until setup_hook opens it
    if bot.is_closed() or database is None:
        return False
    return await database.is_writable()


async def health_report(bot: HealthSource) -> dict[str, Any]:
    shards = read_shards(bot)
    gateway = bool(shards) and all(connected for connected, _ in shards.values())
    database = await _database_writable(bot)
    scheduler = bot.scheduler.running
    last_tick = bot.scheduler.last_tick
    tick_age = (bot.clock.now() - last_tick).total_seconds() if last_tick is not None else None
    ticking = tick_age is not None and tick_age <= TICK_STALE_SECONDS
    problems = [
        problem
        for problem, failed in (
            ("gateway not connected" if len(shards) <= 1 else "a shard is not connected", not gateway),
            ("database not writable", not database),
            ("scheduler not running", not scheduler),
            ("scheduler has not ticked recently", scheduler and not ticking),
        )
        if failed
    ]
    return {
        "ok": not problems,
        "gateway_connected": gateway,
        "shards": {
            str(shard_id): {
                "connected": connected,
                "latency_ms": round(latency * 1000, 1) if latency is not None else None,
            }
            for shard_id, (connected, latency) in sorted(shards.items())
        },
        # The engine's name only: never the URL, which may carry a password.
        "database_engine": bot.database.dialect if bot.database is not None else None,
        "database_writable": database,
        "scheduler_running": scheduler,
        "last_tick_age_seconds": round(tick_age, 3) if tick_age is not None else None,
        "tick_stale_after_seconds": TICK_STALE_SECONDS,
        "problems": problems,
        "version": bot.version,
    }


def health_app(bot: HealthSource) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        report = await health_report(bot)
        return web.json_response(report, status=200 if report["ok"] else 503)

    async def metrics(_request: web.Request) -> web.Response:
        read_shards(bot)
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def start_health_server(bot: HealthSource, port: int, host: str) -> web.AppRunner:
    """Serve `/healthz` and `/metrics`; port 0 picks a free port (see `runner.addresses`)."""
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
