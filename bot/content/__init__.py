"""Content engine: card and resource models, the loader, and validation.

``check_content`` lives in ``bot.content.validation``; it is not re-exported here because validation
renders embeds with ``bot.ui.cards``, which itself imports the models from this package.
"""

from bot.content.loader import ContentError, ContentLibrary, load_library
from bot.content.models import (
    RESOURCE_TOPICS,
    TOPICS,
    Card,
    CardKind,
    Problem,
    Resource,
    Source,
)

__all__ = [
    "RESOURCE_TOPICS",
    "TOPICS",
    "Card",
    "CardKind",
    "ContentError",
    "ContentLibrary",
    "Problem",
    "Resource",
    "Source",
    "load_library",
]
