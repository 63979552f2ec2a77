"""Repository for `reminder_shares` (a reminder shared with a caregiver, by consent) and `share_declines`.

A share row is written when the owner invites someone (``consented_at`` NULL) and completed when that
person accepts; declining deletes it and records only who declined whom, and when, for a day. A
reminder has at most one share (its primary key), and deleting the reminder deletes its share.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.clock import from_storage, to_storage
from bot.db.database import Database
from bot.db.reminder_rows import optional_time
from bot.domain.reminders.sharing import Share
from bot.errors import Refusal


def _share(row: Any) -> Share:
    return Share(
        reminder_id=int(row["reminder_id"]),
        owner_id=int(row["owner_id"]),
        caregiver_id=int(row["caregiver_id"]),
        nights_only=bool(row["nights_only"]),
        consented_at=optional_time(row["consented_at"]),
    )


class ShareRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, reminder_id: int) -> Share | None:
        rows = list(
            await self._db.connection.execute_fetchall(
                "SELECT * FROM reminder_shares WHERE reminder_id = ?", (reminder_id,)
            )
        )
        return _share(rows[0]) if rows else None

    async def involving(self, user_id: int) -> list[Share]:
        """Shares the member owns or receives, by reminder."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT * FROM reminder_shares WHERE owner_id = ? OR caregiver_id = ? ORDER BY reminder_id",
            (user_id, user_id),
        )
        return [_share(row) for row in rows]

    async def invite(self, reminder_id: int, owner_id: int, caregiver_id: int, *, nights_only: bool) -> bool:
        """Store an invitation, not yet accepted (False when the reminder is not the owner's);
        Refusal("share.already_shared") when the reminder already has a share."""
        try:
            async with self._db.transaction() as connection:
                cursor = await connection.execute(
                    "INSERT INTO reminder_shares (reminder_id, owner_id, caregiver_id, nights_only, "
                    "consented_at) SELECT id, ?, ?, ?, NULL FROM reminders WHERE id = ? AND user_id = ?",
                    (owner_id, caregiver_id, int(nights_only), reminder_id, owner_id),
                )
                return cursor.rowcount > 0
        except sqlite3.IntegrityError as error:
            raise Refusal("share.already_shared", reminder=reminder_id) from error

    async def accept(self, reminder_id: int, caregiver_id: int, *, now: datetime) -> bool:
        """The invited person accepts; False when there is no open invitation for them."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE reminder_shares SET consented_at = ? "
                "WHERE reminder_id = ? AND caregiver_id = ? AND consented_at IS NULL",
                (to_storage(now), reminder_id, caregiver_id),
            )
            return cursor.rowcount > 0

    async def decline(
        self, reminder_id: int, caregiver_id: int, *, now: datetime, forget_before: datetime
    ) -> bool:
        """The invited person declines: the invitation goes and only the decline is kept (old ones are
        forgotten at the same time). False when there was no open invitation for them."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    "SELECT owner_id FROM reminder_shares "
                    "WHERE reminder_id = ? AND caregiver_id = ? AND consented_at IS NULL",
                    (reminder_id, caregiver_id),
                )
            )
            if not rows:
                return False
            await connection.execute("DELETE FROM reminder_shares WHERE reminder_id = ?", (reminder_id,))
            await connection.execute(
                "DELETE FROM share_declines WHERE declined_at < ?", (to_storage(forget_before),)
            )
            await connection.execute(
                "INSERT INTO share_declines (owner_id, caregiver_id, declined_at) VALUES (?, ?, ?)",
                (int(rows[0]["owner_id"]), caregiver_id, to_storage(now)),
            )
        return True

    async def remove(self, reminder_id: int, *, user_id: int | None = None) -> bool:
        """Delete the reminder's share (only if it names ``user_id``, when given); False when none."""
        async with self._db.transaction() as connection:
            if user_id is None:
                cursor = await connection.execute(
                    "DELETE FROM reminder_shares WHERE reminder_id = ?", (reminder_id,)
                )
            else:
                cursor = await connection.execute(
                    "DELETE FROM reminder_shares "
                    "WHERE reminder_id = ? AND (owner_id = ? OR caregiver_id = ?)",
                    (reminder_id, user_id, user_id),
                )
            return cursor.rowcount > 0

    async def declines(self, owner_id: int, caregiver_id: int, *, since: datetime) -> list[datetime]:
        """When ``caregiver_id`` declined ``owner_id``'s invitations, since ``since``."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT declined_at FROM share_declines "
            "WHERE owner_id = ? AND caregiver_id = ? AND declined_at >= ? ORDER BY declined_at",
            (owner_id, caregiver_id, to_storage(since)),
        )
        return [from_storage(row["declined_at"]) for row in rows]

    async def forget_declines(self, before: datetime) -> int:
        """Delete declines older than ``before``; how many."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM share_declines WHERE declined_at < ?", (to_storage(before),)
            )
            return max(cursor.rowcount, 0)
