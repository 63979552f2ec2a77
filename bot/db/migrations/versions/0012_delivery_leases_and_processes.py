"""Reminder claims carry a lease, and each running process says it is alive.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

Several processes (shards) share one database. A delivery in state 'sending' names the process that
claimed it (claimed_by: host:pid:random) and the instant its claim ends (lease_until); another process
re-sends it (with the same nonce) only once the lease has ended, so a live peer's send in flight is
never sent twice. Claims made before this revision have no lease: they count as ended.

bot_processes: one row per running process, its shards and when it was last seen (a heartbeat). The
number of processes seen recently divides the bot token's one global send budget.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reminder_deliveries", sa.Column("claimed_by", sa.Text))
    op.add_column("reminder_deliveries", sa.Column("lease_until", UTCDateTime))
    condition = sa.text("state = 'sending'")
    op.create_index(
        "reminder_deliveries_leases",
        "reminder_deliveries",
        ["lease_until"],
        sqlite_where=condition,
        postgresql_where=condition,
    )

    op.create_table(
        "bot_processes",
        sa.Column("process_id", sa.Text, primary_key=True),
        sa.Column("shard_ids", sa.Text, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sqlite_strict=True,
    )
    op.create_index("bot_processes_by_last_seen", "bot_processes", ["last_seen"])


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
