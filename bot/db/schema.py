"""The tables, as SQLAlchemy Core sees them: what the repositories query.

The migrations in ``bot/db/migrations`` create and change them (with their checks and indexes); this
module is the shape of the newest revision. ``search_index`` is an FTS5 table on SQLite and a table
with a weighted tsvector (``document``, PostgreSQL only) on PostgreSQL; the repository in
``bot.db.search_index`` hides the difference.
"""

from __future__ import annotations

from sqlalchemy import REAL, Column, ForeignKey, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import TSVECTOR

from bot.db.types import Flag, RowId, Snowflake, UTCDateTime

metadata = MetaData()

app_state = Table(
    "app_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

search_index = Table(
    "search_index",
    metadata,
    Column("title", Text),
    Column("aliases", Text),
    Column("summary", Text),
    Column("body", Text),
    Column("kind", Text),
    Column("ref", Text),
    Column("guild_id", Snowflake),
    Column("document", TSVECTOR, nullable=False),  # PostgreSQL only: FTS5 indexes the columns itself
)

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
    Column("review_channel_id", Snowflake),
    Column("mod_role_id", Snowflake),
    Column("timezone", Text, nullable=False, server_default="UTC"),
    Column("region", Text, nullable=False, server_default="global"),
    Column("allow_channel_reminders", Flag, nullable=False),
    Column("allow_invites", Flag, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("guild_id", Snowflake, nullable=False),
    Column("actor_id", Snowflake),
    Column("action", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("user_id", Snowflake, nullable=False),
    Column("guild_id", Snowflake),
    Column("channel_id", Snowflake),
    Column("kind", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="active"),
    Column("paused_reason", Text),
    Column("next_fire_at", UTCDateTime),
    Column("snoozed_until", UTCDateTime),
    Column("last_fire_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("fired_count", Integer, nullable=False, server_default="0"),
    Column("last_channel_id", Snowflake),
    Column("last_message_id", Snowflake),
    Column("last_answered", Flag, nullable=False, server_default="1"),
    Column("unanswered", Integer, nullable=False, server_default="0"),
)

reminder_shares = Table(
    "reminder_shares",
    metadata,
    Column(
        "reminder_id",
        RowId,
        ForeignKey("reminders.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("owner_id", Snowflake, nullable=False),
    Column("caregiver_id", Snowflake, nullable=False),
    Column("nights_only", Flag, nullable=False, server_default="0"),
    Column("consented_at", UTCDateTime),
)

share_declines = Table(
    "share_declines",
    metadata,
    Column("owner_id", Snowflake, nullable=False),
    Column("caregiver_id", Snowflake, nullable=False),
    Column("declined_at", UTCDateTime, nullable=False),
)

reminder_deliveries = Table(
    "reminder_deliveries",
    metadata,
    Column("reminder_id", RowId, ForeignKey("reminders.id", ondelete="CASCADE"), primary_key=True),
    Column("scheduled_for", UTCDateTime, primary_key=True),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("late", Flag, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("claimed_by", Text),
    Column("lease_until", UTCDateTime),
)

pump_users = Table(
    "pump_users",
    metadata,
    Column("user_id", Snowflake, primary_key=True, autoincrement=False),
    Column("timezone", Text),
    Column("last_done_at", UTCDateTime),
    Column("dm_channel_id", Snowflake),
    Column("notice", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

server_resources = Table(
    "server_resources",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("guild_id", Snowflake, nullable=False),
    Column("name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

server_tip_numbers = Table(
    "server_tip_numbers",
    metadata,
    Column("singleton", Integer, primary_key=True, autoincrement=False),
    Column("last_number", RowId, nullable=False),
)

server_tip_generations = Table(
    "server_tip_generations",
    metadata,
    Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
    Column("generation", RowId, nullable=False),
)

server_tips = Table(
    "server_tips",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("guild_id", Snowflake, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("source_url", Text),
    Column("credit_user_id", Snowflake),
    Column("credit_name", Text),
    Column("created_by", Snowflake),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

tip_suggestions = Table(
    "tip_suggestions",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("guild_id", Snowflake, nullable=False),
    Column("user_id", Snowflake),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("source_url", Text),
    Column("credit_name", Text),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("review_channel_id", Snowflake),
    Column("review_message_id", Snowflake),
    Column("reviewer_id", Snowflake),
    Column("reason", Text),
    Column("tip_id", RowId, ForeignKey("server_tips.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
)

tip_schedules = Table(
    "tip_schedules",
    metadata,
    Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
    Column("channel_id", Snowflake, nullable=False),
    Column("cadence", Text, nullable=False),
    Column("post_time", Text, nullable=False),
    Column("weekday", Integer),
    Column("timezone", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("next_post_at", UTCDateTime),
    Column("paused_reason", Text),
    Column("last_posted_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("paused_detail", Text),
    # The post being made: its due instant, the process making it, and when that claim ends.
    Column("claimed_for", UTCDateTime),
    Column("claimed_by", Text),
    Column("lease_until", UTCDateTime),
)

tip_rotation = Table(
    "tip_rotation",
    metadata,
    Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
    Column("card_id", Text, primary_key=True),
    Column("posted_at", UTCDateTime, nullable=False),
)

bot_processes = Table(
    "bot_processes",
    metadata,
    Column("process_id", Text, primary_key=True),
    Column("shard_ids", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("sends_per_second", REAL),  # its share of the send budget (None: a build that records none)
)

shard_presence = Table(
    "shard_presence",
    metadata,
    Column("shard_count", Integer, primary_key=True, autoincrement=False),
    Column("shard_id", Integer, primary_key=True, autoincrement=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

departed_guilds = Table(
    "departed_guilds",
    metadata,
    Column("guild_id", Snowflake, primary_key=True, autoincrement=False),
    Column("left_at", UTCDateTime, nullable=False),
)
