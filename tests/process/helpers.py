"""Running the bot's command line as a subprocess."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLI_TIMEOUT = 60.0


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def cli_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The current environment minus every Latch setting, plus `extra`; the project is importable."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DATABASE_"))}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update(extra or {})
    return env


async def spawn_cli(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
    stdout: int = asyncio.subprocess.PIPE,
    stderr: int = asyncio.subprocess.PIPE,
) -> asyncio.subprocess.Process:
    """Start `python -m bot ARGS` with `cli_environment(env)`."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=cli_environment(env), stdout=stdout, stderr=stderr
    )


async def run_cli(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    process = await spawn_cli(args, env=env, cwd=cwd)
    stdout, stderr = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT)
    assert process.returncode is not None
    return CliResult(process.returncode, stdout.decode(), stderr.decode())


async def read_line_matching(stream: asyncio.StreamReader, needle: str, timeout: float) -> str:  # noqa: ASYNC109
    """Read lines until one contains `needle`; fail after `timeout` seconds or at end of stream."""

    async def scan() -> str:
        while True:
            raw = await stream.readline()
            if not raw:
                raise AssertionError(f"stream ended before a line containing {needle!r}")
            line = raw.decode(errors="replace")
            if needle in line:
                return line

    return await asyncio.wait_for(scan(), timeout)
