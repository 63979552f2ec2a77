"""The content library: the validated cards and resources the bot serves.

``load_library`` parses the tree (`bot.content.parsing`), adds the cross-file rules from
``bot.content.validation`` and refuses to build a library with problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.content.models import Card, Resource
from bot.content.parsing import ContentError, read_content
from bot.content.validation import check_parsed

__all__ = ["ContentError", "ContentLibrary", "load_library"]


class ContentLibrary:
    """Validated cards and resources. Lookups by name (title, alias, typos) live in ``CardIndex``."""

    def __init__(
        self, cards: Iterable[Card], resources: Iterable[Resource], offered_regions: Iterable[str] = ()
    ) -> None:
        ordered = sorted(cards, key=lambda card: card.id)
        self.facts: tuple[Card, ...] = tuple(card for card in ordered if card.kind == "fact")
        self.tips: tuple[Card, ...] = tuple(card for card in ordered if card.kind == "tip")
        self.resources: tuple[Resource, ...] = tuple(resources)
        # The countries /resources offers and whose crisis lines are checked, in menu order.
        self.offered_regions: tuple[str, ...] = tuple(offered_regions)
        self._by_id = {card.id: card for card in ordered}
        self._resources_by_id = {resource.id: resource for resource in self.resources}

    @property
    def cards(self) -> tuple[Card, ...]:
        return self.facts + self.tips

    def get(self, card_id: str) -> Card | None:
        """The card with this exact id."""
        return self._by_id.get(card_id)

    def related(self, card: Card) -> tuple[Card, ...]:
        """The cards ``card`` points to, in its order (ids are checked when the content loads)."""
        return tuple(found for card_id in card.related if (found := self._by_id.get(card_id)) is not None)

    def resource(self, resource_id: str) -> Resource | None:
        return self._resources_by_id.get(resource_id)


def load_library(root: Path) -> ContentLibrary:
    """Parse and validate the content tree; raise ContentError listing every problem found."""
    parsed = read_content(root)
    problems = check_parsed(parsed)
    if problems:
        raise ContentError(problems)
    return ContentLibrary(parsed.cards.values(), parsed.resources, parsed.offered_regions)
