"""The command line as an operator meets it: real subprocesses, real exit codes."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

import aiohttp

from bot.db.database import migration_scripts
from tests.process.helpers import PROJECT_ROOT, read_line_matching, run_cli, spawn_cli

STARTUP_TIMEOUT = 60.0


async def test_make_run_without_a_token_serves_the_preview_until_stopped(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'latch.sqlite3'}"}
    process = await spawn_cli(["run", "--preview-if-no-token"], env=database, cwd=tmp_path)
    try:
        assert process.stdout is not None
        line = await read_line_matching(process.stdout, "Latch offline preview: ", STARTUP_TIMEOUT)
        url = line.split("Latch offline preview: ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http, http.get(url.split("#", 1)[0]) as page:
            assert page.status == 200
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), STARTUP_TIMEOUT) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_run_without_a_token_is_one_line_exit_2(tmp_path: Path) -> None:
    result = await run_cli(["run"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN is not set" in lines[0]
    assert "discord.com/developers/applications" in lines[0]


def test_make_run_is_the_previewing_run() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-m bot run --preview-if-no-token" in makefile


async def test_malformed_token_is_one_line_exit_2_and_never_echoed(tmp_path: Path) -> None:
    token = "not-a-token-but-secret-looking-value-12345"
    result = await run_cli(["run"], cwd=tmp_path, env={"DISCORD_TOKEN": token})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
    assert "discord.com/developers/applications" in lines[0]
    assert "Traceback" not in result.stderr
    assert token not in result.stdout + result.stderr


async def test_invalid_setting_is_one_line_exit_2(tmp_path: Path) -> None:
    result = await run_cli(["run"], cwd=tmp_path, env={"LOG_FORMAT": "xml"})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "LOG_FORMAT" in result.stderr
    assert "Traceback" not in result.stderr


async def test_db_migrate_creates_the_database(tmp_path: Path) -> None:
    database = tmp_path / "sub" / "latch.sqlite3"
    first = await run_cli(["db", "migrate"], cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{database}"})
    second = await run_cli(["db", "migrate"], cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{database}"})
    assert first.returncode == 0 and second.returncode == 0
    assert database.exists()
    head = migration_scripts().get_current_head()
    assert f"schema revision {head} (" in first.stdout
    assert "(0 migration(s) applied)" not in first.stdout
    assert "(0 migration(s) applied)" in second.stdout


async def test_content_check_passes_on_the_shipped_content(tmp_path: Path) -> None:
    result = await run_cli(["content", "check"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("content check: OK")


async def test_content_check_catches_a_routine_tip_that_is_gone(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    (content / "tips" / "spine-walk.md").unlink()
    result = await run_cli(["content", "check"], cwd=tmp_path, env={"CONTENT_DIR": str(content)})
    assert result.returncode == 1
    assert "letdown routine" in result.stderr and "spine-walk" in result.stderr


async def test_health_without_a_port_fails_clearly(tmp_path: Path) -> None:
    result = await run_cli(["health"], cwd=tmp_path)
    assert result.returncode == 1
    assert "HEALTH_PORT" in result.stderr
