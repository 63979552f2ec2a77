"""A server tip's number is never given out again after a removal.

Revision ID: 0010
Revises: 0009
Create Date: 2026-03-02

A tip's number is shown to moderators ("#2") and kept in the audit, so it must never come back. SQLite
reuses the largest rowid once that row is gone; this counter keeps the highest number ever given out,
seeded from the tips there are now. (The SQL migration 0010 of before Alembic did the same.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.types import RowId

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_tip_numbers",
        sa.Column("singleton", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_number", RowId, nullable=False),
        sa.CheckConstraint("singleton = 1"),
        sqlite_strict=True,
    )
    op.execute(
        "INSERT INTO server_tip_numbers (singleton, last_number) "
        "VALUES (1, COALESCE((SELECT MAX(id) FROM server_tips), 0))"
    )


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
