"""Alembic's environment for Latch: the bot runs it from ``Database.migrate`` with an open connection.

There is no alembic.ini to keep: ``bot.db.database.alembic_config`` builds the configuration in code,
and ``python -m bot db migrate`` (or starting the bot) applies every pending revision.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.db.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite changes most columns by copying the table: batch mode does that for every ALTER.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("Latch's migrations run through `python -m bot db migrate`, which opens the database")
_run(connection)
