from __future__ import annotations

import io
import json
import logging
import string
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


REAL_SHAPED_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GxYz12.abcdefghijklmnopqrstuvwxyz0123456789AB"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTA5ODc2NTQzMjEwOTg3NjU0OnNlY3JldA"


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[dict[str, Any]]]:
    """Logging configured as `run` configures it with LOG_FORMAT=json; returns the parsed lines."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", root.handlers[:])
    monkeypatch.setattr(root, "level", root.level)
    for name in ("discord", "aiosqlite"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    configure_logging("INFO", "json", secrets=[REAL_SHAPED_TOKEN])
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    handler.setStream(written)

    def lines() -> list[dict[str, Any]]:
        output = written.getvalue()
        assert REAL_SHAPED_TOKEN not in output
        assert INTERACTION_TOKEN not in output
        return [json.loads(line) for line in output.splitlines()]

    return lines


def test_json_logs_never_carry_the_token_from_arguments(
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    logging.getLogger("discord.http").warning(
        "login with %s failed (%r)", REAL_SHAPED_TOKEN, {"t": REAL_SHAPED_TOKEN}
    )

    [entry] = json_logs()
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "discord.http"
    assert entry["message"] == f"login with {REDACTED} failed ({{'t': '{REDACTED}'}})"


def test_json_logs_never_carry_the_token_from_an_exception(
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    try:
        raise ConnectionError(f"401 for Authorization: Bot {REAL_SHAPED_TOKEN}")
    except ConnectionError:
        logging.getLogger("latch").exception("gateway failed")

    [entry] = json_logs()
    assert entry["message"].startswith("gateway failed\nTraceback")
    assert f"ConnectionError: 401 for Authorization: Bot {REDACTED}" in entry["message"]


def test_json_logs_never_carry_interaction_tokens(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    log = logging.getLogger("discord.webhook")
    log.info("PATCH /webhooks/1098765432109876540/%s/messages/@original", INTERACTION_TOKEN)
    log.info("payload %s", {"id": "1", "token": INTERACTION_TOKEN, "type": 2})
    log.info('payload {"id": "1", "token": "%s"}', INTERACTION_TOKEN)

    messages = [entry["message"] for entry in json_logs()]
    assert messages == [
        f"PATCH /webhooks/1098765432109876540/{REDACTED}/messages/@original",
        f"payload {{'id': '1', 'token': '{REDACTED}', 'type': 2}}",
        f'payload {{"id": "1", "token": "{REDACTED}"}}',
    ]


def test_a_token_shaped_string_is_redacted_even_when_it_is_not_ours() -> None:
    other = "ODk2NTQzMjEwOTg3NjU0MzIx.AbCdEf.zyxwvutsrqponmlkjihgfedcba9876543210"
    record = _record("someone pasted %s", other)
    RedactingFilter([TOKEN]).filter(record)
    assert record.getMessage() == f"someone pasted {REDACTED}"


def test_ordinary_text_is_left_alone() -> None:
    message = "ready as Latch#0001 (id 1098765432109876540) in 3 servers; v0.1.0 at 2026-01-01T00:00:00"
    record = _record(message)
    RedactingFilter([TOKEN]).filter(record)
    assert record.getMessage() == message


def test_stack_traces_attached_with_stack_info_are_redacted() -> None:
    record = _record("where am I")
    record.stack_info = f'Stack (most recent call last):\n  login("{TOKEN}")'
    RedactingFilter([TOKEN]).filter(record)
    assert TOKEN not in (record.stack_info or "")


@given(st.text(alphabet=string.ascii_letters + string.digits + " .,:/-_'\"{}", max_size=200))
def test_redaction_never_leaves_the_token_whatever_surrounds_it(surrounding: str) -> None:
    middle = len(surrounding) // 2
    record = _record(surrounding[:middle] + REAL_SHAPED_TOKEN + surrounding[middle:])
    RedactingFilter([REAL_SHAPED_TOKEN]).filter(record)
    assert REAL_SHAPED_TOKEN not in record.getMessage()
