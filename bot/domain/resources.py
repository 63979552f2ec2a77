"""/resources, the pure part: which support resources a member sees, in which order, on which page.

Rules:
- A region is "global" or an ISO 3166 alpha-2 code; resources marked "global" are always included.
- Crisis lines always show when asked for (with the topic crisis, or mental health, where they come
  first), chosen as on a sensitive card: the region's own verified lines, or with no country known (a
  DM, or a server that set no country) the largest regions' lines; then the worldwide directories.
- Grouped by topic: with no topic, each resource under its first topic, in the order of
  ``RESOURCE_TOPICS``. Within a group, resources for the member's own country come before global
  ones, phone lines before text lines before websites. The server's own resources come after all the
  built-in ones.
- Pages: at most 25 link buttons on a message; a longer list is cut into pages of 20, leaving the
  fifth row for Previous and Next, and each page's embed stays within a text budget.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources as package_files

from bot.content.crisis import DIRECT_MESSAGE_REGIONS
from bot.content.models import GLOBAL_REGION, ISO_REGIONS, RESOURCE_TOPICS, Resource
from bot.domain.suggestions import without_invisible
from bot.errors import Refusal, Typed
from bot.limits import BUTTON_LIMIT, LIST_LIMIT

CRISIS = "crisis"
MENTAL_HEALTH = "mental-health"
CRISIS_FIRST_TOPICS = frozenset({CRISIS, MENTAL_HEALTH})

MAX_BUTTONS = BUTTON_LIMIT
BUTTONS_PER_ROW = 5
PAGE_SIZE = 20  # when paginated: 4 rows of links, the fifth for Previous / Next

NAME_LIMIT = 80
DESCRIPTION_LIMIT = 200

_REGION_ALIASES = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "united kingdom": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "worldwide": GLOBAL_REGION,
    "world": GLOBAL_REGION,
    "anywhere": GLOBAL_REGION,
    "international": GLOBAL_REGION,
}


@dataclass(frozen=True, slots=True)
class ResourceEntry:
    """One resource as /resources shows it: a built-in one from resources.yaml, or a server's own."""

    ref: str
    name: str
    url: str
    description: str
    topics: tuple[str, ...]
    regions: tuple[str, ...]
    phone: str | None = None
    text: str | None = None
    from_server: bool = False

    @property
    def is_line(self) -> bool:
        """A phone or text line, not only a website."""
        return bool(self.phone or self.text)

    def serves(self, region: str) -> bool:
        return GLOBAL_REGION in self.regions or region in self.regions


@dataclass(frozen=True, slots=True)
class Group:
    topic: str
    entries: tuple[ResourceEntry, ...]
    from_server: bool = False

    @property
    def label(self) -> str:
        label = RESOURCE_TOPICS.get(self.topic, self.topic)
        return f"{label}, added by this server" if self.from_server else label


def library_entry(resource: Resource) -> ResourceEntry:
    return ResourceEntry(
        ref=f"library:{resource.id}",
        name=resource.name,
        url=resource.url,
        description=resource.description,
        topics=resource.topics,
        regions=resource.regions,
        phone=resource.phone,
        text=resource.text,
    )


def server_entry(
    resource_id: int, name: str, url: str, description: str, topic: str, region: str
) -> ResourceEntry:
    return ResourceEntry(
        ref=f"server:{resource_id}",
        name=name,
        url=url,
        description=description,
        topics=(topic,),
        regions=(region,),
        from_server=True,
    )


# ------------------------------------------------------------------------------------------ selection


def _ordered(entries: Iterable[ResourceEntry], region: str) -> tuple[ResourceEntry, ...]:
    """The member's own country first, then global; phone lines, then text lines, then websites."""
    indexed = list(enumerate(entries))
    local_first = region != GLOBAL_REGION
    indexed.sort(
        key=lambda pair: (
            local_first and region not in pair[1].regions,
            not pair[1].phone,
            not pair[1].is_line,
            pair[0],
        )
    )
    return tuple(entry for _index, entry in indexed)


def crisis_lines(builtin: Sequence[ResourceEntry], region: str) -> tuple[ResourceEntry, ...]:
    """The crisis resources to show for ``region``, as on a sensitive card (`bot.content.crisis`).

    The region's own lines (with no country known: the lines of the largest regions, region by
    region), then the worldwide directories of helplines, which are never missing. Lines of other
    countries would not help a member in ``region``, so they are not offered instead.
    """
    lines = [entry for entry in builtin if CRISIS in entry.topics and entry.is_line]
    directories = [
        entry
        for entry in builtin
        if CRISIS in entry.topics and not entry.is_line and GLOBAL_REGION in entry.regions
    ]
    if region == GLOBAL_REGION:
        chosen: list[ResourceEntry] = []
        for code in DIRECT_MESSAGE_REGIONS:
            chosen += [entry for entry in lines if code in entry.regions and entry not in chosen]
        return (*chosen, *directories)
    return (*_ordered((entry for entry in lines if region in entry.regions), region), *directories)


def _primary_topic(entry: ResourceEntry) -> str:
    return entry.topics[0]


def _server_groups(server: Sequence[ResourceEntry], topic: str | None, region: str) -> list[Group]:
    chosen = [entry for entry in server if entry.serves(region) and (topic is None or topic in entry.topics)]
    return [
        Group(slug, _ordered((e for e in chosen if _primary_topic(e) == slug), region), from_server=True)
        for slug in RESOURCE_TOPICS
        if any(_primary_topic(entry) == slug for entry in chosen)
    ]


def select_groups(
    builtin: Sequence[ResourceEntry],
    server: Sequence[ResourceEntry],
    *,
    topic: str | None,
    region: str,
) -> list[Group]:
    """The groups /resources shows for a topic (None: every topic) and a region, in display order."""
    crisis = crisis_lines(builtin, region)
    groups: list[Group] = []
    if topic in CRISIS_FIRST_TOPICS:
        if crisis:
            groups.append(Group(CRISIS, crisis))
        if topic == MENTAL_HEALTH:
            rest = [
                entry
                for entry in builtin
                if MENTAL_HEALTH in entry.topics and CRISIS not in entry.topics and entry.serves(region)
            ]
            if rest:
                groups.append(Group(MENTAL_HEALTH, _ordered(rest, region)))
    elif topic is not None:
        chosen = [entry for entry in builtin if topic in entry.topics and entry.serves(region)]
        if chosen:
            groups.append(Group(topic, _ordered(chosen, region)))
    else:
        for slug in RESOURCE_TOPICS:
            if slug == CRISIS:
                members: Sequence[ResourceEntry] = crisis
            else:
                members = _ordered(
                    (e for e in builtin if _primary_topic(e) == slug and e.serves(region)), region
                )
            if members:
                groups.append(Group(slug, tuple(members)))
    return groups + _server_groups(server, topic, region)


# ------------------------------------------------------------------------------------------ pages


def paginate(
    groups: Sequence[Group],
    *,
    entry_size: Callable[[ResourceEntry], int],
    group_size: int,
    budget: int,
) -> list[list[Group]]:
    """Cut the groups into pages: one page of at most MAX_BUTTONS entries when everything fits,
    else pages of at most PAGE_SIZE entries. A page also stays within ``budget`` characters, counting
    ``entry_size`` for each entry and ``group_size`` for each group heading on it."""
    flat = [(index, entry) for index, group in enumerate(groups) for entry in group.entries]
    if not flat:
        return [[]]
    total = sum(entry_size(entry) for _index, entry in flat) + group_size * len(groups)
    limit = MAX_BUTTONS if len(flat) <= MAX_BUTTONS and total <= budget else PAGE_SIZE
    pages: list[list[tuple[int, ResourceEntry]]] = [[]]
    used = 0
    for index, entry in flat:
        page = pages[-1]
        cost = entry_size(entry) + (group_size if not page or page[-1][0] != index else 0)
        if page and (len(page) >= limit or used + cost > budget):
            pages.append([])
            page = pages[-1]
            cost = entry_size(entry) + group_size
            used = 0
        page.append((index, entry))
        used += cost
    return [_regroup(groups, page) for page in pages]


def _regroup(groups: Sequence[Group], page: list[tuple[int, ResourceEntry]]) -> list[Group]:
    """The page's entries under their groups' headings (a group cut by a page break shows on both)."""
    regrouped: list[Group] = []
    last_index: int | None = None
    for index, entry in page:
        if index == last_index:
            regrouped[-1] = replace(regrouped[-1], entries=(*regrouped[-1].entries, entry))
        else:
            regrouped.append(Group(groups[index].topic, (entry,), groups[index].from_server))
        last_index = index
    return regrouped


# ------------------------------------------------------------------------------------------ input


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", stripped).split())


@cache
def country_names() -> dict[str, str]:
    """ISO code → English name, from the tz database's iso3166.tab (codes only if it is missing)."""
    names = {code: code for code in ISO_REGIONS}
    try:
        table = package_files.files("tzdata").joinpath("zoneinfo/iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return names
    for line in table.splitlines():
        code, _tab, name = line.partition("\t")
        if not line.startswith("#") and code in ISO_REGIONS and name:
            names[code] = name.strip()
    names["GB"] = "United Kingdom"  # the table says "Britain (UK)"
    return names


@cache
def _names_to_codes() -> dict[str, str]:
    found = {_fold(name): code for code, name in country_names().items()}
    found.update(_REGION_ALIASES)
    return found


def region_label(region: str) -> str:
    if region == GLOBAL_REGION:
        return "Global"
    return country_names().get(region, region)


def parse_region(text: str) -> str:
    """An ISO code (upper case) or "global" for what a member typed: a code, a country name, "UK"."""
    folded = _fold(text)
    if folded == GLOBAL_REGION:
        return GLOBAL_REGION
    if folded.upper() in ISO_REGIONS:
        return folded.upper()
    found = _names_to_codes().get(folded)
    if found is not None:
        return found
    raise Refusal("region.unknown", typed=Typed(text.strip()))


def parse_region_code(text: str) -> str:
    """A server's region setting: exactly a two-letter country code or "global"."""
    code = text.strip().lower()
    if code == GLOBAL_REGION:
        return GLOBAL_REGION
    if code.upper() in ISO_REGIONS:
        return code.upper()
    raise Refusal("region.not_a_region", typed=Typed(text.strip()))


def region_choices(current: str, offered: Sequence[str], limit: int = LIST_LIMIT) -> list[tuple[str, str]]:
    """(label, value) pairs for autocomplete: global and the regions Latch offers (each has a verified
    crisis line), those matching what is typed."""
    folded = _fold(current)
    names = {code: country_names().get(code, code) for code in offered}
    if not folded:
        popular = [(f"{names[code]} ({code})", code) for code in offered]
        return [("Global (every country)", GLOBAL_REGION), *popular][:limit]
    ranked: list[tuple[int, str, str]] = []
    if GLOBAL_REGION.startswith(folded):
        ranked.append((0, "Global (every country)", GLOBAL_REGION))
    alias = _REGION_ALIASES.get(folded)
    for code, name in names.items():
        name_folded = _fold(name)
        if code.lower() == folded or alias == code:
            rank = 0
        elif name_folded.startswith(folded):
            rank = 1
        elif folded in name_folded:
            rank = 2
        else:
            continue
        ranked.append((rank, f"{name} ({code})", code))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [(label, value) for _rank, label, value in ranked[:limit]]


def parse_topic(text: str) -> str:
    """A topic slug for a slug or its label (any case)."""
    folded = _fold(text)
    for slug, label in RESOURCE_TOPICS.items():
        if folded in (_fold(slug), _fold(label)):
            return slug
    raise Refusal("topic.unknown", typed=Typed(text.strip()), choices=tuple(RESOURCE_TOPICS.values()))


def clean_line(text: str, *, field: str, limit: int) -> str:
    """One line of a moderator's text, spaces collapsed; refused when empty or over ``limit``."""
    cleaned = " ".join(without_invisible(text).split())
    if not cleaned:
        raise Refusal("field.empty", field=field)
    if len(cleaned) > limit:
        raise Refusal("field.too_long", field=field, limit=limit, length=len(cleaned))
    return cleaned
