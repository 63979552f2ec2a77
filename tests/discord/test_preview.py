"""The offline preview serves a page on loopback, and the real bot answers in it.

The page is the shell around SimCord's preview (`bot.preview_shell`): these tests read it over HTTP
as the browser does, and drive the simulated Discord from Python inside `session.turn()`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from bot.config import Settings
from bot.preview import BOT_NAME, CHANNEL_VIEW, DEMO_SERVER, PreviewSession, open_preview
from bot.preview_shell import avatar_png
from bot.ui.reminder_text import TITLE
from tests.conftest import answer, text


def _base(session: PreviewSession) -> str:
    return session.url.split("#", 1)[0].rstrip("/")


def _shell_headers(session: PreviewSession) -> dict[str, str]:
    return {"X-Latch-Capability": session.url.split("#", 1)[1]}


async def _state(http: aiohttp.ClientSession, session: PreviewSession) -> dict[str, Any]:
    async with http.get(f"{_base(session)}/latch/api/state", headers=_shell_headers(session)) as response:
        assert response.status == 200
        state: dict[str, Any] = await response.json()
        return state


async def _post(
    http: aiohttp.ClientSession, session: PreviewSession, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    async with http.post(f"{_base(session)}{path}", json=body, headers=_shell_headers(session)) as response:
        assert response.status == 200, await response.text()
        state: dict[str, Any] = await response.json()
        return state


async def _eventually(check: Callable[[], Any], *, within: float, every: float = 0.25) -> Any:
    """Poll `check` (a coroutine function) until it returns something truthy, or fail after `within` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, f"not within {within} s"
        await asyncio.sleep(every)


class _SimcordPage:
    """SimCord's own page for the view on show, read through the shell as the framed page reads it."""

    def __init__(self, http: aiohttp.ClientSession, session: PreviewSession, frame: str) -> None:
        self.http = http
        self.base = _base(session)
        self.headers = {"X-Simcord-Capability": frame.split("#", 1)[1]}

    async def open(self) -> dict[str, Any]:
        async with self.http.post(f"{self.base}/api/pages", json={}, headers=self.headers) as response:
            assert response.status == 200, await response.text()
            payload: dict[str, Any] = await response.json()
        self.headers["X-Simcord-Context"] = payload["context"]["id"]
        return payload

    async def state(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/api/state", headers=self.headers) as response:
            assert response.status == 200, await response.text()
            payload: dict[str, Any] = await response.json()
            return payload


def _shows(payload: dict[str, Any], words: str) -> bool:
    return words in json.dumps(payload["messages"], ensure_ascii=False)


async def test_preview_page_answers_and_about_runs(settings: Settings) -> None:
    async with open_preview(settings) as session:
        assert session.url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http, http.get(_base(session) + "/") as page:
            assert page.status == 200
            assert "text/html" in page.headers["Content-Type"]
            assert "Latch" in await page.text()

        welcome = session.channel.last_message
        assert welcome is not None and "Latch preview" in welcome.content
        async with session.turn():
            result = await session.member.slash(session.channel, "about")
        assert answer(result).embeds[0].title == "About Latch"
        assert session.moderator.id != session.member.id

    assert not settings.database_path.exists()  # the preview never touches the configured database


async def test_in_the_preview_a_members_suggestion_reaches_the_moderator(settings: Settings) -> None:
    async with open_preview(settings) as session:
        async with session.turn():
            form = await session.member.slash(session.channel, "suggest")
            assert form.modal is not None

            await session.member.submit_modal(
                form,
                {"title": "Warm flannel first", "body": "A warm flannel for two minutes before pumping."},
            )

        posted = session.channel.last_message
        assert posted is not None and posted.embeds
        assert "Warm flannel first" in (posted.embeds[0].title or "") + (posted.embeds[0].description or "")


async def test_latch_looks_like_latch_and_the_server_is_named(settings: Settings) -> None:
    async with open_preview(settings) as session, aiohttp.ClientSession() as http:
        welcome = session.channel.last_message
        assert welcome is not None
        assert session.bot.user is not None
        assert welcome.author.id == session.bot.user.id  # posted by Latch, not by a person
        assert welcome.author.name == BOT_NAME
        assert "pick it from the pop-up" in welcome.content and "ordinary chat message" in welcome.content

        state = await _state(http, session)
        assert state["bot"] == BOT_NAME
        assert state["server"] == DEMO_SERVER
        async with http.get(_base(session) + "/latch/avatar.png") as avatar:
            assert avatar.headers["Content-Type"] == "image/png"
            assert await avatar.read() == avatar_png()

        page = _SimcordPage(http, session, state["frame"])
        payload = await page.open()
        authors = {entity["name"] for entity in payload["entities"]["users"].values()}
        assert BOT_NAME in authors and "TestBot" not in authors
        latch = next(entity for entity in payload["entities"]["users"].values() if entity["name"] == BOT_NAME)
        assert latch["avatar_kind"] == "custom" and latch["avatar_available"]


async def test_a_bad_input_in_the_preview_is_an_answer_not_a_failure(settings: Settings) -> None:
    async with open_preview(settings) as session:
        async with session.turn():
            result = await session.member.slash(session.channel, "pump every", interval="banana")

        assert result.ephemeral
        assert "e.g. `3h`" in text(result)
        assert session.env.errors == []  # what SimCord's page counts as a failed action


async def test_the_demo_clock_runs_at_real_speed(settings: Settings) -> None:
    async with open_preview(settings) as session, aiohttp.ClientSession() as http:
        loop = asyncio.get_running_loop()
        started_real, started = loop.time(), datetime.fromisoformat((await _state(http, session))["now"])

        async def three_seconds_later() -> tuple[float, float] | None:
            real = loop.time() - started_real
            if real < 3:
                return None
            shown = datetime.fromisoformat((await _state(http, session))["now"])
            return real, (shown - started).total_seconds()

        real, simulated = await _eventually(three_seconds_later, within=10)

        assert real - 1.5 <= simulated <= real + 1.5


async def test_skip_ahead_delivers_what_falls_due_and_the_dm_badge_counts_it(settings: Settings) -> None:
    async with open_preview(settings) as session, aiohttp.ClientSession() as http:
        async with session.turn():
            await session.member.slash(session.channel, "pump once", after="30m")
        before = await _state(http, session)
        dms = PreviewSession.dm_view(session.member)
        assert {view["key"]: view["unread"] for view in before["views"]}[dms] == 0

        after = await _post(http, session, "/latch/api/skip", {"seconds": 3600})

        elapsed = datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])
        assert elapsed.total_seconds() >= 3600
        reminder = session.member.user.dm_channel.last_message
        assert reminder is not None and reminder.embeds and reminder.embeds[0].title == TITLE
        assert {view["key"]: view["unread"] for view in after["views"]}[dms] == 1
        async with http.post(
            f"{_base(session)}/latch/api/skip", json={"seconds": 5}, headers=_shell_headers(session)
        ) as refused:
            assert refused.status == 400
        async with http.get(f"{_base(session)}/latch/api/state") as anonymous:
            assert anonymous.status == 401


async def test_the_direct_messages_view_shows_latchs_dms_and_keeps_both_histories(settings: Settings) -> None:
    async with open_preview(settings) as session, aiohttp.ClientSession() as http:
        channel_state = await _state(http, session)
        assert channel_state["view"] == CHANNEL_VIEW
        dms = PreviewSession.dm_view(session.member)

        shown = await _post(http, session, "/latch/api/view", {"view": dms})

        assert shown["view"] == dms and shown["frame"] != channel_state["frame"]
        async with http.get(_base(session) + shown["frame"].split("#", 1)[0]) as framed:
            assert framed.status == 200 and "text/html" in framed.headers["Content-Type"]
            assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
            assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
        dm_page = _SimcordPage(http, session, shown["frame"])
        assert _shows(await dm_page.open(), "These are your direct messages with Latch")

        back = await _post(http, session, "/latch/api/view", {"view": CHANNEL_VIEW})
        channel_page = _SimcordPage(http, session, back["frame"])
        assert _shows(await channel_page.open(), "Welcome to the Latch preview")
        dm_history = session.member.user.dm_channel.history()
        assert dm_history and "direct messages with Latch" in dm_history[0].content


async def test_a_reminder_appears_in_the_open_page_on_its_own(settings: Settings) -> None:
    """No Refresh, no reload: the clock delivers the reminder and the page's next poll shows it."""
    async with open_preview(settings) as session, aiohttp.ClientSession() as http:
        shown = await _post(
            http, session, "/latch/api/view", {"view": PreviewSession.dm_view(session.member)}
        )
        page = _SimcordPage(http, session, shown["frame"])
        assert not _shows(await page.open(), TITLE)
        async with session.turn():
            await session.member.slash(session.channel, "pump once", after="1m")
            await session.env.advance_time(57)  # the last few seconds pass on the demo clock itself

        async def reminder_shown() -> dict[str, Any] | None:
            payload = await page.state()
            return payload if _shows(payload, TITLE) else None

        payload = await _eventually(reminder_shown, within=30)

        reminder = next(message for message in payload["messages"].values() if TITLE in json.dumps(message))
        assert reminder["author"]["name"] == BOT_NAME
        buttons = [
            component.get("label")
            for row in reminder.get("components", [])
            for component in row.get("components", [])
        ]
        assert "Done" in buttons and "Snooze 10 min" in buttons


async def test_the_page_answers_only_at_its_own_loopback_address(settings: Settings) -> None:
    async with open_preview(settings) as session, aiohttp.ClientSession() as http:
        state = await _state(http, session)
        rebound = {**_shell_headers(session), "Host": "rebound.example"}
        elsewhere = {**_shell_headers(session), "Origin": "https://elsewhere.example"}

        for headers in (rebound, elsewhere):
            async with http.get(f"{_base(session)}/latch/api/state", headers=headers) as response:
                assert response.status == 403
            async with http.get(_base(session) + state["frame"].split("#", 1)[0], headers=headers) as framed:
                assert framed.status == 403
