"""Command line: `python -m bot run | preview | content check | db migrate | db copy --to URL | health`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings

BOT_SETUP_HINT = (
    "Create a bot and copy its token at https://discord.com/developers/applications (Bot → Reset Token)."
)

log = logging.getLogger("latch")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']).upper()}: {issue['msg']}"
            for issue in error.errors(include_input=False)
        )
        print(f"latch: invalid configuration: {problems}", file=sys.stderr)
        raise SystemExit(2) from None


def _install_stop_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not available on every platform
            loop.add_signal_handler(sig, stop.set)


async def _run_bot(settings: Settings, token: str) -> None:
    from bot.app import create_bot
    from bot.endpoints import apply_endpoints
    from bot.health import start_health_server

    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    bot = create_bot(settings)
    stop = asyncio.Event()
    _install_stop_signals(asyncio.get_running_loop(), stop)
    health = None
    async with bot:
        if settings.health_port is not None:
            health = await start_health_server(bot, settings.health_port, settings.health_host)
        runner = asyncio.create_task(bot.start(token), name="latch-bot")
        stopper = asyncio.create_task(stop.wait(), name="latch-stop")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stop signal received; shutting down")
            await bot.close()
        else:
            stopper.cancel()
        await runner  # re-raises a login or gateway failure
        if health is not None:
            await health.cleanup()


def command_run(settings: Settings, *, preview_if_no_token: bool) -> int:
    from bot.endpoints import validate_token_shape
    from bot.logging_setup import configure_logging

    token = settings.token
    if token is None and preview_if_no_token:
        print("latch: no DISCORD_TOKEN set, so starting the offline preview instead.", file=sys.stderr)
        print(f"latch: to connect to Discord, put DISCORD_TOKEN in the environment or .env. {BOT_SETUP_HINT}")
        return command_preview(settings)
    if token is None:
        # A deployment without its token must fail loudly, not quietly serve a local preview.
        print(f"latch: DISCORD_TOKEN is not set (environment or .env). {BOT_SETUP_HINT}", file=sys.stderr)
        return 2
    problem = validate_token_shape(token)
    if problem is not None:
        print(f"latch: DISCORD_TOKEN is malformed ({problem}). {BOT_SETUP_HINT}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, secrets=[token])
    import discord

    try:
        asyncio.run(_run_bot(settings, token))
    except discord.LoginFailure:
        print(f"latch: Discord rejected DISCORD_TOKEN. {BOT_SETUP_HINT}", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("latch: Discord refused the gateway intents requested.", file=sys.stderr)
        return 2
    return 0


def command_preview(settings: Settings, port: int | None = None) -> int:
    from bot.logging_setup import configure_logging
    from bot.preview import open_preview

    configure_logging(settings.log_level, settings.log_format, secrets=[])

    async def main() -> None:
        stop = asyncio.Event()
        _install_stop_signals(asyncio.get_running_loop(), stop)
        async with open_preview(settings, port=port) as session:
            print(f"Latch offline preview: {session.url}", flush=True)
            print(
                "Open it in a browser: the demo server's channel, your direct messages with Latch, and a "
                "clock that runs. Press Ctrl-C to stop.",
                flush=True,
            )
            await stop.wait()

    asyncio.run(main())
    return 0


def command_content_check(settings: Settings) -> int:
    from bot.content.parsing import read_content
    from bot.content.validation import MAX_READING_GRADE, errors, reading_grades
    from bot.content_check import check_content

    def print_grades() -> None:
        grades = reading_grades(read_content(settings.content_dir).cards)
        print(f"reading grades (Flesch-Kincaid; over {MAX_READING_GRADE:.0f} only for technical cards):")
        for file, grade in sorted(grades.items(), key=lambda item: (-item[1], item[0])):
            print(f"  {grade:5.1f}  {file}")

    problems = check_content(settings.content_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    failures = errors(problems)
    if failures:
        print(f"content check: {len(failures)} problem(s)", file=sys.stderr)
        print_grades()
        return 1
    from bot.content.loader import load_library
    from bot.domain.letdown import ROUTINE, routine_problems

    library = load_library(settings.content_dir)
    routine = routine_problems(ROUTINE, library)
    for routine_problem in routine:
        print(f"letdown routine: {routine_problem}", file=sys.stderr)
    if routine:
        print(f"content check: {len(routine)} problem(s) in the /letdown routine", file=sys.stderr)
        return 1
    warnings = len(problems) - len(failures)
    print(
        f"content check: OK ({len(library.facts)} facts, {len(library.tips)} tips, "
        f"{len(library.resources)} resources, {len(library.offered_regions)} offered regions"
        + (f", {warnings} warning(s)" if warnings else "")
        + ")"
    )
    print_grades()
    return 0


def command_db_migrate(settings: Settings) -> int:
    from bot.db.database import Database, DatabaseUrl, MigrationError

    async def main() -> tuple[list[str], str | None]:
        database = await Database.open(settings.database_url)
        try:
            applied = await database.migrate()
            return applied, await database.schema_version()
        finally:
            await database.close()

    where = DatabaseUrl.parse(settings.database_url).display()
    try:
        applied, revision = asyncio.run(main())
    except MigrationError as error:
        print(f"latch: {error}", file=sys.stderr)
        return 1
    print(f"database {where}: schema revision {revision} ({len(applied)} migration(s) applied)")
    return 0


def command_db_copy(settings: Settings, to: str) -> int:
    from bot.db.copy import CopyRefused, copy_database
    from bot.db.database import Database, DatabaseUrl, MigrationError

    try:
        source_url, target_url = DatabaseUrl.parse(settings.database_url), DatabaseUrl.parse(to)
    except ValueError as error:
        print(f"latch: --to: {error}", file=sys.stderr)
        return 2

    async def main() -> int:
        source = await Database.open(settings.database_url)
        try:
            target = await Database.open(to)
            try:
                return (await copy_database(source, target)).total
            finally:
                await target.close()
        finally:
            await source.close()

    if source_url.sqlalchemy_url == target_url.sqlalchemy_url or source_url.engine == target_url.engine:
        print(
            f"latch: db copy: the source and the target are both {target_url.engine}; "
            "copy from SQLite (DATABASE_URL) to PostgreSQL (--to)",
            file=sys.stderr,
        )
        return 2
    try:
        total = asyncio.run(main())
    except CopyRefused as error:
        print(f"latch: db copy: {error}", file=sys.stderr)
        return 2
    except MigrationError as error:
        print(f"latch: {error}", file=sys.stderr)
        return 1
    print(f"copied {total} row(s) from {source_url.display()} to {target_url.display()}")
    return 0


def command_health(settings: Settings) -> int:
    from bot.health import probe

    if settings.health_port is None:
        print("latch: HEALTH_PORT is not set, so there is no health endpoint to ask.", file=sys.stderr)
        return 1
    ok, body = asyncio.run(probe(settings.health_port))
    print(body)
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="latch", description="Latch, a Discord bot for lactation support.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="connect to Discord with DISCORD_TOKEN")
    run.add_argument(
        "--preview-if-no-token",
        action="store_true",
        help="without a token, start the offline preview instead of failing (what `make run` does)",
    )
    preview = commands.add_parser("preview", help="try the bot offline in a local browser page")
    preview.add_argument("--port", type=int, default=None, help="loopback port (default: any free port)")
    content = commands.add_parser("content", help="content tools")
    content.add_subparsers(dest="action", required=True).add_parser("check", help="validate every card")
    db = commands.add_parser("db", help="database tools")
    db_actions = db.add_subparsers(dest="action", required=True)
    db_actions.add_parser("migrate", help="apply pending migrations")
    copy = db_actions.add_parser(
        "copy", help="copy every row of DATABASE_URL into an empty PostgreSQL database, migrated first"
    )
    copy.add_argument(
        "--to", required=True, metavar="URL", help="the target, postgresql://USER@HOST/DATABASE"
    )
    commands.add_parser("health", help="exit 0 if the running bot reports healthy, else 1")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    if args.command == "run":
        return command_run(settings, preview_if_no_token=args.preview_if_no_token)
    if args.command == "preview":
        return command_preview(settings, port=args.port)
    if args.command == "content":
        return command_content_check(settings)
    if args.command == "db" and args.action == "copy":
        return command_db_copy(settings, args.to)
    if args.command == "db":
        return command_db_migrate(settings)
    return command_health(settings)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
