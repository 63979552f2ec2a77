"""Repository for `tip_suggestions` (migration 0006): tips members suggested, and the decisions on them.

``create`` counts the member's suggestions of the last 24 hours and inserts in one transaction, so two
quick submissions cannot both slip under the limit. A decision (approve or reject) changes the row only
while it is still pending, so two moderators pressing at once cannot both decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import from_storage, to_storage
from bot.db import audit
from bot.db.database import Database
from bot.db.server_tips import ServerTipsRepository, insert_tip
from bot.domain.curation import Credit
from bot.domain.suggestions import (
    DAILY_LIMIT,
    AlreadyDecided,
    LimitReached,
    Suggestion,
    TipDraft,
    next_allowed,
    window_start,
)
from bot.limits import LIST_LIMIT

_SELECT_ONE = (
    "SELECT id, guild_id, user_id, title, body, source_url, credit_name, status, review_channel_id, "
    "review_message_id, reviewer_id, reason, tip_id, created_at, decided_at FROM tip_suggestions WHERE id = ?"
)
_SELECT_PENDING = (
    "SELECT id, guild_id, user_id, title, body, source_url, credit_name, status, review_channel_id, "
    "review_message_id, reviewer_id, reason, tip_id, created_at, decided_at FROM tip_suggestions "
    "WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT ?"
)


def _from_row(row: Any) -> Suggestion:
    decided = row["decided_at"]
    return Suggestion(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        title=row["title"],
        body=row["body"],
        source_url=row["source_url"],
        credit_name=row["credit_name"],
        status=row["status"],
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
        reviewer_id=row["reviewer_id"],
        reason=row["reason"],
        tip_id=row["tip_id"],
        created_at=from_storage(row["created_at"]),
        decided_at=from_storage(decided) if decided is not None else None,
    )


class SuggestionsRepository:
    def __init__(self, database: Database, server_tips: ServerTipsRepository) -> None:
        self._db = database
        self._server_tips = server_tips  # approving adds a server tip in the same transaction

    async def get(self, suggestion_id: int) -> Suggestion | None:
        rows = list(await self._db.connection.execute_fetchall(_SELECT_ONE, (suggestion_id,)))
        return _from_row(rows[0]) if rows else None

    async def pending(self, guild_id: int, limit: int = LIST_LIMIT) -> list[Suggestion]:
        """The server's oldest pending suggestions first."""
        rows = await self._db.connection.execute_fetchall(
            _SELECT_PENDING,
            (guild_id, limit),
        )
        return [_from_row(row) for row in rows]

    async def recent_count(self, guild_id: int, user_id: int, now: datetime) -> tuple[int, datetime | None]:
        """How many suggestions the member made here in the last 24 hours, and the oldest one's time."""
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT count(*), min(created_at) FROM tip_suggestions "
                "WHERE guild_id = ? AND user_id = ? AND created_at > ?",
                (guild_id, user_id, to_storage(window_start(now))),
            )
        )
        count, oldest = int(rows[0][0]), rows[0][1]
        return count, from_storage(oldest) if oldest is not None else None

    async def create(
        self, guild_id: int, user_id: int, draft: TipDraft, *, credit_name: str | None, now: datetime
    ) -> Suggestion:
        """Store a pending suggestion, or raise LimitReached (and store nothing)."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    "SELECT count(*), min(created_at) FROM tip_suggestions "
                    "WHERE guild_id = ? AND user_id = ? AND created_at > ?",
                    (guild_id, user_id, to_storage(window_start(now))),
                )
            )
            if int(rows[0][0]) >= DAILY_LIMIT:
                raise LimitReached(next_allowed(from_storage(rows[0][1])))
            cursor = await connection.execute(
                "INSERT INTO tip_suggestions (guild_id, user_id, title, body, source_url, credit_name, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, user_id, draft.title, draft.body, draft.source_url, credit_name, to_storage(now)),
            )
            suggestion_id = cursor.lastrowid
            created = await self._read(connection, suggestion_id)
        return created

    async def withdraw(self, suggestion_id: int) -> None:
        """Forget a suggestion that could not be posted for review (it never reached the moderators)."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM tip_suggestions WHERE id = ? AND status = 'pending'", (suggestion_id,)
            )

    async def set_review_message(self, suggestion_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE tip_suggestions SET review_channel_id = ?, review_message_id = ? WHERE id = ?",
                (channel_id, message_id, suggestion_id),
            )

    async def _read(self, connection: Any, suggestion_id: int | None) -> Suggestion:
        """A row just written in this transaction."""
        found = await self._decided(connection, suggestion_id) if suggestion_id is not None else None
        if found is None:
            raise RuntimeError(f"suggestion #{suggestion_id} vanished inside its own transaction")
        return found

    async def _decided(self, connection: Any, suggestion_id: int) -> Suggestion | None:
        rows = list(await connection.execute_fetchall(_SELECT_ONE, (suggestion_id,)))
        return _from_row(rows[0]) if rows else None

    async def approve(
        self,
        guild_id: int,
        suggestion_id: int,
        *,
        reviewer_id: int,
        now: datetime,
        edited: TipDraft | None = None,
    ) -> Suggestion:
        """Turn a pending suggestion into a server tip (as edited, if it was), audited, in one transaction.

        The tip credits the member only when they asked for credit. Raises AlreadyDecided otherwise.
        """
        async with self._server_tips.changing(guild_id) as connection:
            current = await self._decided(connection, suggestion_id)
            if current is None or current.guild_id != guild_id or current.status != "pending":
                raise AlreadyDecided(current)
            credit = (
                Credit(current.user_id, current.credit_name)
                if current.credit_name and current.user_id is not None
                else None
            )
            tip_id = await insert_tip(
                connection,
                guild_id=guild_id,
                draft=edited or current.draft,
                actor_id=reviewer_id,
                now=now,
                credit=credit,
                action="tip.add",
            )
            await connection.execute(
                "UPDATE tip_suggestions SET status = 'approved', reviewer_id = ?, tip_id = ?, decided_at = ? "
                "WHERE id = ? AND status = 'pending'",
                (reviewer_id, tip_id, to_storage(now), suggestion_id),
            )
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=reviewer_id,
                action="suggestion.approve",
                data={"suggestion": suggestion_id, "tip": tip_id, "edited": edited is not None},
                now=now,
            )
            decided = await self._read(connection, suggestion_id)
        return decided

    async def reject(
        self, guild_id: int, suggestion_id: int, *, reviewer_id: int, reason: str, now: datetime
    ) -> Suggestion:
        """Reject a pending suggestion with a reason, audited. Raises AlreadyDecided otherwise."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE tip_suggestions SET status = 'rejected', reviewer_id = ?, reason = ?, decided_at = ? "
                "WHERE id = ? AND guild_id = ? AND status = 'pending'",
                (reviewer_id, reason or None, to_storage(now), suggestion_id, guild_id),
            )
            if cursor.rowcount == 0:
                raise AlreadyDecided(await self._decided(connection, suggestion_id))
            await audit.record(
                connection,
                guild_id=guild_id,
                actor_id=reviewer_id,
                action="suggestion.reject",
                data={"suggestion": suggestion_id, "reason": reason or None},
                now=now,
            )
            decided = await self._read(connection, suggestion_id)
        return decided
