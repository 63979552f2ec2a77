"""Suggested tips: a member suggests one to the server's moderators, who approve, edit or reject it.

The suggestion is stored as pending only once it can be reviewed (the server chose a review channel);
posting it there and telling the member the outcome are Discord's part, in the cog and `bot.ui`. A
member can suggest at most 3 tips per server in any 24 hours; the count and the insert are one
transaction, and a decision changes the row only while it is still pending.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.curation.service import CurationService
from bot.db.database import Database
from bot.db.suggestions import SuggestionsRepository
from bot.domain.curation import GuildSettings
from bot.domain.privacy import SUGGESTION_DATA, UserData
from bot.domain.suggestions import (
    LimitReached,
    Suggestion,
    TipDraft,
    next_allowed,
    suggestions_left,
)
from bot.errors import Refusal


class SuggestionService:
    user_data: tuple[UserData, ...] = SUGGESTION_DATA

    def __init__(self, database: Database, clock: Clock, curation: CurationService) -> None:
        self.clock = clock
        self.curation = curation
        self.repository = SuggestionsRepository(database, curation.server_tips)

    async def open_for(self, guild_id: int, user_id: int) -> GuildSettings:
        """The server's settings when the member may suggest now; a Refusal when suggestions are off
        or the member reached the limit."""
        settings = await self.curation.settings(guild_id)
        if settings.review_channel_id is None:
            raise Refusal("suggest.off")
        count, oldest = await self.repository.recent_count(guild_id, user_id, self.clock.now())
        if not suggestions_left(count) and oldest is not None:
            raise LimitReached(next_allowed(oldest))
        return settings

    async def create(
        self, guild_id: int, user_id: int, draft: TipDraft, *, credit_name: str | None
    ) -> Suggestion:
        """Store a pending suggestion (LimitReached, and nothing stored, past the limit).

        A tip the server already has, or one waiting for review under the same title, is refused:
        otherwise a double submission would be reviewed, and approved, twice.
        """
        title = draft.title.casefold()
        taken = [tip.title for tip in await self.curation.tips(guild_id)]
        taken += [pending.title for pending in await self.repository.pending(guild_id)]
        if any(existing.casefold() == title for existing in taken):
            raise Refusal("suggest.duplicate")
        return await self.repository.create(
            guild_id, user_id, draft, credit_name=credit_name, now=self.clock.now()
        )

    async def withdraw(self, suggestion_id: int) -> None:
        """Forget a suggestion that could not be posted for review (it never reached the moderators)."""
        await self.repository.withdraw(suggestion_id)

    async def posted_for_review(self, suggestion_id: int, channel_id: int, message_id: int) -> None:
        await self.repository.set_review_message(suggestion_id, channel_id, message_id)

    async def left_today(self, guild_id: int, user_id: int) -> int:
        count, _oldest = await self.repository.recent_count(guild_id, user_id, self.clock.now())
        return suggestions_left(count)

    async def pending(self, guild_id: int) -> list[Suggestion]:
        return await self.repository.pending(guild_id)

    async def get(self, guild_id: int, suggestion_id: int) -> Suggestion:
        """A suggestion of this server (a Refusal for another server's or a deleted one)."""
        found = await self.repository.get(suggestion_id)
        if found is None or found.guild_id != guild_id:
            raise Refusal("suggestion.gone")
        return found

    async def approve(
        self, guild_id: int, suggestion_id: int, *, reviewer_id: int, edited: TipDraft | None = None
    ) -> Suggestion:
        """Turn a pending suggestion into a server tip; AlreadyDecided when someone was first."""
        return await self.repository.approve(
            guild_id, suggestion_id, reviewer_id=reviewer_id, now=self.clock.now(), edited=edited
        )

    async def reject(self, guild_id: int, suggestion_id: int, *, reviewer_id: int, reason: str) -> Suggestion:
        return await self.repository.reject(
            guild_id, suggestion_id, reviewer_id=reviewer_id, reason=reason, now=self.clock.now()
        )

    async def forget_user(self, user_id: int) -> None:
        """Nothing about members is held in memory here."""

    async def forget_server(self, guild_id: int) -> None:
        """Nothing about servers is held in memory here."""
