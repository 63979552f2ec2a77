"""Content engine: card and resource models, parsing, the data rules and the library.

The whole content check, with the rules that render embeds, is `bot.content_check`.
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
