"""`python -m bot health` exits 0 when /healthz answers 200, else 1: what Docker's healthcheck reads."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from bot.__main__ import main

HEALTHY = {"ok": True, "problems": []}
UNHEALTHY = {"ok": False, "problems": ["gateway not connected"]}


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
    return port


def _serve_in_a_thread(status: int, body: dict[str, object]) -> Iterator[int]:
    """A /healthz that answers `status` with `body`, on its own loop in a thread (the CLI runs its own)."""
    loop = asyncio.new_event_loop()
    port = _free_port()
    ready = threading.Event()
    runner_box: list[web.AppRunner] = []

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    async def start() -> None:
        app = web.Application()
        app.router.add_get("/healthz", healthz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runner_box.append(runner)

    def run() -> None:
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "the health server did not start"
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def healthy_port() -> Iterator[int]:
    yield from _serve_in_a_thread(200, HEALTHY)


@pytest.fixture
def unhealthy_port() -> Iterator[int]:
    yield from _serve_in_a_thread(503, UNHEALTHY)


def test_healthy_exits_0_and_prints_the_report(
    healthy_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEALTH_PORT", str(healthy_port))

    assert main(["health"]) == 0
    assert json.loads(capsys.readouterr().out) == HEALTHY


def test_unhealthy_exits_1_and_prints_the_problems(
    unhealthy_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEALTH_PORT", str(unhealthy_port))

    assert main(["health"]) == 1
    assert json.loads(capsys.readouterr().out) == UNHEALTHY


def test_nothing_listening_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEALTH_PORT", str(_free_port()))

    assert main(["health"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert "ClientConnectorError" in report["error"]
