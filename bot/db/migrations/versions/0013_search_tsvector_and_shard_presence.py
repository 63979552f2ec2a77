"""Full-text search on PostgreSQL, and each shard's presence.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

PostgreSQL: search_index gains ``document``, a weighted tsvector (title A, aliases B, summary C, body D)
with a GIN index, in the text search configuration ``latch_search``: the Snowball English stemmer with
no stop words for words (as SQLite's FTS5 porter tokenizer stems and drops nothing), 'simple' for the
rest. The rows already there get their vector here, from the same words the bot indexes
(``bot.content.search.index_words``). SQLite keeps its FTS5 table as it is.

shard_presence (both engines): one row per shard (of a shard count) that a process ran, and when it was
last seen up with its server list complete. A server is counted as departed only by a process running
its shard while that shard is up, never by a process that merely does not see it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.content.search import index_words
from bot.db.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TEXT_SEARCH = (
    "CREATE TEXT SEARCH DICTIONARY latch_english_stem (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION latch_search (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION latch_search ALTER MAPPING FOR asciiword, word, numword, "
    "asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart WITH latch_english_stem",
)
_VECTOR = (
    "setweight(to_tsvector('latch_search', :title), 'A') || "
    "setweight(to_tsvector('latch_search', :aliases), 'B') || "
    "setweight(to_tsvector('latch_search', :summary), 'C') || "
    "setweight(to_tsvector('latch_search', :body), 'D')"
)


def _words(value: str | None) -> str:
    return " ".join(index_words(value or ""))


def _search_on_postgresql() -> None:
    bind = op.get_bind()
    for statement in _TEXT_SEARCH:
        op.execute(statement)
    op.add_column("search_index", sa.Column("document", sa.dialects.postgresql.TSVECTOR))
    rows = bind.execute(sa.text("SELECT ctid, title, aliases, summary, body FROM search_index")).all()
    update = sa.text(f"UPDATE search_index SET document = {_VECTOR} WHERE ctid = :ctid")  # noqa: S608
    for row in rows:
        bind.execute(
            update,
            {
                "ctid": row.ctid,
                "title": _words(row.title),
                "aliases": _words(row.aliases),
                "summary": _words(row.summary),
                "body": _words(row.body),
            },
        )
    op.alter_column("search_index", "document", nullable=False)
    op.create_index("search_index_document", "search_index", ["document"], postgresql_using="gin")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        _search_on_postgresql()
    op.create_table(
        "shard_presence",
        sa.Column("shard_count", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("shard_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.CheckConstraint("shard_id >= 0 AND shard_id < shard_count"),
        **({"sqlite_strict": True} if sqlite else {}),
    )


def downgrade() -> None:
    # Forward only: a release never moves its database back.
    raise NotImplementedError
