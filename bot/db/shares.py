"""Repository for `reminder_shares` (a reminder shared with a caregiver, by consent) and `share_declines`.

A share row is written when the owner invites someone (``consented_at`` NULL) and completed when that
person accepts; declining deletes it and records only who declined whom, and when, for a day. A
reminder has at most one share (its primary key), and deleting the reminder deletes its share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.db.database import Database
from bot.db.schema import reminder_shares, reminders, share_declines
from bot.db.types import Flag, Snowflake
from bot.domain.reminders.sharing import Share
from bot.errors import Refusal


def _share(row: Any) -> Share:
    return Share(
        reminder_id=int(row["reminder_id"]),
        owner_id=int(row["owner_id"]),
        caregiver_id=int(row["caregiver_id"]),
        nights_only=bool(row["nights_only"]),
        consented_at=row["consented_at"],
    )


def _open_invitation(reminder_id: int, caregiver_id: int) -> Any:
    return (
        (reminder_shares.c.reminder_id == reminder_id)
        & (reminder_shares.c.caregiver_id == caregiver_id)
        & reminder_shares.c.consented_at.is_(None)
    )


class ShareRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, reminder_id: int) -> Share | None:
        row = await self._db.fetch_one(
            select(reminder_shares).where(reminder_shares.c.reminder_id == reminder_id)
        )
        return _share(row) if row is not None else None

    async def involving(self, user_id: int) -> list[Share]:
        """Shares the member owns or receives, by reminder."""
        rows = await self._db.fetch_all(
            select(reminder_shares)
            .where(or_(reminder_shares.c.owner_id == user_id, reminder_shares.c.caregiver_id == user_id))
            .order_by(reminder_shares.c.reminder_id)
        )
        return [_share(row) for row in rows]

    async def invite(self, reminder_id: int, owner_id: int, caregiver_id: int, *, nights_only: bool) -> bool:
        """Store an invitation, not yet accepted (False when the reminder is not the owner's);
        Refusal("share.already_shared") when the reminder already has a share."""
        owned = select(
            reminders.c.id,
            literal(owner_id, Snowflake),
            literal(caregiver_id, Snowflake),
            literal(nights_only, Flag()),
        ).where(reminders.c.id == reminder_id, reminders.c.user_id == owner_id)
        statement = insert(reminder_shares).from_select(
            ["reminder_id", "owner_id", "caregiver_id", "nights_only"], owned
        )
        try:
            async with self._db.transaction() as connection:
                result = await connection.execute(statement)
                return result.rowcount > 0
        except IntegrityError as error:
            raise Refusal("share.already_shared", reminder=reminder_id) from error

    async def accept(self, reminder_id: int, caregiver_id: int, *, now: datetime) -> bool:
        """The invited person accepts; False when there is no open invitation for them."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                update(reminder_shares)
                .where(_open_invitation(reminder_id, caregiver_id))
                .values(consented_at=now)
            )
            return result.rowcount > 0

    async def decline(
        self, reminder_id: int, caregiver_id: int, *, now: datetime, forget_before: datetime
    ) -> bool:
        """The invited person declines: the invitation goes and only the decline is kept (old ones are
        forgotten at the same time). False when there was no open invitation for them."""
        async with self._db.transaction() as connection:
            owner_id = await connection.scalar(
                select(reminder_shares.c.owner_id).where(_open_invitation(reminder_id, caregiver_id))
            )
            if owner_id is None:
                return False
            await connection.execute(
                delete(reminder_shares).where(reminder_shares.c.reminder_id == reminder_id)
            )
            await connection.execute(
                delete(share_declines).where(share_declines.c.declined_at < forget_before)
            )
            await connection.execute(
                insert(share_declines).values(
                    owner_id=int(owner_id), caregiver_id=caregiver_id, declined_at=now
                )
            )
        return True

    async def remove(self, reminder_id: int, *, user_id: int | None = None) -> bool:
        """Delete the reminder's share (only if it names ``user_id``, when given); False when none."""
        statement = delete(reminder_shares).where(reminder_shares.c.reminder_id == reminder_id)
        if user_id is not None:
            statement = statement.where(
                or_(reminder_shares.c.owner_id == user_id, reminder_shares.c.caregiver_id == user_id)
            )
        async with self._db.transaction() as connection:
            result = await connection.execute(statement)
            return result.rowcount > 0

    async def declines(self, owner_id: int, caregiver_id: int, *, since: datetime) -> list[datetime]:
        """When ``caregiver_id`` declined ``owner_id``'s invitations, since ``since``."""
        rows = await self._db.fetch_all(
            select(share_declines.c.declined_at)
            .where(
                share_declines.c.owner_id == owner_id,
                share_declines.c.caregiver_id == caregiver_id,
                share_declines.c.declined_at >= since,
            )
            .order_by(share_declines.c.declined_at)
        )
        return [row["declined_at"] for row in rows]

    async def forget_declines(self, before: datetime) -> int:
        """Delete declines older than ``before``; how many."""
        async with self._db.transaction() as connection:
            result = await connection.execute(
                delete(share_declines).where(share_declines.c.declined_at < before)
            )
            return max(result.rowcount, 0)
