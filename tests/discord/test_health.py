"""/healthz on the real bot: healthy when connected, writable and ticking; 503 naming what broke."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import simcord
from prometheus_client.parser import text_string_to_metric_families

from bot.app import LatchBot
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.database import Database
from bot.health import HEARTBEAT_SECONDS, TICK_STALE_SECONDS, health_report, probe, start_health_server
from bot.scheduling import Scheduler
from tests.db.engines import NO_POSTGRES, postgres_url


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
    return port


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # HEALTH_PORT set, as in production: the bot then runs the scheduler heartbeat.
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'latch.sqlite3'}",
        health_port=_free_port(),
        shard_count=1,
    )


def _bot(env: simcord.Env) -> LatchBot:
    bot = env.bot
    assert isinstance(bot, LatchBot)
    return bot


@asynccontextmanager
async def serving_health(env: simcord.Env) -> AsyncIterator[int]:
    """The bot's health server, started the way `python -m bot run` starts it.

    Started from the test itself (not a fixture) so its handlers read SimCord's virtual clock.
    """
    bot = _bot(env)
    port = bot.settings.health_port
    assert port is not None
    runner = await start_health_server(bot, port, bot.settings.health_host)
    try:
        yield port
    finally:
        await runner.cleanup()


async def _healthz(port: int) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        body: dict[str, Any] = await response.json()
        return response.status, body


async def test_a_running_bot_is_healthy(simcord_env: simcord.Env) -> None:
    async with serving_health(simcord_env) as port:
        status, report = await _healthz(port)
        ok, body = await probe(port)

    assert status == 200, str(report)
    assert report["ok"] is True
    assert report["gateway_connected"] is True
    assert report["shards"]["0"]["connected"] is True
    assert report["shards"]["0"]["latency_ms"] >= 0
    assert report["database_engine"] == "sqlite"
    assert "sqlite:" not in str(report) and "latch.sqlite3" not in str(report)
    assert report["database_writable"] is True
    assert report["scheduler_running"] is True
    assert report["last_tick_age_seconds"] is not None
    assert report["last_tick_age_seconds"] <= HEARTBEAT_SECONDS
    assert report["problems"] == []
    assert ok, body


async def test_an_idle_bot_stays_healthy_because_the_heartbeat_ticks(simcord_env: simcord.Env) -> None:
    await simcord_env.advance_time(3 * 60 * 60)

    async with serving_health(simcord_env) as port:
        status, report = await _healthz(port)
    assert status == 200, str(report)
    assert report["last_tick_age_seconds"] <= HEARTBEAT_SECONDS


async def test_gateway_down_is_unhealthy(simcord_env: simcord.Env) -> None:
    await _bot(simcord_env).shards[0].disconnect()

    async with serving_health(simcord_env) as port:
        status, report = await _healthz(port)
        ok, _ = await probe(port)
    assert status == 503
    assert report["ok"] is False
    assert report["gateway_connected"] is False
    assert report["shards"]["0"]["connected"] is False
    assert report["database_writable"] is True
    assert report["problems"] == ["gateway not connected"]
    assert not ok


async def test_a_read_only_database_is_unhealthy(simcord_env: simcord.Env) -> None:
    database = _bot(simcord_env).db
    async with serving_health(simcord_env) as port:
        # Every write refused, as on a full disk or a read-only file.
        await database.sql(
            "CREATE TRIGGER refuse_writes BEFORE INSERT ON app_state "
            "BEGIN SELECT RAISE(ABORT, 'read-only'); END"
        )
        read_only_status, read_only = await _healthz(port)
        await database.sql("DROP TRIGGER refuse_writes")
        writable_status, writable = await _healthz(port)

    assert read_only_status == 503
    assert read_only["database_writable"] is False
    assert read_only["problems"] == ["database not writable"]
    assert writable_status == 200, str(writable)


async def test_a_closed_database_is_unhealthy(simcord_env: simcord.Env) -> None:
    await _bot(simcord_env).db.close()

    async with serving_health(simcord_env) as port:
        status, report = await _healthz(port)
    assert status == 503
    assert report["database_writable"] is False
    assert report["problems"] == ["database not writable"]


async def test_a_stopped_scheduler_is_unhealthy(simcord_env: simcord.Env) -> None:
    _bot(simcord_env).scheduler.shutdown()

    async with serving_health(simcord_env) as port:
        status, report = await _healthz(port)
    assert status == 503
    assert report["scheduler_running"] is False
    assert report["problems"] == ["scheduler not running"]


async def test_a_scheduler_that_stops_firing_goes_stale(simcord_env: simcord.Env) -> None:
    scheduler = _bot(simcord_env).scheduler
    await simcord_env.advance_time(10 * 60)
    async with serving_health(simcord_env) as port:
        fresh_status, fresh = await _healthz(port)

    # Still "running", but firing nothing: what a wedged scheduler looks like from outside.
    scheduler.pause()
    await simcord_env.advance_time(TICK_STALE_SECONDS + HEARTBEAT_SECONDS)
    async with serving_health(simcord_env) as port:
        stale_status, stale = await _healthz(port)

    assert fresh_status == 200, str(fresh)
    assert stale_status == 503
    assert stale["scheduler_running"] is True
    assert stale["last_tick_age_seconds"] > TICK_STALE_SECONDS
    assert stale["problems"] == ["scheduler has not ticked recently"]


async def _metrics(port: int) -> str:
    url = f"http://127.0.0.1:{port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.text()


def _sample(exposition: str, name: str, shard: int) -> float | None:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == {"shard": str(shard)}:
                return float(sample.value)
    return None


async def test_metrics_label_each_shard_with_its_latency_and_state(simcord_env: simcord.Env) -> None:
    bot = _bot(simcord_env)
    async with serving_health(simcord_env) as port:
        up = await _metrics(port)
        _, report = await _healthz(port)
        await bot.shards[0].disconnect()
        down = await _metrics(port)

    assert _sample(up, "latch_shard_connected", 0) == 1.0
    latency = _sample(up, "latch_shard_latency_seconds", 0)
    assert latency is not None
    assert latency == pytest.approx(report["shards"]["0"]["latency_ms"] / 1000, abs=1e-3)
    assert _sample(down, "latch_shard_connected", 0) == 0.0


class _PostgresSource:
    """Just enough of a bot for the report: one connected shard and a PostgreSQL database."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = Scheduler(clock)
        self.version = "test"
        self.shards = {3: SimpleNamespace(latency=0.0425, is_closed=lambda: False)}

    def is_ready(self) -> bool:
        return True

    def is_closed(self) -> bool:
        return False


async def test_the_report_names_postgresql_but_never_its_url(tmp_path: Path) -> None:
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    # Trust authentication ignores the password; the report must not carry it (nor the URL) anyway.
    with_password = base.replace("postgres@", "postgres:hunter2secret@", 1)
    database = await Database.open(with_password)
    try:
        report = await health_report(_PostgresSource(database, SystemClock()))
    finally:
        await database.close()
    assert report["database_engine"] == "postgresql"
    assert report["shards"] == {"3": {"connected": True, "latency_ms": 42.5}}
    assert "hunter2secret" not in json.dumps(report) and "postgresql://" not in json.dumps(report)
