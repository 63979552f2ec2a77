"""Logging: text or JSON, with secrets redacted before anything is written."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Interaction and webhook tokens travel in URL paths; discord.py may log those URLs.
_URL_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d+/)[A-Za-z0-9_.\-]{20,}")
# A payload printed as a dict or JSON carries the interaction token under a "token" key.
_TOKEN_FIELD = re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]{20,}""")
# Any bot token (three base64url parts), even one that is not this bot's own.
_BOT_TOKEN_SHAPE = re.compile(r"\b[A-Za-z0-9_-]{23,}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _BOT_TOKEN_SHAPE.sub(REDACTED, text)
        text = _TOKEN_FIELD.sub(rf"\g<1>{REDACTED}", text)
        return _URL_TOKEN.sub(rf"\g<1>{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so the redaction covers it too.
            message = f"{message}\n{self.redact(logging.Formatter().formatException(record.exc_info))}"
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record.msg = message
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str, *, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Both log payloads at DEBUG (gateway events with what users typed; SQL parameters), so they
    # never go below INFO, whatever LOG_LEVEL says.
    for chatty in ("discord", "aiosqlite", "psycopg"):
        logging.getLogger(chatty).setLevel(max(logging.getLevelName(level), logging.INFO))
    # SQLAlchemy logs every statement with its parameters at INFO.
    logging.getLogger("sqlalchemy").setLevel(max(logging.getLevelName(level), logging.WARNING))
