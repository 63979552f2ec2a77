"""Which crisis lines a reader sees, from resources.yaml: pure functions, no wording.

- A crisis line is a resource with the topic ``crisis`` and at least one number. It serves the regions
  it lists by code; "global" crisis resources without numbers are directories (findahelpline.com),
  shown to everyone after the lines.
- In a server the reader's region is the server's: every crisis line of that region, in file order.
  A region with no verified line of its own gets none (the wording says so and points to the
  directories); lines from other countries would not help there.
- In a DM (region None, or "global" when a server set no country) the reader's country is unknown: the
  lines of the largest regions, ``DIRECT_MESSAGE_REGIONS``, grouped by region.

``bot.ui.cards.word_crisis_lines`` turns a selection into the sentences members read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.content.models import GLOBAL_REGION, Resource

CRISIS_TOPIC = "crisis"

# The regions a DM lists, the largest groups of members first; a region without a crisis line is
# skipped. The unit tests check that each of these is offered and has a line.
DIRECT_MESSAGE_REGIONS: tuple[str, ...] = ("US", "GB", "CA", "AU", "IN")


@dataclass(frozen=True, slots=True)
class RegionLines:
    """The crisis lines of one region, in file order."""

    region: str
    lines: tuple[Resource, ...]


@dataclass(frozen=True, slots=True)
class CrisisSelection:
    """What to show: lines per region, then the directories.

    ``region`` is the reader's region, or None when it is unknown (a DM).
    """

    region: str | None
    regions: tuple[RegionLines, ...]
    directories: tuple[Resource, ...]

    @property
    def has_lines(self) -> bool:
        return any(group.lines for group in self.regions)


def is_crisis_line(resource: Resource) -> bool:
    return CRISIS_TOPIC in resource.topics and bool(resource.numbers)


def crisis_lines_of(resources: Iterable[Resource], region: str) -> tuple[Resource, ...]:
    """The crisis lines that list ``region`` by its code."""
    return tuple(
        resource for resource in resources if is_crisis_line(resource) and region in resource.regions
    )


def crisis_directories(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    """Worldwide crisis resources without numbers of their own: directories of helplines."""
    return tuple(
        resource
        for resource in resources
        if CRISIS_TOPIC in resource.topics and not resource.numbers and GLOBAL_REGION in resource.regions
    )


def select_crisis_lines(
    resources: Sequence[Resource],
    region: str | None,
    *,
    direct_message_regions: Sequence[str] = DIRECT_MESSAGE_REGIONS,
) -> CrisisSelection:
    """The crisis lines for a reader in ``region`` (None or "global": country unknown, as in a DM)."""
    directories = crisis_directories(resources)
    if region is None or region == GLOBAL_REGION:
        groups = (RegionLines(code, crisis_lines_of(resources, code)) for code in direct_message_regions)
        return CrisisSelection(None, tuple(group for group in groups if group.lines), directories)
    code = region.upper()
    return CrisisSelection(code, (RegionLines(code, crisis_lines_of(resources, code)),), directories)
