"""The schema of the nine SQL migrations Latch had before Alembic, in one revision.

Revision ID: 0009
Revises:
Create Date: 2025-01-01

A SQLite database made by those migrations (``PRAGMA user_version`` 9) already has all of this: the
bot stamps it with this revision instead of running it (``bot.db.database``), and carries on from here.
Revision ids are the old migration numbers, so version N of the old scheme is revision "%04d" % N.

On SQLite the tables are STRICT, as before, and /search is an FTS5 table. On PostgreSQL ids are
BIGINT identities, times are timestamptz, flags are booleans, and search_index is a plain table for
now (its full-text search comes in a later revision).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.db.types import Flag, RowId, Snowflake, UTCDateTime

revision = "0009"
down_revision = None
branch_labels = None
depends_on = None

_FTS5 = """
CREATE VIRTUAL TABLE search_index USING fts5(
    title,
    aliases,
    summary,
    body,
    kind UNINDEXED,
    ref UNINDEXED,
    guild_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '3 4'
)
"""


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    strict = {"sqlite_strict": True}

    def flag_check(column: str) -> list[sa.CheckConstraint]:
        # A boolean column on PostgreSQL needs no check; SQLite's 0/1 integers do.
        return [sa.CheckConstraint(f"{column} IN (0, 1)")] if sqlite else []

    def where(condition: str) -> dict[str, Any]:
        return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}

    op.create_table(
        "app_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        **strict,
    )

    if sqlite:
        op.execute(_FTS5)
    else:
        op.create_table(
            "search_index",
            sa.Column("title", sa.Text),
            sa.Column("aliases", sa.Text),
            sa.Column("summary", sa.Text),
            sa.Column("body", sa.Text),
            sa.Column("kind", sa.Text),
            sa.Column("ref", sa.Text),
            sa.Column("guild_id", Snowflake),
        )
        op.create_index("search_index_by_guild", "search_index", ["guild_id", "kind", "ref"])

    op.create_table(
        "guild_settings",
        sa.Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
        sa.Column("review_channel_id", Snowflake),
        sa.Column("mod_role_id", Snowflake),
        sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
        sa.Column("region", sa.Text, nullable=False, server_default="global"),
        sa.Column("allow_channel_reminders", Flag, nullable=False, server_default=sa.false()),
        sa.Column("allow_invites", Flag, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        *flag_check("allow_channel_reminders"),
        *flag_check("allow_invites"),
        **strict,
    )

    op.create_table(
        "audit_log",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("guild_id", Snowflake, nullable=False),
        sa.Column("actor_id", Snowflake),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        **strict,
    )
    op.create_index("audit_log_by_guild", "audit_log", ["guild_id", sa.text("id DESC")])
    op.create_index("audit_log_by_actor", "audit_log", ["actor_id"], **where("actor_id IS NOT NULL"))

    op.create_table(
        "reminders",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("user_id", Snowflake, nullable=False),
        sa.Column("guild_id", Snowflake),
        sa.Column("channel_id", Snowflake),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("paused_reason", sa.Text),
        sa.Column("next_fire_at", UTCDateTime),
        sa.Column("snoozed_until", UTCDateTime),
        sa.Column("last_fire_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("kind IN ('every', 'at', 'once')"),
        sa.CheckConstraint("status IN ('active', 'paused', 'finished')"),
        **strict,
    )
    op.create_index("reminders_due", "reminders", ["next_fire_at"], **where("status = 'active'"))
    op.create_index(
        "reminders_snoozed",
        "reminders",
        ["snoozed_until"],
        **where("status = 'active' AND snoozed_until IS NOT NULL"),
    )
    op.create_index("reminders_by_user", "reminders", ["user_id", "status"])

    op.create_table(
        "reminder_deliveries",
        sa.Column("reminder_id", RowId, sa.ForeignKey("reminders.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("scheduled_for", UTCDateTime, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("late", Flag, nullable=False, server_default=sa.false()),
        sa.Column("sent_at", UTCDateTime),
        sa.CheckConstraint("state IN ('sending', 'sent', 'failed', 'skipped')"),
        *flag_check("late"),
        **strict,
    )
    op.create_index(
        "reminder_deliveries_sending",
        "reminder_deliveries",
        ["scheduled_for"],
        **where("state = 'sending'"),
    )

    op.create_table(
        "pump_users",
        sa.Column("user_id", Snowflake, primary_key=True, autoincrement=False),
        sa.Column("timezone", sa.Text),
        sa.Column("last_done_at", UTCDateTime),
        sa.Column("dm_channel_id", Snowflake),
        sa.Column("notice", sa.Text),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        **strict,
    )

    op.create_table(
        "server_resources",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("guild_id", Snowflake, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        **strict,
    )
    # Names are unique per server whatever their case (SQLite's NOCASE folds ASCII, lower() the rest).
    op.create_index(
        "server_resources_name",
        "server_resources",
        ["guild_id", sa.text("name COLLATE NOCASE" if sqlite else "lower(name)")],
        unique=True,
    )

    op.create_table(
        "server_tips",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("guild_id", Snowflake, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("credit_user_id", Snowflake),
        sa.Column("credit_name", sa.Text),
        sa.Column("created_by", Snowflake),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 80"),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 1500"),
        sa.CheckConstraint("source_url IS NULL OR length(source_url) <= 512"),
        **strict,
    )
    op.create_index("server_tips_by_guild", "server_tips", ["guild_id", "id"])
    op.create_index(
        "server_tips_by_credit", "server_tips", ["credit_user_id"], **where("credit_user_id IS NOT NULL")
    )
    op.create_index(
        "server_tips_by_creator", "server_tips", ["created_by"], **where("created_by IS NOT NULL")
    )

    op.create_table(
        "tip_suggestions",
        sa.Column("id", RowId, primary_key=True),
        sa.Column("guild_id", Snowflake, nullable=False),
        sa.Column("user_id", Snowflake),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("credit_name", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("review_channel_id", Snowflake),
        sa.Column("review_message_id", Snowflake),
        sa.Column("reviewer_id", Snowflake),
        sa.Column("reason", sa.Text),
        sa.Column("tip_id", RowId, sa.ForeignKey("server_tips.id", ondelete="SET NULL")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("decided_at", UTCDateTime),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 80"),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 1500"),
        sa.CheckConstraint("source_url IS NULL OR length(source_url) <= 512"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')"),
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)"),
        **strict,
    )
    op.create_index("tip_suggestions_by_author", "tip_suggestions", ["guild_id", "user_id", "created_at"])
    op.create_index(
        "tip_suggestions_pending", "tip_suggestions", ["guild_id", "id"], **where("status = 'pending'")
    )
    op.create_index("tip_suggestions_by_user", "tip_suggestions", ["user_id"], **where("user_id IS NOT NULL"))

    op.create_table(
        "tip_schedules",
        sa.Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
        sa.Column("channel_id", Snowflake, nullable=False),
        sa.Column("cadence", sa.Text, nullable=False),
        sa.Column("post_time", sa.Text, nullable=False),
        sa.Column("weekday", sa.Integer),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("next_post_at", UTCDateTime),
        sa.Column("paused_reason", sa.Text),
        sa.Column("last_posted_at", UTCDateTime),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("paused_detail", sa.Text),
        sa.CheckConstraint("cadence IN ('daily', 'weekdays', 'weekly')"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6"),
        sa.CheckConstraint("source IN ('library', 'server', 'both')"),
        sa.CheckConstraint("(cadence = 'weekly') = (weekday IS NOT NULL)"),
        sa.CheckConstraint("(next_post_at IS NULL) = (paused_reason IS NOT NULL)"),
        **strict,
    )
    op.create_index(
        "tip_schedules_due", "tip_schedules", ["next_post_at"], **where("next_post_at IS NOT NULL")
    )

    op.create_table(
        "tip_rotation",
        sa.Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
        sa.Column("card_id", sa.Text, primary_key=True),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sqlite_with_rowid=False,
        **strict,
    )

    op.create_table(
        "departed_guilds",
        sa.Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
        sa.Column("left_at", UTCDateTime, nullable=False),
        **strict,
    )
    op.create_index("departed_guilds_by_left_at", "departed_guilds", ["left_at"])


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
