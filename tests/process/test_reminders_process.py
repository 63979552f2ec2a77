"""Reminders are delivered exactly once across a SIGKILL: `python -m bot run` against the loopback fake.

Due reminders are seeded into a migrated SQLite file, the bot is started, the fake parks the message
POSTs so deliveries are on the wire, the process is SIGKILLed and started again, and then the parked
requests are let go. Whatever the order in which Discord (the fake) sees the first copy and the resend,
every due reminder ends up as exactly one message in its owner's DM channel, and a further restart
sends nothing again. No sleeps: every wait is on an event of the fake or of the process.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.db.database import Database
from bot.db.pump_users import PumpUserRepository
from bot.db.reminders import ReminderRepository
from bot.domain.reminders.model import AtRule, NewReminder, OnceRule, Rule, delivery_nonce
from bot.domain.reminders.schedule import next_fire
from tests.process.fake_discord import FakeDiscord, Hold
from tests.process.helpers import spawn_cli

WITHIN = 60.0
DUE = 6  # reminders due when the bot starts, missed by 2 to 4 minutes
ZONE = "Europe/London"
MESSAGES = "/channels/*/messages"
BURST, BURST_LIMIT = 30, 10  # reminders due at once; requests per second the fake admits


@dataclass(frozen=True)
class Seeded:
    reminder_id: int
    user_id: int
    scheduled_for: datetime

    @property
    def nonce(self) -> str:
        return delivery_nonce(self.reminder_id, self.scheduled_for)


def _due_rule(index: int, due: datetime) -> tuple[Rule, datetime]:
    """Half one-off, half daily at a wall-clock time; the stored next fire is what the rule says."""
    if index % 2 == 0:
        return OnceRule(at=due), due
    local = due.astimezone(ZoneInfo(ZONE))
    rule = AtRule(times=(time(local.hour, local.minute),))
    fire = next_fire(rule, ZONE, due - timedelta(minutes=1))
    assert fire is not None
    return rule, fire


async def _seed(fake: FakeDiscord, database_path: Path, *, due: int, now: datetime) -> list[Seeded]:
    """Migrate the file and store `due` DM reminders missed by 2 minutes and more (20 s apart, all
    within the 30 minutes that are still sent), one per user the fake knows.

    Every other user already has their DM channel cached (one request per delivery); the rest make
    the bot open the DM first."""
    database = await Database.open(database_path)
    try:
        await database.migrate()
        repository = ReminderRepository(database)
        users = PumpUserRepository(database)
        seeded: list[Seeded] = []
        for index in range(due):
            user_id = int(fake.add_user(username=f"parent{index}")["id"])
            rule, fire = _due_rule(index, now - timedelta(minutes=2, seconds=20 * index))
            new = NewReminder(user_id, None, None, rule, ZONE, fire)
            reminder_id = await repository.create(new, now=fire - timedelta(hours=1))
            if index % 2:
                await users.cache_dm_channel(user_id, fake.dm_channel_id(user_id), now=now)
            seeded.append(Seeded(reminder_id, user_id, fire))
        return seeded
    finally:
        await database.close()


async def _add_once(fake: FakeDiscord, database_path: Path, at: datetime) -> Seeded:
    database = await Database.open(database_path)
    try:
        user_id = int(fake.add_user(username="sentinel")["id"])
        new = NewReminder(user_id, None, None, OnceRule(at=at), ZONE, at)
        reminder_id = await ReminderRepository(database).create(new, now=datetime.now(UTC))
        return Seeded(reminder_id, user_id, at)
    finally:
        await database.close()


def _delivery_states(database_path: Path) -> dict[int, list[tuple[str, int]]]:
    """reminder id → [(state, late)] read straight from the file (the bot may be running: WAL)."""
    with sqlite3.connect(f"file:{database_path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT reminder_id, state, late FROM reminder_deliveries ORDER BY reminder_id, scheduled_for"
        ).fetchall()
    found: dict[int, list[tuple[str, int]]] = {}
    for reminder_id, state, late in rows:
        found.setdefault(reminder_id, []).append((state, late))
    return found


@asynccontextmanager
async def _bot(fake: FakeDiscord, database_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot run` against the fake; its log goes to a file next to the database, shown on failure."""
    log_path = database_path.with_name(f"bot-{fake.ready_count + 1}.log")
    env = {**fake.env(), "DATABASE_URL": f"sqlite:///{database_path}"}
    with log_path.open("wb") as log:
        process = await spawn_cli(["run"], env=env, stdout=log.fileno(), stderr=asyncio.subprocess.STDOUT)
        try:
            yield process
        except BaseException as error:
            error.add_note(f"bot log ({log_path}):\n" + log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _kill_while_held(
    fake: FakeDiscord, database_path: Path, seeded: list[Seeded], *, after_processing: bool
) -> Hold:
    """Start the bot, let its first delivery reach the fake and park there, then SIGKILL it."""
    hold = fake.hold("POST", MESSAGES, times=len(seeded), after_processing=after_processing)
    async with _bot(fake, database_path) as process:
        await fake.wait_ready(fake.ready_count + 1, within=WITHIN)
        await hold.wait_arrived(within=WITHIN)
        process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(process.wait(), WITHIN) == -signal.SIGKILL
    hold.disarm()  # the restarted bot's requests go straight through
    return hold


async def _restart_and_deliver(
    fake: FakeDiscord, database_path: Path, seeded: list[Seeded], hold: Hold
) -> None:
    """Restart; wait until every due reminder is in its owner's DM; then let the parked copies go."""
    async with _bot(fake, database_path) as process:
        await fake.wait_ready(fake.ready_count + 1, within=WITHIN)
        await fake.wait_until(
            lambda: all(fake.dm_messages(s.user_id) for s in seeded), WITHIN, "every due reminder delivered"
        )
        hold.release()
        parked = list(hold.requests)
        await fake.wait_until(lambda: all(r.status for r in parked), WITHIN, "the parked copies answered")
        process.send_signal(signal.SIGTERM)  # a clean stop records every delivery as sent
        assert await asyncio.wait_for(process.wait(), WITHIN) == 0


def _assert_exactly_once(fake: FakeDiscord, seeded: list[Seeded]) -> None:
    for reminder in seeded:
        messages = fake.dm_messages(reminder.user_id)
        assert len(messages) == 1, f"reminder {reminder.reminder_id}: {len(messages)} messages in its DM"
        [message] = messages
        assert message["nonce"] == reminder.nonce
        assert message["embeds"][0]["title"] == "Time to pump (late)"  # every seeded one was missed
        labels = [button.get("label") for row in message["components"] for button in row["components"]]
        assert "Done" in labels
        assert fake.nonce_messages[reminder.nonce] == 1
    assert fake.duplicated_nonces() == {}
    assert len(fake.created_messages) == len(seeded)
    assert fake.unknown_requests == []


async def _second_restart_sends_nothing_new(
    fake: FakeDiscord, database_path: Path, seeded: list[Seeded]
) -> None:
    """A later start re-sends nothing: the only message it posts is a sentinel reminder due right after
    it starts (posted after any recovery, which runs first)."""
    sentinel = await _add_once(fake, database_path, datetime.now(UTC) + timedelta(seconds=2))
    posts_before = len(fake.requests_to("POST", MESSAGES))
    async with _bot(fake, database_path) as process:
        await fake.wait_until(lambda: fake.dm_messages(sentinel.user_id), WITHIN, "the sentinel reminder")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), WITHIN) == 0
    new_posts = fake.requests_to("POST", MESSAGES)[posts_before:]
    assert [r.body["nonce"] for r in new_posts] == [sentinel.nonce]
    assert len(fake.created_messages) == len(seeded) + 1


async def test_sigkill_before_discord_saw_the_message_delivers_each_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The crash lost the requests on the wire: the restart re-sends, and the late copies are deduped."""
    database_path = tmp_path / "latch.sqlite3"
    seeded = await _seed(fake_discord, database_path, due=DUE, now=datetime.now(UTC))

    hold = await _kill_while_held(fake_discord, database_path, seeded, after_processing=False)
    assert fake_discord.created_messages == []  # nothing delivered before the kill
    states = _delivery_states(database_path)
    in_flight = [s for s in seeded if states.get(s.reminder_id) == [("sending", 1)]]
    assert len(in_flight) == DUE  # each claimed (marked late) before sending, none recorded as sent

    await _restart_and_deliver(fake_discord, database_path, seeded, hold)

    _assert_exactly_once(fake_discord, seeded)
    for request in hold.requests:  # the copy parked across the crash reached Discord after the resend
        nonce = request.body["nonce"]
        assert request.body["enforce_nonce"] is True
        assert (fake_discord.nonce_posts[nonce], fake_discord.nonce_messages[nonce]) == (2, 1)
    assert all(_delivery_states(database_path)[s.reminder_id] == [("sent", 1)] for s in seeded)
    await _second_restart_sends_nothing_new(fake_discord, database_path, seeded)


async def test_sigkill_after_discord_stored_the_message_delivers_each_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Discord stored the message but the bot died before the answer: the resend is deduplicated."""
    database_path = tmp_path / "latch.sqlite3"
    seeded = await _seed(fake_discord, database_path, due=DUE, now=datetime.now(UTC))

    hold = await _kill_while_held(fake_discord, database_path, seeded, after_processing=True)
    stored_before_restart = {m["nonce"] for m in fake_discord.created_messages}
    assert stored_before_restart and stored_before_restart <= {s.nonce for s in seeded}

    await _restart_and_deliver(fake_discord, database_path, seeded, hold)

    _assert_exactly_once(fake_discord, seeded)
    # Each stored one is kept once: either re-sent and deduplicated by its nonce (claims younger than
    # the nonce window), or found in the channel's history and not sent again (older claims).
    for nonce in stored_before_restart:
        assert fake_discord.nonce_messages[nonce] == 1
        assert fake_discord.nonce_posts[nonce] in (1, 2)
    assert all(_delivery_states(database_path)[s.reminder_id] == [("sent", 1)] for s in seeded)
    await _second_restart_sends_nothing_new(fake_discord, database_path, seeded)


async def test_a_burst_under_the_global_rate_limit_is_delivered_once_each(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """More reminders due at once than Discord's global limit admits per second: real global 429s,
    discord.py waits them out, every reminder arrives once."""
    database_path = tmp_path / "latch.sqlite3"
    seeded = await _seed(fake_discord, database_path, due=BURST, now=datetime.now(UTC))
    limit = fake_discord.enforce_global_rate_limit(BURST_LIMIT)

    async with _bot(fake_discord, database_path) as process:
        await fake_discord.wait_for_messages(BURST, within=WITHIN)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), WITHIN) == 0

    _assert_exactly_once(fake_discord, seeded)
    assert limit.limited > 0  # the limit was really hit
    limited = [r for r in fake_discord.requests if r.status == 429]
    assert all(r.response_headers["X-RateLimit-Global"] == "true" for r in limited)
    admitted = sorted(r.received_at for r in fake_discord.requests if r.status and r.status != 429)
    assert all(
        later - earlier >= 1.0 for earlier, later in zip(admitted, admitted[BURST_LIMIT:], strict=False)
    )
    assert all(_delivery_states(database_path)[s.reminder_id] == [("sent", 1)] for s in seeded)
