"""The bot's services: one per feature, built once in `setup_hook` and held on the bot.

Cogs and `bot.ui` reach a feature only through these (``bot.services.reminders``, or
``services_of(interaction.client)`` from a view); each service owns its repositories. Features reach
each other through the objects given to them here, never by looking up a cog.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.service import CatalogService
from bot.clock import Clock
from bot.content.loader import ContentLibrary
from bot.curation.service import CurationService
from bot.db.database import Database
from bot.privacy.service import PrivacyService
from bot.reminders.service import ReminderService, Wakeups
from bot.reminders.sharing import ShareService
from bot.resources.service import ResourceService
from bot.search.service import SearchService
from bot.suggestions.service import SuggestionService
from bot.tip_posts.service import TipPostService


@dataclass(frozen=True, slots=True)
class Services:
    clock: Clock
    catalog: CatalogService
    search: SearchService
    resources: ResourceService
    curation: CurationService
    suggestions: SuggestionService
    tip_posts: TipPostService
    reminders: ReminderService
    shares: ShareService
    privacy: PrivacyService

    @classmethod
    def build(
        cls,
        database: Database,
        library: ContentLibrary,
        clock: Clock,
        *,
        reminder_wakeups: Wakeups | None = None,
    ) -> Services:
        """Every service over one database. The tip-post dispatcher, built on the tip-post service,
        is attached to it afterwards (``services.tip_posts.dispatcher``)."""
        curation = CurationService(database, clock)
        catalog = CatalogService(library, curation)
        suggestions = SuggestionService(database, clock, curation)
        reminders = ReminderService(database, clock, curation, reminder_wakeups)
        return cls(
            clock=clock,
            catalog=catalog,
            search=SearchService(database, clock),
            resources=ResourceService(library, curation),
            curation=curation,
            suggestions=suggestions,
            tip_posts=TipPostService(database, clock, catalog),
            reminders=reminders,
            # Its rows are declared with the reminders' (a share belongs to a reminder).
            shares=ShareService(database, clock, reminders),
            # Every feature that stores something about members, in the order its rows are erased.
            privacy=PrivacyService(database, clock, (reminders, suggestions, curation)),
        )


def services_of(client: object) -> Services:
    """The services of the bot an interaction came to (views and modals only get the client)."""
    services = getattr(client, "services", None)
    if not isinstance(services, Services):
        raise RuntimeError("the bot's services are built in setup_hook")
    return services
