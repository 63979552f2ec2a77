"""Fixtures for process-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.process.fake_discord import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started loopback fake Discord, stopped after the test."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
