from __future__ import annotations

import logging
import sys

import pytest

from bot.logging_setup import REDACTED, RedactingFilter, configure_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("discord.http", logging.INFO, __file__, 1, message, args, None)


def test_the_bot_token_is_redacted_from_messages_and_arguments() -> None:
    redactor = RedactingFilter([TOKEN])
    record = _record("login with %s failed", TOKEN)
    redactor.filter(record)
    assert TOKEN not in record.getMessage()
    assert REDACTED in record.getMessage()


def test_interaction_tokens_in_urls_are_redacted() -> None:
    interaction_token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXRzZWNyZXRzZWNyZXQ"
    record = _record(f"POST https://discord.com/api/v10/interactions/123456789/{interaction_token}/callback")
    RedactingFilter([]).filter(record)
    assert interaction_token not in record.getMessage()
    assert "/interactions/123456789/[redacted]/callback" in record.getMessage()


def test_tracebacks_are_redacted_too() -> None:
    try:
        raise RuntimeError(f"bad token {TOKEN}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    RedactingFilter([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "RuntimeError" in record.getMessage()


def test_payload_loggers_stay_at_info_even_when_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", root.handlers[:])
    monkeypatch.setattr(root, "level", root.level)
    for name in ("discord", "aiosqlite"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    configure_logging("DEBUG", "json", secrets=[TOKEN])
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("discord.gateway").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
