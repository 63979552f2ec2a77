"""Each running process records the rate it sends at, so one that joins takes only what is left.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-11

bot_processes.sends_per_second: this process's share of the bot token's one global send budget, written
with its heartbeat. A process that joins reads the others' rates and, until they have counted it and
given up their part, takes only what they leave; it no longer adds its whole share on top of theirs for
a heartbeat. Rows written before this revision have none (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bot_processes", sa.Column("sends_per_second", sa.REAL))


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
