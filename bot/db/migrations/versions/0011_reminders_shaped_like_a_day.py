"""Reminders that end after a count, never pile up, and can be shared with a caregiver.

Revision ID: 0011
Revises: 0010
Create Date: 2026-03-02

fired_count: occurrences claimed to send (late ones included; skipped ones and snoozes not), which a
rule ending after a count reads. The last message sent (its channel and id) is edited to "skipped" when
the next occurrence goes out unanswered; unanswered counts those since the member last answered.
reminder_shares: a caregiver who receives a reminder's nudges too, by consent (consented_at NULL:
invited, not yet accepted). share_declines: two declines within 24 hours stop new invitations from the
same person. (The SQL migration 0011 of before Alembic did the same.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.types import Flag, RowId, Snowflake, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# SQLite adds columns with their checks in one statement each, exactly as the SQL migration did.
_SQLITE_COLUMNS = (
    "fired_count INTEGER NOT NULL DEFAULT 0 CHECK (fired_count >= 0)",
    "last_channel_id INTEGER",
    "last_message_id INTEGER",
    "last_answered INTEGER NOT NULL DEFAULT 1 CHECK (last_answered IN (0, 1))",
    "unanswered INTEGER NOT NULL DEFAULT 0 CHECK (unanswered >= 0)",
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for column in _SQLITE_COLUMNS:
            op.execute(f"ALTER TABLE reminders ADD COLUMN {column}")
    else:
        op.add_column("reminders", sa.Column("fired_count", sa.Integer, nullable=False, server_default="0"))
        op.add_column("reminders", sa.Column("last_channel_id", Snowflake))
        op.add_column("reminders", sa.Column("last_message_id", Snowflake))
        op.add_column("reminders", sa.Column("last_answered", Flag, nullable=False, server_default=sa.true()))
        op.add_column("reminders", sa.Column("unanswered", sa.Integer, nullable=False, server_default="0"))
        op.create_check_constraint("reminders_fired_count_check", "reminders", "fired_count >= 0")
        op.create_check_constraint("reminders_unanswered_check", "reminders", "unanswered >= 0")

    flag_check = [sa.CheckConstraint("nights_only IN (0, 1)")] if sqlite else []
    op.create_table(
        "reminder_shares",
        sa.Column(
            "reminder_id",
            RowId,
            sa.ForeignKey("reminders.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("owner_id", Snowflake, nullable=False),
        sa.Column("caregiver_id", Snowflake, nullable=False),
        sa.Column("nights_only", Flag, nullable=False, server_default=sa.false()),
        sa.Column("consented_at", UTCDateTime),
        *flag_check,
        sqlite_strict=True,
    )
    op.create_index("reminder_shares_by_caregiver", "reminder_shares", ["caregiver_id"])
    op.create_index("reminder_shares_by_owner", "reminder_shares", ["owner_id"])

    op.create_table(
        "share_declines",
        sa.Column("owner_id", Snowflake, nullable=False),
        sa.Column("caregiver_id", Snowflake, nullable=False),
        sa.Column("declined_at", UTCDateTime, nullable=False),
        sqlite_strict=True,
    )
    op.create_index("share_declines_by_pair", "share_declines", ["owner_id", "caregiver_id", "declined_at"])


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
