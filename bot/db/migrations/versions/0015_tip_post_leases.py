"""Scheduled tip posts are claimed with a lease, as reminders are.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10

tip_schedules gains the claim of the post being made: the post's due instant (claimed_for), the process
that claimed it (claimed_by: host:pid:random) and when its claim ends (lease_until). Posting it, or
pausing the schedule, clears the claim; a claim whose lease ended (its process stopped) is posted again,
with the same nonce, by a process running the server's shard.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tip_schedules", sa.Column("claimed_for", UTCDateTime))
    op.add_column("tip_schedules", sa.Column("claimed_by", sa.Text))
    op.add_column("tip_schedules", sa.Column("lease_until", UTCDateTime))


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
