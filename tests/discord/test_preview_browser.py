"""The preview as a newcomer uses it: a real headless Chromium driving the page, the real bot behind it.

Needs Chromium (Debian: `apt-get install chromium`) and the playwright package (a dev dependency),
which drives that Chromium; nothing is downloaded at run time. Without either, the test is skipped.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Settings
from bot.preview import BOT_NAME, DEMO_SERVER, PreviewSession, open_preview
from bot.preview_shell import FRAME_PATH
from bot.ui.reminder_text import TITLE

try:
    from playwright.async_api import Frame, FrameLocator, Page, async_playwright, expect
except ImportError:  # pragma: no cover - a dev dependency; absent only in a partial install
    pytest.skip("playwright is not installed", allow_module_level=True)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REMINDER_WITHIN_MS = 100_000


@pytest_asyncio.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh profile every time
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context.pages[0] if context.pages else await context.new_page()
        finally:
            await context.close()


async def _run_command(frame: FrameLocator, command: str, option: str, value: str) -> None:
    """Type `/`, pick the command from the pop-up, fill in its option and send it: what a person does."""
    composer = frame.locator("#channel-composer-input")
    await composer.click()
    await composer.type(f"/{command}")
    await frame.get_by_role("option").filter(has_text=f"/{command}").first.click()
    field = frame.locator(f'input[data-option="{option}"]')
    await field.fill(value)
    await field.press("Enter")


async def _mark_documents(page: Page) -> None:
    """Leave a mark in the page and in SimCord's framed page; a reload of either would erase it."""
    await page.evaluate("window.__stillHere = true")
    await _simcord_frame(page).evaluate("window.__stillHere = true")


def _simcord_frame(page: Page) -> Frame:
    frames = [frame for frame in page.frames if FRAME_PATH in frame.url]
    assert len(frames) == 1, [frame.url for frame in page.frames]
    return frames[0]


async def test_a_newcomer_sees_latch_a_plain_answer_to_bad_input_and_the_reminder_in_their_dms(
    settings: Settings, browser_page: Page
) -> None:
    page = browser_page
    async with open_preview(settings) as session:
        await page.goto(session.url)
        frame = page.frame_locator("#frame")
        conversation = frame.locator("#channel-message-list")  # SimCord's sidebar repeats excerpts

        # Latch looks like Latch, in the demo server, and says how to run a command.
        await expect(page).to_have_title("Latch preview")
        await expect(page.locator("#bot-name")).to_have_text(BOT_NAME)
        await expect(page.locator("#server-name")).to_have_text(DEMO_SERVER)
        await expect(conversation.get_by_text("Welcome to the Latch preview")).to_be_visible()
        await expect(conversation.get_by_text(BOT_NAME, exact=True).first).to_be_visible()
        await expect(frame.get_by_text("TestBot")).to_have_count(0)

        # An input error is an answer: the page reports a completed action and no diagnostics.
        await _run_command(frame, "pump every", "interval", "banana")
        await expect(conversation.get_by_text("Use a duration from 30m to 24h")).to_be_visible()
        await expect(frame.locator("#action-status")).to_have_text("Action completed")
        await expect(frame.locator("#inspector-count")).to_be_hidden()

        # The reminder, set in the member's DMs with Latch, arrives there on its own a minute later.
        await page.locator(f'[data-view="{PreviewSession.dm_view(session.member)}"]').click()
        await expect(conversation.get_by_text("These are your direct messages with Latch")).to_be_visible()
        await _mark_documents(page)
        await _run_command(frame, "pump once", "after", "1m")
        await expect(conversation.get_by_text("Reminder #1 set")).to_be_visible()

        await expect(conversation.get_by_text(TITLE, exact=True)).to_be_visible(timeout=REMINDER_WITHIN_MS)
        await expect(conversation.get_by_role("button", name="Done")).to_be_visible()
        await expect(conversation.get_by_role("button", name="Snooze 10 min")).to_be_visible()
        assert await page.evaluate("window.__stillHere === true")  # no reload of the page
        assert await _simcord_frame(page).evaluate("window.__stillHere === true")  # nor of its frame
        await expect(frame.locator("#inspector-count")).to_be_hidden()
