"""Server-tip generations live in the database, so every process sees another's tip changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09

server_tip_generations: one generation per server (and one, guild_id -1, for every server at once),
drawn from one counter (guild_id -2) in the same transaction as the change to the server's tips, so a
number is never given twice, even to a server whose row /privacy erased. The catalog keeps each server's
tip index until the counter moves; with the counter here rather than in one process's memory, a tip
added through one process is seen by the others' autocomplete and cards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.types import RowId, Snowflake

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_tip_generations",
        sa.Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
        sa.Column("generation", RowId, nullable=False),
        sqlite_strict=True,
    )


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
