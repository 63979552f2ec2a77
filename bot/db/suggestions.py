"""Repository for `tip_suggestions` (baseline revision): tips members suggested, and the decisions on them.

``create`` counts the member's suggestions of the last 24 hours and inserts in one transaction, so two
quick submissions cannot both slip under the limit. A decision (approve or reject) changes the row only
while it is still pending, so two moderators pressing at once cannot both decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import audit
from bot.db.database import Database
from bot.db.schema import tip_suggestions
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


def _from_row(row: Any) -> Suggestion:
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
        created_at=row["created_at"],
        decided_at=row["decided_at"],
    )


def _recent(guild_id: int, user_id: int, now: datetime) -> Any:
    """How many suggestions the member made in the server in the last 24 hours, and the oldest's time."""
    return select(func.count().label("n"), func.min(tip_suggestions.c.created_at).label("oldest")).where(
        tip_suggestions.c.guild_id == guild_id,
        tip_suggestions.c.user_id == user_id,
        tip_suggestions.c.created_at > window_start(now),
    )


def _this(suggestion_id: int) -> Any:
    return tip_suggestions.c.id == suggestion_id


class SuggestionsRepository:
    def __init__(self, database: Database, server_tips: ServerTipsRepository) -> None:
        self._db = database
        self._server_tips = server_tips  # approving adds a server tip in the same transaction

    async def get(self, suggestion_id: int) -> Suggestion | None:
        row = await self._db.fetch_one(select(tip_suggestions).where(_this(suggestion_id)))
        return _from_row(row) if row is not None else None

    async def pending(self, guild_id: int, limit: int = LIST_LIMIT) -> list[Suggestion]:
        """The server's oldest pending suggestions first."""
        rows = await self._db.fetch_all(
            select(tip_suggestions)
            .where(tip_suggestions.c.guild_id == guild_id, tip_suggestions.c.status == "pending")
            .order_by(tip_suggestions.c.id)
            .limit(limit)
        )
        return [_from_row(row) for row in rows]

    async def recent_count(self, guild_id: int, user_id: int, now: datetime) -> tuple[int, datetime | None]:
        """How many suggestions the member made here in the last 24 hours, and the oldest one's time."""
        row = await self._db.fetch_one(_recent(guild_id, user_id, now))
        if row is None:
            return 0, None
        return int(row["n"]), row["oldest"]

    async def create(
        self, guild_id: int, user_id: int, draft: TipDraft, *, credit_name: str | None, now: datetime
    ) -> Suggestion:
        """Store a pending suggestion, or raise LimitReached (and store nothing)."""
        async with self._db.transaction() as connection:
            recent = (await connection.execute(_recent(guild_id, user_id, now))).mappings().one()
            if int(recent["n"]) >= DAILY_LIMIT:
                raise LimitReached(next_allowed(recent["oldest"]))
            suggestion_id = await connection.scalar(
                insert(tip_suggestions)
                .values(
                    guild_id=guild_id,
                    user_id=user_id,
                    title=draft.title,
                    body=draft.body,
                    source_url=draft.source_url,
                    credit_name=credit_name,
                    created_at=now,
                )
                .returning(tip_suggestions.c.id)
            )
            created = await self._read(connection, suggestion_id)
        return created

    async def withdraw(self, suggestion_id: int) -> None:
        """Forget a suggestion that could not be posted for review (it never reached the moderators)."""
        async with self._db.transaction() as connection:
            await connection.execute(
                delete(tip_suggestions).where(_this(suggestion_id), tip_suggestions.c.status == "pending")
            )

    async def set_review_message(self, suggestion_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                update(tip_suggestions)
                .where(_this(suggestion_id))
                .values(review_channel_id=channel_id, review_message_id=message_id)
            )

    async def _read(self, connection: AsyncConnection, suggestion_id: int | None) -> Suggestion:
        """A row just written in this transaction."""
        found = await self._decided(connection, suggestion_id) if suggestion_id is not None else None
        if found is None:
            raise RuntimeError(f"suggestion #{suggestion_id} vanished inside its own transaction")
        return found

    async def _decided(self, connection: AsyncConnection, suggestion_id: int) -> Suggestion | None:
        row = (
            (await connection.execute(select(tip_suggestions).where(_this(suggestion_id)))).mappings().first()
        )
        return _from_row(row) if row is not None else None

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
                update(tip_suggestions)
                .where(_this(suggestion_id), tip_suggestions.c.status == "pending")
                .values(status="approved", reviewer_id=reviewer_id, tip_id=tip_id, decided_at=now)
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
            result = await connection.execute(
                update(tip_suggestions)
                .where(
                    _this(suggestion_id),
                    tip_suggestions.c.guild_id == guild_id,
                    tip_suggestions.c.status == "pending",
                )
                .values(status="rejected", reviewer_id=reviewer_id, reason=reason or None, decided_at=now)
            )
            if result.rowcount == 0:
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
