"""Every persistent component, registered once by the bot so that buttons and menus on messages sent
before a restart keep working."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui.card_views import CARD_COMPONENTS
from bot.ui.letdown_view import LetdownButton
from bot.ui.privacy_views import ConfirmEraseButton
from bot.ui.reminder_views import ReminderButton
from bot.ui.search_views import OpenResultSelect
from bot.ui.server_tip_views import SERVER_TIP_COMPONENTS
from bot.ui.share_views import SHARE_COMPONENTS
from bot.ui.suggestion_views import SUGGESTION_COMPONENTS

PERSISTENT_COMPONENTS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    *CARD_COMPONENTS,
    LetdownButton,
    ConfirmEraseButton,
    ReminderButton,
    OpenResultSelect,
    *SERVER_TIP_COMPONENTS,
    *SHARE_COMPONENTS,
    *SUGGESTION_COMPONENTS,
)


def register_components(client: discord.Client) -> None:
    client.add_dynamic_items(*PERSISTENT_COMPONENTS)
