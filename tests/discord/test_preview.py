"""The offline preview serves a page on loopback, and the real bot answers in it."""

from __future__ import annotations

import aiohttp

from bot.config import Settings
from bot.preview import open_preview
from tests.conftest import answer


async def test_preview_page_answers_and_about_runs(settings: Settings) -> None:
    async with open_preview(settings) as session:
        assert session.url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http, http.get(session.url.split("#", 1)[0]) as page:
            assert page.status == 200
            assert "text/html" in page.headers["Content-Type"]

        welcome = session.channel.last_message
        assert welcome is not None and "Latch preview" in welcome.content

        result = await session.member.slash(session.channel, "about")
        assert answer(result).embeds[0].title == "About Latch"
        assert session.moderator.id != session.member.id

    assert not settings.database_path.exists()  # the preview never touches the configured database


async def test_in_the_preview_a_members_suggestion_reaches_the_moderator(settings: Settings) -> None:
    async with open_preview(settings) as session:
        form = await session.member.slash(session.channel, "suggest")
        assert form.modal is not None

        await session.member.submit_modal(
            form, {"title": "Warm flannel first", "body": "A warm flannel for two minutes before pumping."}
        )

        posted = session.channel.last_message
        assert posted is not None and posted.embeds
        assert "Warm flannel first" in (posted.embeds[0].title or "") + (posted.embeds[0].description or "")
