"""Storage: the engine (SQLite or PostgreSQL), its Alembic migrations, one repository per aggregate."""

from bot.db.database import Database, MigrationError

__all__ = ["Database", "MigrationError"]
