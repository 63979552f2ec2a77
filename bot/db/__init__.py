"""Storage: the SQLite connection, migrations, and one repository module per aggregate."""

from bot.db.database import Database, Migration, MigrationError, load_migrations

__all__ = ["Database", "Migration", "MigrationError", "load_migrations"]
