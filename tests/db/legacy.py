"""Databases as Latch made them before Alembic: the SQL migrations of that time, kept here as data.

``legacy_sql/NNNN_*.sql`` are those files unchanged. ``build_legacy_database`` runs them the way the
old ``Database.migrate`` did (each script with its ``PRAGMA user_version`` bump, in one transaction).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

LEGACY_SQL = Path(__file__).with_name("legacy_sql")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def legacy_migrations() -> list[tuple[int, str]]:
    found = [
        (int(match.group(1)), path.read_text(encoding="utf-8"))
        for path in LEGACY_SQL.iterdir()
        if (match := _NAME.match(path.name))
    ]
    return sorted(found)


def build_legacy_database(path: Path, *, upto: int | None = None) -> int:
    """A SQLite file migrated by the old SQL files (all, or up to ``upto``); its user_version."""
    version = 0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL").fetchall()
        connection.execute("PRAGMA foreign_keys = ON")
        for number, script in legacy_migrations():
            if upto is not None and number > upto:
                break
            connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\n;\nPRAGMA user_version = {number};\nCOMMIT;"
            )
            version = number
    finally:
        connection.close()
    return version
